# Base: errors and logging, used by every module, driver and tool.
lib-y += firmware/base/errors.o firmware/base/log.o firmware/base/fileio.o firmware/base/secret.o \
	firmware/base/options.o firmware/base/progress_line.o firmware/base/utf8.o \
	firmware/base/sha256.o
# SHA-256 of page images and package files (sha256.h)
PKGS += libcrypto
