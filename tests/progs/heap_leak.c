/* SPDX-License-Identifier: MIT */
/* Leaks 64 KiB per cache_put call amid balanced churn of mixed sizes; prints the leaked total. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *kept[1 << 16];
static size_t nkept;

/* The leak: every entry is kept and never freed. */
__attribute__((noinline)) static void cache_put(unsigned key)
{
	char *v = malloc(64 * 1024);

	if (!v)
		exit(2);
	memset(v, (int)key, 64);
	kept[nkept++ % (1 << 16)] = v;
}

/* Balanced churn: allocate a window of mixed sizes, free it again. */
__attribute__((noinline)) static void churn(unsigned *seed)
{
	void *win[64];

	for (int i = 0; i < 64; i++) {
		*seed = *seed * 1103515245u + 12345u;
		win[i] = malloc(16 + (*seed >> 8) % 8192);
		if (!win[i])
			exit(2);
		((char *)win[i])[0] = 1;
	}
	for (int i = 0; i < 64; i++)
		free(win[i]);
}

int main(int argc, char **argv)
{
	unsigned calls = argc > 1 ? (unsigned)atoi(argv[1]) : 1000, seed = 1;
	/*
	 * Pauses longer than the test's snapshot interval (20 ms) between sixths of the run, so
	 * that the number of snapshots does not depend on how fast the machine is.
	 */
	struct timespec pause = { 0, 30 * 1000 * 1000 };

	for (unsigned i = 0; i < calls; i++) {
		if (i % (calls / 6 + 1) == 0)
			nanosleep(&pause, NULL);
		cache_put(i);
		for (int j = 0; j < 8; j++)
			churn(&seed);
	}
	printf("%zu\n", (size_t)calls * 64 * 1024);
	return 0;
}
