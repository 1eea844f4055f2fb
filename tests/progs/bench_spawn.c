/* SPDX-License-Identifier: MIT */
/* Benchmark helper: start and reap N children of /bin/true; prints the elapsed ns last. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The vfork child never returns from here: it execs or exits. */
static __attribute__((noinline)) pid_t start_vfork(char **args)
{
	pid_t pid = vfork();

	if (pid == 0) {
		execve("/bin/true", args, environ);
		_exit(127);
	}
	return pid;
}

/* bench_spawn fork|vfork|posix_spawn|fail N: "fail" execvp's a missing command in a fork. */
int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "fork";
	int n = argc > 2 ? atoi(argv[2]) : 200;
	char *args[] = { "true", NULL };
	long long t0 = now_ns();

	for (int i = 0; i < n; i++) {
		pid_t pid = -1;
		int st;

		if (!strcmp(mode, "posix_spawn")) {
			if (posix_spawn(&pid, "/bin/true", NULL, NULL, args, environ) != 0)
				return 1;
		} else if (!strcmp(mode, "vfork")) {
			pid = start_vfork(args);
		} else {
			pid = fork();
			if (pid == 0) {
				execvp(!strcmp(mode, "fail") ? "agshim-bench-missing" : "true",
				       args);
				_exit(127);
			}
		}
		if (pid < 0 || waitpid(pid, &st, 0) != pid)
			return 1;
	}
	printf("%lld\n", now_ns() - t0);
	return 0;
}
