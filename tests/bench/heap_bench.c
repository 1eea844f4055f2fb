/* SPDX-License-Identifier: MIT */
/* Malloc-heavy workload: two threads replace blocks of mixed sizes in a ring, N times each. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RING 4096

static long iterations;

static void *worker(void *arg)
{
	void *ring[RING] = { 0 };
	uint64_t x = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ull + 1;

	for (long i = 0; i < iterations; i++) {
		size_t n;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Mostly small, some medium, a few large: the sizes agent runtimes ask for. */
		n = (x & 0xff) < 200   ? 16 + (x >> 8) % 256
		    : (x & 0xff) < 250 ? 256 + (x >> 8) % 4096
				       : 4096 + (x >> 8) % 65536;
		free(ring[i % RING]);
		ring[i % RING] = malloc(n);
		if (!ring[i % RING])
			return (void *)1;
		*(char *)ring[i % RING] = (char)i;
	}
	for (int i = 0; i < RING; i++)
		free(ring[i]);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[2];
	struct timespec a, b;

	iterations = argc > 1 ? atol(argv[1]) : 5000000;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec));
	return 0;
}
