/* SPDX-License-Identifier: MIT */
/* Load-time set-up, per-process identity, and the start and exit events. */
#include "shim.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "emit.h"
#include "log.h"
#include "ownfd.h"
#include "real.h"
#include "sys.h"

static int exit_emitted;     /* proc_exit written for this process image */
static int main_status = -1; /* what main returned, when we saw it */

void ags_proc_refresh_child(void)
{
	ags_pid = (pid_t)ags_sys_getpid();
	ags_ppid = (pid_t)ags_sys_getppid();
	ags_tid = 0;
	ags_stats.events = 0;
	ags_stats.dropped = 0;
	ags_stats.last_drop_errno = 0;
	exit_emitted = 0;
}

/* /proc/self/cmdline as an argv array in static storage. */
static char **read_cmdline(void)
{
	static char buf[AGS_LINE_MAX];
	static char *argv[128];
	long fd, n;
	int argc = 0;

	fd = ags_sys_open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	n = ags_sys_read(fd, buf, sizeof(buf) - 1);
	ags_sys_close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	for (long i = 0; i < n && argc < 127; i += (long)strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	argv[argc] = NULL;
	return argv;
}

static void emit_start(void)
{
	struct ags_ev ev;
	char cwd[AGS_PATH_MAX];
	const char *preload = getenv("LD_PRELOAD");
	long n = ags_sys(SYS_getcwd, (long)cwd, sizeof(cwd), 0, 0);

	ags_ev_begin(&ev, AGS_KIND_PROC_START, NULL);
	ags_ev_argv(&ev, AGS_K_ARGV, read_cmdline());
	ags_ev_str(&ev, AGS_K_CWD, n > 0 ? cwd : NULL);
	ags_ev_int(&ev, AGS_K_UID, getuid());
	ags_ev_int(&ev, AGS_K_GID, getgid());
	ags_ev_bool(&ev, AGS_K_PRELOADED, preload && strstr(preload, "libagshim"));
	ags_ev_bool(&ev, AGS_K_FOLLOW, ags_cfg.follow);
	ags_ev_emit(&ev);
}

void ags_emit_exit(int status, int sig)
{
	struct ags_ev ev;

	if (ags_vfork_child) {
		/* Its parent's memory: the parent's proc_exit and counters are not ours. */
		ags_proc_vfork_exit();
		return;
	}
	if (ags_state <= 0 || __atomic_exchange_n(&exit_emitted, 1, __ATOMIC_ACQ_REL))
		return;
	ags_in_shim++;
	ags_exit_status = status;
	ags_run_exit_hooks();
	ags_ev_begin(&ev, AGS_KIND_PROC_EXIT, NULL);
	if (status >= 0)
		ags_ev_int(&ev, AGS_K_STATUS, status);
	ags_ev_int(&ev, AGS_K_SIGNAL, sig);
	/* This event counts itself. */
	ags_ev_uint(&ev, AGS_K_EVENTS, ags_stats.events + 1);
	ags_ev_uint(&ev, AGS_K_DROPPED, ags_stats.dropped);
	if (ags_stats.last_drop_errno)
		ags_ev_str(&ev, AGS_K_DROP_ERR, ags_errno_name(ags_stats.last_drop_errno));
	ags_ev_emit(&ev);
	ags_in_shim--;
}

void ags_note_exit_status(int status)
{
	main_status = status;
}

static void at_exit(void)
{
	ags_emit_exit(main_status, 0);
}

/* ./agshim.PID.jsonl in the starting directory, or in /tmp when that fails. */
static void default_out_path(void)
{
	char num[24];
	char *p = ags_cfg.out_path;
	long n = ags_sys(SYS_getcwd, (long)p, AGS_PATH_MAX - 40, 0, 0);

	if (n <= 0 || ags_sys(SYS_access, (long)p, W_OK, 0, 0) != 0)
		strcpy(p, "/tmp");
	strcat(p, "/agshim.");
	ags_fmt_u64(num, (uint64_t)ags_pid);
	strcat(p, num);
	strcat(p, ".jsonl");
}

/* A relative AGSHIM_OUT, made absolute so that children in other directories share it. */
static void absolute_out_path(void)
{
	char cwd[AGS_PATH_MAX];
	long n = ags_sys(SYS_getcwd, (long)cwd, sizeof(cwd), 0, 0);
	size_t lc, lo = strlen(ags_cfg.out_path);

	if (n <= 0)
		return;
	lc = strlen(cwd);
	if (lc + 1 + lo >= sizeof(ags_cfg.out_path))
		return;
	memmove(ags_cfg.out_path + lc + 1, ags_cfg.out_path, lo + 1);
	memcpy(ags_cfg.out_path, cwd, lc);
	ags_cfg.out_path[lc] = '/';
}

static void log_moved(int newfd)
{
	ags_cfg.log_fd = newfd;
}

static void open_log(void)
{
	long fd;

	if (!ags_cfg.log_path[0])
		return;
	fd = ags_sys_open(ags_cfg.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		long high = ags_sys_fcntl(fd, F_DUPFD_CLOEXEC, 900);

		if (high >= 0) {
			ags_sys_close(fd);
			fd = high;
		}
		ags_cfg.log_fd = (int)fd;
		ags_own_fd_add((int)fd, log_moved, NULL);
	}
}

static void init_once(void)
{
	Dl_info info;
	long n;
	int err;

	if (getauxval(AT_SECURE)) {
		ags_state = -1; /* set-uid and friends: do nothing at all */
		return;
	}
	ags_config_parse(&ags_cfg, (const char *(*)(const char *))getenv);
	if (getenv("AGSHIM_DISABLE") && !strcmp(getenv("AGSHIM_DISABLE"), "1")) {
		ags_state = -1;
		return;
	}
	ags_pid = (pid_t)ags_sys_getpid();
	ags_ppid = (pid_t)ags_sys_getppid();
	n = ags_sys_readlink("/proc/self/exe", ags_exe, sizeof(ags_exe) - 1);
	ags_exe[n > 0 ? n : 0] = '\0';
	if (dladdr((void *)init_once, &info) && info.dli_fname && info.dli_fname[0] == '/' &&
	    strlen(info.dli_fname) < sizeof(ags_cfg.lib_path))
		strcpy(ags_cfg.lib_path, info.dli_fname);
	open_log();
	if (!ags_cfg.out_path[0])
		default_out_path();
	else if (ags_cfg.out_path[0] != '/')
		absolute_out_path();
	ags_real_resolve();

	err = ags_out_open();
	if (err) {
		ERR("cannot open events file %s: %s; tracing is off", ags_cfg.out_path,
		    ags_errno_name(err));
		ags_state = -1;
		return;
	}
	ags_state = 1;
	ags_proc_init(environ);
	emit_start();
	atexit(at_exit);
}

int ags_ready(void)
{
	static int initializing;

	if (ags_state != 0)
		return ags_state > 0;
	/* Only one thread initialises; others pass through until it is done. */
	if (__atomic_exchange_n(&initializing, 1, __ATOMIC_ACQ_REL))
		return 0;
	ags_in_shim++;
	init_once();
	ags_in_shim--;
	return ags_state > 0;
}

#ifndef AGS_UNIT_TEST
/* Unit tests link this module as an ordinary object: no tracing at load. */
__attribute__((constructor(101))) static void ags_constructor(void)
{
	int saved = errno;

	ags_ready();
	errno = saved;
}
#endif
