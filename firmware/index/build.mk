# Documents: index fields, cover sheets (barcodes, PDF) and separation (zbar).
lib-y += firmware/index/docfields.o firmware/index/barcode.o firmware/index/coversheet.o \
	firmware/index/coverfind.o firmware/index/patchcode.o firmware/index/separate.o \
	firmware/index/sheetpdf.o
PKGS += zbar libqrencode cairo
bench-y += coversheet_bench
