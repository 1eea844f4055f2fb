/* SPDX-License-Identifier: MIT */
/* Grows by 1 MiB every 10 ms from grow_forever until the cgroup's OOM killer ends it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Global and read by main, so that the compiler keeps every allocation. */
char *kept[4096];

__attribute__((noinline)) void grow_forever(int i)
{
	kept[i] = malloc(1 << 20);
	if (!kept[i])
		exit(3);
	memset(kept[i], i, 1 << 20); /* touched, so it counts against the cgroup */
}

int main(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 4096; i++) {
		grow_forever(i);
		nanosleep(&ts, NULL);
	}
	/* 4 GiB and never killed: no limit applied. */
	return kept[4095][7] == 1 ? 3 : 4;
}
