/* SPDX-License-Identifier: MIT */
/* Failure enrichment for exec and spawn: why a start failed, from the files themselves. */
#ifndef AGSHIM_SHIM_ENRICH_H
#define AGSHIM_SHIM_ENRICH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "emit.h"

/*
 * Everything here runs only after a call has failed.  It is allocation-free
 * and uses raw system calls only (no wrapper, errno untouched), so it is safe
 * in a fork child, a vfork child and a signal handler.
 */

/* The kernel's per-string limit for argv and environment (MAX_ARG_STRLEN). */
#define AGS_ARG_STRLEN_MAX (32 * 4096)

enum ags_head_type {
	AGS_HEAD_UNREADABLE, /* open or read failed: err says why */
	AGS_HEAD_EMPTY,
	AGS_HEAD_ELF,
	AGS_HEAD_SCRIPT, /* starts with #! */
	AGS_HEAD_OTHER,
};

/* What the first bytes of a file say about how it would run. */
struct ags_head {
	int type;	      /* enum ags_head_type */
	int err;	      /* errno of the failed open/read */
	int e_machine;	      /* ELF: machine number */
	int elf_class;	      /* ELF: 32 or 64 */
	char interp[256];     /* #! interpreter, or the ELF program interpreter (PT_INTERP) */
	char interp_arg[128]; /* #! argument, \r kept */
	int crlf;	      /* the #! line ends in \r\n */
	unsigned char magic[4];
	int magic_len;
};

/* Read path's head into h; returns 0 or an errno (also in h->err). */
int ags_read_head(const char *path, struct ags_head *h) AGS_HIDDEN;

/* "x86_64", "aarch64", ... or "unknown". */
const char *ags_machine_name(int e_machine) AGS_HIDDEN;
/* The ELF machine this shim was built for. */
int ags_host_machine(void) AGS_HIDDEN;

/* stat(2) through a raw call; returns 0 or an errno. */
int ags_stat(const char *path, struct stat *st) AGS_HIDDEN;
/*
 * The first leading part of path that does not exist, copied to out ("/a/b"
 * for "/a/b/c" when /a exists and /a/b does not).  Returns 1 when found,
 * 0 when every part exists or the path does not fit.
 */
int ags_first_missing(const char *path, char *out, size_t out_len) AGS_HIDDEN;
/* The first directory on path the caller cannot search (X_OK, effective ids); 1 when found. */
int ags_unsearchable_dir(const char *path, char *out, size_t out_len) AGS_HIDDEN;

/* Sizes the kernel counts against ARG_MAX, and the largest single string. */
struct ags_argsize {
	uint64_t argv_bytes; /* strings, NULs and pointers */
	uint64_t env_bytes;
	int64_t argc;
	int64_t envc;
	uint64_t largest;    /* bytes of the longest string, NUL included */
	int64_t largest_idx; /* argv index, or -1 when it is an environment string */
};
void ags_arg_sizes(char *const argv[], char *const envp[], struct ags_argsize *out) AGS_HIDDEN;
/* The total argv + environment limit the kernel applies now (stack rlimit / 4, capped). */
uint64_t ags_arg_max(void) AGS_HIDDEN;

/* A mount from mountinfo. */
struct ags_mount {
	char point[256];
	char fstype[32];
	char opts[160]; /* per-mount options: "rw,nosuid,noexec,relatime" */
};
/*
 * The mount holding abs_path on device dev (st_dev): the matching line of
 * mountinfo (normally /proc/self/mountinfo) with the longest mount point
 * that prefixes abs_path.  Returns 1 when found.
 */
int ags_mount_of(const char *mountinfo, const char *abs_path, dev_t dev,
		 struct ags_mount *m) AGS_HIDDEN;
/* 1 when a comma-separated option list holds opt as a whole word. */
int ags_has_opt(const char *opts, const char *opt) AGS_HIDDEN;

/* RLIMIT_NPROC and the cgroup's pids.max/pids.current (-1 when unlimited or unknown). */
struct ags_proc_limit {
	int64_t rlimit_nproc;
	int64_t pids_max;
	int64_t pids_current;
};
void ags_proc_limits(struct ags_proc_limit *out) AGS_HIDDEN;

/* One candidate an exec tried, with the errno it got. */
struct ags_try {
	const char *path;
	int err;
};

/* What an exec failure's explanation needs besides the tries. */
struct ags_exec_ctx {
	const char *name;	      /* the file argument as given */
	int final_err;		      /* the errno the program saw */
	int chdir_failed;	      /* a chdir failed earlier in this fork child */
	const char *chdir_path;	      /* ... naming this directory */
	const char *script;	      /* argv[1], for `env` running a script */
	const struct ags_argsize *sz; /* for E2BIG, or NULL */
	const char *path_env;	      /* the PATH searched, NULL when there was no search */
	const char *mountinfo;	      /* NULL: /proc/self/mountinfo */
};

/*
 * Add "cause" (when one applies) and "detail" to ev for a failed start.
 * Returns the cause (an AGS_CAUSE_* string) or NULL.
 */
const char *ags_explain_exec(struct ags_ev *ev, const struct ags_try *tries, int ntries,
			     const struct ags_exec_ctx *ctx) AGS_HIDDEN;

/* Add cause process_limit and its detail for an EAGAIN from fork or posix_spawn. */
void ags_explain_eagain(struct ags_ev *ev) AGS_HIDDEN;

#endif /* AGSHIM_SHIM_ENRICH_H */
