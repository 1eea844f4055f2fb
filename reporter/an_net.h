/* SPDX-License-Identifier: MIT */
/* What the network and database analyzers share: endpoints, groups of connection events. */
#ifndef AGSHIM_REPORTER_AN_NET_H
#define AGSHIM_REPORTER_AN_NET_H

#include "report.h"

/* "127.0.0.1:5432", "[::1]:443", "unix:/run/x.sock", into buf; returns buf. */
const char *net_endpoint(json_t *ev, char *buf, size_t size);
/* The service on the endpoint: the sniffed protocol, else the well-known port's name, or NULL. */
const char *net_service(int64_t port, const char *proto);
/* "127.0.0.1:5432 (PostgreSQL)" into buf. */
const char *net_endpoint_named(const char *endpoint, const char *service, char *buf, size_t size);

/*
 * The connect, sock and net_stats events of one process and one endpoint, in time order.
 * Arrays hold borrowed references (the report owns the events).
 */
struct netgroup {
	int64_t pid;
	char endpoint[160];
	const char *proto; /* sniffed protocol, or NULL */
	int64_t port;	   /* -1 for unix sockets */
	bool dns;	   /* port 53 */
	json_t *events;	   /* connect and sock events */
	json_t *stats;	   /* the last net_stats, or NULL */
	int64_t open_at_exit;
	int64_t server_errors;	   /* PostgreSQL ErrorResponse on the first read */
	int64_t quick_peer_closes; /* the peer closed within a second, before answering */
};

struct netgroups {
	struct netgroup *g;
	size_t n, cap;
};

/* Add a connect, sock or net_stats event to its group; other kinds are ignored. */
void netgroups_add(struct netgroups *gs, json_t *ev);
/* Free the groups (not the events). */
void netgroups_free(struct netgroups *gs);
/* True when the group is a PostgreSQL endpoint (sniffed, or port 5432). */
bool netgroup_is_pg(const struct netgroup *g);
/* True when the server turned connections away right after they opened. */
bool netgroup_server_rejects(const struct netgroup *g);

/* The q-quantile (0..1) of n sorted values. */
int64_t net_quantile(const int64_t *sorted, size_t n, double q);
/* qsort comparator for int64_t. */
int net_cmp_i64(const void *a, const void *b);

#endif /* AGSHIM_REPORTER_AN_NET_H */
