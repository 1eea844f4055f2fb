/* SPDX-License-Identifier: MIT */
/* Endpoint names and per-process, per-endpoint groups of connection events. */
#include "an_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *net_endpoint(json_t *ev, char *buf, size_t size)
{
	const char *family = ev_str(ev, AGS_K_FAMILY);
	const char *addr = ev_str(ev, AGS_K_ADDR);
	int64_t port = ev_int_or(ev, AGS_K_PORT, 0);

	if (family && !strcmp(family, "unix"))
		snprintf(buf, size, "unix:%s", addr ? addr : "?");
	else if (family && !strcmp(family, "inet6"))
		snprintf(buf, size, "[%s]:%lld", addr ? addr : "?", (long long)port);
	else
		snprintf(buf, size, "%s:%lld", addr ? addr : "?", (long long)port);
	return buf;
}

static const struct {
	int port;
	const char *name;
} well_known[] = {
	{ 5432, "PostgreSQL" }, { 6379, "Redis" }, { 443, "HTTPS" },	 { 80, "HTTP" },
	{ 53, "DNS" },		{ 3306, "MySQL" }, { 27017, "MongoDB" }, { 11211, "memcached" },
	{ 5672, "AMQP" },	{ 9092, "Kafka" }, { 8443, "HTTPS" },	 { 2379, "etcd" },
};

const char *net_service(int64_t port, const char *proto)
{
	if (proto) {
		if (!strcmp(proto, "postgresql"))
			return "PostgreSQL";
		if (!strcmp(proto, "redis"))
			return "Redis";
		if (!strcmp(proto, "websocket"))
			return "WebSocket";
		if (!strcmp(proto, "http"))
			return "HTTP";
		if (!strcmp(proto, "tls"))
			return port == 443 ? "HTTPS" : "TLS";
	}
	for (size_t i = 0; i < sizeof(well_known) / sizeof(well_known[0]); i++)
		if (well_known[i].port == port)
			return well_known[i].name;
	return NULL;
}

const char *net_endpoint_named(const char *endpoint, const char *service, char *buf, size_t size)
{
	if (service)
		snprintf(buf, size, "%s (%s)", endpoint, service);
	else
		snprintf(buf, size, "%s", endpoint);
	return buf;
}

static struct netgroup *group_of(struct netgroups *gs, json_t *ev)
{
	char ep[160];
	int64_t pid = ev_pid(ev);
	struct netgroup *g;

	net_endpoint(ev, ep, sizeof(ep));
	for (size_t i = 0; i < gs->n; i++)
		if (gs->g[i].pid == pid && !strcmp(gs->g[i].endpoint, ep))
			return &gs->g[i];
	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? gs->cap * 2 : 16;
		struct netgroup *ng = realloc(gs->g, cap * sizeof(*ng));

		if (!ng)
			return NULL;
		gs->g = ng;
		gs->cap = cap;
	}
	g = &gs->g[gs->n];
	memset(g, 0, sizeof(*g));
	g->pid = pid;
	snprintf(g->endpoint, sizeof(g->endpoint), "%s", ep);
	g->events = json_array();
	if (!g->events)
		return NULL;
	g->port = ev_str(ev, AGS_K_FAMILY) && !strcmp(ev_str(ev, AGS_K_FAMILY), "unix")
			  ? -1
			  : ev_int_or(ev, AGS_K_PORT, 0);
	g->dns = g->port == 53;
	gs->n++;
	return g;
}

void netgroups_add(struct netgroups *gs, json_t *ev)
{
	enum ags_kind k = ev_kind(ev);
	struct netgroup *g;
	const char *what;

	if (k != AGS_KIND_CONNECT && k != AGS_KIND_SOCK && k != AGS_KIND_NET_STATS)
		return;
	if (!ev_str(ev, AGS_K_FAMILY))
		return;
	g = group_of(gs, ev);
	if (!g)
		return;
	if (ev_bool(ev, AGS_K_DNS_TAG))
		g->dns = true;
	if (k == AGS_KIND_NET_STATS) {
		g->stats = ev;
		return;
	}
	if (ev_str(ev, AGS_K_PROTO))
		g->proto = ev_str(ev, AGS_K_PROTO);
	json_array_append(g->events, ev);
	what = ev_str(ev, AGS_K_WHAT);
	if (k != AGS_KIND_SOCK || !what)
		return;
	if (!strcmp(what, "open_at_exit")) {
		/* One the peer had already ended is not held by the program. */
		if (!ev_str(ev, AGS_K_STATE) || strcmp(ev_str(ev, AGS_K_STATE), "ended_by_peer"))
			g->open_at_exit++;
	} else if (!strcmp(what, "server_error"))
		g->server_errors++;
	else if (!strcmp(what, "peer_close") && ev_int_or(ev, AGS_K_LIFE, 0) < 1000000000LL &&
		 !ev_int_or(ev, AGS_K_ANSWERED, 0))
		/* A session the server ended after answering (pg's Terminate) is no rejection. */
		g->quick_peer_closes++;
}

void netgroups_free(struct netgroups *gs)
{
	for (size_t i = 0; i < gs->n; i++)
		json_decref(gs->g[i].events);
	free(gs->g);
	memset(gs, 0, sizeof(*gs));
}

bool netgroup_is_pg(const struct netgroup *g)
{
	return (g->proto && !strcmp(g->proto, "postgresql")) || g->port == 5432;
}

bool netgroup_server_rejects(const struct netgroup *g)
{
	return g->server_errors > 0 || (netgroup_is_pg(g) && g->quick_peer_closes > 0);
}

int64_t net_quantile(const int64_t *sorted, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return sorted[i < n ? i : n - 1];
}

int net_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}
