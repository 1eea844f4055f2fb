/* SPDX-License-Identifier: MIT */
/* Database analyzer: PostgreSQL turning connections away, and pools that never give them back. */
#include "an_net.h"

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

/* The first rejection, and the sqlstate and message samples of all of them. */
static json_t *rejections(struct netgroup *g, struct finding *f, int64_t *peak)
{
	json_t *ev, *first = NULL;
	size_t i;

	json_array_foreach(g->events, i, ev)
	{
		const char *what = ev_str(ev, AGS_K_WHAT);

		if (ev_kind(ev) == AGS_KIND_CONNECT && ev_int_or(ev, AGS_K_EP_OPEN, 0) > *peak)
			*peak = ev_int_or(ev, AGS_K_EP_OPEN, 0);
		if (ev_kind(ev) != AGS_KIND_SOCK || !what)
			continue;
		if (!strcmp(what, "server_error")) {
			if (!first)
				first = ev;
			if (ev_str(ev, AGS_K_SQLSTATE))
				finding_sample(f, "sqlstates",
					       json_string(ev_str(ev, AGS_K_SQLSTATE)), 4);
			if (ev_str(ev, AGS_K_MSG))
				finding_sample(f, "server_messages",
					       json_string(ev_str(ev, AGS_K_MSG)), 4);
		} else if (!strcmp(what, "peer_close") &&
			   ev_int_or(ev, AGS_K_LIFE, 0) < 1000000000LL && !first) {
			first = ev;
		}
	}
	return first;
}

static void db_group(struct report *r, struct netgroup *g)
{
	char named[256];
	int64_t peak = 0, rejected;
	struct finding *f, *p;
	json_t *first, *e, *msgs;
	const char *msg = NULL;

	if (!netgroup_is_pg(g) || !netgroup_server_rejects(g))
		return;
	net_endpoint_named(g->endpoint, "PostgreSQL", named, sizeof(named));
	rejected =
		g->server_errors > g->quick_peer_closes ? g->server_errors : g->quick_peer_closes;
	f = finding_add(r, "db.server_rejects_connections", named, 0, g->pid);
	if (!f)
		return;
	first = rejections(g, f, &peak);
	e = finding_evidence(f);
	json_object_set_new(e, "endpoint", json_string(g->endpoint));
	json_object_set_new(e, "rejected", json_integer(rejected));
	json_object_set_new(e, "open_when_rejected", json_integer(peak));
	msgs = json_object_get(e, "server_messages");
	if (msgs && json_array_size(msgs))
		msg = json_string_value(json_array_get(msgs, 0));
	finding_summary(f,
			"the PostgreSQL server at %s closed %lld connections right after they "
			"opened%s%s%s, with %lld of this process's connections already open",
			named, (long long)rejected, msg ? " (\"" : "", msg ? msg : "",
			msg ? "\")" : "", (long long)peak);
	(void)first;
	if (g->open_at_exit <= 0)
		return;
	p = finding_add(r, "db.pool_exhaustion", named, first ? ev_ts(first) : 0, g->pid);
	if (!p)
		return;
	e = finding_evidence(p);
	json_object_set_new(e, "endpoint", json_string(g->endpoint));
	json_object_set_new(e, "never_released", json_integer(g->open_at_exit));
	json_object_set_new(e, "peak_open", json_integer(peak));
	json_object_set_new(e, "rejected_after", json_integer(rejected));
	if (g->stats)
		json_object_set_new(e, "connects",
				    json_integer(ev_int_or(g->stats, AGS_K_CONNECTS, 0)));
	if (msg)
		json_object_set_new(e, "server_message", json_string(msg));
	finding_summary(p,
			"%lld connections to PostgreSQL at %s were opened and never released "
			"(still open at exit); once %lld were open the server refused %lld more",
			(long long)g->open_at_exit, named, (long long)peak, (long long)rejected);
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
