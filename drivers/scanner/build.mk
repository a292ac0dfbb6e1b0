lib-y += drivers/scanner/scanner.o
