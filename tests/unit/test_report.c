/* SPDX-License-Identifier: MIT */
/* Unit tests for the reporter core: hostile input, finding aggregation, the playbook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

static struct report *run_text(const char *text)
{
	struct report *r = report_new();

	assert_non_null(r);
	assert_int_equal(report_read_mem(r, text, strlen(text), "t.jsonl"), 0);
	assert_int_equal(report_run(r), 0);
	return r;
}

static size_t count_id(struct report *r, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < report_nfindings(r); i++)
		n += strcmp(finding_id(report_finding_at(r, i)), id) == 0;
	return n;
}

static json_t *malformed_at(struct report *r, size_t i)
{
	return json_array_get(report_malformed_json(r), i);
}

static void test_malformed_lines_counted(void **state)
{
	const char *in = "{\"v\":1,\"kind\":\"proc_start\",\"pid\":10,\"ts_ns\":5}\n"
			 "{\"v\":1,\"kind\":\"proc_st\n"	/* truncated */
			 "\x01\x02\xff\xfe garbage\n"		/* binary */
			 "[1,2,3]\n"				/* not an object */
			 "{\"kind\":7,\"pid\":10}\n"		/* kind of the wrong type */
			 "{\"kind\":\"exec\",\"pid\":\"10\"}\n" /* pid of the wrong type */
			 "{\"kind\":\"exec\",\"pid\":-4}\n"	/* impossible pid */
			 "{\"kind\":\"exec\"}\n"		/* pid missing */
			 "\n   \r\n"				/* blank lines: not malformed */
			 "{\"kind\":\"proc_exit\",\"pid\":10,\"ts_ns\":9}"; /* no final newline */
	struct report *r = run_text(in);
	json_t *m;

	(void)state;
	assert_int_equal(report_nevents(r), 2);
	assert_int_equal(report_nmalformed(r), 7);
	m = malformed_at(r, 0);
	assert_string_equal(json_string_value(json_object_get(m, "file")), "t.jsonl");
	assert_int_equal(json_integer_value(json_object_get(m, "line")), 2);
	assert_true(json_integer_value(json_object_get(m, "col")) > 0);
	assert_int_equal(json_integer_value(json_object_get(malformed_at(r, 6), "line")), 8);
	assert_int_equal(count_id(r, "observe.malformed_input"), 1);
	report_free(r);
}

static void test_wrong_types_everywhere(void **state)
{
	/* Every key the reporter reads, with the wrong type: accepted or skipped, never a crash. */
	static const char *const keys[] = { "ts_ns",  "ppid",	"exe",	  "argv",    "cwd",
					    "status", "signal", "events", "dropped", "child",
					    "state",  "age_ns", "errno",  "err",     "cause",
					    "detail", "path",	"call",	  "src" };
	static const char *const kinds[] = { "proc_start", "proc_exit", "exec", "spawn",
					     "wait",	   "child",	"lost", "connect" };
	static const char *const vals[] = { "null",  "true",   "-1",
					    "1e308", "\"x\"",  "[]",
					    "{}",    "[[[]]]", "9223372036854775807" };
	char line[512];
	struct report *r = report_new();

	(void)state;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
				int n = snprintf(line, sizeof(line),
						 "{\"kind\":\"%s\",\"pid\":%zu,\"%s\":%s}\n",
						 kinds[k], 100 + v, keys[i], vals[v]);

				assert_int_equal(report_read_mem(r, line, (size_t)n, "w"), 0);
			}
	assert_int_equal(report_run(r), 0);
	assert_int_equal(report_nmalformed(r), 0);
	json_decref(report_to_json(r));
	report_free(r);
}

static void test_huge_line_skipped(void **state)
{
	size_t big = REPORT_LINE_MAX + 100;
	char *buf = malloc(big + 200);
	struct report *r = report_new();
	size_t n;

	(void)state;
	assert_non_null(buf);
	n = (size_t)sprintf(buf, "{\"kind\":\"proc_start\",\"pid\":1,\"exe\":\"");
	memset(buf + n, 'a', big);
	n += big;
	n += (size_t)sprintf(buf + n, "\"}\n{\"kind\":\"proc_exit\",\"pid\":1}\n");
	assert_int_equal(report_read_mem(r, buf, n, "big"), 0);
	assert_int_equal(report_run(r), 0);
	assert_int_equal(report_nmalformed(r), 1);
	assert_int_equal(report_nevents(r), 1);
	assert_int_equal(json_integer_value(json_object_get(malformed_at(r, 0), "line")), 1);
	free(buf);
	report_free(r);
}

static void test_deep_nesting(void **state)
{
	size_t depth = 100000;
	char *buf = malloc(2 * depth + 64);
	struct report *r = report_new();
	size_t n = 0;

	(void)state;
	assert_non_null(buf);
	n += (size_t)sprintf(buf, "{\"kind\":\"exec\",\"pid\":3,\"detail\":");
	memset(buf + n, '[', depth);
	n += depth;
	memset(buf + n, ']', depth);
	n += depth;
	buf[n++] = '}';
	buf[n++] = '\n';
	assert_int_equal(report_read_mem(r, buf, n, "deep"), 0);
	assert_int_equal(report_run(r), 0);
	assert_int_equal(report_nmalformed(r), 1);
	free(buf);
	report_free(r);
}

static void test_aggregation(void **state)
{
	struct report *r = report_new();
	struct finding *a, *b, *c;
	json_t *pids;

	(void)state;
	a = finding_add(r, "spawn.not_on_path", "claude", 300, 7);
	b = finding_add(r, "spawn.not_on_path", "claude", 100, 9);
	c = finding_add(r, "spawn.not_on_path", "codex", 200, 7);
	assert_ptr_equal(a, b);
	assert_ptr_not_equal(a, c);
	finding_add(r, "spawn.not_on_path", "claude", 0, 7);
	assert_int_equal(finding_count(a), 3);
	assert_int_equal(finding_first_ts(a), 100);
	assert_int_equal(finding_last_ts(a), 300);
	pids = finding_pids_json(a);
	assert_int_equal(json_array_size(pids), 2);
	assert_int_equal(json_integer_value(json_array_get(pids, 0)), 7);
	assert_int_equal(json_integer_value(json_array_get(pids, 1)), 9);
	json_decref(pids);
	for (int i = 0; i < 20; i++)
		finding_sample(a, "dirs", json_integer(i % 12), 10);
	assert_int_equal(json_array_size(json_object_get(finding_evidence(a), "dirs")), 10);
	assert_int_equal(json_integer_value(json_object_get(finding_evidence(a), "dirs_more")), 2);
	assert_int_equal(report_nfindings(r), 2);
	report_free(r);
}

static void test_unknown_id_still_printed(void **state)
{
	struct report *r = report_new();
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	json_t *doc, *f;

	(void)state;
	finding_summary(finding_add(r, "made.up_id", NULL, 1, 1), "a summary %d", 42);
	assert_int_equal(report_write_text(r, m, false), 0);
	fclose(m);
	assert_non_null(strstr(buf, "made.up_id"));
	assert_non_null(strstr(buf, "a summary 42"));
	assert_non_null(strstr(buf, "no playbook entry"));
	free(buf);
	doc = report_to_json(r);
	f = json_array_get(json_object_get(doc, "findings"), 0);
	assert_true(json_is_null(json_object_get(f, "playbook")));
	assert_non_null(json_object_get(f, "note"));
	json_decref(doc);
	report_free(r);
}

static void test_playbook_covers_every_id(void **state)
{
	static const char *const fields[] = { "symptom", "diagnosis", "escalate", "title", "area" };

	(void)state;
	assert_non_null(playbook_all());
	for (size_t a = 0; report_analyzers[a]; a++) {
		const struct analyzer *an = report_analyzers[a];

		assert_non_null(an->ids);
		for (size_t i = 0; an->ids[i]; i++) {
			json_t *e = playbook_entry(an->ids[i]);
			json_t *mon = json_object_get(e, "monitor");

			if (!e)
				fail_msg("analyzer %s: no playbook entry for %s", an->name,
					 an->ids[i]);
			for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
				if (!json_string_length(json_object_get(e, fields[k])))
					fail_msg("%s: no %s", an->ids[i], fields[k]);
			if (json_array_size(json_object_get(e, "fix")) == 0)
				fail_msg("%s: no fix steps", an->ids[i]);
			if (!json_string_value(json_object_get(mon, "metric")) ||
			    !json_string_value(json_object_get(mon, "alert")))
				fail_msg("%s: no monitor metric and alert", an->ids[i]);
			if (severity_parse(json_string_value(json_object_get(e, "severity"))) < 0)
				fail_msg("%s: bad severity", an->ids[i]);
		}
	}
}

static void test_sorted_by_time(void **state)
{
	/* The exit comes first in the file but last in time: the table must see the start. */
	struct report *r = run_text("{\"kind\":\"proc_exit\",\"pid\":4,\"ts_ns\":50,\"status\":3}\n"
				    "{\"kind\":\"proc_start\",\"pid\":4,\"ts_ns\":10,\"ppid\":1,"
				    "\"exe\":\"/bin/x\",\"argv\":[\"x\"]}\n");
	struct proc *p = report_proc(r, 4);

	(void)state;
	assert_non_null(p);
	assert_true(p->observed && p->exited && p->has_status);
	assert_int_equal(p->status, 3);
	assert_int_equal(p->start_ts_ns, 10);
	assert_string_equal(proc_name(p), "x");
	assert_int_equal(count_id(r, "observe.not_observed"), 0);
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_lines_counted),
		cmocka_unit_test(test_wrong_types_everywhere),
		cmocka_unit_test(test_huge_line_skipped),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_aggregation),
		cmocka_unit_test(test_unknown_id_still_printed),
		cmocka_unit_test(test_playbook_covers_every_id),
		cmocka_unit_test(test_sorted_by_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
