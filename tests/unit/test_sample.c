/* SPDX-License-Identifier: MIT */
/* Unit tests for the heap sampler: intervals, estimator, the free filter, the pointer table. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heap.h"
#include "heap_stubs.h"

static void test_ln_exp(void **state)
{
	(void)state;
	for (double x = 1e-12; x < 1e6; x *= 1.37) {
		assert_true(fabs(ags_ln(x) - log(x)) < 1e-9 * (1 + fabs(log(x))));
		if (x < 700)
			assert_true(fabs(ags_exp_neg(x) - exp(-x)) <= 1e-9 * exp(-x) + 1e-300);
	}
	assert_true(ags_exp_neg(0) == 1);
	assert_true(ags_exp_neg(800) == 0);
}

/* 200000 intervals at 512 KiB: their mean and shape are those of an exponential. */
static void test_interval_distribution(void **state)
{
	const uint64_t mean = 512 * 1024;
	const int n = 200000;
	uint64_t s = 0x1234567;
	double sum = 0, sq = 0;
	int over1 = 0, over3 = 0, under_tenth = 0;

	(void)state;
	for (int i = 0; i < n; i++) {
		uint64_t v = ags_heap_interval_from(&s, mean);

		assert_true(v >= 1);
		sum += (double)v;
		sq += (double)v * (double)v;
		over1 += v > mean;
		over3 += v > 3 * mean;
		under_tenth += v < mean / 10;
	}
	/* Mean within 1% (standard error 0.22%); variance of an exponential is mean^2. */
	assert_true(fabs(sum / n - (double)mean) < 0.01 * (double)mean);
	assert_true(fabs(sq / n - (sum / n) * (sum / n) - (double)mean * mean) <
		    0.03 * (double)mean * mean);
	/* P(X > m) = e^-1, P(X > 3m) = e^-3, P(X < m/10) = 1 - e^-0.1. */
	assert_true(fabs((double)over1 / n - exp(-1)) < 0.005);
	assert_true(fabs((double)over3 / n - exp(-3)) < 0.003);
	assert_true(fabs((double)under_tenth / n - (1 - exp(-0.1))) < 0.004);
}

static void test_interval_every(void **state)
{
	uint64_t s = 99;

	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ags_heap_interval_from(&s, 1), 1);
}

static void test_weights(void **state)
{
	struct ags_heap_weight w;

	(void)state;
	ags_heap_weigh(4096, 1, &w);
	assert_int_equal(w.bytes, 4096);
	assert_int_equal(w.count_fx, AGS_HEAP_FX);
	assert_int_equal(w.var, 0);
	/* Small blocks stand for about one mean each; huge ones for themselves. */
	ags_heap_weigh(16, 512 * 1024, &w);
	assert_true(llabs((long long)w.bytes - 512 * 1024) < 16);
	ags_heap_weigh(64ull << 20, 512 * 1024, &w);
	assert_int_equal(w.bytes, 64ull << 20);
	assert_int_equal(w.count_fx, AGS_HEAP_FX);
}

/*
 * The sampler and the estimator together, as alloc.c uses them: a stream of
 * mixed sizes through a countdown; the weighted sum of the sampled blocks is
 * the true total within three of its own standard errors.
 */
static void test_estimate_unbiased(void **state)
{
	const uint64_t mean = 64 * 1024;
	uint64_t s = 42, left, truth = 0, est = 0, var = 0, seed = 7;
	struct ags_heap_weight w;

	(void)state;
	left = ags_heap_interval_from(&s, mean);
	for (int i = 0; i < 400000; i++) {
		uint64_t n;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		n = i % 50 == 0 ? 65536 + (seed >> 40) % 300000 : 8 + (seed >> 33) % 2000;
		truth += n;
		if (n < left) {
			left -= n;
			continue;
		}
		left = ags_heap_interval_from(&s, mean);
		ags_heap_weigh(n, mean, &w);
		est += w.bytes;
		var += w.var;
	}
	assert_true(fabs((double)est - (double)truth) < 3 * sqrt((double)var));
	assert_true(sqrt((double)var) < 0.05 * (double)truth);
}

static void setup_tables(void)
{
	static int done;

	if (done)
		return;
	ags_heap_conf.ptr_bits = 12;
	ags_heap_conf.stack_bits = 10;
	assert_int_equal(ags_heap_tables_init(), 0);
	done = 1;
}

static void test_table_and_filter(void **state)
{
	static char blocks[1000][48] __attribute__((aligned(16)));
	uint64_t size;
	uint32_t stack;
	int fp = 0;

	(void)state;
	setup_tables();
	for (int i = 0; i < 1000; i++)
		assert_int_equal(ags_heap_ptr_insert(blocks[i], 100 + (uint64_t)i, (uint32_t)i + 2),
				 1);
	for (int i = 0; i < 1000; i++)
		assert_true(ags_heap_maybe_sampled(blocks[i]));
	/* Addresses never inserted rarely pass the filter, and are never found. */
	for (int i = 0; i < 100000; i++) {
		char *p = (char *)0x7f0000000000ull + (uint64_t)i * 4096 + 16;

		fp += ags_heap_maybe_sampled(p);
		assert_int_equal(ags_heap_ptr_remove(p, &size, &stack), 0);
	}
	assert_true(fp < 1000);
	for (int i = 999; i >= 0; i--) {
		assert_int_equal(ags_heap_ptr_remove(blocks[i], &size, &stack), 1);
		assert_int_equal(size, 100 + (uint64_t)i);
		assert_int_equal(stack, (uint32_t)i + 2);
		assert_int_equal(ags_heap_ptr_remove(blocks[i], &size, &stack), 0);
	}
	for (int i = 0; i < 1000; i++)
		assert_false(ags_heap_maybe_sampled(blocks[i]));
}

static void test_table_full_counted(void **state)
{
	static char many[6000][16] __attribute__((aligned(16)));
	uint64_t before, size;
	uint32_t stack;
	int in = 0;

	(void)state;
	setup_tables();
	before = ags_heap_ctr.table_full;
	for (int i = 0; i < 6000; i++)
		in += ags_heap_ptr_insert(many[i], 1, 2);
	/* 4096 slots: the rest is counted, not lost silently. */
	assert_true(in <= 4096);
	assert_int_equal(ags_heap_ctr.table_full - before, (uint64_t)(6000 - in));
	for (int i = 0; i < 6000; i++)
		ags_heap_ptr_remove(many[i], &size, &stack);
}

#define PER_THREAD 20000
static char tblocks[2][PER_THREAD][16] __attribute__((aligned(16)));

static long table_refused[2];

/*
 * Every key a worker inserted is found again with its own size, whoever else works on the
 * table; an insert the table refuses (probes used up: the locality-preserving hash puts the
 * two workers' consecutive blocks into runs that can overlap) must be counted, below.
 */
static void *table_worker(void *arg)
{
	long t = (long)arg;
	uint64_t size;
	uint32_t stack;
	char in[1000];

	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 1000; i++) {
			in[i] = (char)ags_heap_ptr_insert(tblocks[t][round * 1000 + i],
							  (uint64_t)t + 1, 3);
			table_refused[t] += !in[i];
		}
		for (int i = 0; i < 1000; i++) {
			int found =
				ags_heap_ptr_remove(tblocks[t][round * 1000 + i], &size, &stack);

			if (found != in[i] || (found && size != (uint64_t)t + 1))
				return (void *)1;
		}
	}
	return NULL;
}

static void test_table_threads(void **state)
{
	pthread_t a, b;
	void *ra, *rb;
	uint64_t before;

	(void)state;
	setup_tables();
	before = ags_heap_ctr.table_full;
	pthread_create(&a, NULL, table_worker, (void *)0L);
	pthread_create(&b, NULL, table_worker, (void *)1L);
	pthread_join(a, &ra);
	pthread_join(b, &rb);
	assert_null(ra);
	assert_null(rb);
	/* Refused inserts are counted, never lost silently. */
	assert_int_equal(ags_heap_ctr.table_full - before,
			 (uint64_t)(table_refused[0] + table_refused[1]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ln_exp),
		cmocka_unit_test(test_interval_distribution),
		cmocka_unit_test(test_interval_every),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_estimate_unbiased),
		cmocka_unit_test(test_table_and_filter),
		cmocka_unit_test(test_table_full_counted),
		cmocka_unit_test(test_table_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
