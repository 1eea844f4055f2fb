/* SPDX-License-Identifier: MIT */
/* Ring-buffer records to JSON Lines events (src "ebpf"), with the state that joins them. */
#include "loader.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "agshim/event.h"
#include "enrich.h"

#define PROCS_CAP (1 << 16) /* power of two */
#define SEEN_CAP 4096
#define STATS_EVERY_NS (10 * 1000000000ULL)
#define TCP_ESTABLISHED 1

/* What the loader knows about one traced process. */
struct proc {
	pid_t pid;
	pid_t ppid;
	int exited;
	int zombie_reported;
	uint32_t exit_code;
	uint64_t exit_ns; /* monotonic */
	uint64_t start_ns;
	char comm[AGS_COMM_LEN];
	int libc_known; /* its libc has system-wide probes */
};

static struct {
	int fd;
	uint64_t zombie_ns;
	int64_t clock_off;
	struct ags_bpf *bpf;
	int follow_dns;
	uint64_t written;
	uint64_t lost_seen[AGS_REC__COUNT];
	int alive;
	int unreaped;
	struct proc procs[PROCS_CAP];
	int conn_fd, dns_fd; /* the stats maps */
	struct seen {
		uint8_t key[sizeof(struct ags_dns_key)];
		uint64_t calls;
	} seen[SEEN_CAP];
	int nseen;
	uint64_t last_stats_ms;
} st;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- the process table: open addressing, backward-shift deletion ---- */

static unsigned slot_of(pid_t pid)
{
	return ((unsigned)pid * 2654435761u) & (PROCS_CAP - 1);
}

static struct proc *proc_find(pid_t pid)
{
	unsigned i = slot_of(pid), n;

	for (n = 0; n < PROCS_CAP && st.procs[i].pid; n++, i = (i + 1) & (PROCS_CAP - 1))
		if (st.procs[i].pid == pid)
			return &st.procs[i];
	return NULL;
}

static struct proc *proc_add(pid_t pid, pid_t ppid)
{
	unsigned i = slot_of(pid), n;
	struct proc *p;

	for (n = 0; n < PROCS_CAP - 1; n++, i = (i + 1) & (PROCS_CAP - 1)) {
		p = &st.procs[i];
		if (p->pid == pid || !p->pid)
			break;
	}
	if (n == PROCS_CAP - 1)
		return NULL;
	if (p->pid == pid) {
		/* A reused pid: the old process is gone. */
		if (p->exited)
			st.unreaped--;
		else
			st.alive--;
	}
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = ppid;
	p->start_ns = mono_ns();
	st.alive++;
	return p;
}

static void proc_del(struct proc *p)
{
	unsigned i = (unsigned)(p - st.procs), j = i, home;

	if (p->exited)
		st.unreaped--;
	else
		st.alive--;
	st.procs[i].pid = 0;
	for (;;) {
		j = (j + 1) & (PROCS_CAP - 1);
		if (!st.procs[j].pid)
			return;
		home = slot_of(st.procs[j].pid);
		/* Move j back into the hole when its home is not between the hole and j. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			st.procs[i] = st.procs[j];
			st.procs[j].pid = 0;
			i = j;
		}
	}
}

void ags_events_track(pid_t pid, pid_t ppid)
{
	if (!proc_find(pid))
		proc_add(pid, ppid);
}

int ags_events_alive(void)
{
	return st.alive;
}

int ags_events_unreaped(void)
{
	return st.unreaped;
}

uint64_t ags_events_count(void)
{
	return st.written;
}

/* ---- writing ---- */

json_t *ags_jev_new(const struct ags_rec_hdr *h, enum ags_kind kind, const char *call)
{
	json_t *ev = json_object();

	json_object_set_new(ev, AGS_K_VERSION, json_integer(AGS_SCHEMA_VERSION));
	json_object_set_new(ev, AGS_K_TS, json_integer((json_int_t)(h->ts_ns + st.clock_off)));
	json_object_set_new(ev, AGS_K_SRC, json_string(AGS_SRC_EBPF));
	json_object_set_new(ev, AGS_K_KIND, json_string(ags_ebpf_kind_name(kind)));
	json_object_set_new(ev, AGS_K_PID, json_integer(h->pid));
	json_object_set_new(ev, AGS_K_PPID, json_integer(h->ppid));
	json_object_set_new(ev, AGS_K_TID, json_integer(h->tid));
	json_object_set_new(ev, AGS_K_EXE, json_stringn_nocheck(h->comm, strnlen(h->comm, 16)));
	if (call)
		json_object_set_new(ev, AGS_K_CALL, json_string(call));
	return ev;
}

void ags_jev_errno(json_t *ev, int err)
{
	const char *name;

	if (!err)
		return;
	name = strerrorname_np(err);
	json_object_set_new(ev, AGS_K_ERRNO, json_integer(err));
	json_object_set_new(ev, AGS_K_ERR, json_string(name ? name : "E?"));
}

/* One line, one write(2); a line over AGS_LINE_MAX loses its argv and says so. */
void ags_jev_emit(json_t *ev)
{
	char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t n;

	if (s && strlen(s) + 1 > AGS_LINE_MAX) {
		free(s);
		json_object_del(ev, AGS_K_ARGV);
		json_object_set_new(ev, AGS_K_TRUNC, json_integer(1));
		s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	}
	if (s) {
		n = strlen(s);
		s[n] = '\n';
		if (write(st.fd, s, n + 1) == (ssize_t)(n + 1))
			st.written++;
		free(s);
	}
	json_decref(ev);
}

static json_t *argv_json(const char *args, uint32_t len, uint32_t *argc)
{
	json_t *a = json_array();
	uint32_t i = 0, n = 0;

	while (i < len) {
		size_t l = strnlen(args + i, len - i);

		json_array_append_new(a, json_stringn_nocheck(args + i, l));
		n++;
		i += (uint32_t)l + 1;
	}
	*argc = n;
	return a;
}

/* ---- processes ---- */

static void on_exec(const struct ags_rec_exec *e)
{
	json_t *ev = ags_jev_new(&e->hdr, AGS_KIND_PROC_START, NULL);
	uint32_t argc;
	json_t *argv = argv_json(e->args, e->args_len, &argc);
	struct proc *p = proc_find((pid_t)e->hdr.pid);

	if (!p)
		p = proc_add((pid_t)e->hdr.pid, (pid_t)e->hdr.ppid);
	if (p)
		memcpy(p->comm, e->hdr.comm, sizeof(p->comm));
	ags_exec_fail_drop((pid_t)e->hdr.pid, e->path);
	json_object_set_new(ev, AGS_K_EXE, json_string(e->path));
	json_object_set_new(ev, AGS_K_COMM,
			    json_stringn_nocheck(e->hdr.comm, strnlen(e->hdr.comm, 16)));
	json_object_set_new(ev, AGS_K_UID, json_integer(e->hdr.uid));
	json_object_set_new(ev, AGS_K_CGROUP, json_integer((json_int_t)e->hdr.cgid));
	if (e->args_len == AGS_ARGS_LEN)
		json_object_set_new(ev, AGS_K_TRUNC, json_integer(1));
	json_object_set_new(ev, AGS_K_ARGC, json_integer(argc));
	json_object_set_new(ev, AGS_K_ARGV, argv);
	ags_jev_emit(ev);
}

static void on_fork(const struct ags_rec_proc *r)
{
	json_t *ev = ags_jev_new(&r->hdr, AGS_KIND_SPAWN, "fork");
	struct proc *c = proc_add((pid_t)r->child, (pid_t)r->hdr.pid), *p;
	char libc[4096];

	if (c)
		memcpy(c->comm, r->hdr.comm, sizeof(c->comm));
	ags_exec_fail_flush((pid_t)r->hdr.pid);
	json_object_set_new(ev, AGS_K_RET, json_integer(r->child));
	json_object_set_new(ev, AGS_K_CHILD, json_integer(r->child));
	ags_jev_emit(ev);
	/* The parent's libc gets system-wide probes once, so its children are covered. */
	p = proc_find((pid_t)r->hdr.pid);
	if (st.follow_dns && p && !p->libc_known &&
	    !ags_libc_of((pid_t)r->hdr.pid, libc, sizeof(libc)))
		ags_bpf__dns_wide(st.bpf, libc);
	if (p)
		p->libc_known = 1;
	c = proc_find((pid_t)r->child);
	if (c && p)
		c->libc_known = 1;
}

static void exit_status(json_t *ev, uint32_t code)
{
	if (code & 0x7f) {
		json_object_set_new(ev, AGS_K_SIGNAL, json_integer(code & 0x7f));
		if (code & 0x80)
			json_object_set_new(ev, AGS_K_CORE, json_integer(1));
	} else {
		json_object_set_new(ev, AGS_K_STATUS, json_integer((code >> 8) & 0xff));
		json_object_set_new(ev, AGS_K_SIGNAL, json_integer(0));
	}
}

/* Children of a process that exits while they still run become orphans. */
static void report_orphans(const struct ags_rec_proc *r)
{
	unsigned i;

	for (i = 0; i < PROCS_CAP; i++) {
		struct proc *c = &st.procs[i];
		struct ags_rec_hdr h = r->hdr;
		json_t *ev;

		if (!c->pid || c->exited || c->ppid != (pid_t)r->hdr.pid || c->pid == c->ppid)
			continue;
		ev = ags_jev_new(&h, AGS_KIND_CHILD, NULL);
		json_object_set_new(ev, AGS_K_CHILD, json_integer(c->pid));
		json_object_set_new(ev, AGS_K_STATE, json_string("running"));
		json_object_set_new(ev, AGS_K_ORPHANED, json_true());
		json_object_set_new(ev, AGS_K_AGE,
				    json_integer((json_int_t)(r->hdr.ts_ns - c->start_ns)));
		json_object_set_new(ev, AGS_K_COMM,
				    json_stringn_nocheck(c->comm, strnlen(c->comm, 16)));
		ags_jev_emit(ev);
		c->ppid = 1; /* reparented; a later reaper is not known here */
	}
}

static void on_exit_rec(const struct ags_rec_proc *r)
{
	json_t *ev = ags_jev_new(&r->hdr, AGS_KIND_PROC_EXIT, NULL);
	struct proc *p = proc_find((pid_t)r->hdr.pid);

	ags_exec_fail_flush((pid_t)r->hdr.pid);
	exit_status(ev, r->exit_code);
	ags_jev_emit(ev);
	if (!p)
		p = proc_add((pid_t)r->hdr.pid, (pid_t)r->hdr.ppid);
	if (p && !p->exited) {
		p->exited = 1;
		p->exit_code = r->exit_code;
		p->exit_ns = r->hdr.ts_ns;
		p->ppid = (pid_t)r->hdr.ppid;
		st.alive--;
		st.unreaped++;
	}
	report_orphans(r);
	ags_bpf__detach_dns(st.bpf, (pid_t)r->hdr.pid);
}

static void on_free(const struct ags_rec_proc *r)
{
	struct ags_rec_hdr h = r->hdr;
	struct proc *p = proc_find((pid_t)r->hdr.pid), *parent;
	json_t *ev;

	if (p)
		proc_del(p);
	/* Written as the parent's reaping of the child, when that parent is traced. */
	parent = proc_find((pid_t)r->hdr.ppid);
	if (!parent || parent->exited)
		return;
	h.pid = r->hdr.ppid;
	h.tid = r->hdr.ppid;
	h.ppid = 0;
	ev = ags_jev_new(&h, AGS_KIND_WAIT, "reap");
	json_object_del(ev, AGS_K_PPID);
	json_object_del(ev, AGS_K_EXE);
	json_object_set_new(ev, AGS_K_CHILD, json_integer(r->hdr.pid));
	json_object_set_new(ev, AGS_K_COMM,
			    json_stringn_nocheck(r->hdr.comm, strnlen(r->hdr.comm, 16)));
	exit_status(ev, r->exit_code);
	ags_jev_emit(ev);
}

static void emit_zombie(struct proc *p, uint64_t now_mono)
{
	struct ags_rec_hdr h;
	json_t *ev;

	memset(&h, 0, sizeof(h));
	h.pid = (uint32_t)p->ppid;
	h.tid = (uint32_t)p->ppid;
	h.ts_ns = now_mono;
	ev = ags_jev_new(&h, AGS_KIND_CHILD, NULL);
	json_object_del(ev, AGS_K_EXE);
	json_object_set_new(ev, AGS_K_CHILD, json_integer(p->pid));
	json_object_set_new(ev, AGS_K_STATE, json_string("zombie"));
	if (p->exit_ns)
		json_object_set_new(ev, AGS_K_AGE,
				    json_integer((json_int_t)(now_mono - p->exit_ns)));
	json_object_set_new(ev, AGS_K_COMM, json_stringn_nocheck(p->comm, strnlen(p->comm, 16)));
	exit_status(ev, p->exit_code);
	ags_jev_emit(ev);
	p->zombie_reported = 1;
}

static void on_task(const struct ags_rec_proc *r)
{
	struct proc *p = proc_find((pid_t)r->hdr.pid);
	json_t *ev;

	if (!p)
		p = proc_add((pid_t)r->hdr.pid, (pid_t)r->hdr.ppid);
	if (!p)
		return;
	memcpy(p->comm, r->hdr.comm, sizeof(p->comm));
	p->start_ns = r->start_ns;
	if (r->state) {
		/* Already a zombie when we arrived: its exit time is unknown. */
		p->exited = 1;
		p->exit_code = r->exit_code;
		st.alive--;
		st.unreaped++;
		emit_zombie(p, r->hdr.ts_ns);
		return;
	}
	ev = ags_jev_new(&r->hdr, AGS_KIND_PROC_START, NULL);
	json_object_set_new(ev, AGS_K_EXISTING, json_true());
	json_object_set_new(ev, AGS_K_COMM,
			    json_stringn_nocheck(r->hdr.comm, strnlen(r->hdr.comm, 16)));
	json_object_set_new(ev, AGS_K_UID, json_integer(r->hdr.uid));
	json_object_set_new(ev, AGS_K_CGROUP, json_integer((json_int_t)r->hdr.cgid));
	ags_enrich_existing(ev, (pid_t)r->hdr.pid);
	ags_jev_emit(ev);
}

/* ---- connect: the syscall, and the handshake of a non-blocking one ---- */

static void connect_common(json_t *ev, const struct ags_rec_connect *c)
{
	json_object_set_new(ev, AGS_K_FD, json_integer(c->fd));
	ags_enrich_sockaddr(ev, c->sa, c->sa_len);
}

static void emit_connect(const struct ags_rec_connect *c)
{
	json_t *ev = ags_jev_new(&c->hdr, AGS_KIND_CONNECT, "connect");

	connect_common(ev, c);
	json_object_set_new(ev, AGS_K_RET, json_integer(c->ret < 0 ? -1 : c->ret));
	ags_jev_errno(ev, c->ret < 0 ? -c->ret : 0);
	json_object_set_new(ev, AGS_K_DUR, json_integer((json_int_t)c->dur_ns));
	ags_jev_emit(ev);
}

static void on_tcp(const struct ags_rec_tcp *t)
{
	json_t *ev = ags_jev_new(&t->hdr, AGS_KIND_CONNECT, "connect");
	int ok = t->newstate == TCP_ESTABLISHED;
	int err = t->error ? t->error : (ok ? 0 : ECONNREFUSED);

	json_object_set_new(ev, AGS_K_FD, json_integer(t->fd));
	ags_enrich_inet(ev, t->family, t->daddr, t->dport);
	json_object_set_new(ev, AGS_K_NONBLOCK, json_integer(1));
	json_object_set_new(ev, AGS_K_VIA, json_string("tcp_state"));
	json_object_set_new(ev, AGS_K_RET, json_integer(ok ? 0 : -1));
	ags_jev_errno(ev, ok ? 0 : err);
	json_object_set_new(ev, AGS_K_DUR, json_integer((json_int_t)t->lat_ns));
	ags_jev_emit(ev);
}

static void on_connect(const struct ags_rec_connect *c)
{
	ags_exec_fail_flush((pid_t)c->hdr.pid);
	emit_connect(c);
}

/* ---- DNS, fd exhaustion, OOM ---- */

static void on_dns(const struct ags_rec_dns *d)
{
	json_t *ev = ags_jev_new(&d->hdr, AGS_KIND_DNS, "getaddrinfo");

	json_object_set_new(ev, AGS_K_HOST,
			    json_stringn_nocheck(d->host, strnlen(d->host, sizeof(d->host))));
	json_object_set_new(ev, AGS_K_RET, json_integer(d->rc));
	if (d->rc) {
		json_object_set_new(ev, AGS_K_ERRNO, json_integer(d->rc));
		json_object_set_new(ev, AGS_K_ERR, json_string(ags_eai_name(d->rc)));
	}
	json_object_set_new(ev, AGS_K_DUR, json_integer((json_int_t)d->dur_ns));
	ags_enrich_dns_addrs(ev, d);
	ags_jev_emit(ev);
}

static void on_fd(const struct ags_rec_fd *f)
{
	const char *name = ags_syscall_name(f->nr);
	json_t *ev = ags_jev_new(&f->hdr, AGS_KIND_FD_EXHAUST, name ? name : "syscall");

	json_object_set_new(ev, AGS_K_RET, json_integer(-1));
	ags_jev_errno(ev, -f->ret);
	ags_enrich_fds(ev, (pid_t)f->hdr.pid);
	ags_jev_emit(ev);
}

static void on_oom(const struct ags_rec_oom *o)
{
	json_t *ev = ags_jev_new(&o->hdr, AGS_KIND_OOM_KILL, NULL);

	json_object_set_new(ev, AGS_K_VICTIM, json_integer(o->victim));
	json_object_set_new(ev, AGS_K_COMM,
			    json_stringn_nocheck(o->hdr.comm, strnlen(o->hdr.comm, 16)));
	json_object_set_new(ev, AGS_K_UID, json_integer(o->hdr.uid));
	json_object_set_new(ev, AGS_K_CGROUP2_ID, json_integer((json_int_t)o->hdr.cgid));
	json_object_set_new(ev, AGS_K_MEMCG_ID, json_integer((json_int_t)o->memcg_id));
	json_object_set_new(ev, AGS_K_TOTAL_VM_KB, json_integer((json_int_t)o->total_vm_kb));
	json_object_set_new(ev, AGS_K_ANON_RSS_KB, json_integer((json_int_t)o->anon_rss_kb));
	json_object_set_new(ev, AGS_K_FILE_RSS_KB, json_integer((json_int_t)o->file_rss_kb));
	json_object_set_new(ev, AGS_K_SHMEM_RSS_KB, json_integer((json_int_t)o->shmem_rss_kb));
	json_object_set_new(ev, AGS_K_PGTABLES_KB, json_integer((json_int_t)o->pgtables_kb));
	json_object_set_new(ev, AGS_K_OOM_SCORE_ADJ, json_integer(o->oom_score_adj));
	ags_enrich_memcg(ev, o);
	ags_jev_emit(ev);
}

int ags_events_handle(void *ctx, void *data, size_t size)
{
	const struct ags_rec_hdr *h = data;

	(void)ctx;
	if (size < sizeof(*h))
		return 0;
	switch (h->type) {
	case AGS_REC_EXEC:
		if (size >= sizeof(struct ags_rec_exec))
			on_exec(data);
		break;
	case AGS_REC_EXEC_FAIL:
		if (size >= sizeof(struct ags_rec_exec))
			ags_exec_fail_add(data);
		break;
	case AGS_REC_FORK: on_fork(data); break;
	case AGS_REC_EXIT: on_exit_rec(data); break;
	case AGS_REC_FREE: on_free(data); break;
	case AGS_REC_TASK: on_task(data); break;
	case AGS_REC_CONNECT: on_connect(data); break;
	case AGS_REC_TCP: on_tcp(data); break;
	case AGS_REC_DNS: on_dns(data); break;
	case AGS_REC_FD: on_fd(data); break;
	case AGS_REC_OOM: on_oom(data); break;
	default: break;
	}
	return 0;
}

/* ---- periodic work ---- */

static void report_lost(const uint64_t *lost)
{
	uint64_t total = 0;
	struct ags_rec_hdr h;
	json_t *ev, *by;
	int i;

	for (i = 0; i < AGS_REC__COUNT; i++)
		total += lost[i] - st.lost_seen[i];
	if (!total)
		return;
	memset(&h, 0, sizeof(h));
	h.ts_ns = mono_ns();
	h.pid = (uint32_t)getpid();
	h.tid = h.pid;
	memcpy(h.comm, "agshim-bpf", 10);
	ev = ags_jev_new(&h, AGS_KIND_LOST, NULL);
	json_object_set_new(ev, AGS_K_DROPPED, json_integer((json_int_t)total));
	by = json_object();
	for (i = 0; i < AGS_REC__COUNT; i++) {
		if (lost[i] != st.lost_seen[i])
			json_object_set_new(by, ags_rec_name(i),
					    json_integer((json_int_t)(lost[i] - st.lost_seen[i])));
		st.lost_seen[i] = lost[i];
	}
	json_object_set_new(ev, AGS_K_DETAIL, by);
	ags_jev_emit(ev);
}

void ags_events_tick(const uint64_t *lost)
{
	uint64_t now = mono_ns();
	unsigned i;

	if (st.unreaped) {
		for (i = 0; i < PROCS_CAP; i++) {
			struct proc *p = &st.procs[i];

			if (p->pid && p->exited && !p->zombie_reported && p->exit_ns &&
			    now > p->exit_ns && now - p->exit_ns >= st.zombie_ns)
				emit_zombie(p, now);
		}
	}
	if (now - st.last_stats_ms >= STATS_EVERY_NS) {
		ags_events_stats(0);
		st.last_stats_ms = now;
	}
	ags_exec_fail_tick(now);
	if (lost)
		report_lost(lost);
}

void ags_events_flush(const uint64_t *lost)
{
	ags_events_tick(lost);
	ags_exec_fail_flush(0);
	ags_events_stats(1);
}

/* The seen-count of a stats key, so that only changed keys are written. */
static struct seen *seen_of(const void *key, size_t len)
{
	int i;

	for (i = 0; i < st.nseen; i++)
		if (!memcmp(st.seen[i].key, key, len))
			return &st.seen[i];
	if (st.nseen == SEEN_CAP)
		return NULL;
	memset(&st.seen[st.nseen], 0, sizeof(st.seen[0]));
	memcpy(st.seen[st.nseen].key, key, len);
	return &st.seen[st.nseen++];
}

static void stats_common(json_t *ev, const struct ags_stats *v, int final)
{
	json_t *h = json_array();
	int i, last = 0;

	json_object_set_new(ev, AGS_K_FAILED, json_integer((json_int_t)v->failed));
	json_object_set_new(ev, AGS_K_AGGREGATED, json_integer((json_int_t)v->aggregated));
	json_object_set_new(ev, AGS_K_SUPPRESSED, json_integer((json_int_t)v->suppressed));
	json_object_set_new(ev, AGS_K_DUR_SUM, json_integer((json_int_t)v->dur_sum_ns));
	json_object_set_new(ev, AGS_K_DUR_MAX, json_integer((json_int_t)v->dur_max_ns));
	for (i = 0; i < AGS_HIST_SLOTS; i++)
		if (v->hist_us_log2[i])
			last = i + 1;
	for (i = 0; i < last; i++)
		json_array_append_new(h, json_integer(v->hist_us_log2[i]));
	json_object_set_new(ev, AGS_K_HIST, h);
	if (final)
		json_object_set_new(ev, AGS_K_FINAL, json_integer(1));
}

static void stats_hdr(struct ags_rec_hdr *h, uint32_t tgid)
{
	struct proc *p = proc_find((pid_t)tgid);

	memset(h, 0, sizeof(*h));
	h->pid = h->tid = tgid;
	h->ts_ns = mono_ns();
	if (p) {
		h->ppid = (uint32_t)p->ppid;
		memcpy(h->comm, p->comm, sizeof(h->comm));
	}
}

void ags_events_stats(int final)
{
	struct ags_conn_key ck, *cprev = NULL;
	struct ags_dns_key dk, *dprev = NULL;
	struct ags_rec_hdr h;
	struct ags_stats v;
	struct seen *seen;
	json_t *ev;

	while (st.conn_fd >= 0 && !bpf_map_get_next_key(st.conn_fd, cprev, &ck)) {
		cprev = &ck;
		if (bpf_map_lookup_elem(st.conn_fd, &ck, &v))
			continue;
		seen = seen_of(&ck, sizeof(ck));
		if (seen && seen->calls == v.calls && !final)
			continue;
		if (seen)
			seen->calls = v.calls;
		stats_hdr(&h, ck.tgid);
		ev = ags_jev_new(&h, AGS_KIND_NET_STATS, NULL);
		ags_enrich_endpoint(ev, &ck);
		json_object_set_new(ev, AGS_K_CONNECTS, json_integer((json_int_t)v.calls));
		json_object_set_new(ev, AGS_K_OK, json_integer((json_int_t)v.ok));
		stats_common(ev, &v, final);
		ags_jev_emit(ev);
	}
	while (st.dns_fd >= 0 && !bpf_map_get_next_key(st.dns_fd, dprev, &dk)) {
		dprev = &dk;
		if (bpf_map_lookup_elem(st.dns_fd, &dk, &v))
			continue;
		seen = seen_of(&dk, sizeof(dk));
		if (seen && seen->calls == v.calls && !final)
			continue;
		if (seen)
			seen->calls = v.calls;
		stats_hdr(&h, dk.tgid);
		ev = ags_jev_new(&h, AGS_KIND_DNS_STATS, NULL);
		json_object_set_new(
			ev, AGS_K_HOST,
			json_stringn_nocheck(dk.host, strnlen(dk.host, sizeof(dk.host))));
		json_object_set_new(ev, AGS_K_LOOKUPS, json_integer((json_int_t)v.calls));
		stats_common(ev, &v, final);
		ags_jev_emit(ev);
	}
}

void ags_events_init(int fd, uint64_t zombie_ms, struct ags_bpf *b, int follow_dns)
{
	st.fd = fd;
	st.zombie_ns = zombie_ms * 1000000ULL;
	st.clock_off = ags_clock_offset_ns();
	st.bpf = b;
	st.follow_dns = follow_dns;
	st.conn_fd = st.dns_fd = -1;
	if (b)
		ags_bpf__stats_fds(b, &st.conn_fd, &st.dns_fd);
	else
		ags_pinned_stats_fds(&st.conn_fd, &st.dns_fd);
	st.last_stats_ms = mono_ns();
}
