/* SPDX-License-Identifier: MIT */
/* Shim-wide state, clocks and exit hooks, apart from init so unit tests can link them. */
#include "shim.h"

#include <time.h>

#include "sys.h"

struct ags_config ags_cfg = { .log_fd = -1 };
struct ags_stats ags_stats;
volatile int ags_state;
volatile int ags_exit_fast;
pid_t ags_pid;
pid_t ags_ppid;
char ags_exe[AGS_PATH_MAX];
__thread int ags_in_shim;
__thread pid_t ags_tid;
__thread int ags_vfork_child;
int ags_exit_status = -1;

#define EXIT_HOOKS_MAX 16
static void (*exit_hooks[EXIT_HOOKS_MAX])(void);
static int exit_hook_count;

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
	/* A vfork child runs on its parent's thread block: never cache there. */
	if (AGS_UNLIKELY(ags_vfork_child))
		return (pid_t)ags_sys_gettid();
	if (AGS_UNLIKELY(!ags_tid))
		ags_tid = (pid_t)ags_sys_gettid();
	return ags_tid;
}

pid_t ags_self_pid(void)
{
	if (AGS_UNLIKELY(ags_vfork_child))
		return (pid_t)ags_sys_getpid();
	return ags_pid;
}

pid_t ags_self_ppid(void)
{
	if (AGS_UNLIKELY(ags_vfork_child))
		return (pid_t)ags_sys_getppid();
	return ags_ppid;
}

void ags_on_exit(void (*fn)(void))
{
	int i = __atomic_fetch_add(&exit_hook_count, 1, __ATOMIC_ACQ_REL);

	if (i < EXIT_HOOKS_MAX)
		__atomic_store_n(&exit_hooks[i], fn, __ATOMIC_RELEASE);
}

void ags_run_exit_hooks(void)
{
	int n = __atomic_load_n(&exit_hook_count, __ATOMIC_ACQUIRE);

	if (n > EXIT_HOOKS_MAX)
		n = EXIT_HOOKS_MAX;
	for (int i = n - 1; i >= 0; i--) {
		void (*fn)(void) = __atomic_load_n(&exit_hooks[i], __ATOMIC_ACQUIRE);

		if (fn)
			fn();
	}
}
