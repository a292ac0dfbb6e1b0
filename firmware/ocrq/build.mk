lib-y += firmware/ocrq/ocrq.o
