/* SPDX-License-Identifier: MIT */
/* Unit tests for AGSHIM_* parsing: defaults, families, sizes, booleans, bad values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"
#include "shim.h"

/* A fake environment: NAME=VALUE pairs looked up by the parser's getter. */
static const char *const *fake_env;

static const char *fake_get(const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; fake_env && fake_env[i]; i++)
		if (!strncmp(fake_env[i], name, n) && fake_env[i][n] == '=')
			return fake_env[i] + n + 1;
	return NULL;
}

static void parse_with(struct ags_config *cfg, const char *const *env)
{
	fake_env = env;
	ags_config_parse(cfg, fake_get);
}

static void test_defaults(void **state)
{
	struct ags_config cfg;

	(void)state;
	parse_with(&cfg, NULL);
	assert_int_equal(cfg.families, AGS_FAM_ALL);
	assert_int_equal(cfg.follow, 1);
	assert_int_equal(cfg.redact, 1);
	assert_int_equal(cfg.log_fd, -1);
	assert_int_equal(cfg.log_level, AGS_LOG_WARN);
	assert_int_equal(cfg.heap_sample_bytes, 512 * 1024);
	assert_int_equal(cfg.zombie_ms, 1000);
	assert_string_equal(cfg.out_path, "");
}

static void test_values(void **state)
{
	static const char *const env[] = {
		"AGSHIM_OUT=/tmp/ev.jsonl", "AGSHIM_TRACE=proc,net",  "AGSHIM_FOLLOW=0",
		"AGSHIM_REDACT=off",	    "AGSHIM_HEAP_SAMPLE=2m",  "AGSHIM_ZOMBIE_MS=250",
		"AGSHIM_LOG_FD=9",	    "AGSHIM_LOG_LEVEL=debug", NULL,
	};
	struct ags_config cfg;

	(void)state;
	parse_with(&cfg, env);
	assert_string_equal(cfg.out_path, "/tmp/ev.jsonl");
	assert_int_equal(cfg.families, AGS_FAM_PROC | AGS_FAM_NET);
	assert_int_equal(cfg.follow, 0);
	assert_int_equal(cfg.redact, 0);
	assert_int_equal(cfg.heap_sample_bytes, 2 * 1024 * 1024);
	assert_int_equal(cfg.zombie_ms, 250);
	assert_int_equal(cfg.log_fd, 9);
	assert_int_equal(cfg.log_level, AGS_LOG_DBG);
}

static void test_families(void **state)
{
	static const char *const minus[] = { "AGSHIM_TRACE=-heap", NULL };
	static const char *const junk[] = { "AGSHIM_TRACE=bogus,,proc", NULL };
	static const char *const off[] = { "AGSHIM_HEAP_SAMPLE=0", NULL };
	struct ags_config cfg;

	(void)state;
	parse_with(&cfg, minus);
	assert_int_equal(cfg.families, AGS_FAM_ALL & ~AGS_FAM_HEAP);
	parse_with(&cfg, junk);
	assert_int_equal(cfg.families, AGS_FAM_PROC);
	parse_with(&cfg, off);
	assert_int_equal(cfg.families & AGS_FAM_HEAP, 0);
}

/* Bad values fall back to the defaults instead of failing or wrapping. */
static void test_bad_values(void **state)
{
	static const char *const env[] = {
		"AGSHIM_ZOMBIE_MS=12x",	   "AGSHIM_HEAP_SAMPLE=99999999999999999999999",
		"AGSHIM_FOLLOW=maybe",	   "AGSHIM_REDACT=",
		"AGSHIM_LOG_LEVEL=shouty", NULL,
	};
	static char long_out[AGS_PATH_MAX + 20] = "AGSHIM_OUT=/";
	const char *const env2[] = { long_out, NULL };
	struct ags_config cfg;

	(void)state;
	parse_with(&cfg, env);
	assert_int_equal(cfg.zombie_ms, 1000);
	assert_int_equal(cfg.heap_sample_bytes, 512 * 1024);
	assert_int_equal(cfg.follow, 1);
	assert_int_equal(cfg.redact, 1);
	assert_int_equal(cfg.log_level, AGS_LOG_WARN);
	memset(long_out + 12, 'a', AGS_PATH_MAX + 5);
	parse_with(&cfg, env2);
	assert_string_equal(cfg.out_path, ""); /* a path we cannot hold is no path */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
