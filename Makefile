# SPDX-License-Identifier: GPL-2.0-or-later
# hvemu build.  `make` configures itself if needed; `make check` installs what
# is missing, builds, and runs every test; `make demo` boots a guest.

B ?= build
# Configure with defaults the first time, so `make` works on a fresh clone.
ifeq ($(wildcard $(B)/config.mk),)
$(info $(shell ./configure --builddir=$(B) >&2 || echo "configure failed"))
endif
include $(B)/config.mk

.DEFAULT_GOAL := all
Q := $(if $(V),,@)

WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
        -Wmissing-declarations -Wno-unused-parameter -Wno-missing-field-initializers \
        -Wvla -Wformat=2
# gcc's -Wshadow=local has no clang spelling; clang's -Wshadow is close enough.
WARN += $(if $(findstring clang,$(CC)),-Wshadow,-Wshadow=local)
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(SAN_CFLAGS) -I. -I$(B) -D_GNU_SOURCE \
              -pthread -fno-strict-aliasing -MMD -MP $(DEP_CFLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(SAN_CFLAGS) -pthread
LIBS := $(DEP_LIBS) -lm

SRC_DIRS := core cpu hw $(wildcard hw/*/) block net ui firmware monitor
LIB_SRCS := $(sort $(foreach d,$(SRC_DIRS),$(wildcard $(d:%/=%)/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
SUPPORT_SRCS := $(wildcard tests/support/*.c)
SUPPORT_OBJS := $(SUPPORT_SRCS:%.c=$(B)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test-*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(B)/%)
MACHINE_SRCS := $(wildcard tests/machine/test-*.c)
MACHINE_BINS := $(MACHINE_SRCS:%.c=$(B)/%)

all: $(B)/hvemu

$(B)/%.o: %.c $(B)/config.mk
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libhvemu.a: $(LIB_OBJS)
	$(if $(Q),@echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/hvemu: $(B)/main.o $(B)/libhvemu.a
	$(if $(Q),@echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(B)/libhvemu.a $(LIBS)

$(B)/tests/%: $(B)/tests/%.o $(SUPPORT_OBJS) $(B)/libhvemu.a
	$(if $(Q),@echo "  LINK    $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(SUPPORT_OBJS) $(B)/libhvemu.a $(LIBS)

tests: $(UNIT_BINS) $(MACHINE_BINS)

# ---- guests of the project's own, and the Debian Linux test guest ----
GUEST_DIR := $(B)/guests
guests-kernels:
	$(Q)$(MAKE) --no-print-directory -C tests/guests/kernels O=$(abspath $(GUEST_DIR)/kernels)
guest-linux:
	$(Q)tests/guests/linux/build.sh $(GUEST_DIR)/linux

# ---- the two commands ----
deps:
	$(Q)scripts/install-deps

# Everything is built first (normal, sanitizer and fuzzer trees, guests), then
# scripts/run-tests runs unit, machine, guest, ASan/UBSan and fuzz tests and
# prints one closing "N passed, N failed, N skipped" line.
check: deps
	$(Q)$(MAKE) --no-print-directory all tests guests-kernels guest-linux
	$(Q)$(MAKE) --no-print-directory asan-build
	$(Q)$(MAKE) --no-print-directory fuzz
	$(Q)scripts/run-tests $(B)

demo: deps
	$(Q)$(MAKE) --no-print-directory all guests-kernels
	$(Q)scripts/demo $(B)

# ---- sanitizers and fuzzing (separate build trees) ----
asan-build:
	$(Q)[ -f build-asan/config.mk ] || ./configure --builddir=build-asan --cc=clang \
	    --enable-asan --enable-ubsan >/dev/null
	$(Q)$(MAKE) --no-print-directory B=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer" tests
check-asan: asan-build
	$(Q)scripts/run-tests $(B) asan

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_HARNESS := $(filter-out $(FUZZ_SRCS),$(wildcard tests/fuzz/*.c))
FUZZ_CFLAGS := -std=gnu11 -O1 -g -fno-omit-frame-pointer -I. -I$(B) -D_GNU_SOURCE -pthread \
               -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
               $(DEP_CFLAGS)
FB := build-fuzz
FUZZ_LIB_OBJS := $(LIB_SRCS:%.c=$(FB)/%.o) $(SUPPORT_SRCS:%.c=$(FB)/%.o) \
                 $(FUZZ_HARNESS:%.c=$(FB)/%.o)
FUZZ_BINS := $(FUZZ_SRCS:%.c=$(FB)/%)

$(FB)/%.o: %.c $(B)/config.mk
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  FUZZCC  $<")
	$(Q)clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FB)/tests/fuzz/fuzz-%: $(FB)/tests/fuzz/fuzz-%.o $(FUZZ_LIB_OBJS)
	$(if $(Q),@echo "  FUZZLD  $@")
	$(Q)clang -fsanitize=fuzzer,address,undefined -pthread -o $@ $^ $(LIBS)

fuzz: $(FUZZ_BINS)
fuzz-check: fuzz
	$(Q)FUZZ_SECONDS=10 scripts/run-tests $(B) fuzz
fuzz-long: fuzz
	$(Q)FUZZ_SECONDS=600 scripts/run-tests $(B) fuzz

# ---- bench ----
bench: all guests-kernels
	$(Q)bench/run $(B)

# ---- install ----
install: all
	install -D -m 755 $(B)/hvemu $(DESTDIR)$(PREFIX)/bin/hvemu
	install -D -m 644 docs/hvemu.1 $(DESTDIR)$(PREFIX)/share/man/man1/hvemu.1
	install -d $(DESTDIR)$(PREFIX)/share/hvemu
	cp -r firmware/README.md $(DESTDIR)$(PREFIX)/share/hvemu/

clean:
	rm -rf $(B) build-asan build-fuzz

.PHONY: all tests deps check demo asan-build check-asan fuzz fuzz-check fuzz-long bench install clean \
        guests-kernels guest-linux

-include $(shell find $(B) $(FB) -name '*.d' 2>/dev/null)
