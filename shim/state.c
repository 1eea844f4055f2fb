/* SPDX-License-Identifier: MIT */
/* The shim's process-wide state and clocks, apart from init so unit tests can link them. */
#include "shim.h"

#include <time.h>

#include "sys.h"

struct ags_config ags_cfg = { .log_fd = -1 };
struct ags_stats ags_stats;
volatile int ags_state;
pid_t ags_pid;
pid_t ags_ppid;
char ags_exe[AGS_PATH_MAX];
__thread int ags_in_shim;
__thread pid_t ags_tid;

uint64_t ags_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t ags_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

pid_t ags_gettid(void)
{
	if (AGS_UNLIKELY(!ags_tid))
		ags_tid = (pid_t)ags_sys_gettid();
	return ags_tid;
}
