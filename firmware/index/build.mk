# Documents: index fields, cover sheets (barcodes, PDF) and separation (zbar).
lib-y += firmware/index/docfields.o firmware/index/barcode.o firmware/index/coversheet.o \
	firmware/index/coverfind.o firmware/index/patchcode.o firmware/index/separate.o \
	firmware/index/sheetpdf.o
PKGS += zbar libqrencode cairo
bench-y += coversheet_bench
# The cover sheet's map and the patch rows read every page's pixels: vectorised at -O3 (see
# firmware/image/build.mk).
$(O)/firmware/index/coverfind.o $(O)/firmware/index/patchcode.o: CFLAGS += -O3
