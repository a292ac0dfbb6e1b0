# The run-time configuration (INI, table-driven) and its editing in place (confedit.c:
# 'config set' and 'config save' keep the file's comments and order).
lib-y += firmware/config/config.o firmware/config/confedit.o
