/* SPDX-License-Identifier: MIT */
/* Unit tests for the children table, with real children: zombies, running, reaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "emit.h"
#include "proc.h"

static char out_path[64];

static int setup(void **state)
{
	int fd;

	(void)state;
	/* mkstemp's template: the prefix, then six of the letter it replaces. */
	strcpy(out_path, "/tmp/agshim-children.");
	memset(out_path + strlen(out_path), 'X', 6);
	fd = mkstemp(out_path);
	if (fd < 0)
		return -1;
	close(fd);
	strcpy(ags_cfg.out_path, out_path);
	ags_cfg.zombie_ms = 50;
	/* The table is filled by hand here: the fork wrapper, if linked in, must not add too. */
	ags_cfg.families = 0;
	ags_state = 1;
	return ags_out_open();
}

static int teardown(void **state)
{
	(void)state;
	return unlink(out_path);
}

/* Child events written since the file was last emptied, as "state:pid" lines. */
static int child_events(char *out, size_t n)
{
	FILE *f = fopen(out_path, "r");
	char line[AGS_LINE_MAX + 1];
	int count = 0;

	out[0] = '\0';
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);
		char item[64];

		assert_non_null(j);
		if (strcmp(json_string_value(json_object_get(j, AGS_K_KIND)), "child") == 0) {
			snprintf(item, sizeof(item), "%s:%lld ",
				 json_string_value(json_object_get(j, AGS_K_STATE)),
				 (long long)json_integer_value(json_object_get(j, AGS_K_CHILD)));
			strncat(out, item, n - strlen(out) - 1);
			assert_non_null(json_object_get(j, AGS_K_COMM));
			count++;
		}
		json_decref(j);
	}
	fclose(f);
	assert_int_equal(truncate(out_path, 0), 0);
	return count;
}

static pid_t start_child(int run)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (run)
			pause();
		_exit(0);
	}
	return pid;
}

/* Exited and not reaped until it has been seen so for zombie_ms: one event, once. */
static void test_zombie(void **state)
{
	char got[256], want[64];
	uint64_t now;
	siginfo_t si;
	pid_t pid;

	(void)state;
	ags_children_reset();
	pid = start_child(0);
	ags_children_add(pid, "worker");
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);
	now = ags_mono_ns();
	assert_int_equal(ags_children_check(now, 0), 0); /* first seen exited */
	assert_int_equal(ags_children_check(now + 10 * 1000000ull, 0), 0);
	assert_int_equal(ags_children_check(now + 60 * 1000000ull, 0), 1);
	assert_int_equal(ags_children_check(now + 120 * 1000000ull, 0), 0); /* once only */
	assert_int_equal(child_events(got, sizeof(got)), 1);
	snprintf(want, sizeof(want), "zombie:%d ", pid);
	assert_string_equal(got, want);
	/* Still the program's to reap: the check never reaped it. */
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	ags_children_reaped(pid);
	assert_int_equal(ags_children_count(), 0);
}

/* A child reaped promptly is never a zombie, however late the checks come. */
static void test_reaped_is_not_zombie(void **state)
{
	char got[256];
	uint64_t now;
	pid_t pid;

	(void)state;
	ags_children_reset();
	pid = start_child(0);
	ags_children_add(pid, "quick");
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	ags_children_reaped(pid);
	now = ags_mono_ns();
	assert_int_equal(ags_children_check(now, 1), 0);
	assert_int_equal(ags_children_check(now + 10ull * 1000000000, 1), 0);
	assert_int_equal(child_events(got, sizeof(got)), 0);
}

/* Reaped behind the table's back (no wait wrapper): the check forgets it. */
static void test_reaped_elsewhere(void **state)
{
	pid_t pid;

	(void)state;
	ags_children_reset();
	pid = start_child(0);
	ags_children_add(pid, NULL);
	assert_int_equal(ags_children_count(), 1);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(ags_children_check(ags_mono_ns(), 0), 0);
	assert_int_equal(ags_children_count(), 0);
}

static void test_running_at_exit(void **state)
{
	char got[256], want[64];
	pid_t pid;

	(void)state;
	ags_children_reset();
	pid = start_child(1);
	ags_children_add(pid, "sleeper");
	assert_int_equal(ags_children_check(ags_mono_ns(), 0), 0); /* running: fine */
	assert_int_equal(ags_children_check(ags_mono_ns(), 1), 1); /* at exit: left running */
	assert_int_equal(child_events(got, sizeof(got)), 1);
	snprintf(want, sizeof(want), "running:%d ", pid);
	assert_string_equal(got, want);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	ags_children_reaped(pid);
}

static void test_full_table(void **state)
{
	(void)state;
	ags_children_reset();
	for (int i = 0; i < AGS_CHILDREN_MAX + 50; i++)
		ags_children_add(1000000 + i, "x");
	assert_int_equal(ags_children_count(), AGS_CHILDREN_MAX);
	ags_children_reaped(1000000 + 3);
	assert_int_equal(ags_children_count(), AGS_CHILDREN_MAX - 1);
	ags_children_add(2000000, "y");
	assert_int_equal(ags_children_count(), AGS_CHILDREN_MAX);
	/* None of them is our child: a check forgets them all. */
	ags_children_check(ags_mono_ns(), 0);
	assert_int_equal(ags_children_count(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zombie),
		cmocka_unit_test(test_reaped_is_not_zombie),
		cmocka_unit_test(test_reaped_elsewhere),
		cmocka_unit_test(test_running_at_exit),
		cmocka_unit_test(test_full_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
