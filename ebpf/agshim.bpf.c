// SPDX-License-Identifier: GPL-2.0 OR MIT
/* agshim's eBPF programs: process, exec, connect, DNS, fd and OOM records for agshim-bpf. */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "record.h"

#define EMFILE 24
#define ENFILE 23
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define EXIT_ZOMBIE 0x20
#define EINPROGRESS 115
#define O_NONBLOCK 04000

/* Set by the loader before load (see ags_configure in loader.c). */
const volatile __u32 targ_mode = AGS_MODE_TGIDS;
const volatile __u64 targ_cgid = 0;
const volatile __u32 targ_cglevel = 0;
const volatile __u64 targ_slow_connect_ns = 1000000000ULL;
const volatile __u64 targ_slow_dns_ns = 1000000000ULL;

/* Records that found the ring buffer full, by record type; the loader reports them. */
__u64 lost_cnt[AGS_REC__COUNT] = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

/* The traced tgids (AGS_MODE_TGIDS); children are added at fork. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AGS_TARGETS_MAX);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

/* Processes seen exiting, so that the reaping in RCU context can be matched. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AGS_TARGETS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} exited SEC(".maps");

/* An exec in progress, by tid: argv read at entry, sent only if the call fails. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct ags_rec_exec);
} execs SEC(".maps");

/* A connect in progress, by tid. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct ags_rec_connect);
} conns SEC(".maps");

/* A TCP handshake of a traced connect, by socket address. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct ags_rec_tcp);
} handshakes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AGS_STATS_MAX);
	__type(key, struct ags_conn_key);
	__type(value, struct ags_stats);
} conn_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AGS_STATS_MAX);
	__type(key, struct ags_dns_key);
	__type(value, struct ags_stats);
} dns_stats SEC(".maps");

struct gai_call {
	__u64 ts_ns;
	__u64 node;
	__u64 res;
};

/* A getaddrinfo in progress, by tid. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct gai_call);
} gais SEC(".maps");

static const struct ags_rec_exec empty_exec = {};
static const struct ags_stats empty_stats = {};
static const struct ags_rec_connect empty_conn = {};

/* The cgroup2 ancestor of task at targ_cglevel is the target. */
static __always_inline bool task_cgroup_in_scope(struct task_struct *task)
{
	struct cgroup *cgrp = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	struct cgroup *anc = NULL;
	__u32 level = targ_cglevel;

	if (!cgrp || BPF_CORE_READ(cgrp, level) < (int)level || level > 64)
		return false;
	bpf_probe_read_kernel(&anc, sizeof(anc), &cgrp->ancestors[level]);
	return anc && BPF_CORE_READ(anc, kn, id) == targ_cgid;
}

/* The current task (of process tgid) is traced.  Every program asks this first. */
static __always_inline bool current_in_scope(__u32 tgid)
{
	if (targ_mode == AGS_MODE_ALL)
		return true;
	if (targ_mode == AGS_MODE_CGROUP)
		return bpf_get_current_ancestor_cgroup_id(targ_cglevel) == targ_cgid;
	return bpf_map_lookup_elem(&targets, &tgid) != NULL;
}

static __always_inline void fill_hdr(struct ags_rec_hdr *h, __u32 type)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	h->type = type;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->ts_ns = bpf_ktime_get_ns();
	h->cgid = bpf_get_current_cgroup_id();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* The same for a task that is not current (RCU callbacks, iterators, OOM victims). */
static __always_inline void fill_hdr_task(struct ags_rec_hdr *h, __u32 type,
					  struct task_struct *task)
{
	h->type = type;
	h->pid = BPF_CORE_READ(task, tgid);
	h->tid = BPF_CORE_READ(task, pid);
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = BPF_CORE_READ(task, cred, uid.val);
	h->ts_ns = bpf_ktime_get_ns();
	h->cgid = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	bpf_probe_read_kernel_str(h->comm, sizeof(h->comm), task->comm);
}

static __always_inline void *reserve(__u64 size, __u32 type)
{
	void *r = bpf_ringbuf_reserve(&events, size, 0);

	if (!r && type < AGS_REC__COUNT)
		__sync_fetch_and_add(&lost_cnt[type], 1);
	return r;
}

static __always_inline void output(void *rec, __u64 size, __u32 type)
{
	if (bpf_ringbuf_output(&events, rec, size, 0) && type < AGS_REC__COUNT)
		__sync_fetch_and_add(&lost_cnt[type], 1);
}

static __always_inline __u32 hist_slot(__u64 dur_ns)
{
	__u64 us = dur_ns / 1000;
	__u32 slot = 0;

	if (!us)
		return 0;
	/* floor(log2(us)) + 1, capped at the last slot. */
	if (us >> 16) {
		slot += 16;
		us >>= 16;
	}
	if (us >> 8) {
		slot += 8;
		us >>= 8;
	}
	if (us >> 4) {
		slot += 4;
		us >>= 4;
	}
	if (us >> 2) {
		slot += 2;
		us >>= 2;
	}
	if (us >> 1)
		slot += 1;
	slot += 1;
	return slot < AGS_HIST_SLOTS ? slot : AGS_HIST_SLOTS - 1;
}

/*
 * Count one outcome in s; returns true when it is also worth a record of its own: one of
 * the first plain successes, or a notable one (failed or slow) within the budget.
 */
static __always_inline bool account(struct ags_stats *s, bool ok, __u64 dur_ns, __u64 slow_ns,
				    __u64 plain_budget, __u64 notable_budget)
{
	bool notable = !ok || dur_ns >= slow_ns;

	__sync_fetch_and_add(&s->calls, 1);
	if (ok) {
		__sync_fetch_and_add(&s->ok, 1);
		__sync_fetch_and_add(&s->hist_us_log2[hist_slot(dur_ns) & (AGS_HIST_SLOTS - 1)], 1);
	} else {
		__sync_fetch_and_add(&s->failed, 1);
	}
	__sync_fetch_and_add(&s->dur_sum_ns, dur_ns);
	if (dur_ns > s->dur_max_ns)
		s->dur_max_ns = dur_ns;
	if (notable) {
		if (s->notable_sent < notable_budget) {
			__sync_fetch_and_add(&s->notable_sent, 1);
			return true;
		}
		__sync_fetch_and_add(&s->suppressed, 1);
		return false;
	}
	if (s->plain_sent < plain_budget) {
		__sync_fetch_and_add(&s->plain_sent, 1);
		return true;
	}
	__sync_fetch_and_add(&s->aggregated, 1);
	return false;
}

static __always_inline struct ags_stats *stats_of(void *map, const void *key)
{
	struct ags_stats *s = bpf_map_lookup_elem(map, key);

	if (s)
		return s;
	bpf_map_update_elem(map, key, &empty_stats, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* A connect's outcome: counted per endpoint; true when it gets its own record. */
static __always_inline bool connect_account(__u32 tgid, __u16 family, __u16 port, const __u8 *addr,
					    bool ok, __u64 dur_ns)
{
	struct ags_conn_key k = {};
	struct ags_stats *s;

	k.tgid = tgid;
	k.family = family;
	k.port = port;
	bpf_probe_read_kernel(k.addr, sizeof(k.addr), addr);
	s = stats_of(&conn_stats, &k);
	if (!s)
		return true;
	return account(s, ok, dur_ns, targ_slow_connect_ns, AGS_PLAIN_LINES,
		       family == AF_UNIX ? AGS_UNIX_NOTABLE : AGS_NOTABLE_LINES);
}

/* ---- processes ---- */

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ags_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct ags_rec_exec *e;
	__u64 start, end, len;

	if (!current_in_scope(p->tgid))
		return 0;
	e = reserve(sizeof(*e), AGS_REC_EXEC);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, AGS_REC_EXEC);
	e->ret = 0;
	e->call = 0;
	e->dur_ns = 0;
	e->argc = 0;
	bpf_probe_read_kernel_str(e->path, sizeof(e->path), bprm->filename);
	/* The kernel has just written these pages, so reading them cannot fault. */
	start = BPF_CORE_READ(p, mm, arg_start);
	end = BPF_CORE_READ(p, mm, arg_end);
	len = end > start ? end - start : 0;
	if (len > AGS_ARGS_LEN)
		len = AGS_ARGS_LEN;
	e->args_len = 0;
	if (len && !bpf_probe_read_user(e->args, len, (void *)start))
		e->args_len = len;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static __always_inline int exec_enter(const char *path, const char *const *argv, __u32 call)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, off = 0, i;
	struct ags_rec_exec *e;

	if (!current_in_scope(id >> 32))
		return 0;
	bpf_map_update_elem(&execs, &tid, &empty_exec, BPF_ANY);
	e = bpf_map_lookup_elem(&execs, &tid);
	if (!e)
		return 0;
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->call = call;
	bpf_probe_read_user_str(e->path, sizeof(e->path), path);
	for (i = 0; i < AGS_ARGS_MAX; i++) {
		const char *argp = NULL;
		long n;

		if (bpf_probe_read_user(&argp, sizeof(argp), &argv[i]) || !argp)
			break;
		if (off > AGS_ARGS_LEN)
			break;
		n = bpf_probe_read_user_str(&e->args[off], AGS_ARG_LEN, argp);
		if (n <= 0)
			break;
		off += n;
		e->argc++;
	}
	e->args_len = off;
	return 0;
}

static __always_inline int exec_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ags_rec_exec *e = bpf_map_lookup_elem(&execs, &tid);
	__u64 t0;

	if (!e)
		return 0;
	if (ret < 0) {
		t0 = e->hdr.ts_ns;
		fill_hdr(&e->hdr, AGS_REC_EXEC_FAIL);
		e->dur_ns = e->hdr.ts_ns - t0;
		e->ret = (__s32)ret;
		output(e, sizeof(*e), AGS_REC_EXEC_FAIL);
	}
	bpf_map_delete_elem(&execs, &tid);
	return 0;
}

SEC("tp/syscalls/sys_enter_execve")
int ags_execve_enter(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter((const char *)ctx->args[0], (const char *const *)ctx->args[1], 0);
}

SEC("tp/syscalls/sys_exit_execve")
int ags_execve_exit(struct trace_event_raw_sys_exit *ctx)
{
	return exec_exit(ctx->ret);
}

SEC("tp/syscalls/sys_enter_execveat")
int ags_execveat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return exec_enter((const char *)ctx->args[1], (const char *const *)ctx->args[2], 1);
}

SEC("tp/syscalls/sys_exit_execveat")
int ags_execveat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return exec_exit(ctx->ret);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(ags_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	struct ags_rec_proc *e;
	__u8 one = 1;

	if (child->pid != ctgid) /* a thread */
		return 0;
	if (!current_in_scope(ptgid))
		return 0;
	if (targ_mode == AGS_MODE_TGIDS)
		bpf_map_update_elem(&targets, &ctgid, &one, BPF_ANY);
	e = reserve(sizeof(*e), AGS_REC_FORK);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->hdr, AGS_REC_FORK);
	e->child = ctgid;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ags_exit, struct task_struct *p, bool group_dead)
{
	__u32 tgid = p->tgid, code = p->exit_code;
	struct ags_rec_proc *e;

	if (!group_dead || !current_in_scope(tgid))
		return 0;
	bpf_map_update_elem(&exited, &tgid, &code, BPF_ANY);
	e = reserve(sizeof(*e), AGS_REC_EXIT);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->hdr, AGS_REC_EXIT);
	e->exit_code = code;
	e->nr_threads = BPF_CORE_READ(p, signal, nr_threads);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Runs from an RCU callback: current is unrelated, so only the task's own fields count. */
SEC("tp_btf/sched_process_free")
int BPF_PROG(ags_free, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct ags_rec_proc *e;

	if (p->pid != tgid || !bpf_map_lookup_elem(&exited, &tgid))
		return 0;
	bpf_map_delete_elem(&exited, &tgid);
	if (targ_mode == AGS_MODE_TGIDS)
		bpf_map_delete_elem(&targets, &tgid);
	e = reserve(sizeof(*e), AGS_REC_FREE);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr_task(&e->hdr, AGS_REC_FREE, p);
	e->exit_code = p->exit_code;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Existing processes at start: zombies, and descendants of the target pids. */
SEC("iter/task")
int ags_task_iter(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task, *anc;
	__u32 tgid, a, i;
	struct ags_rec_proc *e;
	bool in = false;
	__u8 one = 1;

	if (!task || task->pid != task->tgid)
		return 0;
	tgid = task->tgid;
	if (targ_mode == AGS_MODE_ALL) {
		in = true;
	} else if (targ_mode == AGS_MODE_CGROUP) {
		in = task_cgroup_in_scope(task);
	} else {
		anc = task;
		for (i = 0; i < 16 && anc; i++) {
			a = BPF_CORE_READ(anc, tgid);
			if (bpf_map_lookup_elem(&targets, &a)) {
				in = true;
				break;
			}
			if (a <= 1)
				break;
			anc = BPF_CORE_READ(anc, real_parent);
		}
		if (in)
			bpf_map_update_elem(&targets, &tgid, &one, BPF_ANY);
	}
	if (!in)
		return 0;
	e = reserve(sizeof(*e), AGS_REC_TASK);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr_task(&e->hdr, AGS_REC_TASK, task);
	e->state = (task->exit_state & EXIT_ZOMBIE) ? 1 : 0;
	e->exit_code = task->exit_code;
	e->nr_threads = BPF_CORE_READ(task, signal, nr_threads);
	e->start_ns = task->start_time;
	e->parent_cgid = BPF_CORE_READ(task, real_parent, cgroups, dfl_cgrp, kn, id);
	if (e->state) {
		__u32 code = task->exit_code;

		bpf_map_update_elem(&exited, &tgid, &code, BPF_ANY);
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* ---- connect ---- */

SEC("tp/syscalls/sys_enter_connect")
int ags_connect_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, len = (__u32)ctx->args[2];
	struct ags_rec_connect *c;

	if (!current_in_scope(id >> 32))
		return 0;
	bpf_map_update_elem(&conns, &tid, &empty_conn, BPF_ANY);
	c = bpf_map_lookup_elem(&conns, &tid);
	if (!c)
		return 0;
	c->hdr.ts_ns = bpf_ktime_get_ns();
	c->fd = (__s32)ctx->args[0];
	if (len > AGS_SA_LEN - 1)
		len = AGS_SA_LEN - 1;
	c->sa_len = len;
	/* Restate the bound where the verifier sees it; clang drops a plain mask. */
	asm volatile("%[len] &= 0x7f" /* AGS_SA_LEN - 1 */ : [len] "+r"(len));
	bpf_probe_read_user(c->sa, len, (void *)ctx->args[1]);
	return 0;
}

SEC("tp/syscalls/sys_exit_connect")
int ags_connect_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ags_rec_connect *c = bpf_map_lookup_elem(&conns, &tid);
	__u16 family, port = 0;
	__u8 addr[16] = {};
	__u64 t0;

	if (!c)
		return 0;
	/* A non-blocking TCP connect in progress: its handshake will say how it ended. */
	if (ctx->ret == -EINPROGRESS && c->nb)
		goto out;
	if (c->skaddr)
		bpf_map_delete_elem(&handshakes, &c->skaddr);
	t0 = c->hdr.ts_ns;
	fill_hdr(&c->hdr, AGS_REC_CONNECT);
	c->dur_ns = c->hdr.ts_ns - t0;
	c->ret = (__s32)ctx->ret;
	family = *(__u16 *)c->sa;
	if (family == AF_INET) {
		port = bpf_ntohs(*(__u16 *)&c->sa[2]);
		__builtin_memcpy(addr, &c->sa[4], 4);
	} else if (family == AF_INET6) {
		port = bpf_ntohs(*(__u16 *)&c->sa[2]);
		__builtin_memcpy(addr, &c->sa[8], 16);
	} else {
		__builtin_memcpy(addr, &c->sa[2], 16);
	}
	if (connect_account(c->hdr.pid, family, port, addr, c->ret == 0, c->dur_ns))
		output(c, sizeof(*c), AGS_REC_CONNECT);
out:
	bpf_map_delete_elem(&conns, &tid);
	return 0;
}

SEC("tp/sock/inet_sock_set_state")
int ags_tcp_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr;
	struct ags_rec_connect *c;
	struct ags_rec_tcp *t, *e;
	struct sock *sock;
	__u32 tid;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (ctx->newstate == TCP_SYN_SENT) {
		/* Inside connect(2): process context, and only traced calls are in conns. */
		tid = (__u32)bpf_get_current_pid_tgid();
		c = bpf_map_lookup_elem(&conns, &tid);
		if (!c)
			return 0;
		c->skaddr = sk;
		/* A blocking connect's syscall exit has the outcome; only O_NONBLOCK needs this. */
		sock = (struct sock *)ctx->skaddr;
		if (!(BPF_CORE_READ(sock, sk_socket, file, f_flags) & O_NONBLOCK))
			return 0;
		c->nb = 1;
		bpf_map_update_elem(&handshakes, &sk, &(struct ags_rec_tcp){}, BPF_ANY);
		t = bpf_map_lookup_elem(&handshakes, &sk);
		if (!t)
			return 0;
		fill_hdr(&t->hdr, AGS_REC_TCP);
		t->skaddr = sk;
		t->family = ctx->family;
		t->sport = ctx->sport;
		t->dport = ctx->dport;
		t->fd = c->fd;
		if (ctx->family == AF_INET6)
			bpf_probe_read_kernel(t->daddr, 16, ctx->daddr_v6);
		else
			bpf_probe_read_kernel(t->daddr, 4, ctx->daddr);
		return 0;
	}
	if (ctx->oldstate != TCP_SYN_SENT)
		return 0;
	/* The end of the handshake often runs in softirq of an unrelated task. */
	t = bpf_map_lookup_elem(&handshakes, &sk);
	if (!t)
		return 0;
	t->lat_ns = bpf_ktime_get_ns() - t->hdr.ts_ns;
	t->newstate = ctx->newstate;
	if (connect_account(t->hdr.pid, t->family, t->dport, t->daddr,
			    ctx->newstate == TCP_ESTABLISHED, t->lat_ns)) {
		e = reserve(sizeof(*e), AGS_REC_TCP);
		if (e) {
			__builtin_memcpy(e, t, sizeof(*e));
			bpf_ringbuf_submit(e, 0);
		}
	}
	bpf_map_delete_elem(&handshakes, &sk);
	return 0;
}

SEC("tp_btf/inet_sk_error_report")
int BPF_PROG(ags_tcp_error, const struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct ags_rec_tcp *t = bpf_map_lookup_elem(&handshakes, &key);

	if (t)
		t->error = BPF_CORE_READ(sk, sk_err);
	return 0;
}

/* ---- DNS: libc getaddrinfo, attached per traced process ---- */

/* glibc's struct addrinfo on x86_64. */
struct gai_addrinfo {
	int ai_flags;
	int ai_family;
	int ai_socktype;
	int ai_protocol;
	__u32 ai_addrlen;
	__u64 ai_addr;
	__u64 ai_canonname;
	__u64 ai_next;
};

SEC("uprobe")
int BPF_KPROBE(ags_gai_enter, const char *node, const char *service, const void *hints, void **res)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct gai_call call = {};

	if (!current_in_scope(id >> 32))
		return 0;
	call.ts_ns = bpf_ktime_get_ns();
	call.node = (__u64)node;
	call.res = (__u64)res;
	bpf_map_update_elem(&gais, &tid, &call, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(ags_gai_exit, int rc)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), i;
	struct gai_call *call = bpf_map_lookup_elem(&gais, &tid);
	struct gai_addrinfo ai;
	struct ags_rec_dns *e;
	struct ags_dns_key k;
	struct ags_stats *s;
	__u64 p = 0, dur;

	if (!call)
		return 0;
	__builtin_memset(&k, 0, sizeof(k));
	k.tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_probe_read_user_str(k.host, sizeof(k.host), (void *)call->node);
	dur = bpf_ktime_get_ns() - call->ts_ns;
	s = stats_of(&dns_stats, &k);
	if (s && !account(s, rc == 0, dur, targ_slow_dns_ns, AGS_DNS_PLAIN, AGS_DNS_NOTABLE))
		goto out;
	e = reserve(sizeof(*e), AGS_REC_DNS);
	if (!e)
		goto out;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr(&e->hdr, AGS_REC_DNS);
	e->rc = rc;
	e->dur_ns = e->hdr.ts_ns - call->ts_ns;
	bpf_probe_read_user_str(e->host, sizeof(e->host), (void *)call->node);
	if (rc == 0 && call->res)
		bpf_probe_read_user(&p, sizeof(p), (void *)call->res);
	for (i = 0; i < AGS_DNS_ADDRS && p; i++) {
		__u16 fam = 0;

		if (bpf_probe_read_user(&ai, sizeof(ai), (void *)p))
			break;
		bpf_probe_read_user(&fam, sizeof(fam), (void *)ai.ai_addr);
		e->addrs[i].family = fam;
		if (fam == AF_INET)
			bpf_probe_read_user(e->addrs[i].addr, 4, (void *)(ai.ai_addr + 4));
		else if (fam == AF_INET6)
			bpf_probe_read_user(e->addrs[i].addr, 16, (void *)(ai.ai_addr + 8));
		e->naddr++;
		p = ai.ai_next;
	}
	bpf_ringbuf_submit(e, 0);
out:
	bpf_map_delete_elem(&gais, &tid);
	return 0;
}

/* ---- fd exhaustion: EMFILE/ENFILE from the calls that create descriptors ---- */

static __always_inline int fd_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct ags_rec_fd *e;

	/* The common case leaves here, before any map lookup. */
	if (ctx->ret != -EMFILE && ctx->ret != -ENFILE)
		return 0;
	if (!current_in_scope(bpf_get_current_pid_tgid() >> 32))
		return 0;
	e = reserve(sizeof(*e), AGS_REC_FD);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, AGS_REC_FD);
	e->nr = (__s32)ctx->id;
	e->ret = (__s32)ctx->ret;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

#define AGS_FD_PROG(name)                                       \
	SEC("tp/syscalls/sys_exit_" #name)                      \
	int ags_fd_##name(struct trace_event_raw_sys_exit *ctx) \
	{                                                       \
		return fd_exit(ctx);                            \
	}

AGS_FD_PROG(open)
AGS_FD_PROG(openat)
AGS_FD_PROG(openat2)
AGS_FD_PROG(creat)
AGS_FD_PROG(socket)
AGS_FD_PROG(socketpair)
AGS_FD_PROG(accept)
AGS_FD_PROG(accept4)
AGS_FD_PROG(dup)
AGS_FD_PROG(dup2)
AGS_FD_PROG(dup3)
AGS_FD_PROG(fcntl)
AGS_FD_PROG(pipe)
AGS_FD_PROG(pipe2)
AGS_FD_PROG(eventfd2)
AGS_FD_PROG(epoll_create1)
AGS_FD_PROG(inotify_init1)
AGS_FD_PROG(memfd_create)
AGS_FD_PROG(timerfd_create)
AGS_FD_PROG(signalfd4)
AGS_FD_PROG(pidfd_open)

/* ---- OOM kills ---- */

/* Before 6.15 the kernfs parent pointer was called parent. */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/* The victim's memory cgroup: id and the names of the last levels of its path. */
static __always_inline void oom_memcg(struct ags_rec_oom *e, struct task_struct *task)
{
	int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css = NULL;
	struct kernfs_node *kn;
	int i;

	if (id < 0 || id >= 12)
		return;
	bpf_probe_read_kernel(&css, sizeof(css), &task->cgroups->subsys[id]);
	if (!css)
		return;
	kn = BPF_CORE_READ(css, cgroup, kn);
	e->memcg_id = BPF_CORE_READ(kn, id);
	for (i = 0; i < AGS_MEMCG_DEPTH && kn; i++) {
		bpf_probe_read_kernel_str(e->memcg[i], AGS_MEMCG_NAME, BPF_CORE_READ(kn, name));
		kn = kn_parent(kn);
		/* The root's name is the hierarchy's, not part of the path. */
		if (kn && !kn_parent(kn))
			break;
	}
}

SEC("tp_btf/mark_victim")
int BPF_PROG(ags_oom, struct task_struct *task, uid_t uid)
{
	__u32 tgid = task->tgid;
	struct ags_rec_oom *e;
	struct mm_struct *mm;

	if (targ_mode == AGS_MODE_TGIDS && !bpf_map_lookup_elem(&targets, &tgid))
		return 0;
	if (targ_mode == AGS_MODE_CGROUP && !task_cgroup_in_scope(task))
		return 0;
	e = reserve(sizeof(*e), AGS_REC_OOM);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_hdr_task(&e->hdr, AGS_REC_OOM, task);
	e->hdr.tid = (__u32)bpf_get_current_pid_tgid();
	e->hdr.uid = uid;
	e->victim = tgid;
	oom_memcg(e, task);
	e->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	mm = task->mm;
	if (mm) {
		/* Pages to kB; percpu_counter.count can lag by the per-CPU batches. */
		e->total_vm_kb = BPF_CORE_READ(mm, total_vm) * 4;
		e->file_rss_kb = BPF_CORE_READ(mm, rss_stat[MM_FILEPAGES].count) * 4;
		e->anon_rss_kb = BPF_CORE_READ(mm, rss_stat[MM_ANONPAGES].count) * 4;
		e->shmem_rss_kb = BPF_CORE_READ(mm, rss_stat[MM_SHMEMPAGES].count) * 4;
		e->pgtables_kb = (__u64)BPF_CORE_READ(mm, pgtables_bytes.counter) >> 10;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* ---- heap (opt-in, one pid, time-boxed): malloc/free uprobes ---- */

/* The one process whose heap is traced (the loader itself while it measures the cost). */
__u32 heap_tgid = 0;
__s64 heap_live_bytes = 0;
__s64 heap_live_count = 0;
__u64 heap_lost = 0;

struct heap_block {
	__u64 size;
	__s64 stack;
};

struct heap_site {
	__s64 live_bytes;
	__s64 live_count;
	__u64 alloc_bytes;
	__u64 alloc_count;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} heap_sizes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 18);
	__type(key, __u64);
	__type(value, struct heap_block);
} heap_blocks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 8192);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 32 * sizeof(__u64));
} heap_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __s64);
	__type(value, struct heap_site);
} heap_sites SEC(".maps");

SEC("uprobe")
int BPF_KPROBE(ags_malloc_enter, __u64 size)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;

	if ((id >> 32) != heap_tgid)
		return 0;
	bpf_map_update_elem(&heap_sizes, &tid, &size, BPF_ANY);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(ags_malloc_exit, void *ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *size = bpf_map_lookup_elem(&heap_sizes, &tid), addr = (__u64)ret;
	struct heap_block b;
	struct heap_site *site, zero = {};

	if (!size)
		return 0;
	b.size = *size;
	bpf_map_delete_elem(&heap_sizes, &tid);
	if (!addr)
		return 0;
	b.stack = bpf_get_stackid(ctx, &heap_stacks, BPF_F_USER_STACK);
	if (bpf_map_update_elem(&heap_blocks, &addr, &b, BPF_ANY)) {
		__sync_fetch_and_add(&heap_lost, 1);
		return 0;
	}
	__sync_fetch_and_add(&heap_live_bytes, b.size);
	__sync_fetch_and_add(&heap_live_count, 1);
	site = bpf_map_lookup_elem(&heap_sites, &b.stack);
	if (!site) {
		bpf_map_update_elem(&heap_sites, &b.stack, &zero, BPF_NOEXIST);
		site = bpf_map_lookup_elem(&heap_sites, &b.stack);
		if (!site)
			return 0;
	}
	__sync_fetch_and_add(&site->live_bytes, b.size);
	__sync_fetch_and_add(&site->live_count, 1);
	__sync_fetch_and_add(&site->alloc_bytes, b.size);
	__sync_fetch_and_add(&site->alloc_count, 1);
	return 0;
}

/* Placed on free's first push where the loader finds one: a push is emulated, not stepped. */
SEC("uprobe")
int BPF_KPROBE(ags_free_enter, void *ptr)
{
	__u64 addr = (__u64)ptr;
	struct heap_block *b;
	struct heap_site *site;

	if ((bpf_get_current_pid_tgid() >> 32) != heap_tgid || !addr)
		return 0;
	b = bpf_map_lookup_elem(&heap_blocks, &addr);
	if (!b)
		return 0;
	__sync_fetch_and_sub(&heap_live_bytes, b->size);
	__sync_fetch_and_sub(&heap_live_count, 1);
	site = bpf_map_lookup_elem(&heap_sites, &b->stack);
	if (site) {
		__sync_fetch_and_sub(&site->live_bytes, b->size);
		__sync_fetch_and_sub(&site->live_count, 1);
	}
	bpf_map_delete_elem(&heap_blocks, &addr);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
