/* SPDX-License-Identifier: MIT */
/* Unit tests for the heap analyzer: growth vs a steady cache, teardown, merging, OOM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "heap_stubs.h"
#include "report.h"

static char buf[1 << 16];
static size_t used;

static void add(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	used += (size_t)vsnprintf(buf + used, sizeof(buf) - used, fmt, ap);
	va_end(ap);
}

/* Snapshot i at i seconds: process figures, then one stack's live bytes. */
static void snap(int i, long long live, long long rss, long long mused, long long outside,
		 long long usage, long long limit)
{
	add("{\"v\":1,\"ts_ns\":%lld,\"src\":\"preload\",\"kind\":\"heap\",\"pid\":7,\"seq\":%d,"
	    "\"rss_bytes\":%lld,\"malloc_used_bytes\":%lld,\"outside_malloc_bytes\":%lld,"
	    "\"cg_usage_bytes\":%lld,\"cg_limit_bytes\":%lld,\"live_bytes\":%lld,"
	    "\"sample_bytes\":524288}\n",
	    (long long)(i + 1) * 1000000000ll, i + 1, rss, mused, outside, usage, limit, live);
	if (live)
		add("{\"v\":1,\"ts_ns\":%lld,\"src\":\"preload\",\"kind\":\"heap_stack\",\"pid\":7,"
		    "\"seq\":%d,\"stack\":5,\"live_bytes\":%lld,\"err_bytes\":%d,"
		    "\"frames\":[\"malloc+0x10 (/x/libagshim.so)\",\"cache_put+0x1e (/bin/app)\","
		    "\"main+0x5 (/bin/app)\"]}\n",
		    (long long)(i + 1) * 1000000000ll + 1, i + 1, live, 1 << 20);
}

static struct report *run(void)
{
	struct report *r = report_new();

	assert_non_null(r);
	assert_int_equal(report_read_mem(r, buf, used, "t.jsonl"), 0);
	assert_int_equal(report_run(r), 0);
	used = 0;
	return r;
}

static struct finding *find(struct report *r, const char *id)
{
	for (size_t i = 0; i < report_nfindings(r); i++)
		if (!strcmp(finding_id(report_finding_at(r, i)), id))
			return report_finding_at(r, i);
	return NULL;
}

static void test_growing_stack_is_a_leak(void **state)
{
	struct report *r;
	struct finding *f;
	json_t *ev;

	(void)state;
	for (int i = 0; i < 8; i++)
		snap(i, (i + 1) * (8ll << 20), 100 << 20, 50 << 20, 4 << 20, 0, 0);
	r = run();
	f = find(r, "heap.leak");
	assert_non_null(f);
	ev = finding_evidence(f);
	assert_string_equal(json_string_value(json_object_get(ev, "site")), "cache_put");
	assert_int_equal(json_integer_value(json_object_get(ev, "live_bytes")), 64ll << 20);
	assert_int_equal(json_integer_value(json_object_get(ev, "rate_bytes_per_s")), 8ll << 20);
	assert_string_equal(json_string_value(json_array_get(json_object_get(ev, "frames"), 0)),
			    "cache_put+0x1e (/bin/app)");
	report_free(r);
}

static void test_steady_cache_is_not(void **state)
{
	static const int live[] = { 10, 40, 60, 60, 61, 60, 60, 59, 60, 60 };
	static const int sawtooth[] = { 56, 81, 95, 119, 71, 93, 123, 81, 106, 74 };
	struct report *r;

	(void)state;
	/* Filled, then flat; and a garbage-collected sawtooth around a flat floor. */
	for (int i = 0; i < 10; i++)
		snap(i, live[i] * (1ll << 20), 100 << 20, 50 << 20, 4 << 20, 0, 0);
	r = run();
	assert_null(find(r, "heap.leak"));
	report_free(r);
	for (int i = 0; i < 10; i++)
		snap(i, sawtooth[i] * (1ll << 20), 100 << 20, 50 << 20, 4 << 20, 0, 0);
	r = run();
	assert_null(find(r, "heap.leak"));
	report_free(r);
}

static void test_outside_malloc(void **state)
{
	struct report *r;
	struct finding *f;

	(void)state;
	for (int i = 0; i < 6; i++)
		snap(i, 1 << 20, (60ll + 20 * i) << 20, 10 << 20, (5ll + 20 * i) << 20, 0, 0);
	r = run();
	f = find(r, "heap.growth_outside_malloc");
	assert_non_null(f);
	assert_non_null(strstr(finding_text(f), "RSS grew 100.0 MiB"));
	assert_null(find(r, "heap.leak"));
	report_free(r);
}

static void test_oom_risk(void **state)
{
	struct report *r;
	struct finding *f;
	json_t *ev;

	(void)state;
	/* 10 MiB/s with 400 MiB left: 40 s. */
	for (int i = 0; i < 6; i++)
		snap(i, (i + 1) * (10ll << 20), 100 << 20, 50 << 20, 4 << 20,
		     (550ll + 10 * i) << 20, 1000ll << 20);
	r = run();
	f = find(r, "oom.risk");
	assert_non_null(f);
	ev = finding_evidence(f);
	assert_true(fabs(json_real_value(json_object_get(ev, "time_left_s")) - 40) < 0.5);
	assert_string_equal(json_string_value(json_object_get(ev, "growing_site")), "cache_put");
	assert_int_equal(finding_severity(f), SEV_ERROR);
	report_free(r);
}

static void test_oom_killed(void **state)
{
	struct report *r;
	struct finding *f;

	(void)state;
	for (int i = 0; i < 4; i++)
		snap(i, (i + 1) * (10ll << 20), 100 << 20, 50 << 20, 4 << 20,
		     (900ll + 30 * i) << 20, 1000ll << 20);
	add("{\"v\":1,\"ts_ns\":9000000000,\"src\":\"ebpf\",\"kind\":\"oom_kill\",\"pid\":7,"
	    "\"victim\":7}\n");
	r = run();
	f = find(r, "oom.killed");
	assert_non_null(f);
	assert_null(find(r, "oom.risk"));
	assert_non_null(strstr(finding_text(f), "cache_put"));
	report_free(r);
}

static void test_hostile_heap_events(void **state)
{
	struct report *r;

	(void)state;
	add("{\"v\":1,\"ts_ns\":1,\"kind\":\"heap_stack\",\"pid\":7,\"frames\":7}\n");
	add("{\"v\":1,\"ts_ns\":2,\"kind\":\"heap_stack\",\"pid\":7,\"frames\":[1,null,{}]}\n");
	add("{\"v\":1,\"kind\":\"heap\",\"pid\":7,\"seq\":\"x\"}\n");
	add("{\"v\":1,\"ts_ns\":3,\"kind\":\"oom_kill\",\"pid\":8}\n");
	r = run();
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growing_stack_is_a_leak),
		cmocka_unit_test(test_steady_cache_is_not),
		cmocka_unit_test(test_outside_malloc),
		cmocka_unit_test(test_oom_risk),
		cmocka_unit_test(test_oom_killed),
		cmocka_unit_test(test_hostile_heap_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
