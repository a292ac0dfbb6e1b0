# OCR: Tesseract engine wrapper, worker processes, accuracy scoring (ocr/*.h say more).
# The worker program folio-ocr-worker is ocr/worker_main.c linked with libfolio.a, and with
# ocr/worker_pixmem.c, its own pixWriteMem() (read that file before linking it anywhere else).
lib-y += ocr/engine.o ocr/wire.o ocr/worker.o ocr/pool.o ocr/files.o ocr/score.o ocr/hocr.o ocr/lang.o ocr/alto.o
prog-y += folio-ocr-worker
folio-ocr-worker-objs := ocr/worker_main.o ocr/worker_pixmem.o
bench-y += ocr_bench
PKGS += icu-uc
