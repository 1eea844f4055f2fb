# SPDX-License-Identifier: MIT
# eBPF programs and the agshim-bpf loader; filled in by the eBPF work.
BPF_LOADER := $(OUTPUT)/agshim-bpf
ebpf:
