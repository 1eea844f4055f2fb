/* SPDX-License-Identifier: MIT */
/* Failure enrichment: interpreter lines, ELF machines, permissions, mounts, sizes, limits. */
#include "enrich.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "agshim/event.h"
#include "sys.h"

#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

#define HEAD_BYTES 1024

int ags_stat(const char *path, struct stat *st)
{
	long r = ags_sys(SYS_newfstatat, AT_FDCWD, (long)path, (long)st, 0);

	return r < 0 ? (int)-r : 0;
}

/* access(2) with the effective ids, as exec checks them. */
static int eaccess_x(const char *path)
{
	long r = ags_sys(SYS_faccessat2, AT_FDCWD, (long)path, X_OK, AT_EACCESS);

	if (r == -ENOSYS)
		r = ags_sys(SYS_faccessat, AT_FDCWD, (long)path, X_OK, 0);
	return r < 0 ? (int)-r : 0;
}

static const struct {
	int em;
	const char *name;
} machines[] = {
	{ EM_386, "i386" },	   { EM_X86_64, "x86_64" },	  { EM_ARM, "arm" },
	{ EM_AARCH64, "aarch64" }, { EM_RISCV, "riscv" },	  { EM_PPC, "ppc" },
	{ EM_PPC64, "ppc64" },	   { EM_S390, "s390" },		  { EM_MIPS, "mips" },
	{ EM_SPARCV9, "sparcv9" }, { EM_LOONGARCH, "loongarch" },
};

const char *ags_machine_name(int e_machine)
{
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++)
		if (machines[i].em == e_machine)
			return machines[i].name;
	return "unknown";
}

int ags_host_machine(void)
{
#if defined(__x86_64__)
	return EM_X86_64;
#elif defined(__aarch64__)
	return EM_AARCH64;
#elif defined(__i386__)
	return EM_386;
#else
	return EM_NONE;
#endif
}

/* Copy at most n - 1 bytes and terminate. */
static void copy_str(char *dst, size_t n, const char *src, size_t len)
{
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* The kernel's reading of a #! line: interpreter, then one optional argument. */
static void parse_shebang(const char *buf, size_t n, struct ags_head *h)
{
	size_t i = 2, start, end;
	const char *nl = memchr(buf, '\n', n);
	size_t line_end = nl ? (size_t)(nl - buf) : n;

	h->type = AGS_HEAD_SCRIPT;
	h->crlf = line_end > 2 && buf[line_end - 1] == '\r';
	/* Trailing blanks go; a \r is no blank to the kernel and stays. */
	end = line_end;
	while (end > i && (buf[end - 1] == ' ' || buf[end - 1] == '\t'))
		end--;
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	start = i;
	while (i < end && buf[i] != ' ' && buf[i] != '\t')
		i++;
	copy_str(h->interp, sizeof(h->interp), buf + start, i - start);
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	copy_str(h->interp_arg, sizeof(h->interp_arg), buf + i, end - i);
}

static uint64_t rd(const unsigned char *p, int bytes, int le)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[le ? i : bytes - 1 - i] << (8 * i);
	return v;
}

/* The program interpreter of a 64-bit ELF (its dynamic loader), when it has one. */
static void elf_interp(long fd, const unsigned char *buf, size_t n, struct ags_head *h)
{
	int le = buf[EI_DATA] == ELFDATA2LSB;
	uint64_t phoff, off, len;
	unsigned phnum, phentsize;
	unsigned char ph[56];

	if (h->elf_class != 64 || n < 64)
		return;
	phoff = rd(buf + 32, 8, le);
	phentsize = (unsigned)rd(buf + 54, 2, le);
	phnum = (unsigned)rd(buf + 56, 2, le);
	if (phentsize < sizeof(ph) || phnum > 64)
		return;
	for (unsigned i = 0; i < phnum; i++) {
		if (ags_sys(SYS_pread64, fd, (long)ph, sizeof(ph), (long)(phoff + i * phentsize)) !=
		    (long)sizeof(ph))
			return;
		if (rd(ph, 4, le) != PT_INTERP)
			continue;
		off = rd(ph + 8, 8, le);
		len = rd(ph + 32, 8, le);
		if (len == 0 || len >= sizeof(h->interp))
			return;
		if (ags_sys(SYS_pread64, fd, (long)h->interp, (long)len, (long)off) != (long)len)
			return;
		h->interp[len - 1] = '\0';
		return;
	}
}

int ags_read_head(const char *path, struct ags_head *h)
{
	unsigned char buf[HEAD_BYTES];
	long fd, n;

	memset(h, 0, sizeof(*h));
	fd = ags_sys_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
	if (fd < 0) {
		h->err = (int)-fd;
		return h->err;
	}
	n = ags_sys_read(fd, buf, sizeof(buf));
	if (n < 0) {
		ags_sys_close(fd);
		h->err = (int)-n;
		return h->err;
	}
	h->magic_len = n < 4 ? (int)n : 4;
	memcpy(h->magic, buf, (size_t)h->magic_len);
	if (n == 0) {
		h->type = AGS_HEAD_EMPTY;
	} else if (n >= 20 && memcmp(buf, ELFMAG, SELFMAG) == 0) {
		int le = buf[EI_DATA] != ELFDATA2MSB;

		h->type = AGS_HEAD_ELF;
		h->elf_class = buf[EI_CLASS] == ELFCLASS64 ? 64 : 32;
		h->e_machine = (int)rd(buf + 18, 2, le);
		elf_interp(fd, buf, (size_t)n, h);
	} else if (n >= 2 && buf[0] == '#' && buf[1] == '!') {
		parse_shebang((const char *)buf, (size_t)n, h);
	} else {
		h->type = AGS_HEAD_OTHER;
	}
	ags_sys_close(fd);
	return 0;
}

/* Walk the leading parts of path: "/a", "/a/b", ... calling fn on each directory part. */
static int walk_dirs(const char *path, char *out, size_t out_len,
		     int (*fn)(const char *part, void *arg), void *arg, int include_last)
{
	char buf[AGS_PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		char saved;

		if (i < n && buf[i] != '/')
			continue;
		if (i == n && !include_last)
			break;
		if (buf[i - 1] == '/')
			continue; /* "//" or the root itself */
		saved = buf[i];
		buf[i] = '\0';
		if (fn(buf, arg)) {
			copy_str(out, out_len, buf, i);
			return 1;
		}
		buf[i] = saved;
	}
	return 0;
}

static int part_missing(const char *part, void *arg)
{
	struct stat st;
	int err = ags_stat(part, &st);

	(void)arg;
	return err == ENOENT || err == ENOTDIR;
}

int ags_first_missing(const char *path, char *out, size_t out_len)
{
	return walk_dirs(path, out, out_len, part_missing, NULL, 1);
}

static int part_unsearchable(const char *part, void *arg)
{
	struct stat st;

	(void)arg;
	return ags_stat(part, &st) == 0 && S_ISDIR(st.st_mode) && eaccess_x(part) == EACCES;
}

int ags_unsearchable_dir(const char *path, char *out, size_t out_len)
{
	return walk_dirs(path, out, out_len, part_unsearchable, NULL, 0);
}

static uint64_t strings_bytes(char *const v[], int64_t *count, uint64_t *largest,
			      int64_t *largest_idx, int is_env)
{
	uint64_t total = 0;
	int64_t i = 0;

	for (; v && v[i]; i++) {
		uint64_t len = strlen(v[i]) + 1;

		total += len + sizeof(char *);
		if (len > *largest) {
			*largest = len;
			*largest_idx = is_env ? -1 : i;
		}
	}
	*count = i;
	return total;
}

void ags_arg_sizes(char *const argv[], char *const envp[], struct ags_argsize *out)
{
	memset(out, 0, sizeof(*out));
	out->largest_idx = -1;
	out->argv_bytes = strings_bytes(argv, &out->argc, &out->largest, &out->largest_idx, 0);
	out->env_bytes = strings_bytes(envp, &out->envc, &out->largest, &out->largest_idx, 1);
}

uint64_t ags_arg_max(void)
{
	struct rlimit rl;
	/* fs/exec.c: a quarter of the stack limit, at most 3/4 of _STK_LIM, at least 32 pages. */
	uint64_t limit = 8ull * 1024 * 1024 / 4 * 3;

	if (ags_sys(SYS_prlimit64, 0, RLIMIT_STACK, 0, (long)&rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 4 < limit)
		limit = rl.rlim_cur / 4;
	if (limit < 32 * 4096)
		limit = 32 * 4096;
	return limit;
}

int ags_has_opt(const char *opts, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = opts; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && memcmp(p, opt, n) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* Field i (0-based, space-separated) of a mountinfo line, octal escapes decoded. */
static int field(const char *line, int i, char *out, size_t out_len)
{
	const char *p = line;
	size_t o = 0;

	for (int f = 0; f < i; f++) {
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	while (*p && *p != ' ' && o + 1 < out_len) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] && p[3]) {
			out[o++] = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
			p += 4;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return 1;
}

static int prefixes(const char *point, const char *path)
{
	size_t n = strlen(point);

	if (n == 1 && point[0] == '/')
		return 1;
	return strncmp(point, path, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* One mountinfo line: keep it when it is on dev and its point is the longest prefix yet. */
static void mount_line(const char *line, const char *abs_path, dev_t dev, struct ags_mount *m,
		       size_t *best)
{
	char devs[32], point[sizeof(m->point)], want[32];
	const char *sep;
	size_t n;

	if (!field(line, 2, devs, sizeof(devs)) || !field(line, 4, point, sizeof(point)))
		return;
	n = ags_fmt_u64(want, major(dev));
	want[n++] = ':';
	ags_fmt_u64(want + n, minor(dev));
	if (strcmp(devs, want) != 0 || !prefixes(point, abs_path) || strlen(point) < *best)
		return;
	sep = strstr(line, " - ");
	if (!sep)
		return;
	*best = strlen(point);
	memcpy(m->point, point, sizeof(point));
	field(line, 5, m->opts, sizeof(m->opts));
	field(sep + 3, 0, m->fstype, sizeof(m->fstype));
}

int ags_mount_of(const char *mountinfo, const char *abs_path, dev_t dev, struct ags_mount *m)
{
	char buf[8192];
	size_t have = 0, best = 0;
	int found = 0;
	long fd = ags_sys_open(mountinfo ? mountinfo : "/proc/self/mountinfo", O_RDONLY | O_CLOEXEC,
			       0);

	if (fd < 0)
		return 0;
	memset(m, 0, sizeof(*m));
	for (;;) {
		long n = ags_sys_read(fd, buf + have, sizeof(buf) - 1 - have);
		char *line = buf, *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(line, '\n')) != NULL) {
			*nl = '\0';
			mount_line(line, abs_path, dev, m, &best);
			line = nl + 1;
		}
		have = (size_t)(buf + have - line);
		if (have == sizeof(buf) - 1)
			have = 0; /* a line longer than the buffer: skip it */
		memmove(buf, line, have);
	}
	ags_sys_close(fd);
	found = best > 0;
	return found;
}

/* A small decimal file such as pids.max; -1 for "max" or when unreadable. */
static int64_t read_num(const char *path)
{
	char buf[32];
	long fd = ags_sys_open(path, O_RDONLY | O_CLOEXEC, 0), n;
	int64_t v = 0;

	if (fd < 0)
		return -1;
	n = ags_sys_read(fd, buf, sizeof(buf) - 1);
	ags_sys_close(fd);
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return -1;
	for (long i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + (buf[i] - '0');
	return v;
}

/* pids.max and pids.current of the cgroup directory dir (text of length n). */
static void read_pids(const char *root, const char *dir, size_t n, struct ags_proc_limit *out)
{
	char path[AGS_PATH_MAX + 64];
	size_t r = strlen(root);

	if (r + n + 16 >= sizeof(path))
		return;
	memcpy(path, root, r);
	memcpy(path + r, dir, n);
	strcpy(path + r + n, "/pids.max");
	out->pids_max = read_num(path);
	strcpy(path + r + n, "/pids.current");
	out->pids_current = read_num(path);
}

void ags_proc_limits(struct ags_proc_limit *out)
{
	char cg[2048];
	struct rlimit rl;
	long fd, n;

	out->rlimit_nproc = -1;
	out->pids_max = -1;
	out->pids_current = -1;
	if (ags_sys(SYS_prlimit64, 0, RLIMIT_NPROC, 0, (long)&rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY)
		out->rlimit_nproc = (int64_t)rl.rlim_cur;
	fd = ags_sys_open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	n = ags_sys_read(fd, cg, sizeof(cg) - 1);
	ags_sys_close(fd);
	if (n <= 0)
		return;
	cg[n] = '\0';
	/* "8:pids:/path" (cgroup v1) wins over "0::/path" (v2, unified). */
	for (char *line = cg; *line;) {
		char *nl = strchr(line, '\n'), *path;

		if (nl)
			*nl = '\0';
		path = strchr(line, ':') ? strchr(strchr(line, ':') + 1, ':') : NULL;
		if (path && strstr(line, ":pids:") && path == strstr(line, ":pids:") + 5) {
			read_pids("/sys/fs/cgroup/pids", path + 1, strlen(path + 1), out);
			return;
		}
		if (path && strncmp(line, "0::", 3) == 0 && out->pids_max < 0)
			read_pids("/sys/fs/cgroup", path + 1, strlen(path + 1), out);
		if (!nl)
			break;
		line = nl + 1;
	}
}

void ags_explain_eagain(struct ags_ev *ev)
{
	struct ags_proc_limit pl;

	ags_proc_limits(&pl);
	ags_ev_str(ev, AGS_K_CAUSE, AGS_CAUSE_PROC_LIMIT);
	ags_ev_obj(ev, AGS_K_DETAIL);
	ags_ev_int(ev, AGS_K_RLIMIT_NPROC, pl.rlimit_nproc);
	ags_ev_int(ev, AGS_K_PIDS_MAX, pl.pids_max);
	ags_ev_int(ev, AGS_K_PIDS_CURRENT, pl.pids_current);
	ags_ev_close(ev);
}

static void put_mode(struct ags_ev *ev, mode_t mode)
{
	char m[6];
	int i = 0;

	/* "0644", or "04755" when set-id or sticky bits are on, as ls and chmod write them. */
	m[i++] = '0';
	if (mode & 07000)
		m[i++] = (char)('0' + ((mode >> 9) & 7));
	m[i++] = (char)('0' + ((mode >> 6) & 7));
	m[i++] = (char)('0' + ((mode >> 3) & 7));
	m[i++] = (char)('0' + (mode & 7));
	m[i] = '\0';
	ags_ev_str(ev, AGS_K_MODE, m);
}

static void put_owner(struct ags_ev *ev, const struct stat *st)
{
	put_mode(ev, st->st_mode);
	ags_ev_int(ev, AGS_K_FILE_UID, st->st_uid);
	ags_ev_int(ev, AGS_K_FILE_GID, st->st_gid);
	ags_ev_int(ev, AGS_K_EUID, (int64_t)geteuid());
	ags_ev_int(ev, AGS_K_EGID, (int64_t)getegid());
}

/* path made absolute against the current directory; 0 when it does not fit. */
static int absolute(const char *path, char *out, size_t out_len)
{
	size_t n;
	long r;

	if (path[0] == '/') {
		if (strlen(path) >= out_len)
			return 0;
		strcpy(out, path);
		return 1;
	}
	r = ags_sys(SYS_getcwd, (long)out, (long)out_len, 0, 0);
	if (r <= 0)
		return 0;
	n = strlen(out);
	if (n + 1 + strlen(path) >= out_len)
		return 0;
	out[n] = '/';
	strcpy(out + n + 1, path);
	return 1;
}

/* EACCES: an unsearchable directory, a noexec mount, or the file's own mode. */
static const char *explain_eacces(struct ags_ev *ev, const char *path, const char *mountinfo)
{
	char dir[AGS_PATH_MAX], abs[AGS_PATH_MAX];
	struct ags_mount m;
	struct stat st;

	if (ags_unsearchable_dir(path, dir, sizeof(dir))) {
		ags_ev_str(ev, AGS_K_CAUSE, AGS_CAUSE_DIR_SEARCH);
		ags_ev_obj(ev, AGS_K_DETAIL);
		ags_ev_str(ev, AGS_K_DIR, dir);
		if (ags_stat(dir, &st) == 0)
			put_owner(ev, &st);
		return AGS_CAUSE_DIR_SEARCH;
	}
	if (ags_stat(path, &st) != 0)
		return NULL;
	if (S_ISREG(st.st_mode) && absolute(path, abs, sizeof(abs)) &&
	    ags_mount_of(mountinfo, abs, st.st_dev, &m) && ags_has_opt(m.opts, "noexec")) {
		ags_ev_str(ev, AGS_K_CAUSE, AGS_CAUSE_NOEXEC_MOUNT);
		ags_ev_obj(ev, AGS_K_DETAIL);
		ags_ev_str(ev, AGS_K_RESOLVED, path);
		ags_ev_str(ev, AGS_K_MOUNT, m.point);
		ags_ev_str(ev, AGS_K_FSTYPE, m.fstype);
		ags_ev_str(ev, AGS_K_MOUNT_OPTS, m.opts);
		return AGS_CAUSE_NOEXEC_MOUNT;
	}
	ags_ev_str(ev, AGS_K_CAUSE, AGS_CAUSE_NO_EXEC_BIT);
	ags_ev_obj(ev, AGS_K_DETAIL);
	ags_ev_str(ev, AGS_K_RESOLVED, path);
	put_owner(ev, &st);
	return AGS_CAUSE_NO_EXEC_BIT;
}

/* ENOEXEC: an ELF for another machine, or a file that is neither ELF nor script. */
static const char *explain_enoexec(struct ags_ev *ev, const char *path)
{
	static const char hex[] = "0123456789abcdef";
	struct ags_head h;
	char magic[9];

	if (ags_read_head(path, &h) != 0)
		return NULL;
	if (h.type == AGS_HEAD_ELF && h.e_machine != ags_host_machine()) {
		ags_ev_str(ev, AGS_K_CAUSE, AGS_CAUSE_FOREIGN_ARCH);
		ags_ev_obj(ev, AGS_K_DETAIL);
		ags_ev_str(ev, AGS_K_RESOLVED, path);
		ags_ev_str(ev, AGS_K_MACHINE, ags_machine_name(h.e_machine));
		ags_ev_int(ev, AGS_K_E_MACHINE, h.e_machine);
		ags_ev_str(ev, AGS_K_HOST_MACHINE, ags_machine_name(ags_host_machine()));
		ags_ev_int(ev, AGS_K_ELF_CLASS, h.elf_class);
		return AGS_CAUSE_FOREIGN_ARCH;
	}
	for (int i = 0; i < h.magic_len; i++) {
		magic[2 * i] = hex[h.magic[i] >> 4];
		magic[2 * i + 1] = hex[h.magic[i] & 15];
	}
	magic[2 * h.magic_len] = '\0';
	ags_ev_str(ev, AGS_K_CAUSE, AGS_CAUSE_NOT_EXECUTABLE);
	ags_ev_obj(ev, AGS_K_DETAIL);
	ags_ev_str(ev, AGS_K_RESOLVED, path);
	ags_ev_str(ev, AGS_K_MAGIC, magic);
	if (h.type == AGS_HEAD_ELF) {
		ags_ev_str(ev, AGS_K_MACHINE, ags_machine_name(h.e_machine));
		ags_ev_int(ev, AGS_K_ELF_CLASS, h.elf_class);
	}
	return AGS_CAUSE_NOT_EXECUTABLE;
}

static const char *explain_e2big(struct ags_ev *ev, const struct ags_argsize *sz)
{
	const char *cause =
		sz->largest > AGS_ARG_STRLEN_MAX ? AGS_CAUSE_ARG_TOO_LONG : AGS_CAUSE_ARGS_TOO_BIG;

	ags_ev_str(ev, AGS_K_CAUSE, cause);
	ags_ev_obj(ev, AGS_K_DETAIL);
	ags_ev_uint(ev, AGS_K_LARGEST, sz->largest);
	ags_ev_int(ev, AGS_K_LARGEST_IDX, sz->largest_idx);
	ags_ev_uint(ev, AGS_K_ARG_LIMIT, AGS_ARG_STRLEN_MAX);
	ags_ev_uint(ev, AGS_K_ARGV_BYTES, sz->argv_bytes);
	ags_ev_uint(ev, AGS_K_ENV_BYTES, sz->env_bytes);
	ags_ev_int(ev, AGS_K_ENVC, sz->envc);
	ags_ev_uint(ev, AGS_K_ARG_MAX, ags_arg_max());
	return cause;
}

static void put_interp(struct ags_ev *ev, const struct ags_head *h)
{
	ags_ev_str(ev, AGS_K_INTERP, h->interp);
	if (h->type == AGS_HEAD_SCRIPT)
		ags_ev_str(ev, AGS_K_INTERP_ARG, h->interp_arg);
	ags_ev_bool(ev, AGS_K_CRLF, h->crlf);
}

/* ENOENT on a file that exists: its interpreter (#! or ELF loader) is what is missing. */
static const char *explain_interp(struct ags_ev *ev, const char *path)
{
	struct ags_head h;
	struct stat st;
	const char *cause;

	if (ags_read_head(path, &h) != 0 || !h.interp[0])
		return NULL;
	if (h.type != AGS_HEAD_SCRIPT && h.type != AGS_HEAD_ELF)
		return NULL;
	if (ags_stat(h.interp, &st) == 0)
		return NULL;
	cause = h.crlf || strchr(h.interp, '\r') ? AGS_CAUSE_CRLF_INTERP : AGS_CAUSE_BAD_INTERP;
	ags_ev_str(ev, AGS_K_CAUSE, cause);
	ags_ev_obj(ev, AGS_K_DETAIL);
	ags_ev_str(ev, AGS_K_RESOLVED, path);
	put_interp(ev, &h);
	return cause;
}

/* ENOENT when no candidate exists. */
static const char *explain_missing(struct ags_ev *ev, const struct ags_exec_ctx *c)
{
	size_t n = strlen(c->name);
	char missing[AGS_PATH_MAX], cwd[8];
	struct ags_head h;

	if (c->chdir_failed ||
	    (c->name[0] != '/' && ags_sys(SYS_getcwd, (long)cwd, sizeof(cwd), 0, 0) == -ENOENT)) {
		ags_ev_str(ev, AGS_K_CAUSE, AGS_CAUSE_MISSING_CWD);
		ags_ev_obj(ev, AGS_K_DETAIL);
		if (c->chdir_path && ags_first_missing(c->chdir_path, missing, sizeof(missing)))
			ags_ev_str(ev, AGS_K_MISSING, missing);
		return AGS_CAUSE_MISSING_CWD;
	}
	if (n > 0 && c->name[n - 1] == '\r') {
		/* `env` running "node\r": the script's #! line ended in CRLF. */
		ags_ev_str(ev, AGS_K_CAUSE, AGS_CAUSE_CRLF_INTERP);
		ags_ev_obj(ev, AGS_K_DETAIL);
		if (c->script && ags_read_head(c->script, &h) == 0 && h.type == AGS_HEAD_SCRIPT) {
			ags_ev_str(ev, AGS_K_SCRIPT, c->script);
			put_interp(ev, &h);
		}
		return AGS_CAUSE_CRLF_INTERP;
	}
	if (strchr(c->name, '/')) {
		ags_ev_str(ev, AGS_K_CAUSE, AGS_CAUSE_NO_FILE);
		ags_ev_obj(ev, AGS_K_DETAIL);
		if (ags_first_missing(c->name, missing, sizeof(missing)))
			ags_ev_str(ev, AGS_K_MISSING, missing);
		return AGS_CAUSE_NO_FILE;
	}
	ags_ev_str(ev, AGS_K_CAUSE, AGS_CAUSE_NOT_ON_PATH);
	ags_ev_obj(ev, AGS_K_DETAIL);
	return AGS_CAUSE_NOT_ON_PATH;
}

static int is_search_err(int err)
{
	return err == ENOENT || err == ENOTDIR || err == ESTALE || err == ENODEV ||
	       err == ETIMEDOUT;
}

/* The try that explains the failure best: E2BIG, ENOEXEC, EACCES, then an existing file. */
static const struct ags_try *best_try(const struct ags_try *t, int n, int *err)
{
	static const int order[] = { E2BIG, ENOEXEC, EACCES };
	struct stat st;

	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++)
		for (int i = 0; i < n; i++)
			if (t[i].err == order[o]) {
				*err = order[o];
				return &t[i];
			}
	for (int i = 0; i < n; i++)
		if (is_search_err(t[i].err) && ags_stat(t[i].path, &st) == 0) {
			*err = ENOENT;
			return &t[i];
		}
	*err = n ? t[n - 1].err : 0;
	return NULL;
}

const char *ags_explain_exec(struct ags_ev *ev, const struct ags_try *tries, int ntries,
			     const struct ags_exec_ctx *ctx)
{
	const char *cause = NULL;
	const struct ags_try *t;
	int err;

	t = best_try(tries, ntries, &err);
	if (!t && ntries == 0)
		err = ctx->final_err;
	if (err == E2BIG || ctx->final_err == E2BIG) {
		if (ctx->sz)
			cause = explain_e2big(ev, ctx->sz);
	} else if (t && err == ENOEXEC) {
		cause = explain_enoexec(ev, t->path);
	} else if (t && err == EACCES) {
		cause = explain_eacces(ev, t->path, ctx->mountinfo);
	} else if (t && err == ENOENT) {
		cause = explain_interp(ev, t->path);
	} else if (is_search_err(err)) {
		cause = explain_missing(ev, ctx);
	}
	if (!cause)
		ags_ev_obj(ev, AGS_K_DETAIL);
	if (ctx->path_env) {
		ags_ev_arr(ev, AGS_K_SEARCHED);
		for (int i = 0; i < ntries; i++)
			ags_ev_elem_str(ev, tries[i].path);
		ags_ev_close(ev);
		ags_ev_str(ev, AGS_K_PATH_ENV, ctx->path_env);
	}
	ags_ev_close(ev);
	return cause;
}
