# Package: ST.96 XML for scanned documents and XML Schema validation.
lib-y += firmware/package/st96.o firmware/package/schema.o
# Packages: what the office receives for a batch.
lib-y += firmware/package/export.o
# Station signature of packages (Ed25519) and the office's verifier.
lib-y += firmware/package/sign.o firmware/package/verify.o firmware/package/events.o \
	firmware/package/receipt.o
lib-y += firmware/package/registry.o firmware/package/pdfcheck.o firmware/package/tiffcheck.o
lib-y += firmware/package/pdf.o
PKGS += zlib
# The office's verifier as a program of its own: libsodium, libxml2, liblmdb (its registry of
# accepted packages), zlib (the PDFs' compressed streams; libxml2 loads it anyway) and libc,
# nothing of the station (no SANE, Tesseract, Leptonica). Built with every `make`.
VERIFY_OBJS := $(addprefix $(O)/firmware/,package/verify_main.o package/verify.o \
	package/registry.o package/pdfcheck.o package/tiffcheck.o package/receipt.o \
	package/sign.o package/events.o package/schema.o package/st96.o domain/iptype.o \
	domain/office.o domain/appno.o base/errors.o base/fileio.o base/log.o base/secret.o base/options.o \
	base/progress_line.o base/utf8.o)
$(O)/bin/folio-verify: $(VERIFY_OBJS)
	$(quiet) LD $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -Wl,--as-needed -o $@ $^ \
		$(shell $(PKG_CONFIG) --libs libsodium libxml-2.0 lmdb zlib 2>/dev/null)
all: $(O)/bin/folio-verify
# Benchmark: time to write hOCR, ALTO and PDF per page; PDF size against the images.
bench-y += formats_bench
# Benchmark: folio-verify's peak memory on a 2 GB package (tests/bench/verify.sh) pads one.
bench-y += verify_pad
