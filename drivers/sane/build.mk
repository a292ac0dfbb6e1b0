# libsane-folio, the virtual document feeder (SANE backend): build/lib/sane/libsane-folio.so.1
sane-$(CONFIG_SANE_FOLIO_BACKEND) += drivers/sane/folio.o drivers/sane/feeder_config.o \
	drivers/sane/feeder_dbg.o drivers/sane/feeder_options.o drivers/sane/feeder_page.o \
	drivers/sane/feeder_unplug.o drivers/sane/feeder_place.o

# The conformance test names Debian's test backend in LeakSanitizer suppressions with
# __lsan_default_suppressions(), which the sanitizer runtime (a shared library) only sees when
# the program exports it.
$(O)/tests/integration/sane_conformance: LDFLAGS += \
	-Wl,--export-dynamic-symbol=__lsan_default_suppressions
