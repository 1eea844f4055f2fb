/* SPDX-License-Identifier: MIT */
/* Shim-wide state: configuration, per-process identity and the re-entrancy guard. */
#ifndef AGSHIM_SHIM_SHIM_H
#define AGSHIM_SHIM_SHIM_H

#include <stdint.h>
#include <sys/types.h>

#define AGS_HIDDEN __attribute__((visibility("hidden")))
#define AGS_EXPORT __attribute__((visibility("default")))
#define AGS_LIKELY(x) __builtin_expect(!!(x), 1)
#define AGS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define AGS_STR_(x) #x
#define AGS_STR(x) AGS_STR_(x)

/* Call families that AGSHIM_TRACE can switch on and off. */
enum ags_family {
	AGS_FAM_PROC = 1 << 0, /* fork, exec*, spawn, wait */
	AGS_FAM_NET = 1 << 1,  /* socket, connect, I/O errors */
	AGS_FAM_DNS = 1 << 2,  /* getaddrinfo and friends */
	AGS_FAM_FD = 1 << 3,   /* open, close, dup, EMFILE */
	AGS_FAM_HEAP = 1 << 4, /* the malloc family */
	AGS_FAM_ALL = 0x1f,
};

#define AGS_PATH_MAX 512

/* Read once from AGSHIM_* at load; never changed afterwards except by fork refresh. */
struct ags_config {
	char out_path[AGS_PATH_MAX]; /* absolute path of the events file */
	char lib_path[AGS_PATH_MAX]; /* this library, for LD_PRELOAD in children */
	char log_path[AGS_PATH_MAX]; /* AGSHIM_LOG, empty for stderr-less default */
	unsigned families;	     /* enum ags_family bits */
	int follow;		     /* children get LD_PRELOAD/AGSHIM_* back */
	int redact;		     /* hide secret-looking values */
	int log_level;		     /* AGS_LOG_* */
	int log_fd;		     /* AGSHIM_LOG_FD, or -1 */
	uint64_t heap_sample_bytes;  /* mean bytes between samples; 0 = off */
	uint64_t heap_interval_ms;   /* snapshot period, checked on alloc path */
	uint64_t zombie_ms;	     /* a child exited this long ago and unreaped */
	uint64_t slow_connect_ms;
	uint64_t slow_dns_ms;
};

/* Counters that end up in the proc_exit event. */
struct ags_stats {
	uint64_t events;  /* lines written */
	uint64_t dropped; /* lines lost: write failed or short */
	int last_drop_errno;
	uint64_t reopened; /* times the events fd had to be reopened */
};

extern struct ags_config ags_cfg AGS_HIDDEN;
extern struct ags_stats ags_stats AGS_HIDDEN;

/* 0 before init, 1 when tracing, -1 when off (AT_SECURE, AGSHIM_DISABLE=1, no output). */
extern volatile int ags_state AGS_HIDDEN;
extern pid_t ags_pid AGS_HIDDEN; /* cached getpid(), refreshed after fork */
extern pid_t ags_ppid AGS_HIDDEN;
extern char ags_exe[AGS_PATH_MAX] AGS_HIDDEN; /* /proc/self/exe at start */

/*
 * The re-entrancy guard.  Non-zero while this thread runs shim code, so that
 * anything the shim calls (libunwind, dlsym, its own writes) passes straight
 * through to the real function.  Initial-exec TLS: touching it never allocates.
 */
extern __thread int ags_in_shim AGS_HIDDEN;
/* Cached gettid() of this thread, 0 until first used; reset in fork children. */
extern __thread pid_t ags_tid AGS_HIDDEN;
/*
 * Non-zero in a vfork child (it shares its parent's memory, so it must not
 * touch per-process state: ags_pid, counters, tables).  Set and cleared by
 * the vfork wrapper; events there take their ids from raw system calls.
 */
extern __thread int ags_vfork_child AGS_HIDDEN;

/* Make sure init ran; returns 1 when the calling wrapper may record. Async-signal-safe. */
int ags_ready(void) AGS_HIDDEN;

/* True when the family is on and this thread is not already inside the shim. */
static inline int ags_tracing(unsigned family)
{
	if (AGS_UNLIKELY(ags_state <= 0) && !ags_ready())
		return 0;
	return (ags_cfg.families & family) && !ags_in_shim;
}

/* Refresh pid, ppid and per-process state in a fork child.  Async-signal-safe. */
void ags_proc_refresh_child(void) AGS_HIDDEN;

/* Set up the process family: environment to restore in children, children table. */
void ags_proc_init(char *const env[]) AGS_HIDDEN;

/* A vfork child is ending: write what it must (a pending exec failure) and nothing else. */
void ags_proc_vfork_exit(void) AGS_HIDDEN;

/* Thread id of the caller, cached. */
pid_t ags_gettid(void) AGS_HIDDEN;
/* pid and ppid for an event: the cached ones, or the kernel's in a vfork child. */
pid_t ags_self_pid(void) AGS_HIDDEN;
pid_t ags_self_ppid(void) AGS_HIDDEN;

/* Monotonic and wall clocks in ns. */
uint64_t ags_now_ns(void) AGS_HIDDEN;
uint64_t ags_mono_ns(void) AGS_HIDDEN;

/* Parse AGSHIM_* from an environment getter into cfg.  Pure: for unit tests too. */
void ags_config_parse(struct ags_config *cfg, const char *(*get)(const char *name)) AGS_HIDDEN;

/* Run fn at exit, before proc_exit is written (last registered runs first); at most 16. */
void ags_on_exit(void (*fn)(void)) AGS_HIDDEN;
/* The exit status proc_exit is about to report (-1 unknown), for exit hooks to read. */
extern int ags_exit_status AGS_HIDDEN;
/* Run the hooks registered with ags_on_exit; the caller holds ags_in_shim. */
void ags_run_exit_hooks(void) AGS_HIDDEN;

/* Set by _exit and _Exit: the process ends without running atexit handlers. */
extern volatile int ags_exit_fast AGS_HIDDEN;

/* Remember the status exit() or main's return passed, for proc_exit. */
void ags_note_exit_status(int status) AGS_HIDDEN;

/* Emit the proc_exit event once per process image; status -1 when unknown. */
void ags_emit_exit(int status, int sig) AGS_HIDDEN;

#endif /* AGSHIM_SHIM_SHIM_H */
