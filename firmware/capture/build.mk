lib-y += firmware/capture/capture.o
lib-y += firmware/capture/stage.o
