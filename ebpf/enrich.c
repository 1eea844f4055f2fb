/* SPDX-License-Identifier: MIT */
/* agshim-bpf user-space enrichment: exec causes, addresses, fd and memcg facts. */
#include "enrich.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define FOLD_MAX 64
#define SEARCH_MAX 16
#define FOLD_TTL_NS (100 * 1000000ULL)

static const char *const kind_names[] = {
#define AGS_KIND_NAME(id, name) name,
	AGS_KINDS(AGS_KIND_NAME)
#undef AGS_KIND_NAME
};

const char *ags_ebpf_kind_name(enum ags_kind kind)
{
	return (unsigned)kind < AGS_KIND__COUNT ? kind_names[kind] : "unknown";
}

const char *ags_rec_name(int type)
{
	static const char *const names[AGS_REC__COUNT] = {
		[AGS_REC_EXEC] = "exec",       [AGS_REC_EXEC_FAIL] = "exec_fail",
		[AGS_REC_FORK] = "fork",       [AGS_REC_EXIT] = "exit",
		[AGS_REC_FREE] = "reap",       [AGS_REC_TASK] = "task",
		[AGS_REC_CONNECT] = "connect", [AGS_REC_TCP] = "tcp",
		[AGS_REC_DNS] = "dns",	       [AGS_REC_FD] = "fd",
		[AGS_REC_OOM] = "oom",
	};

	return type > 0 && type < AGS_REC__COUNT && names[type] ? names[type] : "other";
}

const char *ags_eai_name(int rc)
{
	switch (rc) {
	case -1: return "EAI_BADFLAGS";
	case -2: return "EAI_NONAME";
	case -3: return "EAI_AGAIN";
	case -4: return "EAI_FAIL";
	case -5: return "EAI_NODATA";
	case -6: return "EAI_FAMILY";
	case -7: return "EAI_SOCKTYPE";
	case -8: return "EAI_SERVICE";
	case -9: return "EAI_ADDRFAMILY";
	case -10: return "EAI_MEMORY";
	case -11: return "EAI_SYSTEM";
	case -12: return "EAI_OVERFLOW";
	default: return "EAI_UNKNOWN";
	}
}

void ags_enrich_sockaddr(json_t *ev, const uint8_t *sa, uint32_t len)
{
	char buf[INET6_ADDRSTRLEN];
	uint16_t fam, port;

	if (len < 2)
		return;
	memcpy(&fam, sa, 2);
	if (fam == AF_INET && len >= 8) {
		memcpy(&port, sa + 2, 2);
		json_object_set_new(ev, AGS_K_FAMILY, json_string("inet"));
		inet_ntop(AF_INET, sa + 4, buf, sizeof(buf));
		json_object_set_new(ev, AGS_K_ADDR, json_string(buf));
		json_object_set_new(ev, AGS_K_PORT, json_integer(ntohs(port)));
	} else if (fam == AF_INET6 && len >= 24) {
		memcpy(&port, sa + 2, 2);
		json_object_set_new(ev, AGS_K_FAMILY, json_string("inet6"));
		inet_ntop(AF_INET6, sa + 8, buf, sizeof(buf));
		json_object_set_new(ev, AGS_K_ADDR, json_string(buf));
		json_object_set_new(ev, AGS_K_PORT, json_integer(ntohs(port)));
	} else if (fam == AF_UNIX) {
		const char *path = (const char *)sa + 2;
		size_t n = strnlen(path, len - 2);

		json_object_set_new(ev, AGS_K_FAMILY, json_string("unix"));
		/* An abstract socket starts with a NUL; show it as '@'. */
		if (!n && len > 3) {
			n = strnlen(path + 1, len - 3);
			snprintf(buf, sizeof(buf), "@%.*s", (int)(n < 40 ? n : 40), path + 1);
			json_object_set_new(ev, AGS_K_ADDR, json_string(buf));
		} else {
			json_object_set_new(ev, AGS_K_ADDR, json_stringn_nocheck(path, n));
		}
	} else {
		json_object_set_new(ev, AGS_K_FAMILY, json_integer(fam));
	}
}

void ags_enrich_inet(json_t *ev, int family, const uint8_t *addr, int port)
{
	char buf[INET6_ADDRSTRLEN];

	json_object_set_new(ev, AGS_K_FAMILY, json_string(family == AF_INET6 ? "inet6" : "inet"));
	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, sizeof(buf));
	json_object_set_new(ev, AGS_K_ADDR, json_string(buf));
	json_object_set_new(ev, AGS_K_PORT, json_integer(port));
}

void ags_enrich_endpoint(json_t *ev, const struct ags_conn_key *k)
{
	if (k->family == AF_INET || k->family == AF_INET6) {
		ags_enrich_inet(ev, k->family, k->addr, k->port);
		return;
	}
	json_object_set_new(ev, AGS_K_FAMILY, json_string(k->family == AF_UNIX ? "unix" : "other"));
	if (k->family == AF_UNIX)
		json_object_set_new(ev, AGS_K_ADDR,
				    json_stringn_nocheck((const char *)k->addr,
							 strnlen((const char *)k->addr, 16)));
}

void ags_enrich_dns_addrs(json_t *ev, const struct ags_rec_dns *d)
{
	char buf[INET6_ADDRSTRLEN];
	json_t *a = json_array();
	uint32_t i;
	size_t j;

	for (i = 0; i < d->naddr && i < AGS_DNS_ADDRS; i++) {
		int fam = d->addrs[i].family == AF_INET6 ? AF_INET6 : AF_INET;
		int dup = 0;

		if (d->addrs[i].family != AF_INET && d->addrs[i].family != AF_INET6)
			continue;
		inet_ntop(fam, d->addrs[i].addr, buf, sizeof(buf));
		/* Without hints glibc answers once per socket type. */
		for (j = 0; j < json_array_size(a); j++)
			dup |= !strcmp(json_string_value(json_array_get(a, j)), buf);
		if (!dup)
			json_array_append_new(a, json_string(buf));
	}
	json_object_set_new(ev, AGS_K_NADDR, json_integer((json_int_t)json_array_size(a)));
	json_object_set_new(ev, AGS_K_ADDRS, a);
}

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len);
	close(fd);
	return n;
}

void ags_enrich_existing(json_t *ev, pid_t pid)
{
	char path[64], buf[4096], exe[4096];
	json_t *argv = json_array();
	ssize_t n, i = 0;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		json_object_set_new(ev, AGS_K_EXE, json_string(exe));
	}
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	while (n > 0 && i < n) {
		size_t l = strnlen(buf + i, (size_t)(n - i));

		json_array_append_new(argv, json_stringn_nocheck(buf + i, l));
		i += (ssize_t)l + 1;
	}
	json_object_set_new(ev, AGS_K_ARGC, json_integer((json_int_t)json_array_size(argv)));
	json_object_set_new(ev, AGS_K_ARGV, argv);
}

void ags_enrich_fds(json_t *ev, pid_t pid)
{
	char path[64], buf[8192], *p;
	struct dirent *de;
	long nfds = 0;
	ssize_t n;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (d) {
		while ((de = readdir(d)))
			nfds += de->d_name[0] != '.';
		closedir(d);
		json_object_set_new(ev, AGS_K_NFDS, json_integer(nfds));
	}
	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		p = strstr(buf, "Max open files");
		if (p && sscanf(p, "Max open files %ld", &nfds) == 1)
			json_object_set_new(ev, AGS_K_LIMIT, json_integer(nfds));
	}
}

void ags_enrich_memcg(json_t *ev, const struct ags_rec_oom *o)
{
	char path[AGS_MEMCG_DEPTH * (AGS_MEMCG_NAME + 1) + 1] = "";
	size_t n = 0;
	int i, depth = 0;

	while (depth < AGS_MEMCG_DEPTH && o->memcg[depth][0])
		depth++;
	/* Leaf first in the record; a path that reaches the root is the full path. */
	for (i = depth - 1; i >= 0; i--)
		n += (size_t)snprintf(path + n, sizeof(path) - n, "/%.*s", AGS_MEMCG_NAME,
				      o->memcg[i]);
	json_object_set_new(ev, AGS_K_CGROUP, json_string(depth ? path : "/"));
}

/* ---- failed execs ---- */

struct fold {
	pid_t pid;
	uint64_t last_ns;
	int err;
	int nsearched;
	char searched[SEARCH_MAX][AGS_PATH_LEN];
	struct ags_rec_exec rec; /* the first failure */
};

static struct fold folds[FOLD_MAX];
static int nfolds;

static const char *base_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The path as this loader can reach it: through the process's root or cwd. */
static void proc_path(pid_t pid, const char *path, char *buf, size_t len)
{
	char root[64];

	/* Through the process's root (a container's files); ours when it is already gone. */
	snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
	if (access(root, X_OK) && path[0] == '/') {
		snprintf(buf, len, "%s", path);
		return;
	}
	snprintf(buf, len, path[0] == '/' ? "/proc/%d/root%s" : "/proc/%d/cwd/%s", (int)pid, path);
}

static void cause_enoent(json_t *ev, json_t *detail, const struct fold *f)
{
	char real[4096 + 32], line[256], part[4096];
	const char *path = f->rec.path;
	ssize_t n;
	size_t i;

	if (f->nsearched > 1) {
		json_object_set_new(ev, AGS_K_CAUSE, json_string(AGS_CAUSE_NOT_ON_PATH));
		return;
	}
	proc_path(f->pid, path, real, sizeof(real));
	n = read_file(real, line, sizeof(line) - 1);
	if (n > 2 && line[0] == '#' && line[1] == '!') {
		char *nl, *interp = line + 2;

		line[n] = '\0';
		nl = strchr(interp, '\n');
		if (nl)
			*nl = '\0';
		while (*interp == ' ')
			interp++;
		json_object_set_new(detail, AGS_K_RESOLVED, json_string(path));
		json_object_set_new(detail, AGS_K_INTERP,
				    json_stringn_nocheck(interp, strcspn(interp, " \r")));
		json_object_set_new(detail, AGS_K_CRLF, json_boolean(strchr(interp, '\r') != NULL));
		json_object_set_new(ev, AGS_K_CAUSE,
				    json_string(strchr(interp, '\r') ? AGS_CAUSE_CRLF_INTERP
								     : AGS_CAUSE_BAD_INTERP));
		return;
	}
	/* The first component that does not exist. */
	for (i = 1; path[i - 1]; i++) {
		if (path[i] != '/' && path[i])
			continue;
		snprintf(part, sizeof(part), "%.*s", (int)i, path);
		proc_path(f->pid, part, real, sizeof(real));
		if (access(real, F_OK)) {
			json_object_set_new(detail, AGS_K_MISSING, json_string(part));
			break;
		}
		if (!path[i])
			break;
	}
	json_object_set_new(ev, AGS_K_CAUSE, json_string(AGS_CAUSE_NO_FILE));
}

static void cause_eacces(json_t *ev, json_t *detail, const struct fold *f)
{
	char real[4096 + 32], mode[8];
	struct statvfs vfs;
	struct stat sb;

	proc_path(f->pid, f->rec.path, real, sizeof(real));
	if (stat(real, &sb)) {
		json_object_set_new(ev, AGS_K_CAUSE, json_string(AGS_CAUSE_DIR_SEARCH));
		return;
	}
	snprintf(mode, sizeof(mode), "0%o", sb.st_mode & 07777);
	json_object_set_new(detail, AGS_K_RESOLVED, json_string(f->rec.path));
	json_object_set_new(detail, AGS_K_MODE, json_string(mode));
	json_object_set_new(detail, AGS_K_FILE_UID, json_integer(sb.st_uid));
	json_object_set_new(detail, AGS_K_FILE_GID, json_integer(sb.st_gid));
	if (!statvfs(real, &vfs) && (vfs.f_flag & ST_NOEXEC) && (sb.st_mode & 0111))
		json_object_set_new(ev, AGS_K_CAUSE, json_string(AGS_CAUSE_NOEXEC_MOUNT));
	else
		json_object_set_new(ev, AGS_K_CAUSE, json_string(AGS_CAUSE_NO_EXEC_BIT));
}

static void cause_enoexec(json_t *ev, json_t *detail, const struct fold *f)
{
	char real[4096 + 32], hdr[20], magic[9];
	ssize_t n;

	proc_path(f->pid, f->rec.path, real, sizeof(real));
	n = read_file(real, hdr, sizeof(hdr));
	json_object_set_new(detail, AGS_K_RESOLVED, json_string(f->rec.path));
	if (n >= 20 && !memcmp(hdr, "\177ELF", 4)) {
		json_object_set_new(
			detail, AGS_K_E_MACHINE,
			json_integer((unsigned char)hdr[18] | (unsigned char)hdr[19] << 8));
		json_object_set_new(detail, AGS_K_ELF_CLASS, json_integer(hdr[4] == 2 ? 64 : 32));
		json_object_set_new(ev, AGS_K_CAUSE, json_string(AGS_CAUSE_FOREIGN_ARCH));
	} else if (n > 0) {
		snprintf(magic, sizeof(magic), "%02x%02x%02x%02x", (unsigned char)hdr[0],
			 n > 1 ? (unsigned char)hdr[1] : 0, n > 2 ? (unsigned char)hdr[2] : 0,
			 n > 3 ? (unsigned char)hdr[3] : 0);
		json_object_set_new(detail, AGS_K_MAGIC, json_string(magic));
		json_object_set_new(ev, AGS_K_CAUSE, json_string(AGS_CAUSE_NOT_EXECUTABLE));
	}
}

static void fold_emit(struct fold *f)
{
	const struct ags_rec_exec *e = &f->rec;
	json_t *ev = ags_jev_new(&e->hdr, AGS_KIND_EXEC, e->call ? "execveat" : "execve");
	json_t *detail = json_object(), *searched, *argv = json_array();
	uint32_t i = 0, argc = 0;
	int k;

	json_object_set_new(ev, AGS_K_RET, json_integer(-1));
	ags_jev_errno(ev, f->err);
	json_object_set_new(ev, AGS_K_PATH,
			    json_string(f->nsearched > 1 ? base_of(e->path) : e->path));
	json_object_set_new(ev, AGS_K_DUR, json_integer((json_int_t)e->dur_ns));
	if (f->err == ENOENT)
		cause_enoent(ev, detail, f);
	else if (f->err == EACCES)
		cause_eacces(ev, detail, f);
	else if (f->err == ENOEXEC)
		cause_enoexec(ev, detail, f);
	else if (f->err == E2BIG)
		json_object_set_new(ev, AGS_K_CAUSE, json_string(AGS_CAUSE_ARGS_TOO_BIG));
	else if (f->err == EAGAIN)
		json_object_set_new(ev, AGS_K_CAUSE, json_string(AGS_CAUSE_PROC_LIMIT));
	if (f->nsearched > 1) {
		searched = json_array();
		for (k = 0; k < f->nsearched; k++)
			json_array_append_new(searched, json_string(f->searched[k]));
		json_object_set_new(detail, AGS_K_SEARCHED, searched);
	}
	if (json_object_size(detail))
		json_object_set_new(ev, AGS_K_DETAIL, detail);
	else
		json_decref(detail);
	while (i < e->args_len && argc < e->argc) {
		size_t l = strnlen(e->args + i, e->args_len - i);

		json_array_append_new(argv, json_stringn_nocheck(e->args + i, l));
		argc++;
		i += (uint32_t)l + 1;
	}
	json_object_set_new(ev, AGS_K_ARGC, json_integer(argc));
	json_object_set_new(ev, AGS_K_ARGV, argv);
	ags_jev_emit(ev);
}

static struct fold *fold_find(pid_t pid)
{
	int i;

	for (i = 0; i < nfolds; i++)
		if (folds[i].pid == pid)
			return &folds[i];
	return NULL;
}

static void fold_remove(struct fold *f, int emit)
{
	if (emit)
		fold_emit(f);
	*f = folds[--nfolds];
}

void ags_exec_fail_add(const struct ags_rec_exec *e)
{
	struct fold *f = fold_find((pid_t)e->hdr.pid);
	int err = -e->ret;

	/* Another candidate of the same name: one more step of a PATH search. */
	if (f && !strcmp(base_of(f->rec.path), base_of(e->path))) {
		/* PATH may name a directory twice: the same candidate is not a new one. */
		if (strcmp(f->searched[f->nsearched - 1], e->path) && f->nsearched < SEARCH_MAX)
			snprintf(f->searched[f->nsearched++], AGS_PATH_LEN, "%s", e->path);
		/* As glibc does, an EACCES on the way is what the search reports. */
		if (f->err != EACCES)
			f->err = err;
		f->last_ns = e->hdr.ts_ns;
		return;
	}
	if (f)
		fold_remove(f, 1);
	if (nfolds == FOLD_MAX)
		fold_remove(&folds[0], 1);
	f = &folds[nfolds++];
	f->pid = (pid_t)e->hdr.pid;
	f->err = err;
	f->last_ns = e->hdr.ts_ns;
	f->nsearched = 1;
	snprintf(f->searched[0], AGS_PATH_LEN, "%s", e->path);
	f->rec = *e;
}

void ags_exec_fail_drop(pid_t pid, const char *path)
{
	struct fold *f = fold_find(pid);

	/* A search that ends in a successful exec of the same name is no failure. */
	if (f)
		fold_remove(f, f->err != ENOENT || strcmp(base_of(f->rec.path), base_of(path)));
}

void ags_exec_fail_flush(pid_t pid)
{
	struct fold *f;

	if (!pid) {
		while (nfolds)
			fold_remove(&folds[0], 1);
		return;
	}
	f = fold_find(pid);
	if (f)
		fold_remove(f, 1);
}

void ags_exec_fail_tick(uint64_t now_mono_ns)
{
	int i;

	for (i = nfolds - 1; i >= 0; i--)
		if (now_mono_ns > folds[i].last_ns && now_mono_ns - folds[i].last_ns > FOLD_TTL_NS)
			fold_remove(&folds[i], 1);
}
