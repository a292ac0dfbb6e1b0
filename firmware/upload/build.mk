lib-y += firmware/upload/upload.o
# Transports: one package exactly once to file://, WebDAV, SFTP or S3 (transport.h).
lib-y += firmware/upload/transport.o firmware/upload/window.o firmware/upload/creds.o \
	firmware/upload/file.o firmware/upload/http.o firmware/upload/webdav.o \
	firmware/upload/sftp.o firmware/upload/s3.o firmware/upload/sigv4.o
# The office's receipts read back: delivered -> confirmed, or back to the supervisor.
lib-y += firmware/upload/receipts.o
PKGS += libcurl libcrypto
