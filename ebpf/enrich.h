/* SPDX-License-Identifier: MIT */
/* agshim-bpf's user-space side of an event: names, addresses, exec causes, /proc facts. */
#ifndef AGSHIM_EBPF_ENRICH_H
#define AGSHIM_EBPF_ENRICH_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "agshim/event.h"
#include "record.h"

/* events.c: a new event with the common keys from h; ownership passes to the caller. */
json_t *ags_jev_new(const struct ags_rec_hdr *h, enum ags_kind kind, const char *call);
/* events.c: write ev as one line and release it. */
void ags_jev_emit(json_t *ev);
/* events.c: "errno" and "err" for err (nothing when 0). */
void ags_jev_errno(json_t *ev, int err);

/* Name of an event kind, as in event.h. */
const char *ags_ebpf_kind_name(enum ags_kind kind);
/* Short name of a record type, for the lost event's detail. */
const char *ags_rec_name(int type);
/* EAI_* name of a getaddrinfo result code. */
const char *ags_eai_name(int rc);

/* family, addr and port (or the unix path) of a sockaddr of len bytes. */
void ags_enrich_sockaddr(json_t *ev, const uint8_t *sa, uint32_t len);
/* family, addr and port of an IPv4 or IPv6 address. */
void ags_enrich_inet(json_t *ev, int family, const uint8_t *addr, int port);
/* The endpoint keys of a stats key (a unix path is cut at 16 bytes). */
void ags_enrich_endpoint(json_t *ev, const struct ags_conn_key *k);
/* naddr and addrs of a getaddrinfo answer, duplicates folded. */
void ags_enrich_dns_addrs(json_t *ev, const struct ags_rec_dns *d);
/* exe, argv and argc of a process that existed before the attach, from /proc. */
void ags_enrich_existing(json_t *ev, pid_t pid);
/* Open descriptors and RLIMIT_NOFILE of pid, from /proc. */
void ags_enrich_fds(json_t *ev, pid_t pid);
/* The victim's memory cgroup path, from the names the program read. */
void ags_enrich_memcg(json_t *ev, const struct ags_rec_oom *o);

/*
 * Failed execs are folded as the shim folds them: the ENOENTs of one PATH
 * search become one event with detail.searched.  add takes a record; drop
 * forgets pid's search (it ended in a successful exec); flush writes pid's
 * (0: everyone's); tick writes searches older than a moment.
 */
void ags_exec_fail_add(const struct ags_rec_exec *e);
void ags_exec_fail_drop(pid_t pid, const char *path);
void ags_exec_fail_flush(pid_t pid);
void ags_exec_fail_tick(uint64_t now_mono_ns);

#endif /* AGSHIM_EBPF_ENRICH_H */
