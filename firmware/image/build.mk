# Image stage: page encoders (G4 TIFF, JPEG) and the processing pipeline.
lib-y += firmware/image/encode.o firmware/image/tiffmem.o firmware/image/binarize.o
lib-y += firmware/image/clean.o firmware/image/process.o firmware/image/skew.o \
	firmware/image/updown.o
# Benchmark: build/bench/image_bench, driven by tests/bench/image.sh.
bench-y += image_bench binarize_bench
lib-y += firmware/image/pnm.o firmware/image/preview.o
# The page's pixel loops (thresholds, statistics, closings, marks, skew): vectorised by the
# compiler, which -O2 (gcc 12's very-cheap cost model) leaves undone for loops of unknown length.
$(O)/firmware/image/binarize.o $(O)/firmware/image/skew.o $(O)/firmware/image/clean.o \
	$(O)/firmware/image/updown.o: \
	CFLAGS += -O3
