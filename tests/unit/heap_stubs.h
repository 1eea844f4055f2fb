/* SPDX-License-Identifier: MIT */
/* Weak stand-ins for init.c's globals, which the unit binaries do not link. */
#ifndef AGSHIM_TESTS_HEAP_STUBS_H
#define AGSHIM_TESTS_HEAP_STUBS_H

#include "shim.h"

__attribute__((weak)) struct ags_config ags_cfg;
__attribute__((weak)) struct ags_stats ags_stats;
__attribute__((weak)) volatile int ags_state;
__attribute__((weak)) pid_t ags_pid;
__attribute__((weak)) pid_t ags_ppid;
__attribute__((weak)) char ags_exe[AGS_PATH_MAX];
__attribute__((weak)) __thread int ags_in_shim;
__attribute__((weak)) pid_t ags_gettid(void)
{
	return 1;
}
__attribute__((weak)) uint64_t ags_now_ns(void)
{
	return 0;
}
__attribute__((weak)) void ags_note_exit_status(int status)
{
	(void)status;
}
__attribute__((weak)) void ags_emit_exit(int status, int sig)
{
	(void)status;
	(void)sig;
}

#endif /* AGSHIM_TESTS_HEAP_STUBS_H */
