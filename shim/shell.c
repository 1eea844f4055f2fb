/* SPDX-License-Identifier: MIT */
/* A shell that exits 127 for `sh -c CMD`: name the command it did not find on PATH. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "emit.h"
#include "enrich.h"
#include "sys.h"

/*
 * `child_process.exec()` and `spawn(..., {shell: true})` run `/bin/sh -c CMD`.
 * A shell finds commands with stat(2) and never calls exec for one that is
 * not there: it prints "not found" and exits 127, so no exec event exists.
 * At such an exit the shim repeats the shell's search for the first word of
 * CMD and, when no candidate exists, writes the exec event the shell never
 * had a call for, marked "inferred".
 */

#define MAX_CANDS 16

static const char *const shells[] = { "sh", "dash", "bash", "ash", "ksh", "mksh", "zsh", NULL };

/* Reserved words and builtins: a 127 after these is not a missing program. */
static const char *const builtins[] = {
	"if",	 "then",   "else",   "elif",   "fi",	  "case",     "esac",	  "for",
	"while", "until",  "do",     "done",   "in",	  "function", "select",	  "time",
	"cd",	 "echo",   "exit",   "export", "read",	  "set",      "unset",	  "shift",
	"eval",	 "exec",   "test",   "[",      "return",  "source",   ".",	  ":",
	"true",	 "false",  "printf", "wait",   "kill",	  "trap",     "type",	  "command",
	"alias", "ulimit", "umask",  "local",  "getopts", "hash",     "readonly", "!",
	"{",	 "}",	   NULL,
};

static int in_list(const char *const *list, const char *s)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

int ags_shell_first_word(const char *cmd, char *out, size_t n)
{
	const char *p = cmd, *e;
	size_t len;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		e = p;
		while (*e && !strchr(" \t\n;&|<>()", *e))
			e++;
		len = (size_t)(e - p);
		if (len == 0 || len >= n)
			return 0;
		/* Quotes, expansions and escapes: the shell's reading is not ours to guess. */
		for (const char *q = p; q < e; q++)
			if (strchr("\"'`$\\*?[~", *q))
				return 0;
		if (!memchr(p, '=', len))
			break;
		p = e; /* VAR=value before the command */
	}
	memcpy(out, p, len);
	out[len] = '\0';
	return !in_list(builtins, out);
}

/* argv[0], argv[1] and argv[2] of this process from /proc/self/cmdline. */
static int shell_args(char *buf, size_t n, const char **a0, const char **a1, const char **a2)
{
	long fd = ags_sys_open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0), r;
	const char *end;

	if (fd < 0)
		return 0;
	r = ags_sys_read(fd, buf, n - 1);
	ags_sys_close(fd);
	if (r <= 0)
		return 0;
	buf[r] = '\0';
	end = buf + r;
	*a0 = buf;
	*a1 = *a0 + strlen(*a0) + 1;
	if (*a1 >= end)
		return 0;
	*a2 = *a1 + strlen(*a1) + 1;
	return *a2 < end;
}

static void shell_exit(void)
{
	char args[2048], word[256], store[MAX_CANDS][AGS_PATH_MAX];
	const char *a0, *a1, *a2, *cands[MAX_CANDS], *path, *p, *base;
	char *argv[4];
	int errs[MAX_CANDS], n = 0;
	struct stat st;

	/* Exit hooks run inside the shim: test the family directly. */
	if (ags_exit_status != 127 || ags_in_fork_child() || ags_state <= 0 ||
	    !(ags_cfg.families & AGS_FAM_PROC))
		return;
	base = strrchr(ags_exe, '/');
	base = base ? base + 1 : ags_exe;
	if (!in_list(shells, base) || !shell_args(args, sizeof(args), &a0, &a1, &a2) ||
	    strcmp(a1, "-c") != 0 || !ags_shell_first_word(a2, word, sizeof(word)) ||
	    strchr(word, '/'))
		return;
	path = ags_env_get(environ, "PATH");
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path; n < MAX_CANDS; p++) {
		const char *e = strchrnul(p, ':');
		size_t dl = (size_t)(e - p), wl = strlen(word);

		if (dl + wl + 2 <= AGS_PATH_MAX) {
			memcpy(store[n], p, dl);
			store[n][dl] = '/';
			memcpy(store[n] + dl + (dl ? 1 : 0), word, wl + 1);
			if (ags_stat(store[n], &st) == 0)
				return; /* it is there: the 127 came from something else */
			cands[n] = store[n];
			errs[n++] = ENOENT;
		}
		p = e;
		if (!*p)
			break;
	}
	argv[0] = (char *)a0;
	argv[1] = (char *)a1;
	argv[2] = (char *)a2;
	argv[3] = NULL;
	ags_exec_report_inferred(base, word, argv, cands, errs, n);
}

void ags_shell_init(void)
{
	ags_on_exit(shell_exit);
}
