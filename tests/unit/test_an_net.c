/* SPDX-License-Identifier: MIT */
/* Unit tests for the network, DNS and database analyzers, fed event lines as the shim writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

/* Event text built line by line. */
struct text {
	char *buf;
	size_t len;
};

static void add(struct text *t, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	t->buf = realloc(t->buf, t->len + (size_t)n + 2);
	assert_non_null(t->buf);
	memcpy(t->buf + t->len, line, (size_t)n);
	t->len += (size_t)n;
	t->buf[t->len++] = '\n';
	t->buf[t->len] = '\0';
}

#define EP "\"family\":\"inet\",\"addr\":\"127.0.0.1\",\"type\":\"stream\""

static void connect_ev(struct text *t, int64_t ts_ms, int port, const char *err, int open)
{
	if (err)
		add(t,
		    "{\"v\":1,\"ts_ns\":%lld,\"kind\":\"connect\",\"pid\":100,\"fd\":20," EP
		    ",\"port\":%d,\"ret\":-1,\"err\":\"%s\",\"errno\":111,\"nb\":1,\"via\":"
		    "\"sockopt\",\"dur_ns\":200000,\"ep_open\":%d}",
		    (long long)ts_ms * 1000000, port, err, open);
	else
		add(t,
		    "{\"v\":1,\"ts_ns\":%lld,\"kind\":\"connect\",\"pid\":100,\"fd\":20," EP
		    ",\"port\":%d,\"ret\":0,\"nb\":1,\"via\":\"sockopt\",\"dur_ns\":200000,"
		    "\"ep_open\":%d}",
		    (long long)ts_ms * 1000000, port, open);
}

static void sock_ev(struct text *t, int64_t ts_ms, int port, const char *what, const char *extra)
{
	add(t,
	    "{\"v\":1,\"ts_ns\":%lld,\"kind\":\"sock\",\"pid\":100,\"fd\":20," EP
	    ",\"port\":%d,\"what\":\"%s\",\"life_ns\":1000000%s}",
	    (long long)ts_ms * 1000000, port, what, extra ? extra : "");
}

static struct report *run(struct text *t)
{
	struct report *r = report_new();

	assert_non_null(r);
	assert_int_equal(report_read_mem(r, t->buf ? t->buf : "", t->len, "ev.jsonl"), 0);
	assert_int_equal(report_run(r), 0);
	assert_int_equal(report_nmalformed(r), 0);
	free(t->buf);
	t->buf = NULL;
	t->len = 0;
	return r;
}

static struct finding *get(struct report *r, const char *id)
{
	for (size_t i = 0; i < report_nfindings(r); i++)
		if (!strcmp(finding_id(report_finding_at(r, i)), id))
			return report_finding_at(r, i);
	return NULL;
}

static json_t *evid(struct finding *f, const char *key)
{
	return json_object_get(finding_evidence(f), key);
}

/* The server dies; the client retries every 50 ms against the closed port. */
static void test_storm_without_backoff(void **state)
{
	struct text t = { 0 };
	struct report *r;
	struct finding *f;

	(void)state;
	connect_ev(&t, 1000, 8080, NULL, 1);
	sock_ev(&t, 2000, 8080, "peer_close", NULL);
	for (int i = 0; i < 20; i++)
		connect_ev(&t, 2050 + 50 * i, 8080, "ECONNREFUSED", 0);
	r = run(&t);
	f = get(r, "net.reconnect_storm");
	assert_non_null(f);
	assert_string_equal(json_string_value(evid(f, "backoff")), "none");
	assert_int_equal(json_integer_value(evid(f, "reconnects")), 20);
	assert_int_equal(json_integer_value(evid(f, "median_interval_ms")), 50);
	assert_true(json_real_value(evid(f, "rate_per_min")) > 1000);
	assert_non_null(strstr(finding_text(f), "no backoff"));
	assert_int_equal(finding_count(get(r, "net.connect_refused")), 20);
	report_free(r);
}

/* The same outage, with intervals doubling: not a storm. */
static void test_backoff_is_not_a_storm(void **state)
{
	struct text t = { 0 };
	struct report *r;
	int64_t at = 2000, wait = 50;

	(void)state;
	connect_ev(&t, 1000, 8080, NULL, 1);
	sock_ev(&t, 2000, 8080, "peer_close", NULL);
	for (int i = 0; i < 8; i++, wait *= 2) {
		at += wait;
		connect_ev(&t, at, 8080, "ECONNREFUSED", 0);
	}
	r = run(&t);
	assert_null(get(r, "net.reconnect_storm"));
	assert_non_null(get(r, "net.connect_refused"));
	report_free(r);
}

/* What is normal: a keep-alive pool, a client closing idle sockets, glibc probing nscd. */
static void test_normal_is_not_a_finding(void **state)
{
	struct text t = { 0 };
	struct report *r;

	(void)state;
	for (int i = 0; i < 4; i++)
		connect_ev(&t, 1000 + i, 443, NULL, i + 1);
	for (int i = 0; i < 4; i++)
		sock_ev(&t, 9000 + i, 443, "close", NULL);
	for (int i = 0; i < 50; i++)
		add(&t,
		    "{\"v\":1,\"ts_ns\":%d,\"kind\":\"connect\",\"pid\":100,\"fd\":9,"
		    "\"family\":\"unix\",\"addr\":\"/var/run/nscd/socket\",\"ret\":-1,"
		    "\"err\":\"ENOENT\",\"errno\":2,\"via\":\"call\",\"dur_ns\":1000}",
		    20000000 + i);
	r = run(&t);
	for (size_t i = 0; i < report_nfindings(r); i++) {
		const char *id = finding_id(report_finding_at(r, i));

		if (strncmp(id, "observe.", 8))
			fail_msg("unexpected finding %s", id);
	}
	report_free(r);
}

static void test_timeouts_by_cause(void **state)
{
	struct text t = { 0 };
	struct report *r;
	struct finding *f;

	(void)state;
	add(&t, "{\"v\":1,\"ts_ns\":1000,\"kind\":\"connect\",\"pid\":100,\"fd\":20," EP
		",\"port\":9,\"ret\":-1,\"nb\":1,\"via\":\"close\",\"dur_ns\":300000000}");
	add(&t, "{\"v\":1,\"ts_ns\":2000,\"kind\":\"connect\",\"pid\":100,\"fd\":20," EP
		",\"port\":9,\"ret\":-1,\"err\":\"ETIMEDOUT\",\"errno\":110,\"nb\":1,"
		"\"via\":\"sockopt\",\"dur_ns\":3000000000}");
	add(&t, "{\"v\":1,\"ts_ns\":3000,\"kind\":\"connect\",\"pid\":100,\"fd\":21," EP
		",\"port\":10,\"ret\":-1,\"err\":\"EHOSTUNREACH\",\"errno\":113,\"via\":\"call\","
		"\"dur_ns\":1000}");
	r = run(&t);
	f = get(r, "net.connect_timeout");
	assert_non_null(f);
	assert_int_equal(finding_count(f), 2);
	assert_int_equal(json_integer_value(evid(f, "by_kernel")), 1);
	assert_int_equal(json_integer_value(evid(f, "by_application")), 1);
	assert_int_equal(json_integer_value(evid(f, "app_timeout_p50_ms")), 300);
	assert_non_null(get(r, "net.connect_unreachable"));
	assert_null(get(r, "net.connect_refused"));
	report_free(r);
}

/* Five pg connections held, the sixth turned away with 53300. */
static void test_pool_exhaustion(void **state)
{
	struct text t = { 0 };
	struct report *r;
	struct finding *f;

	(void)state;
	for (int i = 0; i < 6; i++)
		connect_ev(&t, 1000 + i, 54329, NULL, i + 1);
	sock_ev(&t, 1010, 54329, "server_error",
		",\"proto\":\"postgresql\",\"sqlstate\":\"53300\","
		"\"msg\":\"sorry, too many clients already\"");
	for (int i = 0; i < 6; i++)
		sock_ev(&t, 2000 + i, 54329, "open_at_exit",
			i == 5 ? ",\"proto\":\"postgresql\",\"state\":\"ended_by_peer\""
			       : ",\"proto\":\"postgresql\"");
	r = run(&t);
	f = get(r, "db.pool_exhaustion");
	assert_non_null(f);
	assert_int_equal(json_integer_value(evid(f, "never_released")), 5);
	assert_int_equal(json_integer_value(evid(f, "held_when_rejected")), 5);
	assert_non_null(get(r, "db.server_rejects_connections"));
	assert_null(get(r, "net.connection_leak"));
	report_free(r);
}

static void test_connection_leak(void **state)
{
	struct text t = { 0 };
	struct report *r;
	struct finding *f;

	(void)state;
	for (int i = 0; i < 7; i++)
		connect_ev(&t, 1000 + 100 * i, 6379, NULL, i + 1);
	for (int i = 0; i < 7; i++)
		sock_ev(&t, 5000, 6379, "open_at_exit", ",\"caller\":\"main+0x42 (app)\"");
	r = run(&t);
	f = get(r, "net.connection_leak");
	assert_non_null(f);
	assert_int_equal(json_integer_value(evid(f, "open_at_exit")), 7);
	assert_non_null(strstr(finding_text(f), "Redis"));
	assert_int_equal(json_array_size(evid(f, "open_over_time_ms")), 7);
	report_free(r);
}

#define RESOLVER(ndots)                                                                      \
	"\"resolver\":{\"nameservers\":[\"127.0.0.1\"],\"nameservers_listed\":1,\"search\":" \
	"[\"default.svc.cluster.local\",\"svc.cluster.local\",\"cluster.local\"],"           \
	"\"ndots\":" #ndots ",\"timeout_s\":5,\"attempts\":2}"

static void test_dns(void **state)
{
	struct text t = { 0 };
	struct report *r;
	struct finding *f;

	(void)state;
	add(&t, "{\"v\":1,\"ts_ns\":1000,\"kind\":\"dns\",\"pid\":100,\"call\":\"getaddrinfo\","
		"\"host\":\"api.example.com\",\"family\":\"any\",\"ret\":-3,\"err\":\"EAI_AGAIN\","
		"\"dur_ns\":10000000000," RESOLVER(5) "}");
	add(&t, "{\"v\":1,\"ts_ns\":2000,\"kind\":\"dns\",\"pid\":100,\"call\":\"getaddrinfo\","
		"\"host\":\"db.internal\",\"family\":\"any\",\"ret\":-3,\"err\":\"EAI_AGAIN\","
		"\"dur_ns\":2000000," RESOLVER(1) "}");
	add(&t, "{\"v\":1,\"ts_ns\":3000,\"kind\":\"dns\",\"pid\":100,\"call\":\"getaddrinfo\","
		"\"host\":\"typo.example\",\"family\":\"any\",\"ret\":-2,\"err\":\"EAI_NONAME\","
		"\"dur_ns\":2000000," RESOLVER(1) "}");
	add(&t, "{\"v\":1,\"ts_ns\":4000,\"kind\":\"dns\",\"pid\":100,\"call\":\"getaddrinfo\","
		"\"host\":\"slow.example\",\"family\":\"inet\",\"ret\":0,\"naddr\":1,"
		"\"dur_ns\":2500000000," RESOLVER(1) "}");
	add(&t, "{\"v\":1,\"ts_ns\":5000,\"kind\":\"dns_stats\",\"pid\":100,"
		"\"host\":\"api.example.com\",\"lookups\":40}");
	r = run(&t);
	f = get(r, "dns.no_answer");
	assert_non_null(f);
	assert_string_equal(json_string_value(evid(f, "pattern")), "silent");
	for (size_t i = 0; i < report_nfindings(r); i++) {
		struct finding *g = report_finding_at(r, i);

		if (!strcmp(finding_id(g), "dns.no_answer") &&
		    !strcmp(finding_key(g), "db.internal"))
			assert_string_equal(json_string_value(evid(g, "pattern")), "fast_failure");
	}
	f = get(r, "dns.name_not_found");
	assert_non_null(f);
	assert_string_equal(finding_key(f), "typo.example");
	assert_non_null(get(r, "dns.slow"));
	f = get(r, "dns.search_amplification");
	assert_non_null(f);
	assert_string_equal(finding_key(f), "api.example.com");
	assert_int_equal(json_integer_value(evid(f, "queries_per_lookup")), 8);
	assert_int_equal(json_integer_value(evid(f, "lookups")), 40);
	report_free(r);
}

static void test_fd_and_volume(void **state)
{
	struct text t = { 0 };
	struct report *r;
	struct finding *f;

	(void)state;
	add(&t, "{\"v\":1,\"ts_ns\":1000,\"kind\":\"fd_exhaust\",\"pid\":100,\"call\":\"socket\","
		"\"ret\":-1,\"errno\":24,\"err\":\"EMFILE\",\"limit\":64,\"limit_max\":4096,"
		"\"nfds\":63,\"holders\":{\"sockets\":50,\"files\":10,\"pipes\":3,\"anon\":0,"
		"\"other\":0,\"endpoints\":[{\"family\":\"inet\",\"addr\":\"127.0.0.1\","
		"\"port\":5432,\"n\":50}],\"dirs\":[{\"dir\":\"/data\",\"n\":10}]}}");
	add(&t, "{\"v\":1,\"ts_ns\":2000,\"kind\":\"open\",\"pid\":100,\"call\":\"open\","
		"\"path\":\"/data/out.log\",\"ret\":-1,\"errno\":13,\"err\":\"EACCES\","
		"\"access\":\"write+create\",\"mount\":{\"point\":\"/data\",\"fstype\":\"ext4\","
		"\"source\":\"/dev/sdb\",\"ro\":false},\"at\":\"/data\",\"mode\":493,"
		"\"owner_uid\":0,\"owner_gid\":0,\"uid\":1000,\"gid\":1000,\"euid\":1000,"
		"\"egid\":1000}");
	r = run(&t);
	f = get(r, "fd.exhaustion");
	assert_non_null(f);
	assert_int_equal(json_integer_value(evid(f, "limit")), 64);
	assert_non_null(strstr(finding_text(f), "50 sockets"));
	f = get(r, "volume.permission");
	assert_non_null(f);
	assert_string_equal(json_string_value(evid(f, "mode")), "0755");
	assert_non_null(strstr(finding_text(f), "uid 1000"));
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storm_without_backoff),
		cmocka_unit_test(test_backoff_is_not_a_storm),
		cmocka_unit_test(test_normal_is_not_a_finding),
		cmocka_unit_test(test_timeouts_by_cause),
		cmocka_unit_test(test_pool_exhaustion),
		cmocka_unit_test(test_connection_leak),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_fd_and_volume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
