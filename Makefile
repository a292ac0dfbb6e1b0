# Folio: the build.
#
#   make                 build the configured board (sim_defconfig when there is no .config)
#   make run             the whole station cycle on the simulated board
#   make check           every test, then all of them again under ASan+UBSan
#   make bench           benchmarks against peers measured in the same run
#   make lint            clang-format --dry-run, the include graph, cppcheck, clang-tidy
#   make deps            install missing Debian packages (idempotent)
#   make test-deps       and the npm packages the tests' servers need (make check, make bench)
#   make deb             a Debian package of the configured board (tools/deb/build.sh)
#   make deb-verify      the office's Debian package: folio-verify alone (tools/deb/verify.sh)
#   make <board>_defconfig, minimal_defconfig (configs/), menuconfig, savedefconfig, clean
#
# Options: O=DIR (build folder, default build), SANITIZE=address,undefined, CC=clang, V=1, WERROR=1,
# BOARD=NAME (build board/NAME in build/NAME from its defconfig, leaving .config alone).

ifneq ($(BOARD),)
O        ?= build/$(BOARD)
KCONFIG_CONFIG ?= $(O)/.config
endif
KCONFIG_CONFIG ?= .config
O        ?= build
SANITIZE ?=
V        ?= 0
PYTHON   := /usr/bin/python3
CC       := $(if $(filter default,$(origin CC)),gcc,$(CC))
AR       ?= ar
PKG_CONFIG ?= pkg-config
WERROR   ?= $(if $(CI),1,0)

ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
Q := @
quiet = @:
else ifeq ($(V),1)
Q :=
quiet = @:
else
Q := @
quiet = @printf '  %-8s %s\n'
endif

# Goals that need no configured build. run and check install the Debian packages first
# (kconfiglib among them) and configure and build in a make of their own afterwards.
CONFIG_GOALS := %_defconfig menuconfig savedefconfig olddefconfig clean distclean deps test-deps help lint-format \
	run check
BUILD_GOALS := $(filter-out $(CONFIG_GOALS),$(or $(MAKECMDGOALS),all))

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:

# ---------------------------------------------------------------------------------------------
# Configuration (kconfiglib)

AUTOCONF    := $(O)/include/generated/autoconf.h
AUTOCONF_MK := $(O)/include/config/auto.conf
KCONFIG_SRC := Kconfig $(sort $(wildcard */Kconfig */*/Kconfig))

# kconfiglib is a Debian package (python3-kconfiglib): without it, say what to do.
KCONFIGLIB_CHECK = $(PYTHON) -c 'import kconfiglib' 2>/dev/null || \
	{ echo "kconfiglib is not installed: run 'make deps' first (Debian package python3-kconfiglib)" >&2; exit 1; }

$(KCONFIG_CONFIG):
	@$(KCONFIGLIB_CHECK)
	@echo "  no $@: configuring board/$(or $(BOARD),sim)/defconfig"
	$(Q)mkdir -p $(@D)
	$(Q)KCONFIG_CONFIG=$@ $(PYTHON) -m defconfig --kconfig Kconfig board/$(or $(BOARD),sim)/defconfig >/dev/null

# A configuration that is not a board's (configs/minimal_defconfig), then the boards'.
%_defconfig: configs/%_defconfig
	@$(KCONFIGLIB_CHECK)
	$(Q)mkdir -p $(dir $(KCONFIG_CONFIG))
	$(Q)KCONFIG_CONFIG=$(KCONFIG_CONFIG) $(PYTHON) -m defconfig --kconfig Kconfig $<

%_defconfig: board/%/defconfig
	@$(KCONFIGLIB_CHECK)
	$(Q)mkdir -p $(dir $(KCONFIG_CONFIG))
	$(Q)KCONFIG_CONFIG=$(KCONFIG_CONFIG) $(PYTHON) -m defconfig --kconfig Kconfig $<

board/%/defconfig:
	@echo "no board '$*': see the folders in board/" >&2; exit 1

menuconfig: | $(KCONFIG_CONFIG)
	@$(KCONFIGLIB_CHECK)
	$(Q)KCONFIG_CONFIG=$(KCONFIG_CONFIG) $(PYTHON) -m menuconfig Kconfig

olddefconfig: | $(KCONFIG_CONFIG)
	$(Q)KCONFIG_CONFIG=$(KCONFIG_CONFIG) $(PYTHON) -m olddefconfig Kconfig

savedefconfig: | $(KCONFIG_CONFIG)
	$(Q)KCONFIG_CONFIG=$(KCONFIG_CONFIG) $(PYTHON) -m savedefconfig --kconfig Kconfig --out defconfig
	@echo "  wrote defconfig: copy it to board/<name>/defconfig"

$(AUTOCONF_MK) $(AUTOCONF) &: $(KCONFIG_CONFIG) $(KCONFIG_SRC)
	$(Q)mkdir -p $(dir $(AUTOCONF)) $(dir $(AUTOCONF_MK))
	$(Q)KCONFIG_CONFIG=$(KCONFIG_CONFIG) $(PYTHON) -m genconfig --header-path $(AUTOCONF) \
		--config-out $(AUTOCONF_MK) Kconfig
	$(Q)touch $(AUTOCONF) $(AUTOCONF_MK)

ifneq ($(BUILD_GOALS),)
-include $(AUTOCONF_MK)
endif

# Cross-building: the Raspberry Pi 4 is arm64. Debian's aarch64-linux-gnu toolchain and the
# :arm64 -dev packages (make deps BOARD=rpi4) build it on any Debian 12 machine;
# board/rpi4/pkgconfig stands in for the one -dev package that cannot be co-installed.
ifeq ($(CONFIG_BOARD_RPI4)-$(shell uname -m),y-x86_64)
CROSS_COMPILE ?= aarch64-linux-gnu-
PKG_CONFIG_LIBDIR ?= $(CURDIR)/board/rpi4/pkgconfig:/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
endif
ifneq ($(CROSS_COMPILE),)
CC       := $(CROSS_COMPILE)gcc
AR       := $(CROSS_COMPILE)ar
PKG_CONFIG := PKG_CONFIG_LIBDIR=$(PKG_CONFIG_LIBDIR) $(PKG_CONFIG)
endif

# ---------------------------------------------------------------------------------------------
# Objects: every folder's build.mk adds to these lists, selected by CONFIG_ symbols.
#   lib-y    objects of libfolio.a, which both programs and the tests link
#   sane-y   objects of the libsane-folio backend
#   tools-y  host tools: $(O)/bin/<name> from tools/<name>.c
#   prog-y   more station programs: $(O)/bin/<name> from the objects in <name>-objs
#   bench-y  benchmark programs: $(O)/bench/<name> from tests/bench/<name>.c
#   PKGS     pkg-config modules the objects need (a build.mk may add its own)

PKGS := sane-backends lept libtiff-4 libjpeg lmdb libxml-2.0 libsodium inih libsystemd
lib-y :=
prog-y :=
sane-y :=
tools-y :=
bench-y :=
include $(sort $(wildcard */build.mk */*/build.mk))

# ---------------------------------------------------------------------------------------------
# Flags

# pkg-config answers nothing for the whole list when one module is missing: name the missing
# ones instead of failing later on a header.
ifneq ($(BUILD_GOALS),)
PKGS_MISSING := $(shell for m in $(sort $(PKGS)); do $(PKG_CONFIG) --exists $$m || echo $$m; done)
ifneq ($(PKGS_MISSING),)
$(error pkg-config cannot find $(PKGS_MISSING): run 'make deps$(if $(BOARD), BOARD=$(BOARD))' to install the Debian packages)
endif
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(sort $(PKGS)) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(sort $(PKGS)) 2>/dev/null)
WARNINGS := -Wall -Wextra -Wundef -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wno-format-nonliteral -Wvla -Wpointer-arith -Wno-missing-field-initializers
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -fPIC -pthread $(WARNINGS) $(if $(filter 1,$(WERROR)),-Werror)
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
CPPFLAGS += -DFOLIO_VERSION='"$(VERSION)"' -D_GNU_SOURCE -Ifirmware/include -I$(O)/include/generated -I. $(PKG_CFLAGS) \
	-include $(AUTOCONF) -MMD -MP
LDFLAGS  += -pthread
LDLIBS   += $(PKG_LIBS) -lm

ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif

LIB       := $(O)/libfolio.a
PROGRAMS  := $(O)/bin/folio $(O)/bin/foliod
SANE_LIB  := $(O)/lib/sane/libsane-folio.so.1
TOOLS     := $(addprefix $(O)/bin/,$(tools-y))
EXTRA_PROGRAMS := $(addprefix $(O)/bin/,$(prog-y))
# A test of a subsystem that can be left out says so near its top: "requires: CONFIG_OCR" (any
# number of symbols). It is not built when one of them is off; tests/run.sh skips it, naming it.
ifneq ($(BUILD_GOALS),)
CONFIG_ON := $(foreach v,$(filter CONFIG_%,$(.VARIABLES)),$(if $(filter y,$($(v))),$(v)))
TESTS_UNMET := $(shell awk -v on=" $(CONFIG_ON) " 'FNR > 30 { nextfile } /requires: CONFIG_/ { \
	sub(/.*requires: */, ""); for (i = 1; i <= NF; i++) if ($$i ~ /^CONFIG_/ && index(on, " " $$i " ") == 0) { \
	print FILENAME; nextfile } }' tests/unit/*.c tests/integration/*.c tests/fuzz/*.c)
endif
UNIT_SRCS := $(filter-out $(TESTS_UNMET),$(sort $(wildcard tests/unit/test_*.c)))
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_SRCS))
ITEST_SRCS := $(filter-out $(TESTS_UNMET),$(sort $(wildcard tests/integration/*.c)))
ITEST_BINS := $(patsubst tests/integration/%.c,$(O)/tests/integration/%,$(ITEST_SRCS))
BENCH_BINS := $(addprefix $(O)/bench/,$(bench-y))
FUZZ_SRCS := $(filter-out $(TESTS_UNMET),$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(O)/tests/fuzz/%,$(FUZZ_SRCS))

lib-objs  := $(addprefix $(O)/,$(lib-y))
sane-objs := $(addprefix $(O)/,$(sane-y))

.PHONY: all programs tests clean distclean deps test-deps run check bench lint lint-format help deb deb-verify
.PHONY: menuconfig savedefconfig olddefconfig

all: programs $(EXTRA_PROGRAMS) $(if $(sane-y),$(SANE_LIB)) $(TOOLS)
programs: $(PROGRAMS)
tests: all $(UNIT_BINS) $(ITEST_BINS) $(FUZZ_BINS)

$(O)/%.o: %.c $(AUTOCONF)
	$(quiet) CC $<
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(lib-objs)
	$(quiet) AR $@
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(O)/bin/%: $(O)/firmware/%.o $(LIB)
	$(quiet) LD $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

define extra_program
$(O)/bin/$(1): $(addprefix $(O)/,$($(1)-objs)) $(LIB)
	$$(quiet) LD $$@
	$$(Q)mkdir -p $$(@D)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(LIB) $$(LDLIBS)
endef
$(foreach p,$(prog-y),$(eval $(call extra_program,$(p))))

$(SANE_LIB): $(sane-objs)
	$(quiet) LD $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,-soname,libsane-folio.so.1 -Wl,--no-undefined \
		-o $@ $^ $(LDLIBS)

$(O)/bin/%: $(O)/tools/%.o $(LIB)
	$(quiet) LD $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

$(O)/tests/integration/%: $(O)/tests/integration/%.o $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

# Fuzz targets, linked with a driver that replays their saved inputs (tests/fuzz/NAME/) in
# make check. Each target's header says how to build it with libFuzzer to fuzz onwards.
$(O)/tests/fuzz/fuzz_%: $(O)/tests/fuzz/fuzz_%.o $(O)/tests/fuzz/replay.o $(LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/bench/%: $(O)/tests/bench/%.o $(LIB)
	$(quiet) LD $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

-include $(shell find $(O) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------------------------------------
# The two commands, and their friends

deps:
	$(Q)tools/deps.sh $(if $(BOARD),$(BOARD),$(CONFIG_BOARD_NAME))

# What the tests need beyond Debian's packages: the npm packages of the test servers and the
# browser driver (tests/servers/install.sh). `make run` never needs them; a board other than
# sim runs only unit tests.
test-deps: deps
	$(Q)$(if $(filter-out sim,$(BOARD)),:,tests/servers/install.sh)

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/station-cycle.sh $(O)

check: test-deps
	$(Q)$(if $(filter-out sim,$(BOARD)),tools/board-check.sh $(BOARD) $(O),tests/check.sh)

deb: all
	$(Q)CC="$(CC)" tools/deb/build.sh $(O) "$(PROGRAMS) $(EXTRA_PROGRAMS)" $(if $(sane-y),$(SANE_LIB))

deb-verify: $(O)/bin/folio-verify
	$(Q)CC="$(CC)" tools/deb/verify.sh $(O)

bench: test-deps
	$(Q)$(MAKE) --no-print-directory all $(BENCH_BINS)
	$(Q)tests/bench/run.sh $(O)

LINT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

lint: all
	$(Q)tools/lint.sh $(O)

lint-format:
	$(Q)clang-format --dry-run --Werror $(LINT_SRCS)

clean:
	$(Q)rm -rf $(O)

distclean: clean
	$(Q)rm -f .config .config.old defconfig

help:
	@sed -n '2,13p' Makefile | sed 's/^# \{0,1\}//'
