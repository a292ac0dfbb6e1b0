# The station's domain: IP types, office codes (ST.3) and application numbers (ST.13 and office
# patterns). Below everything else of firmware/: these headers include only base headers.
lib-y += firmware/domain/iptype.o firmware/domain/office.o firmware/domain/appno.o
