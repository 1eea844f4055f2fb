# SPDX-License-Identifier: MIT
# agshim: one non-recursive Makefile for the shim, the reporter, the eBPF loader and the tests.

OUTPUT ?= .output
PREFIX ?= /usr/local
DESTDIR ?=
CC ?= cc
SAN ?= 0
V ?= 0

ifeq ($(SAN),1)
OUTPUT := $(OUTPUT)-san
# ASan must own malloc, so it cannot run inside a preloaded malloc
# interposer: the preloaded shim gets UBSan, and everything linked as a
# normal program (reporter, unit tests, which link the shim's modules
# directly) gets both.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SHIM_SAN_FLAGS := -fsanitize=undefined -fno-sanitize-recover=all
else
SAN_FLAGS :=
SHIM_SAN_FLAGS :=
endif

WARN := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
	-Wformat=2 -Wundef -Wmissing-field-initializers -Werror=undef
HARDEN := -fstack-protector-strong
ifneq ($(SAN),1)
HARDEN += -D_FORTIFY_SOURCE=2
endif
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g -O2 $(WARN) $(HARDEN) -Iinclude -I$(OUTPUT)
LDHARDEN := -Wl,-z,relro,-z,now

# User CFLAGS come last so they can override ours.
FINAL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
SHIM_CFLAGS = $(FINAL_CFLAGS) -fPIC -fvisibility=hidden -ftls-model=initial-exec \
	-fno-strict-aliasing -DAGS_SHIM=1

PKG_LIBS_REPORT := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
UNWIND_LIBS := $(shell pkg-config --libs libunwind 2>/dev/null || echo -lunwind)

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all shim reporter ebpf test check unit scenarios demo install uninstall bench \
	clean format format-check check-shim deps

# ---- sources, found by folder so each area adds files without editing here ----
SHIM_SRCS := $(sort $(wildcard shim/*.c))
SHIM_OBJS := $(patsubst shim/%.c,$(OUTPUT)/shim/%.o,$(SHIM_SRCS))
# Unit tests link the shim's modules as ordinary objects (no constructor),
# from an archive, so that a test pulls in only the modules it uses and
# wrappers it does not test never interpose on the test program itself.
SHIM_UNIT_OBJS := $(patsubst shim/%.c,$(OUTPUT)/shim-unit/%.o,$(SHIM_SRCS))
SHIM_UNIT_LIB := $(OUTPUT)/libagshim-unit.a
REPORT_UNIT_LIB := $(OUTPUT)/libagshim-report.a
REPORT_SRCS := $(sort $(wildcard reporter/*.c))
REPORT_OBJS := $(patsubst reporter/%.c,$(OUTPUT)/reporter/%.o,$(REPORT_SRCS))
REPORT_LIB_OBJS := $(filter-out $(OUTPUT)/reporter/main.o,$(REPORT_OBJS))
PLAYBOOK := $(sort $(wildcard playbook/*.json))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
PROG_SRCS := $(sort $(wildcard tests/progs/*.c))
PROG_BINS := $(patsubst tests/progs/%.c,$(OUTPUT)/progs/%,$(PROG_SRCS))

LIBAGSHIM := $(OUTPUT)/libagshim.so
REPORT := $(OUTPUT)/agshim-report

all: shim reporter ebpf progs

shim: $(LIBAGSHIM)
reporter: $(REPORT)
progs: $(PROG_BINS)

$(OUTPUT) $(OUTPUT)/shim $(OUTPUT)/shim-unit $(OUTPUT)/reporter $(OUTPUT)/tests $(OUTPUT)/progs:
	$(Q)mkdir -p $@

# ---- the preload shim ----
$(OUTPUT)/shim/%.o: shim/%.c $(wildcard shim/*.h include/agshim/*.h) | $(OUTPUT)/shim
	$(call msg,CC,$@)
	$(Q)$(CC) $(SHIM_CFLAGS) $(SHIM_SAN_FLAGS) -c $< -o $@

$(LIBAGSHIM): $(SHIM_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) -shared $(SHIM_SAN_FLAGS) $(LDHARDEN) \
		-o $@ $(SHIM_OBJS) -ldl $(UNWIND_LIBS) $(LDFLAGS)

$(OUTPUT)/shim-unit/%.o: shim/%.c $(wildcard shim/*.h include/agshim/*.h) | $(OUTPUT)/shim-unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(FINAL_CFLAGS) $(SAN_FLAGS) -fPIC -DAGS_UNIT_TEST=1 -c $< -o $@

# ---- the reporter ----
$(OUTPUT)/playbook.json: $(PLAYBOOK) scripts/playbook-merge | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)sh scripts/playbook-merge $(PLAYBOOK) > $@

$(OUTPUT)/reporter/%.o: reporter/%.c $(wildcard reporter/*.h include/agshim/*.h) \
		$(OUTPUT)/playbook.json | $(OUTPUT)/reporter
	$(call msg,CC,$@)
	$(Q)$(CC) $(FINAL_CFLAGS) $(SAN_FLAGS) -DAGS_PLAYBOOK_FILE='"$(OUTPUT)/playbook.json"' \
		-c $< -o $@

$(REPORT): $(REPORT_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(SAN_FLAGS) $(LDHARDEN) -o $@ $^ $(PKG_LIBS_REPORT) -lm $(LDFLAGS)

# ---- tests ----
$(SHIM_UNIT_LIB): $(SHIM_UNIT_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(REPORT_UNIT_LIB): $(REPORT_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(SHIM_UNIT_LIB) $(REPORT_UNIT_LIB) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(FINAL_CFLAGS) $(SAN_FLAGS) -Ishim -Ireporter -o $@ $< \
		$(REPORT_UNIT_LIB) $(SHIM_UNIT_LIB) -lcmocka $(PKG_LIBS_REPORT) -ldl \
		$(UNWIND_LIBS) -lm -lpthread

$(OUTPUT)/progs/%: tests/progs/%.c | $(OUTPUT)/progs
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 -g -O1 -Wall -Wextra -Werror -fno-omit-frame-pointer \
		$(if $(filter static_%,$*),-static,) -o $@ $< -lpthread $(LDFLAGS)

include ebpf/build.mk

unit: $(UNIT_BINS)
scenarios: all

# `make test` first makes sure the machine has what the suite needs.
test check: deps all $(UNIT_BINS)
	$(Q)OUTPUT=$(OUTPUT) SAN=$(SAN) sh tests/run.sh

demo: deps all
	$(Q)OUTPUT=$(OUTPUT) sh scripts/demo.sh

bench: deps all
	$(Q)OUTPUT=$(OUTPUT) sh tests/bench/run.sh

deps:
	$(Q)sh scripts/deps.sh

# ---- checks ----
check-shim: $(SHIM_OBJS)
	$(Q)sh scripts/check-shim.sh $(OUTPUT) $(LIBAGSHIM)

format:
	$(Q)clang-format -i $(filter-out %vmlinux.h,$(wildcard shim/*.[ch] reporter/*.[ch] \
		ebpf/*.[ch] include/agshim/*.h tests/unit/*.c tests/progs/*.c tests/bench/*.c))

format-check:
	$(Q)sh scripts/format-check.sh

# ---- install ----
install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/include/agshim $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/share/agshim
	install -m 0755 $(LIBAGSHIM) $(DESTDIR)$(PREFIX)/lib/libagshim.so
	install -m 0755 $(REPORT) $(DESTDIR)$(PREFIX)/bin/agshim-report
	$(if $(wildcard $(BPF_LOADER)),install -m 0755 $(BPF_LOADER) $(DESTDIR)$(PREFIX)/bin/agshim-bpf)
	sed 's|@LIBDIR@|$(PREFIX)/lib|g' scripts/agshim > $(DESTDIR)$(PREFIX)/bin/agshim
	chmod 0755 $(DESTDIR)$(PREFIX)/bin/agshim
	install -m 0755 scripts/docker-entrypoint.sh $(DESTDIR)$(PREFIX)/share/agshim/
	install -m 0644 include/agshim/*.h $(DESTDIR)$(PREFIX)/include/agshim/
	sed -e 's|@PREFIX@|$(PREFIX)|g' scripts/agshim.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/agshim.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libagshim.so $(DESTDIR)$(PREFIX)/bin/agshim-report \
		$(DESTDIR)$(PREFIX)/bin/agshim-bpf $(DESTDIR)$(PREFIX)/bin/agshim \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/agshim.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/agshim $(DESTDIR)$(PREFIX)/share/agshim

clean:
	rm -rf .output .output-*
