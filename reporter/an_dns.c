/* SPDX-License-Identifier: MIT */
/* DNS analyzer: no answer vs no such name, slow lookups, search-list amplification. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "an_net.h"

static const char *const dns_ids[] = {
	"dns.no_answer", "dns.name_not_found", "dns.slow", "dns.search_amplification", NULL,
};

/* What counts as a slow lookup: AGSHIM_SLOW_DNS_MS, as in the shim. */
#define SLOW_DNS_NS report_env_ms_ns("AGSHIM_SLOW_DNS_MS", 1000)

struct dns_state {
	json_t *stats; /* host -> dns_stats lookups */
};

static void *dns_create(void)
{
	struct dns_state *s = calloc(1, sizeof(*s));

	if (s)
		s->stats = json_object();
	return s;
}

static void dns_destroy(void *st)
{
	struct dns_state *s = st;

	if (!s)
		return;
	json_decref(s->stats);
	free(s);
}

static int dots(const char *h)
{
	int n = 0;

	for (; *h; h++)
		n += *h == '.';
	return n;
}

static bool numeric(const char *h)
{
	for (; *h; h++)
		if (!strchr("0123456789.:abcdefABCDEF", *h))
			return false;
	return true;
}

static void put_resolver(json_t *e, json_t *ev)
{
	json_t *res = ev_obj(ev, AGS_K_RESOLVER);

	if (res && !json_object_get(e, "resolver"))
		json_object_set_new(e, "resolver", json_deep_copy(res));
}

static void no_answer(struct report *r, json_t *ev, const char *host)
{
	json_t *res = ev_obj(ev, AGS_K_RESOLVER), *e, *ns;
	int64_t dur = ev_int_or(ev, AGS_K_DUR, 0);
	int64_t budget =
		ev_int_or(res, "timeout_s", 5) * ev_int_or(res, "attempts", 2) *
		(ev_int_or(res, "nameservers_listed", 1) ? ev_int_or(res, "nameservers_listed", 1)
							 : 1);
	struct finding *f = finding_add_ev(r, "dns.no_answer", host, ev);
	bool silent;

	if (!f)
		return;
	e = finding_evidence(f);
	put_resolver(e, ev);
	json_object_set_new(e, "host", json_string(host));
	json_object_set_new(e, "error", json_string(ev_str(ev, AGS_K_ERR)));
	finding_sample(f, "elapsed_ms", json_integer(dur / 1000000), 10);
	if (dur > json_integer_value(json_object_get(e, "max_elapsed_ms")) * 1000000)
		json_object_set_new(e, "max_elapsed_ms", json_integer(dur / 1000000));
	json_object_set_new(e, "resolver_budget_s", json_integer(budget));
	/* Silent servers cost the whole timeout; a closed port answers at once with ICMP. */
	silent = json_integer_value(json_object_get(e, "max_elapsed_ms")) >=
		 ev_int_or(res, "timeout_s", 5) * 1000 / 2;
	json_object_set_new(e, "pattern", json_string(silent ? "silent" : "fast_failure"));
	ns = json_object_get(json_object_get(e, "resolver"), "nameservers");
	finding_summary(
		f, "%lld lookup%s of \"%s\" got no answer (%s) from the nameserver%s %s: %s",
		(long long)finding_count(f), finding_count(f) == 1 ? "" : "s", host,
		ev_str(ev, AGS_K_ERR) ? ev_str(ev, AGS_K_ERR) : "?",
		json_array_size(ns) == 1 ? "" : "s",
		json_array_size(ns) ? json_string_value(json_array_get(ns, 0)) : "?",
		silent ? "it stayed silent until the resolver timed out"
		       : "the failure came at once: the nameserver port is closed or refuses");
}

static void not_found(struct report *r, json_t *ev, const char *host)
{
	struct finding *f = finding_add_ev(r, "dns.name_not_found", host, ev);
	json_t *e;

	if (!f)
		return;
	e = finding_evidence(f);
	put_resolver(e, ev);
	json_object_set_new(e, "host", json_string(host));
	json_object_set_new(e, "error", json_string(ev_str(ev, AGS_K_ERR)));
	finding_summary(
		f,
		"%lld lookup%s of \"%s\" answered %s: the nameserver says the name does not "
		"exist (this is not a connectivity problem)",
		(long long)finding_count(f), finding_count(f) == 1 ? "" : "s", host,
		ev_str(ev, AGS_K_ERR));
}

static void slow(struct report *r, json_t *ev, const char *host)
{
	struct finding *f = finding_add_ev(r, "dns.slow", host, ev);
	int64_t ms = ev_int_or(ev, AGS_K_DUR, 0) / 1000000;
	json_t *e;

	if (!f)
		return;
	e = finding_evidence(f);
	put_resolver(e, ev);
	json_object_set_new(e, "host", json_string(host));
	finding_sample(f, "elapsed_ms", json_integer(ms), 10);
	finding_summary(f, "%lld lookup%s of \"%s\" took over %lld ms (latest %lld ms)",
			(long long)finding_count(f), finding_count(f) == 1 ? "" : "s", host,
			SLOW_DNS_NS / 1000000, (long long)ms);
}

static void amplification(struct report *r, json_t *ev, const char *host)
{
	json_t *res = ev_obj(ev, AGS_K_RESOLVER), *search = ev_arr(res, "search"), *e;
	int64_t ndots = ev_int_or(res, "ndots", 1);
	size_t nsearch = json_array_size(search);
	size_t len = strlen(host);
	int d = dots(host);
	int per_family =
		ev_str(ev, AGS_K_FAMILY) && !strcmp(ev_str(ev, AGS_K_FAMILY), "any") ? 2 : 1;
	struct finding *f;

	if (ndots <= 1 || !nsearch || !len || host[len - 1] == '.' || d == 0 || d >= ndots ||
	    numeric(host) || !strcmp(host, "localhost"))
		return;
	f = finding_add_ev(r, "dns.search_amplification", host, ev);
	if (!f || finding_count(f) > 1)
		return;
	e = finding_evidence(f);
	json_object_set_new(e, "host", json_string(host));
	json_object_set_new(e, "dots", json_integer(d));
	json_object_set_new(e, "ndots", json_integer(ndots));
	json_object_set_new(e, "search", json_deep_copy(search));
	json_object_set_new(e, "queries_per_lookup",
			    json_integer((json_int_t)(nsearch + 1) * per_family));
	json_object_set_new(e, "queries_needed", json_integer(per_family));
	json_object_set_new(e, "fqdn", json_sprintf("%s.", host));
	finding_summary(f,
			"\"%s\" has %d dot%s, fewer than ndots:%lld, so each lookup first tries "
			"the %zu search domain%s: up to %zu queries where %d would do",
			host, d, d == 1 ? "" : "s", (long long)ndots, nsearch,
			nsearch == 1 ? "" : "s", (nsearch + 1) * (size_t)per_family, per_family);
}

static void dns_event(void *st, struct report *r, json_t *ev)
{
	struct dns_state *s = st;
	const char *host = ev_str(ev, AGS_K_HOST), *err;

	if (ev_kind(ev) == AGS_KIND_DNS_STATS) {
		if (host)
			json_object_set_new(s->stats, host,
					    json_integer(ev_int_or(ev, "lookups", 0)));
		return;
	}
	if (ev_kind(ev) == AGS_KIND_SOCK && ev_bool(ev, AGS_K_DNS_TAG) && ev_str(ev, AGS_K_ERR)) {
		char ep[160];
		struct finding *f;

		/* c-ares (dns.resolve*) talks to the nameserver itself. */
		net_endpoint(ev, ep, sizeof(ep));
		f = finding_add_ev(r, "dns.no_answer", ep, ev);
		if (f)
			finding_summary(f, "%lld DNS queries to the nameserver %s failed with %s",
					(long long)finding_count(f), ep, ev_str(ev, AGS_K_ERR));
		return;
	}
	if (ev_kind(ev) != AGS_KIND_DNS || !host)
		return;
	err = ev_str(ev, AGS_K_ERR);
	if (err && (!strcmp(err, "EAI_AGAIN") || !strcmp(err, "TRY_AGAIN") ||
		    !strcmp(err, "EAI_FAIL") || !strcmp(err, "NO_RECOVERY")))
		no_answer(r, ev, host);
	else if (err && (!strcmp(err, "EAI_NONAME") || !strcmp(err, "HOST_NOT_FOUND") ||
			 !strcmp(err, "EAI_NODATA") || !strcmp(err, "NO_DATA")))
		not_found(r, ev, host);
	else if (!err && ev_int_or(ev, AGS_K_DUR, 0) >= SLOW_DNS_NS)
		slow(r, ev, host);
	amplification(r, ev, host);
}

static void dns_finish(void *st, struct report *r)
{
	struct dns_state *s = st;

	/* Lookups counted by the shim but not written singly, for the amplification's cost. */
	for (size_t i = 0; i < report_nfindings(r); i++) {
		struct finding *f = report_finding_at(r, i);
		json_t *n;

		if (strcmp(finding_id(f), "dns.search_amplification"))
			continue;
		n = json_object_get(s->stats, finding_key(f));
		if (n)
			json_object_set_new(finding_evidence(f), "lookups", json_copy(n));
	}
}

const struct analyzer an_dns = {
	.name = "dns",
	.ids = dns_ids,
	.create = dns_create,
	.event = dns_event,
	.finish = dns_finish,
	.destroy = dns_destroy,
};
