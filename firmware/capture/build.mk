lib-y += firmware/capture/capture.o
