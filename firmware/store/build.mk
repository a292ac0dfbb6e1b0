# The LMDB store: layout and migration, pages through one writer thread, queues, sealing.
lib-y += firmware/store/store.o firmware/store/writer.o firmware/store/queue.o \
	firmware/store/seal.o firmware/store/seal_index.o firmware/store/seal_build.o firmware/store/space.o firmware/store/arrange.o \
	firmware/store/ocrimg.o firmware/store/flags.o firmware/store/terms.o firmware/store/textindex.o
bench-y += store_bench search_bench
