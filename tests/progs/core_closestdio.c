/* SPDX-License-Identifier: MIT */
/* Starts a program with fds 0-2 closed and reports which low fds the child finds open. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int status, out;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: core_closestdio OUTFILE PROG [ARGS]\n");
		return 2;
	}
	pid = fork();
	if (pid == 0) {
		close(0);
		close(1);
		close(2);
		execv(argv[2], argv + 2);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	out = open(argv[1], O_WRONLY | O_APPEND);
	dprintf(out, "child status %d\n", WEXITSTATUS(status));
	return 0;
}
