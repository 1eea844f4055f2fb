/* SPDX-License-Identifier: MIT */
/* Resolver context (resolv.conf, nsswitch.conf) and the DNS family's shared helpers. */
#ifndef AGSHIM_SHIM_RESOLV_H
#define AGSHIM_SHIM_RESOLV_H

#include <stddef.h>

#include "emit.h"

#define AGS_NS_MAX 8
#define AGS_SEARCH_MAX 8

/* What glibc's resolver will do, as read at load; no allocation, fixed sizes. */
struct ags_resolv {
	int loaded; /* resolv.conf was read */
	int nns;    /* nameservers listed (all of them; ns[] holds the first AGS_NS_MAX) */
	char ns[AGS_NS_MAX][48];
	int nsearch;
	char search[AGS_SEARCH_MAX][128];
	int ndots;     /* default 1 */
	int timeout_s; /* per query and server, default 5 */
	int attempts;  /* default 2 */
	int rotate;
	int single_request;
	char hosts[128]; /* the hosts: line of nsswitch.conf, "" when absent */
	char source[64]; /* which file was read */
};

extern struct ags_resolv ags_resolv AGS_HIDDEN;

/* Reset r to glibc's defaults (no file read). */
void ags_resolv_defaults(struct ags_resolv *r) AGS_HIDDEN;
/*
 * Parse resolv.conf text (len bytes, need not end in NUL) into r, which
 * ags_resolv_defaults prepared.  Pure: unit tests call it on strings.
 */
void ags_resolv_parse(struct ags_resolv *r, const char *text, size_t len) AGS_HIDDEN;
/* Apply an options line ("ndots:5 timeout:2 attempts:3 rotate"), as RES_OPTIONS does. */
void ags_resolv_options(struct ags_resolv *r, const char *opts, size_t len) AGS_HIDDEN;
/* Replace the search list with a space-separated one, as LOCALDOMAIN does. */
void ags_resolv_search(struct ags_resolv *r, const char *list, size_t len) AGS_HIDDEN;
/* Take the hosts: line from nsswitch.conf text. */
void ags_nsswitch_parse(struct ags_resolv *r, const char *text, size_t len) AGS_HIDDEN;
/* Add the resolver object (AGS_K_RESOLVER) to an event. */
void ags_ev_resolver(struct ags_ev *ev, const struct ags_resolv *r) AGS_HIDDEN;

/* Read the files and the environment; called once at load. */
void ags_dns_init(void) AGS_HIDDEN;
/* Write dns_stats for every name looked up (final at exit). */
void ags_dns_stats_emit(int final) AGS_HIDDEN;
/* Name of a getaddrinfo error ("EAI_AGAIN"), or NULL. */
const char *ags_eai_name(int code) AGS_HIDDEN;

#endif /* AGSHIM_SHIM_RESOLV_H */
