/* SPDX-License-Identifier: MIT */
/* agshim-bpf internals: options, the BPF object and its links, events, system helpers. */
#ifndef AGSHIM_EBPF_LOADER_H
#define AGSHIM_EBPF_LOADER_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "record.h"

#define AGS_PIN_DIR_DEFAULT "/sys/fs/bpf/agshim"
#define AGS_MAX_PIDS 64
#define AGS_MAX_LINKS 64

struct agshim_bpf;
struct bpf_link;

/* What the command line asked for. */
struct ags_opts {
	int mode;		  /* enum ags_mode */
	pid_t pids[AGS_MAX_PIDS]; /* --pid */
	int npids;
	char cgroup[4096]; /* --cgroup / --container: the cgroup2 directory */
	uint64_t cgid;	   /* its inode */
	int cglevel;	   /* its depth below the cgroup2 root */
	char **cmd;	   /* after --: the command to start */
	const char *out;   /* --out, NULL for standard output */
	double duration_s; /* --duration, 0 for until interrupted */
	uint64_t zombie_ms;
	uint64_t slow_connect_ms, slow_dns_ms; /* AGSHIM_SLOW_CONNECT_MS, AGSHIM_SLOW_DNS_MS */
	int pin, read, verbose, no_dns, no_fd;
	int heap;      /* --heap: malloc/free uprobes on the one target */
	double heap_s; /* --heap-s: how long */
	unsigned ringbuf_kb;
};

/* The loaded object and what is attached. */
struct ags_bpf {
	struct agshim_bpf *skel;
	struct bpf_link *links[AGS_MAX_LINKS];
	const char *link_names[AGS_MAX_LINKS];
	int nlinks;
	int nfailed; /* programs that could not load or attach */
};

/* ---- loader.c ---- */
/*
 * Open, configure, load (leaving out programs the kernel refuses, each named
 * on stderr with the reason) and attach.  Returns 0 or a negative errno;
 * prints its own message on failure.  b->skel is NULL afterwards on failure.
 */
int ags_bpf__open_load(struct ags_bpf *b, const struct ags_opts *o);
/* Attach every loaded tracepoint program; returns the number attached. */
int ags_bpf__attach(struct ags_bpf *b);
/* Run the iter/task pass: existing processes, zombies, descendants of the targets. */
int ags_bpf__iter_tasks(struct ags_bpf *b);
/* Add a tgid to the in-kernel filter; 0 or a negative errno. */
int ags_bpf__add_target(struct ags_bpf *b, pid_t pid);
/* Attach the getaddrinfo probes to pid (-1: every process mapping that libc). */
int ags_bpf__attach_dns(struct ags_bpf *b, pid_t pid, const char *libc);
/*
 * Followed children: switch to one system-wide probe pair per libc (filtered in the kernel)
 * and drop the per-pid ones, since a uprobe bound to a pid does not follow its forks.
 */
int ags_bpf__dns_wide(struct ags_bpf *b, const char *libc);
/* Detach the probes of pid, if any. */
void ags_bpf__detach_dns(struct ags_bpf *b, pid_t pid);
/* Pin maps and links under AGS_PIN_DIR; 0 or a negative errno. */
int ags_bpf__pin(struct ags_bpf *b);
/* Release everything (links detach unless pinned).  NULL-safe. */
void ags_bpf__destroy(struct ags_bpf *b);
/* Events ring buffer fd of the loaded object. */
int ags_bpf__events_fd(const struct ags_bpf *b);
/* Read the lost counters (AGS_REC__COUNT of them) from the loaded object. */
void ags_bpf__lost(const struct ags_bpf *b, uint64_t *lost);
/* fds of the conn_stats and dns_stats maps. */
void ags_bpf__stats_fds(const struct ags_bpf *b, int *conn_fd, int *dns_fd);
/* The same for the pinned maps (-1 when absent). */
void ags_pinned_stats_fds(int *conn_fd, int *dns_fd);
/* Remove the pins under AGS_PIN_DIR; returns how many were removed, or a negative errno. */
int ags_unpin_all(void);
/* Read the lost counters of the pinned object; 0 or a negative errno. */
int ags_pinned_lost(uint64_t *lost);

/* ---- heap.c ---- */
/* Measure the probes' cost (printed), then trace pid's heap for seconds; 0 or -errno. */
int ags_heap__start(struct ags_bpf *b, pid_t pid, double seconds);
/* Snapshots every second; at the time limit (or ending) the last one, and detach. */
void ags_heap__tick(int ending);

/* ---- events.c: records to JSON Lines ---- */
/* Start writing events to fd; zombie_ms is the zombie threshold. */
void ags_events_init(int fd, uint64_t zombie_ms, struct ags_bpf *b, int follow_dns);
/* libbpf ring_buffer callback: one record. */
int ags_events_handle(void *ctx, void *data, size_t size);
/* Periodic work: zombies, pending connects and execs, lost counters. */
void ags_events_tick(const uint64_t *lost);
/* Flush everything pending (end of run). */
void ags_events_flush(const uint64_t *lost);
/* Traced processes known to be alive. */
int ags_events_alive(void);
/* Traced processes seen exiting and not yet reaped. */
int ags_events_unreaped(void);
/* Mark pid as traced and alive (it exists before the first record). */
void ags_events_track(pid_t pid, pid_t ppid);
/* Write net_stats and dns_stats for keys that changed (all of them when final). */
void ags_events_stats(int final);
/* Events written so far. */
uint64_t ags_events_count(void);

/* ---- sys.c: the machine around the loader ---- */
/* Where pins go: AGSHIM_PIN_DIR, or AGS_PIN_DIR_DEFAULT. */
const char *ags_pin_dir(void);
/* ags_pin_dir()/name in buf; returns buf. */
char *ags_pin_path(char *buf, size_t len, const char *name);
/* Clear message and -errno when not root or BTF is missing; 0 when ready. */
int ags_check_system(void);
/* Mount tracefs (need_tracefs) and bpffs (need_bpffs) when missing, saying so. */
int ags_ensure_mounts(int need_tracefs, int need_bpffs);
/* Resolve --cgroup DIR: fills o->cgroup, o->cgid, o->cglevel.  0 or -errno (message printed). */
int ags_resolve_cgroup(struct ags_opts *o, const char *dir);
/* Find the cgroup2 directory whose name contains id; 0 or -errno (message printed). */
int ags_find_container(struct ags_opts *o, const char *id);
/* The libc pid maps, as a path reachable from here (/proc/PID/root/...); 0 or -errno. */
int ags_libc_of(pid_t pid, char *buf, size_t len);
/* File offset of the dynamic symbol name in the ELF file path; 0 when not found. */
uint64_t ags_elf_sym_offset(const char *path, const char *name);
/* CLOCK_REALTIME minus CLOCK_MONOTONIC, ns. */
int64_t ags_clock_offset_ns(void);
/* Name of a syscall number (x86_64) among the fd-creating ones, or NULL. */
const char *ags_syscall_name(int nr);

#endif /* AGSHIM_EBPF_LOADER_H */
