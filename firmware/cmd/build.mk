# The command table shared by folio and the console.
lib-y += firmware/cmd/cmd.o firmware/cmd/cmd_config.o firmware/cmd/cmd_devices.o \
	firmware/cmd/cmd_scan.o firmware/cmd/cmd_batch.o firmware/cmd/cmd_export.o \
	firmware/cmd/cmd_page.o
lib-y += firmware/cmd/cmd_doc.o firmware/cmd/cmd_coversheet.o firmware/cmd/cmd_keygen.o \
	firmware/cmd/cmd_verify.o
lib-y += firmware/cmd/cmd_store.o firmware/cmd/cmd_search.o
lib-y += firmware/cmd/cmd_console.o
# Commands of a subsystem left out stay in the table and refuse in one line (CMD_IF in cmd.h).
lib-$(CONFIG_OCR) += firmware/cmd/cmd_ocr.o
lib-$(CONFIG_WEB) += firmware/cmd/cmd_web.o
lib-y += firmware/cmd/cmd_upload.o
lib-y += firmware/cmd/cmd_log.o firmware/cmd/evfilter.o
lib-y += firmware/cmd/cmd_backup.o
