/* SPDX-License-Identifier: MIT */
/* Database analyzer: PostgreSQL turning connections away, and pools that never give them back. */
#include "an_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const db_ids[] = {
	"db.pool_exhaustion",
	"db.server_rejects_connections",
	NULL,
};

struct db_state {
	struct netgroups groups;
};

static void *db_create(void)
{
	return calloc(1, sizeof(struct db_state));
}

static void db_destroy(void *st)
{
	struct db_state *s = st;

	if (!s)
		return;
	netgroups_free(&s->groups);
	free(s);
}

static void db_event(void *st, struct report *r, json_t *ev)
{
	struct db_state *s = st;

	(void)r;
	netgroups_add(&s->groups, ev);
}

/*
 * The first rejection, the sqlstate and message samples of all of them, and how many of this
 * process's connections were open when the first came (its connect's ep_open, less itself).
 */
static json_t *rejections(struct netgroup *g, struct finding *f, int64_t *held)
{
	json_t *ev, *first = NULL, *open_by_fd = json_object();
	size_t i;

	json_array_foreach(g->events, i, ev)
	{
		const char *what = ev_str(ev, AGS_K_WHAT);
		char fd[24];

		snprintf(fd, sizeof(fd), "%lld", (long long)ev_int_or(ev, AGS_K_FD, -1));
		if (ev_kind(ev) == AGS_KIND_CONNECT)
			json_object_set_new(open_by_fd, fd,
					    json_integer(ev_int_or(ev, AGS_K_EP_OPEN, 0)));
		if (ev_kind(ev) != AGS_KIND_SOCK || !what)
			continue;
		if (!strcmp(what, "server_error") ||
		    (!strcmp(what, "peer_close") && ev_int_or(ev, AGS_K_LIFE, 0) < 1000000000LL &&
		     !ev_int_or(ev, AGS_K_ANSWERED, 0))) {
			if (!first) {
				first = ev;
				*held = json_integer_value(json_object_get(open_by_fd, fd)) - 1;
			}
			if (f && ev_str(ev, AGS_K_SQLSTATE))
				finding_sample(f, "sqlstates",
					       json_string(ev_str(ev, AGS_K_SQLSTATE)), 4);
			if (f && ev_str(ev, AGS_K_MSG))
				finding_sample(f, "server_messages",
					       json_string(ev_str(ev, AGS_K_MSG)), 4);
		}
	}
	json_decref(open_by_fd);
	if (*held < 0)
		*held = 0;
	return first;
}

static void db_group(struct report *r, struct netgroup *g)
{
	char named[256];
	int64_t held = 0, rejected;
	struct finding *f, *p;
	json_t *first, *e, *msgs;
	const char *msg = NULL;

	if (!netgroup_is_pg(g) || !netgroup_server_rejects(g))
		return;
	net_endpoint_named(g->endpoint, "PostgreSQL", named, sizeof(named));
	rejected =
		g->server_errors > g->quick_peer_closes ? g->server_errors : g->quick_peer_closes;
	first = rejections(g, NULL, &held);
	f = finding_add(r, "db.server_rejects_connections", named, first ? ev_ts(first) : 0,
			g->pid);
	if (!f)
		return;
	rejections(g, f, &held);
	e = finding_evidence(f);
	json_object_set_new(e, "endpoint", json_string(g->endpoint));
	json_object_set_new(e, "rejected", json_integer(rejected));
	json_object_set_new(e, "held_when_rejected", json_integer(held));
	msgs = json_object_get(e, "server_messages");
	if (msgs && json_array_size(msgs))
		msg = json_string_value(json_array_get(msgs, 0));
	finding_summary(f,
			"the PostgreSQL server at %s closed %lld new connection%s right after "
			"accepting %s%s%s%s, while this process held %lld",
			g->endpoint, (long long)rejected, rejected == 1 ? "" : "s",
			rejected == 1 ? "it" : "them", msg ? " (\"" : "", msg ? msg : "",
			msg ? "\")" : "", (long long)held);
	if (g->open_at_exit <= 0)
		return;
	p = finding_add(r, "db.pool_exhaustion", named, first ? ev_ts(first) : 0, g->pid);
	if (!p)
		return;
	e = finding_evidence(p);
	json_object_set_new(e, "endpoint", json_string(g->endpoint));
	json_object_set_new(e, "never_released", json_integer(g->open_at_exit));
	json_object_set_new(e, "held_when_rejected", json_integer(held));
	if (g->stats)
		json_object_set_new(e, "peak_open",
				    json_integer(ev_int_or(g->stats, AGS_K_PEAK, 0)));
	json_object_set_new(e, "rejected_after", json_integer(rejected));
	if (g->stats)
		json_object_set_new(e, "connects",
				    json_integer(ev_int_or(g->stats, AGS_K_CONNECTS, 0)));
	if (msg)
		json_object_set_new(e, "server_message", json_string(msg));
	finding_summary(p,
			"%lld connections to PostgreSQL at %s were opened and never released "
			"(still open at exit); with %lld held the server refused %lld more",
			(long long)g->open_at_exit, g->endpoint, (long long)held,
			(long long)rejected);
}

static void db_finish(void *st, struct report *r)
{
	struct db_state *s = st;

	for (size_t i = 0; i < s->groups.n; i++)
		db_group(r, &s->groups.g[i]);
}

const struct analyzer an_db = {
	.name = "db",
	.ids = db_ids,
	.create = db_create,
	.event = db_event,
	.finish = db_finish,
	.destroy = db_destroy,
};
