/* SPDX-License-Identifier: MIT */
/* Network analyzer: connect failures, slow connects, resets, storms, leaks, fds, volumes. */
#include "an_net.h"

#include <stdlib.h>
#include <string.h>

static const char *const net_ids[] = {
	"net.connect_refused",	   "net.connect_timeout",
	"net.connect_unreachable", "net.connect_slow",
	"net.peer_reset",	   "net.reconnect_storm",
	"net.connection_leak",	   "fd.exhaustion",
	"volume.permission",	   NULL,
};

/* What counts as a slow connect: AGSHIM_SLOW_CONNECT_MS, as in the shim. */
#define SLOW_CONNECT_NS report_env_ms_ns("AGSHIM_SLOW_CONNECT_MS", 1000)
#define STORM_MIN_ATTEMPTS 5   /* reconnects in a row before a storm is named */
#define STORM_MIN_PER_MIN 20.0 /* the playbook's "drops > 20/min" */
#define BACKOFF_GROWTH 2.0     /* late intervals this much longer: the client backs off */
#define LEAK_MIN_OPEN 5	       /* connections open at exit before a leak is named */

struct net_state {
	struct netgroups groups;
};

static void *net_create(void)
{
	return calloc(1, sizeof(struct net_state));
}

static void net_destroy(void *st)
{
	struct net_state *s = st;

	if (!s)
		return;
	netgroups_free(&s->groups);
	free(s);
}

static void set_int(json_t *o, const char *key, int64_t v)
{
	json_object_set_new(o, key, json_integer(v));
}

static void add_int(json_t *o, const char *key, int64_t v)
{
	set_int(o, key, json_integer_value(json_object_get(o, key)) + v);
}

/* "0755" for a mode number. */
static json_t *octal(int64_t mode)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%04llo", (unsigned long long)(mode & 07777));
	return json_string(buf);
}

static void fd_exhaust(struct report *r, json_t *ev)
{
	struct proc *p = report_proc(r, ev_pid(ev));
	struct finding *f = finding_add_ev(r, "fd.exhaustion", p ? proc_name(p) : NULL, ev);
	json_t *e, *h = ev_obj(ev, AGS_K_HOLDERS);

	if (!f)
		return;
	e = finding_evidence(f);
	set_int(e, "limit", ev_int_or(ev, AGS_K_LIMIT, -1));
	set_int(e, "limit_max", ev_int_or(ev, AGS_K_LIMIT_MAX, -1));
	set_int(e, "open_fds", ev_int_or(ev, AGS_K_NFDS, -1));
	finding_sample(f, "calls",
		       json_string(ev_str(ev, AGS_K_CALL) ? ev_str(ev, AGS_K_CALL) : "?"), 8);
	finding_sample(f, "errors",
		       json_string(ev_str(ev, AGS_K_ERR) ? ev_str(ev, AGS_K_ERR) : "?"), 2);
	if (h)
		json_object_set_new(e, "holders", json_deep_copy(h));
	finding_summary(
		f,
		"%s ran out of file descriptors (%s): %lld open against a limit of %lld; "
		"%lld sockets, %lld files, %lld pipes hold them",
		p ? proc_name(p) : "a process", ev_str(ev, AGS_K_ERR) ? ev_str(ev, AGS_K_ERR) : "?",
		(long long)ev_int_or(ev, AGS_K_NFDS, -1), (long long)ev_int_or(ev, AGS_K_LIMIT, -1),
		(long long)ev_int_or(h, "sockets", 0), (long long)ev_int_or(h, "files", 0),
		(long long)ev_int_or(h, "pipes", 0));
}

static void volume(struct report *r, json_t *ev)
{
	json_t *m = ev_obj(ev, AGS_K_MOUNT), *e;
	const char *err = ev_str(ev, AGS_K_ERR), *point = ev_str(m, "point");
	int64_t uid = ev_int_or(ev, AGS_K_EUID, -1), gid = ev_int_or(ev, AGS_K_EGID, -1);
	int64_t ouid = ev_int_or(ev, AGS_K_OWNER_UID, -1),
		ogid = ev_int_or(ev, AGS_K_OWNER_GID, -1);
	int64_t mode = ev_int_or(ev, AGS_K_MODE, 0);
	char key[300], why[400];
	struct finding *f;

	if (!err || !point)
		return;
	if (!strcmp(err, "EROFS") || ev_bool(m, "ro"))
		snprintf(why, sizeof(why), "the mount %s is read-only", point);
	else if (!strcmp(err, "ENOENT"))
		snprintf(why, sizeof(why),
			 "the path does not exist under the mount %s (nearest existing: %s); the "
			 "volume may be empty or mounted at another path",
			 point, ev_str(ev, AGS_K_AT) ? ev_str(ev, AGS_K_AT) : "?");
	else
		snprintf(why, sizeof(why),
			 "%s is owned by uid %lld gid %lld with mode %04llo, and the process runs "
			 "as uid %lld gid %lld",
			 ev_str(ev, AGS_K_AT) ? ev_str(ev, AGS_K_AT) : "?", (long long)ouid,
			 (long long)ogid, (unsigned long long)(mode & 07777), (long long)uid,
			 (long long)gid);
	snprintf(key, sizeof(key), "%s %s", point, err);
	f = finding_add_ev(r, "volume.permission", key, ev);
	if (!f)
		return;
	e = finding_evidence(f);
	json_object_set_new(e, "mount", json_deep_copy(m));
	json_object_set_new(e, "error", json_string(err));
	json_object_set_new(e, "at", json_string(ev_str(ev, AGS_K_AT)));
	json_object_set_new(e, "mode", octal(mode));
	set_int(e, "owner_uid", ouid);
	set_int(e, "owner_gid", ogid);
	set_int(e, "process_uid", uid);
	set_int(e, "process_gid", gid);
	finding_sample(f, "paths", json_string(ev_str(ev, AGS_K_PATH)), 10);
	finding_sample(f, "access", json_string(ev_str(ev, AGS_K_ACCESS)), 4);
	finding_summary(f, "%lld %s of files under the volume %s failed with %s: %s",
			(long long)finding_count(f),
			ev_str(ev, AGS_K_CALL) ? ev_str(ev, AGS_K_CALL) : "open", point, err, why);
}

static void net_event(void *st, struct report *r, json_t *ev)
{
	struct net_state *s = st;

	switch (ev_kind(ev)) {
	case AGS_KIND_FD_EXHAUST: fd_exhaust(r, ev); break;
	case AGS_KIND_OPEN: volume(r, ev); break;
	default: netgroups_add(&s->groups, ev); break;
	}
}

/* The finding a failed connect belongs to, or NULL when it is not a problem. */
static const char *fail_id(json_t *ev, const char **cause)
{
	const char *err = ev_str(ev, AGS_K_ERR), *via = ev_str(ev, AGS_K_VIA);
	const char *addr = ev_str(ev, AGS_K_ADDR);

	*cause = err;
	if (ev_int_or(ev, AGS_K_RET, 0) == 0)
		return NULL;
	if (!err) {
		*cause = "application";
		return via && (!strcmp(via, "close") || !strcmp(via, "exit"))
			       ? "net.connect_timeout"
			       : NULL;
	}
	if (!strcmp(err, "ECONNREFUSED"))
		return "net.connect_refused";
	/* glibc asks nscd on every lookup and finds no socket: normal. */
	if (!strcmp(err, "ENOENT"))
		return addr && strstr(addr, "nscd") ? NULL : "net.connect_refused";
	if (!strcmp(err, "ETIMEDOUT")) {
		*cause = "kernel";
		return "net.connect_timeout";
	}
	if (!strcmp(err, "ENETUNREACH") || !strcmp(err, "EHOSTUNREACH") ||
	    !strcmp(err, "ENETDOWN") || !strcmp(err, "EHOSTDOWN"))
		return "net.connect_unreachable";
	return NULL;
}

static void failures(struct report *r, struct netgroup *g, const char *named)
{
	int64_t app_ms[256];
	size_t napp = 0;
	struct finding *tf = NULL;
	json_t *ev;
	size_t i;

	json_array_foreach(g->events, i, ev)
	{
		const char *cause, *id;
		struct finding *f;
		json_t *e;

		if (ev_kind(ev) != AGS_KIND_CONNECT || !(id = fail_id(ev, &cause)))
			continue;
		f = finding_add_ev(r, id, named, ev);
		if (!f)
			continue;
		e = finding_evidence(f);
		json_object_set_new(e, "endpoint", json_string(g->endpoint));
		if (net_service(g->port, g->proto))
			json_object_set_new(e, "service",
					    json_string(net_service(g->port, g->proto)));
		finding_sample(f, "errors", json_string(cause), 6);
		if (!strcmp(id, "net.connect_refused")) {
			finding_summary(f,
					"%lld connect%s to %s %s refused (%s): nothing accepts "
					"connections there",
					(long long)finding_count(f),
					finding_count(f) == 1 ? "" : "s", named,
					finding_count(f) == 1 ? "was" : "were", cause);
		} else if (!strcmp(id, "net.connect_unreachable")) {
			finding_summary(f, "%lld connect%s to %s failed with %s: no route to it",
					(long long)finding_count(f),
					finding_count(f) == 1 ? "" : "s", named, cause);
		} else {
			int64_t ms = ev_int_or(ev, AGS_K_DUR, 0) / 1000000;

			tf = f;
			if (strcmp(cause, "kernel") && napp < sizeof(app_ms) / sizeof(app_ms[0]))
				app_ms[napp++] = ms;
			add_int(e, !strcmp(cause, "kernel") ? "by_kernel" : "by_application", 1);
			finding_sample(f, "elapsed_ms", json_integer(ms), 20);
			finding_summary(
				f,
				"%lld connect%s to %s never completed: %lld timed out in the "
				"kernel (ETIMEDOUT), %lld closed by the application "
				"while still pending (its own timeout)",
				(long long)finding_count(f), finding_count(f) == 1 ? "" : "s",
				named,
				(long long)json_integer_value(json_object_get(e, "by_kernel")),
				(long long)json_integer_value(
					json_object_get(e, "by_application")));
		}
	}
	if (tf && napp) {
		qsort(app_ms, napp, sizeof(app_ms[0]), net_cmp_i64);
		set_int(finding_evidence(tf), "app_timeout_p50_ms",
			net_quantile(app_ms, napp, 0.5));
	}
}

static void slow(struct report *r, struct netgroup *g, const char *named)
{
	int64_t d[1024];
	size_t n = 0, nslow = 0;
	json_t *ev, *e;
	json_t *first = NULL;
	size_t i;
	struct finding *f;

	json_array_foreach(g->events, i, ev)
	{
		if (ev_kind(ev) != AGS_KIND_CONNECT || ev_int_or(ev, AGS_K_RET, -1) != 0)
			continue;
		if (n < sizeof(d) / sizeof(d[0]))
			d[n++] = ev_int_or(ev, AGS_K_DUR, 0);
		if (ev_int_or(ev, AGS_K_DUR, 0) >= SLOW_CONNECT_NS) {
			nslow++;
			if (!first)
				first = ev;
		}
	}
	if (!nslow)
		return;
	qsort(d, n, sizeof(d[0]), net_cmp_i64);
	f = finding_add_ev(r, "net.connect_slow", named, first);
	if (!f)
		return;
	e = finding_evidence(f);
	json_object_set_new(e, "endpoint", json_string(g->endpoint));
	set_int(e, "connects", (int64_t)n);
	set_int(e, "slow", (int64_t)nslow);
	set_int(e, "p50_ms", net_quantile(d, n, 0.5) / 1000000);
	set_int(e, "p99_ms", net_quantile(d, n, 0.99) / 1000000);
	set_int(e, "max_ms", d[n - 1] / 1000000);
	if (g->stats)
		set_int(e, "connects_total", ev_int_or(g->stats, AGS_K_CONNECTS, 0));
	finding_summary(f, "%zu of %zu connects to %s took over %lld ms (p50 %lld ms, p99 %lld ms)",
			nslow, n, named, SLOW_CONNECT_NS / 1000000,
			(long long)(net_quantile(d, n, 0.5) / 1000000),
			(long long)(net_quantile(d, n, 0.99) / 1000000));
}

static void resets(struct report *r, struct netgroup *g, const char *named)
{
	json_t *ev;
	size_t i;

	json_array_foreach(g->events, i, ev)
	{
		const char *what = ev_str(ev, AGS_K_WHAT), *err = ev_str(ev, AGS_K_ERR);
		struct finding *f;

		if (ev_kind(ev) != AGS_KIND_SOCK || !what || strcmp(what, "error") || !err ||
		    (strcmp(err, "ECONNRESET") && strcmp(err, "EPIPE")))
			continue;
		f = finding_add_ev(r, "net.peer_reset", named, ev);
		if (!f)
			continue;
		json_object_set_new(finding_evidence(f), "endpoint", json_string(g->endpoint));
		finding_sample(f, "errors", json_string(err), 3);
		finding_sample(f, "after_ms", json_integer(ev_int_or(ev, AGS_K_LIFE, 0) / 1000000),
			       10);
		finding_summary(f, "%lld connections to %s were reset by the peer (%s)",
				(long long)finding_count(f), named, err);
	}
}

/* Median of v[from, to). */
static double median_of(const int64_t *v, size_t from, size_t to)
{
	int64_t tmp[512];
	size_t n = to - from;

	if (n == 0)
		return 0;
	if (n > 512)
		n = 512;
	memcpy(tmp, v + from, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), net_cmp_i64);
	return (double)tmp[n / 2];
}

/*
 * Reconnect storms: consecutive connects to one endpoint, each after the previous one failed
 * or was closed by the peer.  A storm is a run of them at more than STORM_MIN_PER_MIN whose
 * intervals do not grow; a client whose late intervals are BACKOFF_GROWTH times its early
 * ones backs off and is left alone.
 */
static void storm(struct report *r, struct netgroup *g, const char *named)
{
	int64_t ts[4096];
	size_t n = 0, best_from = 0, best_n = 0, run_from = 0;
	bool bad = false, in_run = false;
	int64_t refused = 0, closed = 0;
	json_t *ev, *e, *iv;
	size_t i;

	json_array_foreach(g->events, i, ev)
	{
		enum ags_kind k = ev_kind(ev);
		const char *what = ev_str(ev, AGS_K_WHAT), *cause;

		if (k == AGS_KIND_SOCK && what &&
		    (!strcmp(what, "peer_close") || !strcmp(what, "error"))) {
			bad = true;
			closed++;
			continue;
		}
		if (k != AGS_KIND_CONNECT || n >= sizeof(ts) / sizeof(ts[0]))
			continue;
		if (bad && !in_run) {
			in_run = true;
			run_from = n; /* the first reconnect */
		} else if (!bad && in_run) {
			if (n - run_from > best_n) {
				best_n = n - run_from;
				best_from = run_from;
			}
			in_run = false;
		}
		ts[n++] = ev_ts(ev);
		/* A failure that is normal (glibc probing nscd) does not make a retry loop. */
		bad = fail_id(ev, &cause) != NULL;
		refused += bad;
	}
	if (in_run && n - run_from > best_n) {
		best_n = n - run_from;
		best_from = run_from;
	}
	if (best_n < STORM_MIN_ATTEMPTS)
		return;

	int64_t intervals[4096];
	size_t ni = best_n - 1;
	double span_s = (double)(ts[best_from + best_n - 1] - ts[best_from]) / 1e9;
	double rate = span_s > 0 ? (double)ni / span_s * 60.0 : 0;
	double early, late;

	for (i = 0; i < ni; i++)
		intervals[i] = ts[best_from + i + 1] - ts[best_from + i];
	early = median_of(intervals, 0, ni / 3 ? ni / 3 : 1);
	late = median_of(intervals, ni - (ni / 3 ? ni / 3 : 1), ni);
	if (rate < STORM_MIN_PER_MIN || (early > 0 && late / early >= BACKOFF_GROWTH))
		return;
	struct finding *f = finding_add(r, "net.reconnect_storm", named, ts[best_from], g->pid);

	if (!f)
		return;
	e = finding_evidence(f);
	json_object_set_new(e, "endpoint", json_string(g->endpoint));
	set_int(e, "reconnects", (int64_t)best_n);
	json_object_set_new(e, "window_s", json_real(span_s));
	json_object_set_new(e, "rate_per_min", json_real(rate));
	json_object_set_new(e, "backoff", json_string("none"));
	set_int(e, "median_interval_ms", (int64_t)(median_of(intervals, 0, ni) / 1e6));
	json_object_set_new(e, "interval_growth", json_real(early > 0 ? late / early : 0));
	set_int(e, "failed_connects", refused);
	set_int(e, "peer_closes", closed);
	iv = json_array();
	for (i = 0; i < ni && i < 30; i++)
		json_array_append_new(iv, json_integer(intervals[i] / 1000000));
	json_object_set_new(e, "intervals_ms", iv);
	finding_summary(f,
			"%zu reconnects to %s in %.1f s (%.0f per minute), every %.0f ms with no "
			"backoff: the intervals do not grow",
			best_n, named, span_s, rate, median_of(intervals, 0, ni) / 1e6);
}

static void leak(struct report *r, struct netgroup *g, const char *named)
{
	int64_t t0 = 0;
	json_t *ev, *e, *series;
	struct finding *f = NULL;
	size_t i;

	if (g->open_at_exit < LEAK_MIN_OPEN || g->dns ||
	    (netgroup_is_pg(g) && netgroup_server_rejects(g)))
		return;
	series = json_array();
	json_array_foreach(g->events, i, ev)
	{
		const char *what = ev_str(ev, AGS_K_WHAT);

		if (!t0)
			t0 = ev_ts(ev);
		if (ev_kind(ev) == AGS_KIND_CONNECT && ev_int(ev, AGS_K_EP_OPEN, &(int64_t){ 0 }) &&
		    json_array_size(series) < 50)
			json_array_append_new(
				series, json_pack("[I,I]", (json_int_t)((ev_ts(ev) - t0) / 1000000),
						  (json_int_t)ev_int_or(ev, AGS_K_EP_OPEN, 0)));
		if (ev_kind(ev) != AGS_KIND_SOCK || !what || strcmp(what, "open_at_exit"))
			continue;
		if (!f)
			f = finding_add_ev(r, "net.connection_leak", named, ev);
		if (f && ev_str(ev, AGS_K_CALLER))
			finding_sample(f, "opened_at", json_string(ev_str(ev, AGS_K_CALLER)), 5);
	}
	if (!f) {
		json_decref(series);
		return;
	}
	e = finding_evidence(f);
	json_object_set_new(e, "endpoint", json_string(g->endpoint));
	add_int(e, "open_at_exit", g->open_at_exit);
	if (g->stats) {
		set_int(e, "connects", ev_int_or(g->stats, AGS_K_CONNECTS, 0));
		set_int(e, "peak_open", ev_int_or(g->stats, AGS_K_PEAK, 0));
	}
	json_object_set_new(e, "open_over_time_ms", series);
	finding_summary(f, "%lld connections to %s were still open at exit, never closed",
			(long long)json_integer_value(json_object_get(e, "open_at_exit")), named);
}

static void net_finish(void *st, struct report *r)
{
	struct net_state *s = st;

	for (size_t i = 0; i < s->groups.n; i++) {
		struct netgroup *g = &s->groups.g[i];
		char named[256];

		if (g->dns)
			continue; /* lookups are an_dns's */
		net_endpoint_named(g->endpoint, net_service(g->port, g->proto), named,
				   sizeof(named));
		failures(r, g, named);
		slow(r, g, named);
		resets(r, g, named);
		storm(r, g, named);
		leak(r, g, named);
	}
}

const struct analyzer an_net = {
	.name = "net",
	.ids = net_ids,
	.create = net_create,
	.event = net_event,
	.finish = net_finish,
	.destroy = net_destroy,
};
