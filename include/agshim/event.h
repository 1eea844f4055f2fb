/* SPDX-License-Identifier: MIT */
/* agshim event schema: the contract between the producers and the reporter. */
#ifndef AGSHIM_INCLUDE_EVENT_H
#define AGSHIM_INCLUDE_EVENT_H

/*
 * Every event is one JSON object on one line (JSON Lines).  The shim and the
 * eBPF loader write them; agshim-report reads them.  The keys below are the
 * only spellings any part of agshim may use: a producer that learns a new
 * fact about a call adds a key here and in docs/events.md, and an analyzer
 * reads it by the same macro.
 *
 * This header is also included by the eBPF programs, so it uses only
 * fixed-width types and no libc headers when __BPF__ is defined.
 */

#define AGS_SCHEMA_VERSION 1

/* Longest line a producer writes, newline included; one write(2) each. */
#define AGS_LINE_MAX 4096

/* ---- common keys, present on every event ---- */
#define AGS_K_VERSION "v" /* schema version, AGS_SCHEMA_VERSION */
#define AGS_K_TS "ts_ns"  /* CLOCK_REALTIME at the event, ns since epoch */
#define AGS_K_SRC "src"	  /* AGS_SRC_PRELOAD or AGS_SRC_EBPF */
#define AGS_K_KIND "kind" /* one of the AGS_KIND_* names */
#define AGS_K_PID "pid"	  /* tgid of the process */
#define AGS_K_PPID "ppid"
#define AGS_K_TID "tid"
#define AGS_K_EXE "exe"	    /* executable path (preload) or comm (ebpf) */
#define AGS_K_CALL "call"   /* the wrapped function or syscall name */
#define AGS_K_RET "ret"	    /* the call's return value, as the program saw it */
#define AGS_K_ERRNO "errno" /* errno number, only when the call failed */
#define AGS_K_ERR "err"	    /* errno (or EAI_*) name, only when it failed */
#define AGS_K_DUR "dur_ns"  /* time spent in the call */
#define AGS_K_TRUNC "trunc" /* 1 when the line was cut at AGS_LINE_MAX */

#define AGS_SRC_PRELOAD "preload"
#define AGS_SRC_EBPF "ebpf"

/* ---- event kinds ---- */
#define AGS_KINDS(X)                                                             \
	X(PROC_START, "proc_start") /* a process began to be observed */         \
	X(PROC_EXIT, "proc_exit")   /* it ended; shim counters */                \
	X(EXEC, "exec")		    /* an exec* that failed */                   \
	X(SPAWN, "spawn")	    /* fork, vfork, posix_spawn*, popen... */    \
	X(WAIT, "wait")		    /* a child reaped, with its status */        \
	X(CHILD, "child")	    /* zombie or still-running child */          \
	X(CHDIR, "chdir")	    /* chdir/fchdir between fork and exec */     \
	X(CONNECT, "connect")	    /* outcome of a connect */                   \
	X(SOCK, "sock")		    /* socket error, peer close, close */        \
	X(DNS, "dns")		    /* getaddrinfo and friends */                \
	X(OPEN, "open")		    /* a failed open under a mount */            \
	X(FD_EXHAUST, "fd_exhaust") /* EMFILE/ENFILE, with fd holders */         \
	X(HEAP, "heap")		    /* heap snapshot totals */                   \
	X(HEAP_STACK, "heap_stack") /* live sampled bytes of one stack */        \
	X(OOM_KILL, "oom_kill")	    /* the kernel's OOM killer chose a victim */ \
	X(LOST, "lost")		    /* a producer dropped events */              \
	X(NET_STATS, "net_stats")   /* per-endpoint connect totals */            \
	X(DNS_STATS, "dns_stats")   /* per-name lookup totals */

enum ags_kind {
#define AGS_KIND_ENUM(id, name) AGS_KIND_##id,
	AGS_KINDS(AGS_KIND_ENUM)
#undef AGS_KIND_ENUM
		AGS_KIND__COUNT
};

/* ---- process keys ---- */
#define AGS_K_ARGV "argv" /* array of strings, redacted */
#define AGS_K_ARGC "argc" /* real argument count (argv may be cut) */
#define AGS_K_CWD "cwd"
#define AGS_K_UID "uid"
#define AGS_K_GID "gid"
#define AGS_K_PRELOADED "preload" /* start: LD_PRELOAD names libagshim */
#define AGS_K_FOLLOW "follow"	  /* start: children get the shim back */
#define AGS_K_PATH "path"	  /* file named by the call */
#define AGS_K_CHILD "child"	  /* pid of the child a call made or reaped */
#define AGS_K_STATUS "status"	  /* exit code (exit/wait) */
#define AGS_K_SIGNAL "signal"	  /* terminating signal number, 0 if none */
#define AGS_K_CORE "core"	  /* 1 when a core was dumped */
#define AGS_K_STATE "state"	  /* child: "zombie" or "running" */
#define AGS_K_AGE "age_ns"	  /* child: time since start or exit */
#define AGS_K_EVENTS "events"	  /* exit: events written by this process */
#define AGS_K_DROPPED "dropped"	  /* events lost (write errors, full) */
#define AGS_K_DROP_ERR "drop_err" /* errno name of the last failed write */
#define AGS_K_CAUSE "cause"	  /* enrichment: AGS_CAUSE_* */
#define AGS_K_DETAIL "detail"	  /* enrichment: object of facts */

/* ---- process keys: spawn, exec, wait, child, chdir (see docs/events.md) ---- */
#define AGS_K_FORKED "forked"	     /* the caller is a fork child that has not exec'd */
#define AGS_K_TYPE "type"	     /* popen: "r" or "w" */
#define AGS_K_CMD "cmd"		     /* child: argv[0] given at spawn, "" after fork */
#define AGS_K_COMM "comm"	     /* child: /proc/PID/comm when reported */
#define AGS_K_START_TS "start_ts_ns" /* child: when the spawn was recorded */
#define AGS_K_INFERRED "inferred"    /* exec: no exec call failed; a shell's 127 says so */
#define AGS_K_FALLBACK "fallback"    /* exec: the call went on to run this instead */
/* keys inside "detail" of a failed exec, spawn or chdir */
#define AGS_K_SEARCHED "searched"     /* array: every candidate path tried */
#define AGS_K_PATH_ENV "path_env"     /* the PATH the search used */
#define AGS_K_RESOLVED "resolved"     /* the candidate that exists (script, binary) */
#define AGS_K_INTERP "interp"	      /* interpreter named by its #! line */
#define AGS_K_INTERP_ARG "interp_arg" /* the #! line's argument ("node\r") */
#define AGS_K_SCRIPT "script"	      /* the script whose #! line is at fault */
#define AGS_K_CRLF "crlf"	      /* bool: the #! line ends in \r\n */
#define AGS_K_MISSING "missing"	      /* first path component that does not exist */
#define AGS_K_MODE "mode"	      /* file mode, octal text "0644" */
#define AGS_K_FILE_UID "file_uid"
#define AGS_K_FILE_GID "file_gid"
#define AGS_K_EUID "euid" /* effective ids of the caller */
#define AGS_K_EGID "egid"
#define AGS_K_DIR "dir"	    /* a directory on the path that cannot be searched */
#define AGS_K_MOUNT "mount" /* mount point holding the file */
#define AGS_K_FSTYPE "fstype"
#define AGS_K_MOUNT_OPTS "mount_opts"
#define AGS_K_ARGV_BYTES "argv_bytes" /* bytes of argv strings, NULs and pointers */
#define AGS_K_ENV_BYTES "env_bytes"
#define AGS_K_ENVC "envc"
#define AGS_K_ARG_MAX "arg_max"		/* the total limit (ARG_MAX) in force */
#define AGS_K_ARG_LIMIT "arg_limit"	/* the per-string limit (MAX_ARG_STRLEN) */
#define AGS_K_LARGEST "largest"		/* bytes of the largest single string */
#define AGS_K_LARGEST_IDX "largest_idx" /* its argv index, -1 when in the environment */
#define AGS_K_MACHINE "machine"		/* ELF machine of the file, by name */
#define AGS_K_E_MACHINE "e_machine"	/* ... and by number */
#define AGS_K_HOST_MACHINE "host_machine"
#define AGS_K_ELF_CLASS "elf_class"	  /* 32 or 64 */
#define AGS_K_MAGIC "magic"		  /* first bytes of a file that is no ELF or script */
#define AGS_K_RLIMIT_NPROC "rlimit_nproc" /* soft RLIMIT_NPROC, -1 unlimited */
#define AGS_K_PIDS_MAX "pids_max"	  /* cgroup pids.max, -1 for "max" */
#define AGS_K_PIDS_CURRENT "pids_current"

/* ---- network keys ---- */
#define AGS_K_FD "fd"
#define AGS_K_FAMILY "family" /* "inet", "inet6", "unix" */
#define AGS_K_ADDR "addr"     /* numeric address or unix path */
#define AGS_K_PORT "port"
#define AGS_K_NONBLOCK "nb" /* 1 when the outcome came after EINPROGRESS */
#define AGS_K_VIA "via"	    /* how a pending connect ended */
#define AGS_K_HOST "host"   /* DNS name asked for */
#define AGS_K_SERVICE "service"
#define AGS_K_NADDR "naddr"
#define AGS_K_ADDRS "addrs"
#define AGS_K_RESOLVER "resolver" /* object: nameservers, search, ndots... */
#define AGS_K_DNS_TAG "dns"	  /* 1 on sockets to port 53 */
#define AGS_K_SOCKTYPE "type"	  /* "stream", "dgram" */
#define AGS_K_WHAT "what"	  /* sock: peer_close, error, server_error, close, open_at_exit */
#define AGS_K_PROTO "proto"	  /* sniffed protocol: postgresql, http, websocket, redis, tls */
#define AGS_K_EP_OPEN "ep_open"	  /* open connections to the endpoint after the event */
#define AGS_K_EP_SEQ "ep_seq"	  /* this connect's number among the endpoint's connects */
#define AGS_K_LIFE "life_ns"	  /* time since the connection was established */
#define AGS_K_ANSWERED "answered" /* sock peer_close/error: data had gone both ways before */
#define AGS_K_CALLER "caller"	  /* "sym+0xoff (object)" that called connect */
#define AGS_K_SQLSTATE "sqlstate" /* PostgreSQL error code the server sent first */
#define AGS_K_MSG "msg"		  /* the server's error message, as sent */
#define AGS_K_CONNECTS "connects" /* net_stats: connects started */
#define AGS_K_OK "ok"		  /* stats: successes */
#define AGS_K_FAILED "failed"	  /* stats: failures */
#define AGS_K_OPEN "open"	  /* net_stats: connections open now */
#define AGS_K_PEAK "peak"	  /* net_stats: most connections open at once */
#define AGS_K_PEER_CLOSES "peer_closes"
#define AGS_K_RESETS "resets"
#define AGS_K_AGGREGATED "aggregated" /* stats: outcomes counted here and not sent singly */
#define AGS_K_SUPPRESSED "suppressed" /* stats: notable outcomes over the per-key budget */
#define AGS_K_DUR_SUM "dur_sum_ns"
#define AGS_K_DUR_MAX "dur_max_ns"
#define AGS_K_HIST "hist_us_log2" /* counts by duration: [0] < 1us, [i] < 2^i us */
#define AGS_K_FINAL "final"	  /* stats: 1 at exit, 0 at an interval */
#define AGS_K_ERRS "errs"	  /* stats: object of error name -> count */
#define AGS_K_LIMIT "limit"	  /* fd_exhaust: RLIMIT_NOFILE soft limit */
#define AGS_K_LIMIT_MAX "limit_max"
#define AGS_K_NFDS "nfds"	/* fd_exhaust: open descriptors counted */
#define AGS_K_HOLDERS "holders" /* fd_exhaust: object: sockets, dirs, by type */
#define AGS_K_MOUNT "mount"	/* open: object: point, fstype, source, ro */
#define AGS_K_MODE "mode"	/* open: st_mode & 07777 of path or nearest parent */
#define AGS_K_OWNER_UID "owner_uid"
#define AGS_K_OWNER_GID "owner_gid"
#define AGS_K_AT "at"	      /* open: the path whose owner and mode are given */
#define AGS_K_ACCESS "access" /* open: read, write, readwrite (+create) */
#define AGS_K_EUID "euid"
#define AGS_K_EGID "egid"

/* ---- heap keys ---- */
#define AGS_K_SEQ "seq"		      /* snapshot number within the process */
#define AGS_K_STACK "stack"	      /* stack id, stable within a process */
#define AGS_K_FRAMES "frames"	      /* array of "sym+0xoff (object)" */
#define AGS_K_LIVE_BYTES "live_bytes" /* estimated live bytes */
#define AGS_K_LIVE_COUNT "live_count" /* estimated live allocations */
#define AGS_K_RSS "rss_bytes"
#define AGS_K_ANON_BYTES "anon_bytes"	      /* resident anonymous memory */
#define AGS_K_MALLOC_USED "malloc_used_bytes" /* mallinfo2: in use by the program */
#define AGS_K_MALLOC_SYS "malloc_sys_bytes"   /* mallinfo2: taken from the system */
#define AGS_K_OUTSIDE "outside_malloc_bytes"  /* anonymous memory malloc does not hold */
#define AGS_K_CG_LIMIT "cg_limit_bytes"	      /* cgroup memory limit, absent if none */
#define AGS_K_CG_USAGE "cg_usage_bytes"	      /* cgroup memory usage */
#define AGS_K_SAMPLE_MEAN "sample_bytes"      /* mean bytes between samples */
#define AGS_K_ERR_BYTES "err_bytes"	      /* one standard error of live_bytes */
#define AGS_K_ALLOC_BYTES "alloc_bytes"	      /* estimated bytes allocated so far */
#define AGS_K_ALLOC_COUNT "alloc_count"	      /* estimated allocations so far */
#define AGS_K_SAMPLES "samples"		      /* allocations sampled so far */
#define AGS_K_LOST "lost_samples"	      /* samples not recorded: tables full */
#define AGS_K_NSTACKS "stacks"		      /* distinct stacks seen */
#define AGS_K_ARENA "arena_bytes"	      /* bootstrap arena bytes handed out */
#define AGS_K_SHIM_BYTES "shim_bytes"	      /* the heap sampler's own resident memory */
#define AGS_K_INTERVAL "interval_ms"	      /* snapshot period */
#define AGS_K_FINAL "final"		      /* 1 on the snapshot written at exit */

/* ---- OOM keys ---- */
#define AGS_K_VICTIM "victim" /* pid chosen by the OOM killer */
#define AGS_K_CGROUP "cgroup" /* cgroup v2 id or path */

/* ---- keys only agshim-bpf writes (see docs/events.md, "eBPF events") ---- */
#define AGS_K_EXISTING "existing" /* proc_start: the process ran before the attach */
#define AGS_K_ORPHANED "orphaned" /* child: left running when its parent exited */
#define AGS_K_LOOKUPS "lookups"	  /* dns_stats: lookups of the name */
#define AGS_K_CGROUP2_ID \
	"cgroup2_id"		  /* oom_kill: the victim's cgroup2 id (cgroup is the memcg path) */
#define AGS_K_MEMCG_ID "memcg_id" /* oom_kill: its id (the directory inode) */
#define AGS_K_TOTAL_VM_KB "total_vm_kb" /* oom_kill: the victim's memory figures */
#define AGS_K_ANON_RSS_KB "anon_rss_kb"
#define AGS_K_FILE_RSS_KB "file_rss_kb"
#define AGS_K_SHMEM_RSS_KB "shmem_rss_kb"
#define AGS_K_PGTABLES_KB "pgtables_kb"
#define AGS_K_OOM_SCORE_ADJ "oom_score_adj"

/* Causes named by failure enrichment; the reporter keys playbook entries on them. */
#define AGS_CAUSE_NOT_ON_PATH "not_on_path"
#define AGS_CAUSE_NO_FILE "no_such_file"
#define AGS_CAUSE_BAD_INTERP "missing_interpreter"
#define AGS_CAUSE_CRLF_INTERP "crlf_interpreter"
#define AGS_CAUSE_MISSING_CWD "missing_cwd"
#define AGS_CAUSE_NO_EXEC_BIT "no_exec_permission"
#define AGS_CAUSE_NOEXEC_MOUNT "noexec_mount"
#define AGS_CAUSE_DIR_SEARCH "dir_not_searchable"
#define AGS_CAUSE_ARG_TOO_LONG "arg_too_long"
#define AGS_CAUSE_ARGS_TOO_BIG "args_too_big"
#define AGS_CAUSE_FOREIGN_ARCH "foreign_arch"
#define AGS_CAUSE_NOT_EXECUTABLE "not_executable"
#define AGS_CAUSE_PROC_LIMIT "process_limit"

#endif /* AGSHIM_INCLUDE_EVENT_H */
