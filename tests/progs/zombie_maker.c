/* SPDX-License-Identifier: MIT */
/* Test helper: a supervisor that starts workers and never waits for them (zombies). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/*
 * zombie_maker N INTERVAL_MS: fork N children that exit at once, one every
 * INTERVAL_MS, never reaping any; then exit 0.  Every fork is a later call
 * on which the shim looks at the earlier children.
 */
int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	int interval_ms = argc > 2 ? atoi(argv[2]) : 200;
	struct timespec ts = { interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L };

	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			_exit(0);
		nanosleep(&ts, NULL);
	}
	printf("started %d workers\n", n);
	return 0;
}
