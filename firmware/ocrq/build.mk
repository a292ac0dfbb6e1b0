# Recognition of the store's OCR queue (ocrq.h has the stand-in of a build without OCR).
lib-$(CONFIG_OCR) += firmware/ocrq/ocrq.o
