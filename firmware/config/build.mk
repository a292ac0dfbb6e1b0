lib-y += firmware/config/config.o
