# Image stage: page encoders (G4 TIFF, JPEG) and the processing pipeline.
lib-y += firmware/image/encode.o firmware/image/tiffmem.o firmware/image/binarize.o
lib-y += firmware/image/clean.o firmware/image/process.o firmware/image/skew.o
# Benchmark: build/bench/image_bench, driven by tests/bench/image.sh.
bench-y += image_bench binarize_bench
lib-y += firmware/image/pnm.o firmware/image/preview.o
