# The technician console: line editor, login, sessions on a serial line or a terminal, and
# `folio console` (start.c). Always built; CONFIG_CONSOLE decides whether foliod serves it.
lib-y += firmware/console/console.o firmware/console/lineedit.o firmware/console/words.o \
	firmware/console/tty.o firmware/console/start.o
