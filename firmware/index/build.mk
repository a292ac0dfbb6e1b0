# Index: office codes (ST.3) and application numbers (ST.13 and office patterns).
lib-y += firmware/index/office.o firmware/index/appno.o
# Documents: index fields, cover sheets (barcodes, PDF) and separation (zbar).
lib-y += firmware/index/docfields.o firmware/index/barcode.o firmware/index/coversheet.o \
	firmware/index/coverfind.o firmware/index/separate.o
PKGS += zbar libqrencode cairo
bench-y += coversheet_bench
