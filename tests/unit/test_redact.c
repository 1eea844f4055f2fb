/* SPDX-License-Identifier: MIT */
/* Unit tests for redaction: secrets hidden, harmless look-alikes left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "redact.h"

/* arg with the redacted span replaced, or the arg itself when nothing is hidden. */
static const char *apply(const char *prev, const char *arg)
{
	static char out[512];
	size_t start, len;

	if (!ags_redact_span(prev, arg, &start, &len))
		return arg;
	memcpy(out, arg, start);
	strcpy(out + start, AGS_REDACTED);
	strcat(out, arg + start + len);
	return out;
}

static void test_flags(void **state)
{
	(void)state;
	assert_string_equal(apply(NULL, "--password=hunter2"), "--password=" AGS_REDACTED);
	assert_string_equal(apply("--token", "abc"), AGS_REDACTED);
	assert_string_equal(apply("--api-key", "k-123"), AGS_REDACTED);
	assert_string_equal(apply(NULL, "--secret=x"), "--secret=" AGS_REDACTED);
	assert_string_equal(apply("--auth", "user:pw"), AGS_REDACTED);
	/* A flag after a secret flag is not its value. */
	assert_string_equal(apply("--token", "--verbose"), "--verbose");
}

static void test_harmless(void **state)
{
	(void)state;
	assert_string_equal(apply("--max-tokens", "4096"), "4096");
	assert_string_equal(apply(NULL, "--max-tokens=4096"), "--max-tokens=4096");
	assert_string_equal(apply(NULL, "--author=me"), "--author=me");
	assert_string_equal(apply(NULL, "hello world"), "hello world");
	assert_string_equal(apply(NULL, "https://example.com/path"), "https://example.com/path");
	assert_string_equal(apply(NULL, "sk-short"), "sk-short");
}

static void test_env_strings(void **state)
{
	(void)state;
	assert_string_equal(apply(NULL, "PGPASSWORD=s3cret"), "PGPASSWORD=" AGS_REDACTED);
	assert_string_equal(apply(NULL, "OPENAI_API_KEY=abc"), "OPENAI_API_KEY=" AGS_REDACTED);
	assert_string_equal(apply(NULL, "DB_PASS=x"), "DB_PASS=" AGS_REDACTED);
	assert_string_equal(apply(NULL, "PATH=/usr/bin"), "PATH=/usr/bin");
}

static void test_urls_and_tokens(void **state)
{
	(void)state;
	assert_string_equal(apply(NULL, "postgres://app:pw@db:5432/x"),
			    "postgres://app:" AGS_REDACTED "@db:5432/x");
	assert_string_equal(apply(NULL, "postgres://app@db/x"), "postgres://app@db/x");
	assert_string_equal(apply(NULL, "sk-abcdefghijklmnopqrstu"), AGS_REDACTED);
	assert_string_equal(apply(NULL, "ghp_0123456789abcdefghij"), AGS_REDACTED);
	assert_string_equal(apply(NULL, "AKIAABCDEFGHIJKLMNOP"), AGS_REDACTED);
	assert_string_equal(apply(NULL, "Authorization: Bearer xyz.abc"),
			    "Authorization: Bearer " AGS_REDACTED);
	assert_string_equal(apply(NULL, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"), AGS_REDACTED);
	assert_string_equal(apply(NULL, "key=sk-abcdefghijklmnopqrstu"), "key=" AGS_REDACTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_harmless),
		cmocka_unit_test(test_env_strings),
		cmocka_unit_test(test_urls_and_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
