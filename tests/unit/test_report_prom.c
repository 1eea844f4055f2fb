/* SPDX-License-Identifier: MIT */
/* Unit tests for the Prometheus writer: valid text exposition, the right values. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

#define NAME "[a-zA-Z_:][a-zA-Z0-9_:]*"
#define LABEL "[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\[\\\\\"n])*\""
#define SAMPLE "^(" NAME ")(\\{" LABEL "(," LABEL ")*\\})? -?[0-9]+(\\.[0-9]+)?$"
#define META "^# (HELP|TYPE) (" NAME ") (.*)$"

static char *prom_of(const char *events)
{
	struct report *r = report_new();
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(r);
	assert_non_null(m);
	assert_int_equal(report_read_mem(r, events, strlen(events), "t"), 0);
	assert_int_equal(report_run(r), 0);
	assert_int_equal(report_write_prom(r, m), 0);
	fclose(m);
	report_free(r);
	return buf;
}

/*
 * Check the exposition format: every line a sample, HELP/TYPE or comment; HELP and TYPE at
 * most once per family and before its samples; a family's samples together; no series twice.
 */
static void assert_valid_exposition(char *text)
{
	regex_t sample, meta;
	regmatch_t mt[4];
	json_t *families = json_object(); /* name -> "open", "closed" */
	json_t *series = json_object();
	char current[256] = "";

	assert_int_equal(regcomp(&sample, SAMPLE, REG_EXTENDED), 0);
	assert_int_equal(regcomp(&meta, META, REG_EXTENDED), 0);
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[256];
		const char *st;

		if (regexec(&meta, line, 4, mt, 0) == 0) {
			char tag[8];

			snprintf(name, sizeof(name), "%.*s", (int)(mt[2].rm_eo - mt[2].rm_so),
				 line + mt[2].rm_so);
			snprintf(tag, sizeof(tag), "%.4s", line + 2);
			st = json_string_value(json_object_get(families, name));
			if (st && strcmp(st, "closed") == 0)
				fail_msg("%s of family %s after its samples: %s", tag, name, line);
			if (strcmp(tag, "TYPE") == 0 &&
			    !strstr("counter gauge histogram summary untyped", line + mt[3].rm_so))
				fail_msg("bad TYPE: %s", line);
			json_object_set_new(families, name, json_string("open"));
			snprintf(current, sizeof(current), "%s", name);
			continue;
		}
		if (line[0] == '#')
			continue;
		if (regexec(&sample, line, 2, mt, 0) != 0)
			fail_msg("not a valid sample line: '%s'", line);
		snprintf(name, sizeof(name), "%.*s", (int)(mt[1].rm_eo - mt[1].rm_so),
			 line + mt[1].rm_so);
		if (strcmp(name, current) != 0) {
			st = json_string_value(json_object_get(families, current));
			if (*current && st)
				json_object_set_new(families, current, json_string("closed"));
			st = json_string_value(json_object_get(families, name));
			if (st && strcmp(st, "closed") == 0)
				fail_msg("samples of %s are not together: %s", name, line);
			snprintf(current, sizeof(current), "%s", name);
		}
		*strrchr(line, ' ') = '\0';
		if (json_object_get(series, line))
			fail_msg("series twice: %s", line);
		json_object_set_new(series, line, json_true());
	}
	regfree(&sample);
	regfree(&meta);
	json_decref(families);
	json_decref(series);
}

static void test_valid_and_counts(void **state)
{
	const char *ev =
		"{\"ts_ns\":1,\"kind\":\"proc_start\",\"pid\":9,\"exe\":\"/usr/bin/node\"}\n"
		"{\"ts_ns\":2,\"kind\":\"exec\",\"pid\":10,\"ppid\":9,\"errno\":2,"
		"\"path\":\"claude\",\"cause\":\"not_on_path\"}\n"
		"{\"ts_ns\":3,\"kind\":\"exec\",\"pid\":11,\"ppid\":9,\"errno\":2,"
		"\"path\":\"claude\",\"cause\":\"not_on_path\"}\n"
		"{\"ts_ns\":4,\"kind\":\"exec\",\"pid\":12,\"ppid\":9,\"errno\":13,"
		"\"path\":\"/x\",\"cause\":\"no_exec_permission\"}\n"
		"not json\n";
	char *text = prom_of(ev);

	(void)state;
	assert_non_null(strstr(text, "agshim_findings{id=\"spawn.not_on_path\",area=\"process\","
				     "severity=\"error\"} 2\n"));
	assert_non_null(strstr(text, "agshim_spawn_failures_total{cause=\"not_on_path\"} 2\n"));
	assert_non_null(
		strstr(text, "agshim_spawn_failures_total{cause=\"no_exec_permission\"} 1\n"));
	/* Entries with no finding are there with 0, so alerts see a series. */
	assert_non_null(strstr(text, "agshim_spawn_failures_total{cause=\"foreign_arch\"} 0\n"));
	assert_non_null(strstr(text, "agshim_report_malformed_lines 1\n"));
	assert_valid_exposition(text);
	free(text);
}

static void test_valid_when_empty(void **state)
{
	char *text = prom_of("");

	(void)state;
	assert_non_null(strstr(text, "agshim_report_events 0\n"));
	assert_valid_exposition(text);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_and_counts),
		cmocka_unit_test(test_valid_when_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
