# Package: ST.96 XML for scanned documents and XML Schema validation.
lib-y += firmware/package/st96.o firmware/package/schema.o
# Packages: what the office receives for a batch.
lib-y += firmware/package/export.o
# Station signature of packages (Ed25519) and the office's verifier.
lib-y += firmware/package/sign.o firmware/package/verify.o
lib-y += firmware/package/pdf.o
PKGS += zlib
# Benchmark: time to write hOCR, ALTO and PDF per page; PDF size against the images.
bench-y += formats_bench
