# Index: office codes (ST.3) and application numbers (ST.13 and office patterns).
lib-y += firmware/index/office.o firmware/index/appno.o
