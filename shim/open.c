/* SPDX-License-Identifier: MIT */
/* open, openat, creat and fopen: fd bookkeeping, and permission failures under a mount. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "net.h"
#include "real.h"
#include "sys.h"

/*
 * A volume mounted into a container fails in three ways that look alike
 * from the program: EACCES (owned by another uid, mode too tight), EROFS
 * (mounted read-only) and ENOENT (the mount is empty or elsewhere).  The
 * success path stores the fd's kind and nothing more; a failure under a
 * mount that is not the root filesystem and not a kernel pseudo filesystem
 * gets an open event with the mount, the owner and mode of the file (or of
 * its nearest existing parent) and the process's ids.
 */
/* glibc's fortify entry points; declared by its headers only under _FORTIFY_SOURCE. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

#define MOUNTS_MAX 96
#define OPEN_EVENTS_MAX 256

struct mount {
	char point[200];
	char fstype[24];
	char source[96];
	int ro;
};

static struct mount mounts[MOUNTS_MAX];
static int nmounts = -1; /* -1: not read yet */
static int open_sent;

static int pseudo_fs(const char *t)
{
	static const char *const names[] = { "proc",	    "sysfs",	"devtmpfs",   "devpts",
					     "cgroup",	    "cgroup2",	"mqueue",     "bpf",
					     "tracefs",	    "debugfs",	"securityfs", "pstore",
					     "hugetlbfs",   "configfs", "fusectl",    "autofs",
					     "binfmt_misc", "nsfs",	"efivarfs" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(t, names[i]))
			return 1;
	return 0;
}

/* mountinfo escapes spaces and friends as \ooo. */
static void unescape_copy(char *dst, size_t size, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < size; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3') {
			dst[o++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
					  (s[i + 3] - '0'));
			i += 3;
		} else {
			dst[o++] = s[i];
		}
	}
	dst[o] = '\0';
}

/* One mountinfo line: "id parent maj:min root point opts ... - fstype source superopts". */
static void mount_line(const char *s, size_t n)
{
	const char *f[12];
	size_t fl[12];
	int nf = 0, dash = -1;
	size_t i = 0;

	while (i < n && nf < 12) {
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n)
			break;
		f[nf] = s + i;
		while (i < n && s[i] != ' ')
			i++;
		fl[nf] = (size_t)(s + i - f[nf]);
		if (fl[nf] == 1 && f[nf][0] == '-' && dash < 0)
			dash = nf;
		nf++;
	}
	if (dash < 6 || nf < dash + 3 || nmounts >= MOUNTS_MAX)
		return;
	struct mount *m = &mounts[nmounts++];

	unescape_copy(m->point, sizeof(m->point), f[4], fl[4]);
	unescape_copy(m->fstype, sizeof(m->fstype), f[dash + 1], fl[dash + 1]);
	unescape_copy(m->source, sizeof(m->source), f[dash + 2], fl[dash + 2]);
	m->ro = fl[5] >= 2 && !memcmp(f[5], "ro", 2) && (fl[5] == 2 || f[5][2] == ',');
}

/* Read /proc/self/mountinfo once (the failure path only). */
static void load_mounts(void)
{
	char buf[4096];
	size_t have = 0;
	long fd, n;

	nmounts = 0;
	fd = ags_sys_open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	while ((n = ags_sys_read(fd, buf + have, sizeof(buf) - have)) > 0) {
		size_t len = have + (size_t)n, start = 0;

		for (size_t i = 0; i < len; i++) {
			if (buf[i] == '\n') {
				mount_line(buf + start, i - start);
				start = i + 1;
			}
		}
		have = len - start;
		if (have == sizeof(buf))
			have = 0; /* a line longer than the buffer: skip it */
		memmove(buf, buf + start, have);
	}
	ags_sys_close(fd);
}

/* The mount holding abs (the longest matching point), or NULL. */
static const struct mount *mount_of(const char *abs)
{
	const struct mount *best = NULL;
	size_t best_len = 0;

	for (int i = 0; i < nmounts; i++) {
		size_t k = strlen(mounts[i].point);

		if (k == 1 && mounts[i].point[0] == '/') {
			if (!best)
				best = &mounts[i];
			continue;
		}
		if (k >= best_len && !strncmp(abs, mounts[i].point, k) &&
		    (abs[k] == '/' || abs[k] == '\0')) {
			best = &mounts[i];
			best_len = k;
		}
	}
	return best;
}

/* dirfd + path as an absolute path in out; 0 when it cannot be known. */
static int absolute(int dirfd, const char *path, char *out, size_t size)
{
	size_t k, n = strlen(path);
	long r;

	if (path[0] == '/') {
		if (n >= size)
			return 0;
		memcpy(out, path, n + 1);
		return 1;
	}
	if (dirfd == AT_FDCWD) {
		r = ags_sys(SYS_getcwd, (long)out, (long)size, 0, 0);
		if (r <= 0)
			return 0;
	} else {
		char link[40] = "/proc/self/fd/";

		ags_fmt_u64(link + 14, (uint64_t)(dirfd < 0 ? 0 : dirfd));
		r = ags_sys_readlink(link, out, size - 1);
		if (r <= 0)
			return 0;
		out[r] = '\0';
	}
	k = strlen(out);
	if (k + 1 + n >= size)
		return 0;
	out[k] = '/';
	memcpy(out + k + 1, path, n + 1);
	return 1;
}

static const char *access_name(int flags)
{
	int acc = flags & O_ACCMODE;

	if (flags & O_CREAT)
		return acc == O_RDONLY	 ? "read+create"
		       : acc == O_WRONLY ? "write+create"
					 : "readwrite+create";
	return acc == O_RDONLY ? "read" : acc == O_WRONLY ? "write" : "readwrite";
}

static void open_failed(const char *call, int dirfd, const char *path, int flags, int err)
{
	char abs[AGS_PATH_MAX], at[AGS_PATH_MAX];
	const struct mount *m;
	struct stat st;
	struct ags_ev ev;

	if (!path || !absolute(dirfd, path, abs, sizeof(abs)))
		return;
	if (__atomic_load_n(&nmounts, __ATOMIC_ACQUIRE) < 0) {
		static int loading;

		if (__atomic_exchange_n(&loading, 1, __ATOMIC_ACQ_REL))
			return; /* another thread is reading the table right now */
		load_mounts();
	}
	m = mount_of(abs);
	/* The root filesystem and kernel pseudo filesystems are not volumes. */
	if (!m || !strcmp(m->point, "/") || pseudo_fs(m->fstype))
		return;
	if (__atomic_fetch_add(&open_sent, 1, __ATOMIC_RELAXED) >= OPEN_EVENTS_MAX)
		return;
	/* The file itself, or the nearest parent that exists. */
	memcpy(at, abs, strlen(abs) + 1);
	while (ags_sys(SYS_newfstatat, AT_FDCWD, (long)at, (long)&st, 0) != 0) {
		char *slash = strrchr(at, '/');

		if (!slash || slash == at) {
			strcpy(at, "/");
			if (ags_sys(SYS_newfstatat, AT_FDCWD, (long)at, (long)&st, 0) != 0)
				return;
			break;
		}
		*slash = '\0';
	}
	ags_ev_begin(&ev, AGS_KIND_OPEN, call);
	ags_ev_str(&ev, AGS_K_PATH, abs);
	ags_ev_int(&ev, AGS_K_RET, -1);
	ags_ev_errno(&ev, err);
	ags_ev_str(&ev, AGS_K_ACCESS, access_name(flags));
	ags_ev_obj(&ev, AGS_K_MOUNT);
	ags_ev_str(&ev, "point", m->point);
	ags_ev_str(&ev, "fstype", m->fstype);
	ags_ev_str(&ev, "source", m->source);
	ags_ev_bool(&ev, "ro", m->ro);
	ags_ev_close(&ev);
	ags_ev_str(&ev, AGS_K_AT, at);
	ags_ev_int(&ev, AGS_K_MODE, st.st_mode & 07777);
	ags_ev_int(&ev, AGS_K_OWNER_UID, st.st_uid);
	ags_ev_int(&ev, AGS_K_OWNER_GID, st.st_gid);
	ags_ev_int(&ev, AGS_K_UID, ags_sys(SYS_getuid, 0, 0, 0, 0));
	ags_ev_int(&ev, AGS_K_GID, ags_sys(SYS_getgid, 0, 0, 0, 0));
	ags_ev_int(&ev, AGS_K_EUID, ags_sys(SYS_geteuid, 0, 0, 0, 0));
	ags_ev_int(&ev, AGS_K_EGID, ags_sys(SYS_getegid, 0, 0, 0, 0));
	ags_ev_emit(&ev);
}

/* The result of every open-like call. */
static int opened(int fd, const char *call, int dirfd, const char *path, int flags)
{
	int err;

	if (AGS_LIKELY(fd >= 0)) {
		ags_fd_reused(fd);
		ags_fd_set(fd, AGS_FDK_FILE);
		return fd;
	}
	err = errno;
	if (ags_tracing(AGS_FAM_FD)) {
		ags_in_shim++;
		if (err == EMFILE || err == ENFILE)
			ags_fd_exhaust(call, err);
		else if (err == EACCES || err == EROFS || err == ENOENT || err == EPERM)
			open_failed(call, dirfd, path, flags, err);
		ags_in_shim--;
	}
	errno = err;
	return fd;
}

/* O_CREAT and O_TMPFILE carry a mode argument. */
#define MODE_ARG(flags, mode)                                    \
	do {                                                     \
		if ((flags) & (O_CREAT | __O_TMPFILE)) {         \
			va_list ap;                              \
			va_start(ap, flags);                     \
			mode = (mode_t)va_arg(ap, unsigned int); \
			va_end(ap);                              \
		}                                                \
	} while (0)

AGS_EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return opened(REAL(open)(path, flags, mode), "open", AT_FDCWD, path, flags);
}

AGS_EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return opened(REAL(open64)(path, flags, mode), "open64", AT_FDCWD, path, flags);
}

AGS_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return opened(REAL(openat)(dirfd, path, flags, mode), "openat", dirfd, path, flags);
}

AGS_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return opened(REAL(openat64)(dirfd, path, flags, mode), "openat64", dirfd, path, flags);
}

AGS_EXPORT int __open_2(const char *path, int flags)
{
	return opened(REAL(__open_2)(path, flags), "open", AT_FDCWD, path, flags);
}

AGS_EXPORT int __open64_2(const char *path, int flags)
{
	return opened(REAL(__open64_2)(path, flags), "open64", AT_FDCWD, path, flags);
}

AGS_EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return opened(REAL(__openat_2)(dirfd, path, flags), "openat", dirfd, path, flags);
}

AGS_EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return opened(REAL(__openat64_2)(dirfd, path, flags), "openat64", dirfd, path, flags);
}

AGS_EXPORT int creat(const char *path, mode_t mode)
{
	return opened(REAL(creat)(path, mode), "creat", AT_FDCWD, path,
		      O_CREAT | O_WRONLY | O_TRUNC);
}

AGS_EXPORT int creat64(const char *path, mode_t mode)
{
	return opened(REAL(creat64)(path, mode), "creat64", AT_FDCWD, path,
		      O_CREAT | O_WRONLY | O_TRUNC);
}

/* fopen's mode string as open flags, for the access the program asked. */
static int fopen_flags(const char *mode)
{
	int plus = mode && strchr(mode, '+') != NULL;

	if (!mode)
		return O_RDONLY;
	if (mode[0] == 'r')
		return plus ? O_RDWR : O_RDONLY;
	return (plus ? O_RDWR : O_WRONLY) | O_CREAT;
}

static FILE *fopened(FILE *f, const char *call, const char *path, const char *mode)
{
	int err = errno;

	if (f) {
		ags_fd_reused(fileno(f));
		ags_fd_set(fileno(f), AGS_FDK_FILE);
		return f;
	}
	opened(-1, call, AT_FDCWD, path, fopen_flags(mode));
	errno = err;
	return f;
}

AGS_EXPORT FILE *fopen(const char *path, const char *mode)
{
	return fopened(REAL(fopen)(path, mode), "fopen", path, mode);
}

AGS_EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return fopened(REAL(fopen64)(path, mode), "fopen64", path, mode);
}
