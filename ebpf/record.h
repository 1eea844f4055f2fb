/* SPDX-License-Identifier: MIT */
/* Ring-buffer records: the contract between agshim.bpf.c and agshim-bpf. */
#ifndef AGSHIM_EBPF_RECORD_H
#define AGSHIM_EBPF_RECORD_H

/*
 * Fixed-width types only, no pointers (kernel addresses travel as __u64), so
 * the same layout holds in the BPF object and in the loader.  Every record
 * starts with struct ags_rec_hdr; hdr.type says which one follows.  Sizes are
 * checked below: a change on one side that the other does not see fails the
 * build instead of corrupting events.
 */
#ifndef __BPF__
#include <linux/types.h>
#endif

#define AGS_COMM_LEN 16
#define AGS_PATH_LEN 256  /* exec path, read with probe_read_*_str */
#define AGS_ARGS_LEN 1024 /* argv bytes, NUL separated */
#define AGS_ARG_LEN 256	  /* one argv string at exec entry */
#define AGS_ARGS_MAX 24	  /* argv strings read at exec entry */
#define AGS_SA_LEN 128	  /* sockaddr bytes kept (sockaddr_un is 110) */
#define AGS_HOST_LEN 128  /* getaddrinfo node */
#define AGS_DNS_ADDRS 4	  /* addresses kept from a getaddrinfo answer */
#define AGS_TARGETS_MAX 16384
#define AGS_STATS_MAX 4096
#define AGS_PLAIN_LINES 16     /* ordinary successes sent per endpoint */
#define AGS_NOTABLE_LINES 1024 /* failures and slow connects sent per endpoint */
#define AGS_UNIX_NOTABLE 4     /* per unix socket path (glibc probes nscd on every lookup) */
#define AGS_DNS_PLAIN 4
#define AGS_DNS_NOTABLE 256
#define AGS_MEMCG_DEPTH 4 /* memory cgroup path levels kept */
#define AGS_MEMCG_NAME 48

/* Filter modes (rodata targ_mode). */
enum ags_mode {
	AGS_MODE_ALL = 0,    /* every process (used by benchmarks and tests only) */
	AGS_MODE_TGIDS = 1,  /* tgids in the targets map, followed into children */
	AGS_MODE_CGROUP = 2, /* the cgroup2 subtree targ_cgid at depth targ_cglevel */
};

enum ags_rec_type {
	AGS_REC_EXEC = 1,  /* sched_process_exec: a new image, argv from its mm */
	AGS_REC_EXEC_FAIL, /* execve/execveat returned an error */
	AGS_REC_FORK,	   /* a new process (not a thread) */
	AGS_REC_EXIT,	   /* the last thread of a process exited */
	AGS_REC_FREE,	   /* a process was reaped (sched_process_free) */
	AGS_REC_TASK,	   /* iter/task snapshot of a process that already exists */
	AGS_REC_CONNECT,   /* connect(2) returned */
	AGS_REC_TCP,	   /* a TCP handshake ended (SYN_SENT -> ESTABLISHED or CLOSE) */
	AGS_REC_DNS,	   /* getaddrinfo returned */
	AGS_REC_FD,	   /* an fd-creating syscall failed with EMFILE or ENFILE */
	AGS_REC_OOM,	   /* the OOM killer marked a victim */
	AGS_REC__COUNT,
};

struct ags_rec_hdr {
	__u32 type;
	__u32 pid; /* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 pad;
	__u64 ts_ns; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u64 cgid;  /* cgroup2 id of the task */
	char comm[AGS_COMM_LEN];
};

struct ags_rec_exec {
	struct ags_rec_hdr hdr;
	__s32 ret;	/* EXEC_FAIL: the negative errno */
	__u32 argc;	/* strings in args (EXEC_FAIL: read at entry) */
	__u32 args_len; /* bytes used in args */
	__u32 call;	/* EXEC_FAIL: 0 execve, 1 execveat */
	__u64 dur_ns;	/* EXEC_FAIL: time in the syscall */
	char path[AGS_PATH_LEN];
	char args[AGS_ARGS_LEN + AGS_ARG_LEN]; /* the tail is slack for the verifier */
};

struct ags_rec_proc {
	struct ags_rec_hdr hdr;
	__u32 child;	   /* FORK: the new process */
	__u32 exit_code;   /* EXIT/FREE/TASK: wait status (code << 8 | signal) */
	__u32 state;	   /* TASK: 1 zombie, 0 alive */
	__u32 nr_threads;  /* EXIT: threads left; TASK: thread count */
	__u64 start_ns;	   /* TASK: start time (CLOCK_MONOTONIC) */
	__u64 parent_cgid; /* TASK: cgroup2 id of the parent */
};

struct ags_rec_connect {
	struct ags_rec_hdr hdr;
	__s32 fd;
	__s32 ret;
	__u64 dur_ns;
	__u64 skaddr; /* the TCP socket when the call reached SYN_SENT, else 0 */
	__u32 sa_len;
	__u32 nb; /* the socket was O_NONBLOCK when the handshake started */
	__u8 sa[AGS_SA_LEN];
};

struct ags_rec_tcp {
	struct ags_rec_hdr hdr; /* from the task that started the handshake */
	__u64 skaddr;
	__u64 lat_ns; /* SYN_SENT to the end of the handshake */
	__s32 newstate;
	__s32 error; /* sk_err from inet_sk_error_report, 0 if none */
	__u16 family;
	__u16 sport;
	__u16 dport; /* host order */
	__u16 pad;
	__u8 daddr[16];
	__s32 fd; /* the fd the program connected */
	__u32 pad2;
};

/*
 * Per-endpoint and per-name totals, kept in the kernel (maps conn_stats, dns_stats) so that
 * ordinary successes cost no ring-buffer record: only the first few and the notable ones
 * (failures, slow calls) are sent one by one, the rest are counted here.
 */
struct ags_conn_key {
	__u32 tgid;
	__u16 family;
	__u16 port;
	__u8 addr[16]; /* unix: the first bytes of the path */
};

struct ags_dns_key {
	__u32 tgid;
	__u32 pad;
	char host[64];
};

#define AGS_HIST_SLOTS 32

struct ags_stats {
	__u64 calls;
	__u64 ok;
	__u64 failed;
	__u64 aggregated; /* counted, not sent one by one */
	__u64 suppressed; /* notable, but over the per-key budget */
	__u64 dur_sum_ns;
	__u64 dur_max_ns;
	__u64 plain_sent;
	__u64 notable_sent;
	__u32 hist_us_log2[AGS_HIST_SLOTS]; /* successes: slot 0 under 1 us, slot i under 2^i us */
};

struct ags_rec_dns {
	struct ags_rec_hdr hdr;
	__s32 rc; /* getaddrinfo's return value (EAI_*) */
	__u32 naddr;
	__u64 dur_ns;
	char host[AGS_HOST_LEN];
	struct {
		__u16 family;
		__u16 pad;
		__u8 addr[16];
	} addrs[AGS_DNS_ADDRS];
};

struct ags_rec_fd {
	struct ags_rec_hdr hdr;
	__s32 nr;  /* syscall number */
	__s32 ret; /* -EMFILE or -ENFILE */
};

struct ags_rec_oom {
	struct ags_rec_hdr hdr; /* pid/comm/cgid: the victim; tid: the task that hit the OOM */
	__u32 victim;
	__s32 oom_score_adj;
	__u64 total_vm_kb;
	__u64 anon_rss_kb;
	__u64 file_rss_kb;
	__u64 shmem_rss_kb;
	__u64 pgtables_kb;
	__u64 memcg_id; /* kernfs id of the victim's memory cgroup (v1, or v2) */
	char memcg[AGS_MEMCG_DEPTH][AGS_MEMCG_NAME]; /* its directory names, leaf first */
};

_Static_assert(sizeof(struct ags_rec_hdr) == 56, "ags_rec_hdr layout");
_Static_assert(sizeof(struct ags_rec_exec) == 56 + 24 + AGS_PATH_LEN + AGS_ARGS_LEN + AGS_ARG_LEN,
	       "ags_rec_exec layout");
_Static_assert(sizeof(struct ags_rec_proc) == 56 + 32, "ags_rec_proc layout");
_Static_assert(sizeof(struct ags_rec_connect) == 56 + 32 + AGS_SA_LEN, "ags_rec_connect layout");
_Static_assert(sizeof(struct ags_rec_tcp) == 56 + 56, "ags_rec_tcp layout");
_Static_assert(sizeof(struct ags_conn_key) == 24, "ags_conn_key layout");
_Static_assert(sizeof(struct ags_dns_key) == 72, "ags_dns_key layout");
_Static_assert(sizeof(struct ags_stats) == 72 + 4 * AGS_HIST_SLOTS, "ags_stats layout");
_Static_assert(sizeof(struct ags_rec_dns) == 56 + 16 + AGS_HOST_LEN + 20 * AGS_DNS_ADDRS,
	       "ags_rec_dns layout");
_Static_assert(sizeof(struct ags_rec_fd) == 56 + 8, "ags_rec_fd layout");
_Static_assert(sizeof(struct ags_rec_oom) == 56 + 56 + AGS_MEMCG_DEPTH * AGS_MEMCG_NAME,
	       "ags_rec_oom layout");

#endif /* AGSHIM_EBPF_RECORD_H */
