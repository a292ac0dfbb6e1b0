# OCR: Tesseract engine wrapper, worker processes, accuracy scoring (ocr/*.h say more).
# The worker program folio-ocr-worker is ocr/worker_main.c linked with libfolio.a, and with
# ocr/worker_pixmem.c, its own pixWriteMem() (read that file before linking it anywhere else).
# hOCR and ALTO (hocr.c, alto.c) write stored OCR results into packages: built without OCR too.
lib-y += ocr/hocr.o ocr/alto.o
lib-$(CONFIG_OCR) += ocr/engine.o ocr/wire.o ocr/worker.o ocr/pool.o ocr/files.o ocr/score.o \
	ocr/lang.o
prog-$(CONFIG_OCR) += folio-ocr-worker
folio-ocr-worker-objs := ocr/worker_main.o ocr/worker_pixmem.o
bench-$(CONFIG_OCR) += ocr_bench
PKGS += $(if $(filter y,$(CONFIG_OCR)),tesseract icu-uc)
