#!/bin/sh
# SPDX-License-Identifier: MIT
# An aarch64 binary on this machine: execve says ENOEXEC, glibc's execvp then runs it as a
# /bin/sh script, and Node sees the shell's "not found" and status 127.
. "$AGS_ROOT/tests/scenarios/proc_common"

# A minimal ELF64 header for EM_AARCH64 (183), executable.
printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000\267\000' > tool
printf '\001\000\000\000' >> tool
head -c 100 /dev/zero >> tool
chmod 755 tool
spawn_both arm '{"file":"./tool"}'
seen_jq arm '.error == null and .code == 127 and (.stderr | test("not found"))' \
	"node sees the shell's not found and 127, not ENOEXEC"
ev_assert '.kind == "exec"' '.call == "execvp" and .err == "ENOEXEC" and
	.cause == "foreign_arch" and .fallback == "/bin/sh" and .detail.machine == "aarch64" and
	.detail.e_machine == 183 and .detail.host_machine == "x86_64"' \
	"the exec event names the foreign machine before glibc falls back to /bin/sh"
report_json r.json
assert_jq r.json '[.findings[] | select(.id == "spawn.foreign_arch")] | length == 1' \
	"one spawn.foreign_arch finding"
assert_jq r.json '.findings[] | select(.id == "spawn.foreign_arch") | .summary | test("tool")' \
	"the finding names the file"
