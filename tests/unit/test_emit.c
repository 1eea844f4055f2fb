/* SPDX-License-Identifier: MIT */
/* Unit tests for the emitter: every line it builds is valid JSON, whatever the input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "emit.h"
#include "redact.h"

/* Finish ev and parse the line; fails the test when it is not one JSON object. */
static json_t *parse(struct ags_ev *ev)
{
	size_t len = ags_ev_finish(ev);
	json_error_t jerr;
	json_t *j;

	assert_true(len <= AGS_LINE_MAX);
	assert_int_equal(ev->buf[len - 1], '\n');
	assert_null(memchr(ev->buf, '\n', len - 1));
	j = json_loadb(ev->buf, len, 0, &jerr);
	if (!j)
		fail_msg("invalid JSON (%s at %d): %.*s", jerr.text, jerr.position, (int)len,
			 ev->buf);
	assert_true(json_is_object(j));
	return j;
}

static void test_common_keys(void **state)
{
	struct ags_ev ev;
	json_t *j;

	(void)state;
	ags_pid = 4242;
	ags_ppid = 1;
	strcpy(ags_exe, "/usr/bin/node");
	ags_ev_begin(&ev, AGS_KIND_EXEC, "execvp");
	ags_ev_errno(&ev, 2);
	j = parse(&ev);
	assert_int_equal(json_integer_value(json_object_get(j, AGS_K_VERSION)), AGS_SCHEMA_VERSION);
	assert_string_equal(json_string_value(json_object_get(j, AGS_K_KIND)), "exec");
	assert_string_equal(json_string_value(json_object_get(j, AGS_K_CALL)), "execvp");
	assert_string_equal(json_string_value(json_object_get(j, AGS_K_SRC)), "preload");
	assert_int_equal(json_integer_value(json_object_get(j, AGS_K_PID)), 4242);
	assert_string_equal(json_string_value(json_object_get(j, AGS_K_ERR)), "ENOENT");
	assert_int_equal(json_integer_value(json_object_get(j, AGS_K_ERRNO)), 2);
	assert_true(json_integer_value(json_object_get(j, AGS_K_TS)) > 0);
	json_decref(j);
}

static void test_escapes(void **state)
{
	char ctl[] = { 'a', 1, 0x1f, 0x7f, '\t', '\n', '\r', 'z', 0 };
	char *argv[] = { "say \"hi\"", "back\\slash", ctl, "caf\xc3\xa9", "bad\xff\xfe", NULL };
	struct ags_ev ev;
	json_t *j, *a;

	(void)state;
	ags_cfg.redact = 1;
	ags_ev_begin_raw(&ev);
	ags_ev_argv(&ev, AGS_K_ARGV, argv);
	j = parse(&ev);
	a = json_object_get(j, AGS_K_ARGV);
	assert_int_equal(json_array_size(a), 5);
	assert_int_equal(json_integer_value(json_object_get(j, AGS_K_ARGC)), 5);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "say \"hi\"");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "back\\slash");
	assert_string_equal(json_string_value(json_array_get(a, 2)), ctl);
	assert_string_equal(json_string_value(json_array_get(a, 3)), "caf\xc3\xa9");
	/* Invalid UTF-8 becomes U+FFFD, one per bad byte. */
	assert_string_equal(json_string_value(json_array_get(a, 4)), "bad\xef\xbf\xbd\xef\xbf\xbd");
	json_decref(j);
}

/* Overlong forms, surrogates and a cut sequence are invalid too. */
static void test_invalid_utf8_forms(void **state)
{
	const char *bad[] = { "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80" };
	struct ags_ev ev;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j;
		const char *s;

		ags_ev_begin_raw(&ev);
		ags_ev_str(&ev, "s", bad[i]);
		j = parse(&ev);
		s = json_string_value(json_object_get(j, "s"));
		assert_non_null(strstr(s, "\xef\xbf\xbd"));
		json_decref(j);
	}
}

static void test_long_values_cut(void **state)
{
	static char big[100000];
	char *argv[40];
	struct ags_ev ev;
	json_t *j, *a;
	const char *first;

	(void)state;
	memset(big, '"', sizeof(big) - 1); /* every byte doubles when escaped */
	for (int i = 0; i < 39; i++)
		argv[i] = big;
	argv[39] = NULL;
	ags_ev_begin(&ev, AGS_KIND_EXEC, "execve");
	ags_ev_argv(&ev, AGS_K_ARGV, argv);
	ags_ev_str(&ev, AGS_K_CAUSE, "arg_too_long");
	j = parse(&ev);
	assert_int_equal(json_integer_value(json_object_get(j, AGS_K_TRUNC)), 1);
	assert_int_equal(json_integer_value(json_object_get(j, AGS_K_ARGC)), 39);
	a = json_object_get(j, AGS_K_ARGV);
	assert_true(json_array_size(a) < 39);
	first = json_string_value(json_array_get(a, 0));
	assert_non_null(strstr(first, "[+"));
	/* A key after the cut array still made it. */
	assert_string_equal(json_string_value(json_object_get(j, AGS_K_CAUSE)), "arg_too_long");
	json_decref(j);

	/* One huge string value: cut, still valid, marked. */
	ags_ev_begin_raw(&ev);
	ags_ev_str(&ev, "s", big);
	ags_ev_int(&ev, "after", 1);
	j = parse(&ev);
	assert_int_equal(json_integer_value(json_object_get(j, AGS_K_TRUNC)), 1);
	json_decref(j);
}

static void test_nesting_and_raw(void **state)
{
	struct ags_ev ev, raw;
	json_t *j, *d;
	char *argv[] = { "node", "x.js", NULL };
	size_t n;

	(void)state;
	ags_ev_begin_raw(&raw);
	ags_ev_argv(&raw, AGS_K_ARGV, argv);
	n = (size_t)(raw.p - raw.buf - 1);

	ags_ev_begin_raw(&ev);
	ags_ev_obj(&ev, AGS_K_DETAIL);
	ags_ev_arr(&ev, AGS_K_SEARCHED);
	ags_ev_elem_str(&ev, "/bin/x");
	ags_ev_elem_int(&ev, 7);
	/* Unclosed levels are closed by finish. */
	ags_ev_close(&ev);
	ags_ev_close(&ev);
	ags_ev_raw(&ev, raw.buf + 1, n, 0);
	j = parse(&ev);
	d = json_object_get(j, AGS_K_DETAIL);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(d, AGS_K_SEARCHED), 0)), "/bin/x");
	assert_int_equal(json_integer_value(json_object_get(j, AGS_K_ARGC)), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, AGS_K_ARGV), 1)),
			    "x.js");
	json_decref(j);

	/* Deeper than AGS_EV_DEPTH: cut, balanced, valid. */
	ags_ev_begin_raw(&ev);
	for (int i = 0; i < AGS_EV_DEPTH + 3; i++)
		ags_ev_obj(&ev, "o");
	j = parse(&ev);
	json_decref(j);
}

static void test_redacted_argv(void **state)
{
	char *argv[] = { "agent",
			 "--api-key",
			 "abc123secret",
			 "--max-tokens",
			 "4096",
			 "postgres://u:pw@db/x",
			 NULL };
	struct ags_ev ev;
	json_t *j, *a;

	(void)state;
	ags_cfg.redact = 1;
	ags_ev_begin_raw(&ev);
	ags_ev_argv(&ev, AGS_K_ARGV, argv);
	j = parse(&ev);
	a = json_object_get(j, AGS_K_ARGV);
	assert_string_equal(json_string_value(json_array_get(a, 2)), AGS_REDACTED);
	assert_string_equal(json_string_value(json_array_get(a, 4)), "4096");
	assert_string_equal(json_string_value(json_array_get(a, 5)),
			    "postgres://u:" AGS_REDACTED "@db/x");
	json_decref(j);

	ags_cfg.redact = 0;
	ags_ev_begin_raw(&ev);
	ags_ev_argv(&ev, AGS_K_ARGV, argv);
	j = parse(&ev);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, AGS_K_ARGV), 2)),
			    "abc123secret");
	json_decref(j);
	ags_cfg.redact = 1;
}

static void test_numbers(void **state)
{
	char buf[24];

	(void)state;
	assert_int_equal(ags_fmt_u64(buf, 0), 1);
	assert_string_equal(buf, "0");
	ags_fmt_u64(buf, UINT64_MAX);
	assert_string_equal(buf, "18446744073709551615");
	ags_fmt_i64(buf, INT64_MIN);
	assert_string_equal(buf, "-9223372036854775808");
	assert_string_equal(ags_errno_name(13), "EACCES");
	assert_string_equal(ags_kind_name(AGS_KIND_CHILD), "child");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_keys),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_invalid_utf8_forms),
		cmocka_unit_test(test_long_values_cut),
		cmocka_unit_test(test_nesting_and_raw),
		cmocka_unit_test(test_redacted_argv),
		cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
