# The technician console: line editor, login, sessions on a serial line or a terminal, and
# `folio console` (start.c). Without CONFIG_CONSOLE none of it is built (console.h stands in).
lib-$(CONFIG_CONSOLE) += firmware/console/console.o firmware/console/lineedit.o firmware/console/words.o \
	firmware/console/tty.o firmware/console/start.o
