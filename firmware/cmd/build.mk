# The command table shared by folio and the console.
lib-y += firmware/cmd/cmd.o firmware/cmd/cmd_config.o firmware/cmd/cmd_devices.o \
	firmware/cmd/cmd_scan.o firmware/cmd/cmd_batch.o firmware/cmd/cmd_export.o \
	firmware/cmd/cmd_page.o
