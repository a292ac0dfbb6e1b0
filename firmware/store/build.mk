lib-y += firmware/store/store.o
