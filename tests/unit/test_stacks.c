/* SPDX-License-Identifier: MIT */
/* Unit tests for the heap stack table: deduplication, accounting, threads, unwinding, names. */
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

static void setup(void)
{
	static int done;

	if (done)
		return;
	ags_heap_conf.stack_bits = 10;
	ags_heap_conf.mean = 1;
	assert_int_equal(ags_heap_stacks_init(), 0);
	done = 1;
}

static void test_dedup(void **state)
{
	uintptr_t a[3] = { 0x1000, 0x2000, 0x3000 }, b[3] = { 0x1000, 0x2000, 0x3001 };
	uint32_t ia, ib, n;

	(void)state;
	setup();
	n = ags_heap_stack_count();
	ia = ags_heap_stack_intern(a, 3);
	assert_true(ia >= 2);
	assert_int_equal(ags_heap_stack_intern(a, 3), ia);
	ib = ags_heap_stack_intern(b, 3);
	assert_true(ib != ia);
	assert_int_equal(ags_heap_stack_intern(a, 2), ags_heap_stack_intern(b, 2));
	assert_int_equal(ags_heap_stack_count(), n + 3);
	assert_int_equal(ags_heap_stack_intern(a, 0), 1); /* the unknown stack */
	assert_int_equal(ags_heap_stack_get(ia)->depth, 3);
	assert_memory_equal(ags_heap_stack_get(ia)->ip, a, sizeof(a));
}

static void test_account(void **state)
{
	uintptr_t a[2] = { 0x5000, 0x6000 };
	struct ags_heap_stack *s;
	uint32_t id;

	(void)state;
	setup();
	id = ags_heap_stack_intern(a, 2);
	s = ags_heap_stack_get(id);
	ags_heap_stack_account(id, 4096, 1);
	ags_heap_stack_account(id, 100, 1);
	assert_int_equal(s->live_bytes, 4196);
	assert_int_equal(s->live_count_fx, 2 * AGS_HEAP_FX);
	ags_heap_stack_account(id, 4096, -1);
	assert_int_equal(s->live_bytes, 100);
	assert_int_equal(s->alloc_bytes, 4196);
	assert_int_equal(s->alloc_count_fx, 2 * AGS_HEAP_FX);
}

static uint32_t seen[2][200];

static void *intern_worker(void *arg)
{
	long t = (long)arg;

	for (int i = 0; i < 200; i++) {
		uintptr_t ip[4] = { 0x10000 + (uintptr_t)i, 0x20000, 0x30000, (uintptr_t)i * 7 };

		seen[t][i] = ags_heap_stack_intern(ip, 4);
	}
	return NULL;
}

/* Two threads interning the same stacks at once agree on every id. */
static void test_threads_agree(void **state)
{
	pthread_t a, b;

	(void)state;
	setup();
	pthread_create(&a, NULL, intern_worker, (void *)0L);
	pthread_create(&b, NULL, intern_worker, (void *)1L);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	for (int i = 0; i < 200; i++) {
		assert_true(seen[0][i] >= 2);
		assert_int_equal(seen[0][i], seen[1][i]);
		for (int j = 0; j < i; j++)
			assert_true(seen[0][j] != seen[0][i]);
	}
}

static void test_full_table(void **state)
{
	uint64_t before = ags_heap_ctr.stacks_full;
	uint32_t id = 0;

	(void)state;
	setup();
	for (uintptr_t i = 0; i < 2000 && id != 1; i++) {
		uintptr_t ip[2] = { 0xdead0000 + i, 0xbeef };

		id = ags_heap_stack_intern(ip, 2);
	}
	/* 1024 entries: once they are used up, samples go to the unknown stack, counted. */
	assert_int_equal(id, 1);
	assert_true(ags_heap_ctr.stacks_full > before);
}

__attribute__((noinline)) static int unwind_here(uintptr_t *ip)
{
	return ags_heap_unwind(ip, AGS_HEAP_DEPTH);
}

/* libunwind walks this test's own stack, and the frame names come from its .symtab. */
static void test_unwind_and_name(void **state)
{
	uintptr_t ip[AGS_HEAP_DEPTH];
	char name[200];
	int depth, found = 0;

	(void)state;
	depth = unwind_here(ip);
	assert_true(depth >= 3);
	for (int i = 0; i < depth; i++) {
		ags_sym_frame(ip[i], name, sizeof(name));
		found |= !strncmp(name, "test_unwind_and_name+0x", 23);
	}
	assert_true(found);
	ags_sym_frame(0x10, name, sizeof(name));
	assert_string_equal(name, "0x10");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedup),	      cmocka_unit_test(test_account),
		cmocka_unit_test(test_threads_agree), cmocka_unit_test(test_unwind_and_name),
		cmocka_unit_test(test_full_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
