/* SPDX-License-Identifier: MIT */
/* Unit tests for children follow: what a child's environment gets back, and when not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proc.h"

static char *start_env[] = {
	"PATH=/usr/bin",	"LD_PRELOAD=/opt/agshim/libagshim.so",
	"AGSHIM_OUT=rel.jsonl", "AGSHIM_TRACE=proc",
	"AGSHIM_ZOMBIE_MS=200", NULL,
};

static int setup(void **state)
{
	(void)state;
	strcpy(ags_cfg.lib_path, "/opt/agshim/libagshim.so");
	strcpy(ags_cfg.out_path, "/work/rel.jsonl"); /* resolved at init */
	ags_cfg.follow = 1;
	ags_state = 1;
	ags_env_capture(start_env);
	return 0;
}

static int count(char *const env[])
{
	int n = 0;

	while (env[n])
		n++;
	return n;
}

static int has(char *const env[], const char *s)
{
	for (int i = 0; env[i]; i++)
		if (!strcmp(env[i], s))
			return 1;
	return 0;
}

/* Node's env: {} -> everything comes back, the events path resolved. */
static void test_empty_env(void **state)
{
	char *empty[] = { NULL };
	struct ags_envbuf b;
	char *const *e;

	(void)state;
	e = ags_env_follow(empty, &b);
	assert_ptr_not_equal(e, empty);
	assert_true(has(e, "LD_PRELOAD=/opt/agshim/libagshim.so"));
	assert_true(has(e, "AGSHIM_OUT=/work/rel.jsonl"));
	assert_true(has(e, "AGSHIM_TRACE=proc"));
	assert_true(has(e, "AGSHIM_ZOMBIE_MS=200"));
	assert_int_equal(count(e), 4);
	ags_env_release(&b);
	/* execve(path, argv, NULL) is an empty environment too. */
	e = ags_env_follow(NULL, &b);
	assert_non_null(e);
	assert_int_equal(count(e), 4);
	ags_env_release(&b);
}

/* Everything there already: the program's own array, untouched. */
static void test_complete_env(void **state)
{
	char *env[] = { "HOME=/root",	    "LD_PRELOAD=/x/libagshim.so", "AGSHIM_OUT=/other.jsonl",
			"AGSHIM_TRACE=all", "AGSHIM_ZOMBIE_MS=5",	  NULL };
	struct ags_envbuf b;

	(void)state;
	assert_ptr_equal(ags_env_follow(env, &b), env);
	assert_null(b.map);
}

/* Another preload kept, ours put first; the child's own AGSHIM_* values win. */
static void test_partial_env(void **state)
{
	char *env[] = { "HOME=/root", "LD_PRELOAD=/lib/other.so", "AGSHIM_TRACE=net", NULL };
	struct ags_envbuf b;
	char *const *e;

	(void)state;
	e = ags_env_follow(env, &b);
	assert_string_equal(e[0], "HOME=/root");
	assert_string_equal(e[1], "LD_PRELOAD=/opt/agshim/libagshim.so:/lib/other.so");
	assert_string_equal(e[2], "AGSHIM_TRACE=net");
	assert_true(has(e, "AGSHIM_OUT=/work/rel.jsonl"));
	assert_true(has(e, "AGSHIM_ZOMBIE_MS=200"));
	assert_false(has(e, "AGSHIM_TRACE=proc"));
	assert_int_equal(count(e), 5);
	/* The program's strings are shared, not copied. */
	assert_ptr_equal(e[0], env[0]);
	ags_env_release(&b);
}

/* An environment too large for the stack buffer is mapped, and unmapped on release. */
static void test_large_env(void **state)
{
	enum { N = 3000 };
	static char *env[N + 1];
	static char strs[N][16];
	struct ags_envbuf b;
	char *const *e;

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(strs[i], sizeof(strs[i]), "V%d=x", i);
		env[i] = strs[i];
	}
	env[N] = NULL;
	e = ags_env_follow(env, &b);
	assert_non_null(b.map);
	assert_int_equal(count(e), N + 4);
	assert_ptr_equal(e[N - 1], env[N - 1]);
	ags_env_release(&b);
	assert_null(b.map);
}

static void test_follow_off(void **state)
{
	char *empty[] = { NULL };
	struct ags_envbuf b;

	(void)state;
	ags_cfg.follow = 0;
	assert_ptr_equal(ags_env_follow(empty, &b), empty);
	ags_cfg.follow = 1;
	ags_state = -1; /* tracing off (AT_SECURE, AGSHIM_DISABLE): nothing changes either */
	assert_ptr_equal(ags_env_follow(empty, &b), empty);
	ags_state = 1;
}

static void test_env_get(void **state)
{
	(void)state;
	assert_string_equal(ags_env_get(start_env, "PATH"), "/usr/bin");
	assert_null(ags_env_get(start_env, "PAT"));
	assert_null(ags_env_get(NULL, "PATH"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_env),   cmocka_unit_test(test_complete_env),
		cmocka_unit_test(test_partial_env), cmocka_unit_test(test_large_env),
		cmocka_unit_test(test_follow_off),  cmocka_unit_test(test_env_get),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
