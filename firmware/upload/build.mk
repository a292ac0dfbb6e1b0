lib-y += firmware/upload/upload.o
