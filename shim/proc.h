/* SPDX-License-Identifier: MIT */
/* What the process wrappers share: fork-child state, pending exec failures, children, env. */
#ifndef AGSHIM_SHIM_PROC_H
#define AGSHIM_SHIM_PROC_H

#include <stdint.h>
#include <sys/types.h>

#include "shim.h"

/*
 * State of a fork child between its fork and its exec.  Zeroed by the fork
 * wrapper in the child; in a vfork child it lives in the parent's memory, so
 * the vfork wrapper zeroes it again when the parent resumes.
 */
struct ags_fork_state {
	int forked;	  /* this process is a fork child that has not exec'd */
	int chdir_failed; /* a chdir/fchdir failed here */
	char chdir_path[AGS_PATH_MAX];
};
extern struct ags_fork_state ags_fstate AGS_HIDDEN;

/* 1 when the caller is a fork or vfork child that has not exec'd yet. */
static inline int ags_in_fork_child(void)
{
	return ags_fstate.forked || ags_vfork_child;
}

/* Write the folded exec failure, if one is pending.  Async-signal-safe. */
void ags_exec_flush(void) AGS_HIDDEN;
/* Drop a pending failure without writing it (a vfork child's, seen by its parent). */
void ags_exec_forget(void) AGS_HIDDEN;

/*
 * Write a final exec failure now: cands/errs are the candidates tried (n of
 * them; with n == 0 the name itself), searched says it was a PATH search,
 * fallback that glibc goes on to run the file with /bin/sh.
 */
void ags_exec_report(const char *call, const char *name, int ret, int err, char *const argv[],
		     char *const envp[], const char *const *cands, const int *errs, int n,
		     int searched, int fallback) AGS_HIDDEN;

/*
 * Write an exec event for a start no exec call reported: a shell's 127 for
 * a command it did not find (shell is its name, name the command).
 */
void ags_exec_report_inferred(const char *shell, const char *name, char *const argv[],
			      const char *const *cands, const int *errs, int n) AGS_HIDDEN;
/*
 * The first command word of a `sh -c` string, past VAR=value assignments,
 * into out; 0 when it is not a plain word (quotes, expansions) or is a
 * shell builtin or reserved word.  Pure.
 */
int ags_shell_first_word(const char *cmd, char *out, size_t n) AGS_HIDDEN;
/* Register the shell-127 check at exit. */
void ags_shell_init(void) AGS_HIDDEN;

/* Work every process wrapper does first: flush a pending exec failure, check children. */
void ags_proc_tick(void) AGS_HIDDEN;

/* ---- children (children.c) ---- */
#define AGS_CHILDREN_MAX 256

/* Remember a child just started; cmd may be NULL.  Lock-free; no-op in a vfork child. */
void ags_children_add(pid_t pid, const char *cmd) AGS_HIDDEN;
/* The child was reaped: forget it.  Lock-free. */
void ags_children_reaped(pid_t pid) AGS_HIDDEN;
/* Check for zombies, at most every 100 ms.  Async-signal-safe. */
void ags_children_tick(void) AGS_HIDDEN;
/*
 * Check every child now (now_mono_ns from ags_mono_ns): zombies past
 * ags_cfg.zombie_ms get a child event once; at_exit also reports the ones
 * still running.  Returns the number of events written.
 */
int ags_children_check(uint64_t now_mono_ns, int at_exit) AGS_HIDDEN;
/* Forget every child (a fork child has none). */
void ags_children_reset(void) AGS_HIDDEN;
/* Children remembered now. */
int ags_children_count(void) AGS_HIDDEN;
/* Register the exit check; idempotent. */
void ags_children_init(void) AGS_HIDDEN;

/* ---- environment follow (env.c) ---- */

/* Room for a rebuilt environment on the caller's stack; larger ones are mmapped. */
#define AGS_ENVBUF_BYTES 8192
struct ags_envbuf {
	void *map;
	size_t map_len;
	char stack[AGS_ENVBUF_BYTES] __attribute__((aligned(16)));
};

/*
 * The environment a child should get: envp itself when it already carries
 * LD_PRELOAD naming this library and every AGSHIM_* this process started
 * with (or when AGSHIM_FOLLOW=0), otherwise a copy in b with them restored.
 * Never allocates with malloc; release with ags_env_release.  Safe in a fork
 * or vfork child.
 */
char *const *ags_env_follow(char *const envp[], struct ags_envbuf *b) AGS_HIDDEN;
/*
 * The first beat of the process-creating wrappers: *trace says whether this
 * call is recorded (and runs the children check when it is), and the
 * returned envp is the one to start the child with (ags_env_follow).
 */
char *const *ags_child_env(char *const envp[], struct ags_envbuf *b, int *trace) AGS_HIDDEN;
/* Unmap what ags_env_follow mapped, if anything. */
void ags_env_release(struct ags_envbuf *b) AGS_HIDDEN;
/* Take the AGSHIM_* and LD_PRELOAD strings to restore from env (the start environment). */
void ags_env_capture(char *const env[]) AGS_HIDDEN;
/* The value of name in env ("PATH" -> "/usr/bin:..."), or NULL.  No getenv. */
const char *ags_env_get(char *const env[], const char *name) AGS_HIDDEN;

#endif /* AGSHIM_SHIM_PROC_H */
