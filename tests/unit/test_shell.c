/* SPDX-License-Identifier: MIT */
/* Unit tests for reading the command word of a `sh -c` string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proc.h"

/* The word, or "-" when there is none to check. */
static const char *word(const char *cmd)
{
	static char out[64];

	return ags_shell_first_word(cmd, out, sizeof(out)) ? out : "-";
}

static void test_words(void **state)
{
	(void)state;
	assert_string_equal(word("claude -p 'hello'"), "claude");
	assert_string_equal(word("  gh pr list"), "gh");
	assert_string_equal(word("FOO=1 BAR=2 codex --json"), "codex");
	assert_string_equal(word("tool|cat"), "tool");
	assert_string_equal(word("tool;exit 0"), "tool");
	assert_string_equal(word("/usr/local/bin/tool"), "/usr/local/bin/tool");
}

static void test_not_words(void **state)
{
	(void)state;
	assert_string_equal(word("true; exit 127"), "-");
	assert_string_equal(word("exit 127"), "-");
	assert_string_equal(word("if true; then x; fi"), "-");
	assert_string_equal(word("\"quoted tool\" x"), "-");
	assert_string_equal(word("$TOOL run"), "-");
	assert_string_equal(word("FOO=1"), "-");
	assert_string_equal(word(""), "-");
	assert_string_equal(word("cd /tmp && make"), "-");
	/* Longer than the buffer: no guess. */
	assert_string_equal(
		word("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
		"-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_not_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
