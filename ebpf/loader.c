/* SPDX-License-Identifier: MIT */
/* The BPF side of agshim-bpf: open, configure, load what the kernel accepts, attach, pin. */
#include "loader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agshim.skel.h"

#define MAX_DISABLED 32
#define MAX_DNS 4096

/* What libbpf said about the last program that failed to load. */
static struct {
	int verbose;
	char prog[128];
	int err;
	char verifier[256]; /* last line of its verifier log */
} lb;

static char lb_buf[1 << 16];

/* Keep the last non-empty line of a verifier log. */
static void keep_verifier_line(const char *log)
{
	const char *end = strstr(log, "-- END PROG LOAD LOG --");
	const char *p, *q;

	if (!end)
		end = log + strlen(log);
	for (;;) {
		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		for (p = end; p > log && p[-1] != '\n'; p--)
			;
		/* Skip the statistics lines the verifier ends with. */
		if (p == log || (strncmp(p, "processed ", 10) && strncmp(p, "verification ", 13)))
			break;
		end = p;
	}
	q = end;
	snprintf(lb.verifier, sizeof(lb.verifier), "%.*s", (int)(q - p), p);
}

/*
 * libbpf's log: shown only with -v.  Its load failures are also parsed, so that the
 * loader can name the program and give its own reason instead of libbpf's guesses
 * (its EPERM hint about 'ulimit -l' is wrong on kernels that block trampolines).
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char name[128];
	const char *log;
	int err;

	vsnprintf(lb_buf, sizeof(lb_buf), fmt, ap);
	if (sscanf(lb_buf, "libbpf: prog '%127[^']': failed to load: %d", name, &err) == 2) {
		snprintf(lb.prog, sizeof(lb.prog), "%s", name);
		lb.err = err;
	}
	log = strstr(lb_buf, "-- BEGIN PROG LOAD LOG --\n");
	if (log)
		keep_verifier_line(log + strlen("-- BEGIN PROG LOAD LOG --\n"));
	if (lb.verbose && (level != LIBBPF_DEBUG || lb.verbose > 1))
		fputs(lb_buf, stderr);
	return 0;
}

static const char *load_reason(int err)
{
	static char why[400];

	if (err == -EPERM && !lb.verifier[0])
		return "the kernel refused this program type (EPERM with an empty verifier log: "
		       "BPF trampolines, i.e. fentry/fexit/lsm, are blocked on this kernel; "
		       "memlock is not the cause)";
	if (lb.verifier[0]) {
		snprintf(why, sizeof(why), "rejected by the verifier: %s", lb.verifier);
		return why;
	}
	snprintf(why, sizeof(why), "%s", strerror(err < 0 ? -err : err));
	return why;
}

static int is_manual(const struct bpf_program *p)
{
	const char *sec = bpf_program__section_name(p);

	return !strncmp(sec, "uprobe", 6) || !strncmp(sec, "uretprobe", 9) ||
	       !strncmp(sec, "iter/", 5);
}

static int is_disabled(const struct ags_opts *o, const char *name, char disabled[][128], int n)
{
	int i;

	if (o->no_dns && !strncmp(name, "ags_gai_", 8))
		return 1;
	if (o->no_fd && !strncmp(name, "ags_fd_", 7))
		return 1;
	if (!o->heap && (!strncmp(name, "ags_malloc_", 11) || !strcmp(name, "ags_free_enter")))
		return 1;
	for (i = 0; i < n; i++)
		if (!strcmp(disabled[i], name))
			return 1;
	return 0;
}

/* One attempt: open, set rodata and sizes, leave out disabled programs, load. */
static int open_load_once(struct ags_bpf *b, const struct ags_opts *o, char disabled[][128],
			  int ndisabled)
{
	struct bpf_program *p;
	int err;

	b->skel = agshim_bpf__open();
	if (!b->skel) {
		err = -errno;
		fprintf(stderr, "agshim-bpf: failed to open the BPF object: %s\n", strerror(-err));
		return err;
	}
	b->skel->rodata->targ_mode = (__u32)o->mode;
	b->skel->rodata->targ_cgid = o->cgid;
	b->skel->rodata->targ_cglevel = (__u32)o->cglevel;
	b->skel->rodata->targ_slow_connect_ns = o->slow_connect_ms * 1000000ULL;
	b->skel->rodata->targ_slow_dns_ns = o->slow_dns_ms * 1000000ULL;
	if (o->ringbuf_kb)
		bpf_map__set_max_entries(b->skel->maps.events, o->ringbuf_kb * 1024);
	bpf_object__for_each_program(p, b->skel->obj)
	{
		if (is_disabled(o, bpf_program__name(p), disabled, ndisabled))
			bpf_program__set_autoload(p, false);
	}
	lb.prog[0] = lb.verifier[0] = '\0';
	return agshim_bpf__load(b->skel);
}

int ags_bpf__open_load(struct ags_bpf *b, const struct ags_opts *o)
{
	char disabled[MAX_DISABLED][128];
	int n = 0, err;

	memset(b, 0, sizeof(*b));
	lb.verbose = o->verbose;
	libbpf_set_print(libbpf_print);
	for (;;) {
		err = open_load_once(b, o, disabled, n);
		if (!err)
			return 0;
		if (!b->skel)
			return err;
		agshim_bpf__destroy(b->skel);
		b->skel = NULL;
		/* Leave the program the kernel refused out, keep the rest. */
		if (!lb.prog[0] || n == MAX_DISABLED) {
			fprintf(stderr, "agshim-bpf: failed to load the BPF object: %s\n",
				load_reason(err));
			return err;
		}
		fprintf(stderr, "agshim-bpf: program %s not loaded: %s\n", lb.prog,
			load_reason(lb.err));
		snprintf(disabled[n++], sizeof(disabled[0]), "%s", lb.prog);
		b->nfailed++;
	}
}

static void add_link(struct ags_bpf *b, struct bpf_link *l, const char *name)
{
	if (b->nlinks < AGS_MAX_LINKS) {
		b->links[b->nlinks] = l;
		b->link_names[b->nlinks++] = name;
	} else {
		bpf_link__destroy(l);
	}
}

int ags_bpf__attach(struct ags_bpf *b)
{
	struct bpf_program *p;
	struct bpf_link *l;
	int n = 0, err;

	bpf_object__for_each_program(p, b->skel->obj)
	{
		if (!bpf_program__autoload(p) || is_manual(p))
			continue;
		l = bpf_program__attach(p);
		if (!l) {
			err = -errno;
			fprintf(stderr, "agshim-bpf: program %s not attached (%s): %s\n",
				bpf_program__name(p), bpf_program__section_name(p),
				err == -ENOENT ? "no such tracepoint on this kernel, or tracefs "
						 "is not mounted"
					       : strerror(-err));
			b->nfailed++;
			continue;
		}
		add_link(b, l, bpf_program__name(p));
		n++;
	}
	return n;
}

int ags_bpf__iter_tasks(struct ags_bpf *b)
{
	struct bpf_program *p = b->skel->progs.ags_task_iter;
	struct bpf_link *l;
	char buf[256];
	int fd, err = 0;

	if (!bpf_program__autoload(p))
		return -ENOTSUP;
	l = bpf_program__attach_iter(p, NULL);
	if (!l) {
		err = -errno;
		fprintf(stderr, "agshim-bpf: iter/task not attached: %s\n", strerror(-err));
		return err;
	}
	fd = bpf_iter_create(bpf_link__fd(l));
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "agshim-bpf: iter/task not run: %s\n", strerror(-err));
	} else {
		/* The program writes to the ring buffer; reading drives the walk. */
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	bpf_link__destroy(l);
	return err;
}

int ags_bpf__add_target(struct ags_bpf *b, pid_t pid)
{
	__u32 key = (__u32)pid;
	__u8 one = 1;

	if (bpf_map__update_elem(b->skel->maps.targets, &key, sizeof(key), &one, sizeof(one),
				 BPF_ANY))
		return -errno;
	return 0;
}

/* Probes attached per process: two links each. */
static struct dns_probe {
	pid_t pid;
	struct bpf_link *l[2];
} dns[MAX_DNS];
static int ndns;

static struct {
	char path[4096];
	uint64_t off;
} gai_cache;

int ags_bpf__attach_dns(struct ags_bpf *b, pid_t pid, const char *libc)
{
	struct bpf_program *enter = b->skel->progs.ags_gai_enter;
	struct bpf_program *ret = b->skel->progs.ags_gai_exit;
	struct dns_probe *d;
	int err;

	if (!bpf_program__autoload(enter) || !bpf_program__autoload(ret) || ndns == MAX_DNS)
		return -ENOTSUP;
	if (strcmp(gai_cache.path, libc)) {
		snprintf(gai_cache.path, sizeof(gai_cache.path), "%s", libc);
		gai_cache.off = ags_elf_sym_offset(libc, "getaddrinfo");
	}
	if (!gai_cache.off)
		return -ENOENT;
	d = &dns[ndns];
	d->pid = pid;
	d->l[0] = bpf_program__attach_uprobe(enter, false, pid, libc, gai_cache.off);
	if (!d->l[0])
		return -errno;
	d->l[1] = bpf_program__attach_uprobe(ret, true, pid, libc, gai_cache.off);
	if (!d->l[1]) {
		err = -errno;
		bpf_link__destroy(d->l[0]);
		return err;
	}
	ndns++;
	return 0;
}

int ags_bpf__dns_wide(struct ags_bpf *b, const char *libc)
{
	static char done[8][4096];
	static int ndone;
	int i, err;

	for (i = 0; i < ndone; i++)
		if (!strcmp(done[i], libc))
			return 0;
	if (ndone == 8)
		return -ENOSPC;
	/* One probe pair for every user of this libc; the programs filter on the targets. */
	err = ags_bpf__attach_dns(b, -1, libc);
	if (err)
		return err;
	snprintf(done[ndone++], sizeof(done[0]), "%s", libc);
	for (i = ndns - 1; i >= 0; i--)
		if (dns[i].pid > 0)
			ags_bpf__detach_dns(b, dns[i].pid);
	return 0;
}

void ags_bpf__detach_dns(struct ags_bpf *b, pid_t pid)
{
	int i;

	(void)b;
	for (i = 0; i < ndns; i++) {
		if (dns[i].pid != pid)
			continue;
		bpf_link__destroy(dns[i].l[0]);
		bpf_link__destroy(dns[i].l[1]);
		dns[i] = dns[--ndns];
		return;
	}
}

static int pin_map(struct bpf_map *m, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", ags_pin_dir(), name);
	if (bpf_map__pin(m, path)) {
		fprintf(stderr, "agshim-bpf: failed to pin %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

static int pin_link(struct bpf_link *l, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/link_%s", ags_pin_dir(), name);
	if (bpf_link__pin(l, path)) {
		fprintf(stderr, "agshim-bpf: failed to pin %s: %s\n", path, strerror(errno));
		return -errno;
	}
	/* A pinned link outlives us: do not let destroy disable it. */
	bpf_link__disconnect(l);
	return 0;
}

int ags_bpf__pin(struct ags_bpf *b)
{
	char name[64];
	int i, err;

	if (mkdir(ags_pin_dir(), 0700) && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "agshim-bpf: failed to create %s: %s\n", ags_pin_dir(),
			strerror(-err));
		return err;
	}
	err = pin_map(b->skel->maps.events, "events");
	if (!err)
		err = pin_map(b->skel->maps.targets, "targets");
	if (!err)
		err = pin_map(b->skel->maps.bss, "lost");
	if (!err)
		err = pin_map(b->skel->maps.conn_stats, "conn_stats");
	if (!err)
		err = pin_map(b->skel->maps.dns_stats, "dns_stats");
	for (i = 0; !err && i < b->nlinks; i++)
		err = pin_link(b->links[i], b->link_names[i]);
	for (i = 0; !err && i < ndns; i++) {
		snprintf(name, sizeof(name), "dns_%d_enter", dns[i].pid);
		err = pin_link(dns[i].l[0], name);
		snprintf(name, sizeof(name), "dns_%d_exit", dns[i].pid);
		if (!err)
			err = pin_link(dns[i].l[1], name);
	}
	return err;
}

void ags_bpf__destroy(struct ags_bpf *b)
{
	int i;

	if (!b)
		return;
	for (i = 0; i < ndns; i++) {
		bpf_link__destroy(dns[i].l[0]);
		bpf_link__destroy(dns[i].l[1]);
	}
	ndns = 0;
	for (i = 0; i < b->nlinks; i++)
		bpf_link__destroy(b->links[i]);
	b->nlinks = 0;
	agshim_bpf__destroy(b->skel);
	b->skel = NULL;
}

int ags_bpf__events_fd(const struct ags_bpf *b)
{
	return bpf_map__fd(b->skel->maps.events);
}

void ags_bpf__lost(const struct ags_bpf *b, uint64_t *lost)
{
	memcpy(lost, (const void *)b->skel->bss->lost_cnt, sizeof(uint64_t) * AGS_REC__COUNT);
}

int ags_pinned_lost(uint64_t *lost)
{
	struct agshim_bpf__bss bss;
	char path[512];
	__u32 zero = 0;
	int fd = bpf_obj_get(ags_pin_path(path, sizeof(path), "lost")), err = 0;

	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, &bss))
		err = -errno;
	else
		memcpy(lost, bss.lost_cnt, sizeof(uint64_t) * AGS_REC__COUNT);
	close(fd);
	return err;
}

void ags_bpf__stats_fds(const struct ags_bpf *b, int *conn_fd, int *dns_fd)
{
	*conn_fd = bpf_map__fd(b->skel->maps.conn_stats);
	*dns_fd = bpf_map__fd(b->skel->maps.dns_stats);
}

void ags_pinned_stats_fds(int *conn_fd, int *dns_fd)
{
	char path[512];

	*conn_fd = bpf_obj_get(ags_pin_path(path, sizeof(path), "conn_stats"));
	*dns_fd = bpf_obj_get(ags_pin_path(path, sizeof(path), "dns_stats"));
}
