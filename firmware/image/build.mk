# Image stage: page encoders (G4 TIFF, JPEG).
lib-y += firmware/image/encode.o firmware/image/tiffmem.o
