# SPDX-License-Identifier: MIT
# eBPF programs and the agshim-bpf loader: CO-RE objects, bpftool skeletons, one loader binary.

BPF_LOADER := $(OUTPUT)/agshim-bpf
BPFTOOL ?= bpftool
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_ARCH := x86

BPF_SRCS := $(sort $(wildcard ebpf/*.bpf.c))
BPF_OBJS := $(patsubst ebpf/%.bpf.c,$(OUTPUT)/ebpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst ebpf/%.bpf.c,$(OUTPUT)/ebpf/%.skel.h,$(BPF_SRCS))
LOADER_SRCS := $(sort $(filter-out $(BPF_SRCS),$(wildcard ebpf/*.c)))
LOADER_OBJS := $(patsubst ebpf/%.c,$(OUTPUT)/ebpf/%.o,$(LOADER_SRCS))
BPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf) -lelf -lz

ebpf: $(BPF_LOADER)

$(OUTPUT)/ebpf:
	$(Q)mkdir -p $@

# vmlinux.h comes from the running kernel's BTF, so CO-RE relocations match this machine.
$(OUTPUT)/ebpf/vmlinux.h: | $(OUTPUT)/ebpf
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(OUTPUT)/ebpf/%.bpf.o: ebpf/%.bpf.c ebpf/record.h $(OUTPUT)/ebpf/vmlinux.h | $(OUTPUT)/ebpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(BPF_ARCH) \
		-I$(OUTPUT)/ebpf -Iebpf -Iinclude -c $< -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp && mv $@.tmp $@

$(OUTPUT)/ebpf/%.skel.h: $(OUTPUT)/ebpf/%.bpf.o | $(OUTPUT)/ebpf
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(OUTPUT)/ebpf/%.o: ebpf/%.c $(wildcard ebpf/*.h include/agshim/*.h) $(BPF_SKELS) | $(OUTPUT)/ebpf
	$(call msg,CC,$@)
	$(Q)$(CC) $(FINAL_CFLAGS) $(SAN_FLAGS) -I$(OUTPUT)/ebpf -Iebpf -c $< -o $@

$(BPF_LOADER): $(LOADER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(SAN_FLAGS) $(LDHARDEN) -o $@ $^ $(BPF_LIBS) $(PKG_LIBS_REPORT) $(LDFLAGS)
