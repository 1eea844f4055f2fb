/* SPDX-License-Identifier: MIT */
/* The machine around agshim-bpf: privileges, BTF, mounts, cgroups, libc, ELF symbols. */
#include "loader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define CGROUP2_SUPER_MAGIC 0x63677270
#define TRACEFS_MAGIC 0x74726163
#define BPF_FS_MAGIC 0xcafe4a11

int ags_check_system(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "agshim-bpf: needs root: loading BPF programs takes CAP_BPF and "
				"CAP_PERFMON, and uprobes CAP_SYS_ADMIN (this kernel has "
				"unprivileged BPF disabled)\n");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "agshim-bpf: kernel BTF (/sys/kernel/btf/vmlinux) is missing: "
				"agshim-bpf needs a kernel built with CONFIG_DEBUG_INFO_BTF=y\n");
		return -ENOENT;
	}
	return 0;
}

static int is_fs(const char *dir, long magic)
{
	struct statfs st;

	return !statfs(dir, &st) && st.f_type == magic;
}

int ags_ensure_mounts(int need_tracefs, int need_bpffs)
{
	if (need_tracefs && !is_fs("/sys/kernel/tracing", TRACEFS_MAGIC) &&
	    access("/sys/kernel/debug/tracing/events", F_OK)) {
		if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
			fprintf(stderr,
				"agshim-bpf: failed to mount tracefs on /sys/kernel/tracing: "
				"%s (syscall tracepoints will not attach)\n",
				strerror(errno));
		} else {
			fprintf(stderr, "agshim-bpf: mounted tracefs on /sys/kernel/tracing (the "
					"syscall tracepoints need it)\n");
		}
	}
	if (need_bpffs && !is_fs("/sys/fs/bpf", BPF_FS_MAGIC)) {
		if (mount("bpffs", "/sys/fs/bpf", "bpf", 0, NULL)) {
			fprintf(stderr, "agshim-bpf: failed to mount bpffs on /sys/fs/bpf: %s\n",
				strerror(errno));
			return -errno;
		}
		fprintf(stderr, "agshim-bpf: mounted bpffs on /sys/fs/bpf (pinning needs it)\n");
	}
	return 0;
}

/* The cgroup2 mount holding path, written into root; 0 or -ENOENT. */
static int cgroup2_root(const char *path, char *root, size_t len)
{
	char tmp[4096], *slash;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (;;) {
		slash = strrchr(tmp, '/');
		if (!slash)
			return -ENOENT;
		/* The highest directory that is still cgroup2 is the root. */
		if (slash == tmp)
			return -ENOENT;
		*slash = '\0';
		if (!is_fs(tmp, CGROUP2_SUPER_MAGIC)) {
			*slash = '/';
			snprintf(root, len, "%s", tmp);
			return 0;
		}
	}
}

int ags_resolve_cgroup(struct ags_opts *o, const char *dir)
{
	char real[4096], root[4096];
	struct stat st;
	const char *p;
	int level = 0;

	if (!realpath(dir, real) || stat(real, &st)) {
		fprintf(stderr, "agshim-bpf: cgroup %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	if (!is_fs(real, CGROUP2_SUPER_MAGIC)) {
		fprintf(stderr,
			"agshim-bpf: %s is not a cgroup2 directory (try under "
			"/sys/fs/cgroup/unified or /sys/fs/cgroup)\n",
			real);
		return -EINVAL;
	}
	if (cgroup2_root(real, root, sizeof(root))) {
		fprintf(stderr, "agshim-bpf: cannot find the cgroup2 root of %s\n", real);
		return -EINVAL;
	}
	for (p = real + strlen(root); *p; p++)
		if (*p == '/' && p[1])
			level++;
	snprintf(o->cgroup, sizeof(o->cgroup), "%s", real);
	o->cgid = st.st_ino;
	o->cglevel = level;
	return 0;
}

/* Depth-first search for a directory whose name contains id. */
static int find_dir(const char *dir, const char *id, char *out, size_t len, int depth)
{
	struct dirent *de;
	char path[4096];
	DIR *d;
	int found = 0;

	if (depth > 12 || !(d = opendir(dir)))
		return 0;
	while (!found && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (strstr(de->d_name, id)) {
			snprintf(out, len, "%s", path);
			found = 1;
		} else {
			found = find_dir(path, id, out, len, depth + 1);
		}
	}
	closedir(d);
	return found;
}

int ags_find_container(struct ags_opts *o, const char *id)
{
	static const char *const roots[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	char dir[4096];
	size_t i;

	if (!*id) {
		fprintf(stderr, "agshim-bpf: --container needs an id\n");
		return -EINVAL;
	}
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		if (!is_fs(roots[i], CGROUP2_SUPER_MAGIC))
			continue;
		if (find_dir(roots[i], id, dir, sizeof(dir), 0))
			return ags_resolve_cgroup(o, dir);
	}
	fprintf(stderr,
		"agshim-bpf: no cgroup2 directory named like '%s' under "
		"/sys/fs/cgroup/unified or /sys/fs/cgroup\n",
		id);
	return -ENOENT;
}

int ags_libc_of(pid_t pid, char *buf, size_t len)
{
	char maps[64], line[4608], *path;
	FILE *f;
	int err = -ENOENT;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		path = strchr(line, '/');
		if (!path || (!strstr(path, "/libc.so.6") && !strstr(path, "/libc-")))
			continue;
		path[strcspn(path, "\n")] = '\0';
		/* Through the process's root, so that a container's own libc is probed. */
		snprintf(buf, len, "/proc/%d/root%s", (int)pid, path);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

uint64_t ags_elf_sym_offset(const char *path, const char *name)
{
	uint64_t off = 0, addr = 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Phdr ph;
	GElf_Sym sym;
	size_t i, n;
	Elf *e;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	e = elf_begin(fd, ELF_C_READ, NULL);
	while (e && !addr && (scn = elf_nextscn(e, scn))) {
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *s;

			if (!gelf_getsym(data, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			s = elf_strptr(e, sh.sh_link, sym.st_name);
			if (s && !strcmp(s, name) && sym.st_value) {
				addr = sym.st_value;
				break;
			}
		}
	}
	/* Symbol address to file offset, through the PT_LOAD segment that holds it. */
	if (e && addr && !elf_getphdrnum(e, &n)) {
		for (i = 0; i < n; i++) {
			if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD ||
			    !(ph.p_flags & PF_X))
				continue;
			if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_memsz) {
				off = addr - ph.p_vaddr + ph.p_offset;
				break;
			}
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return off;
}

int64_t ags_clock_offset_ns(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((int64_t)rt.tv_sec - mono.tv_sec) * 1000000000LL + (rt.tv_nsec - mono.tv_nsec);
}

const char *ags_syscall_name(int nr)
{
	/* x86_64 numbers of the calls agshim.bpf.c watches for EMFILE/ENFILE. */
	static const struct {
		int nr;
		const char *name;
	} names[] = {
		{ 2, "open" },		 { 22, "pipe" },	{ 32, "dup" },
		{ 33, "dup2" },		 { 41, "socket" },	{ 43, "accept" },
		{ 53, "socketpair" },	 { 72, "fcntl" },	{ 85, "creat" },
		{ 257, "openat" },	 { 282, "signalfd4" },	{ 283, "timerfd_create" },
		{ 288, "accept4" },	 { 290, "eventfd2" },	{ 291, "epoll_create1" },
		{ 292, "dup3" },	 { 293, "pipe2" },	{ 294, "inotify_init1" },
		{ 319, "memfd_create" }, { 434, "pidfd_open" }, { 437, "openat2" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].nr == nr)
			return names[i].name;
	return NULL;
}

int ags_unpin_all(void)
{
	struct dirent *de;
	char path[512];
	int n = 0, err = 0;
	DIR *d = opendir(ags_pin_dir());

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", ags_pin_dir(), de->d_name);
		if (unlink(path)) {
			err = -errno;
			fprintf(stderr, "agshim-bpf: failed to remove %s: %s\n", path,
				strerror(-err));
		} else {
			n++;
		}
	}
	closedir(d);
	if (rmdir(ags_pin_dir()) && errno != ENOENT && !err)
		err = -errno;
	return err ? err : n;
}

const char *ags_pin_dir(void)
{
	const char *d = getenv("AGSHIM_PIN_DIR");

	return d && d[0] == '/' ? d : AGS_PIN_DIR_DEFAULT;
}

char *ags_pin_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", ags_pin_dir(), name);
	return buf;
}
