/* SPDX-License-Identifier: MIT */
/* A program that abuses descriptors: closes everything, dup2s over every slot, checks errno. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Prints one line per check so that a run under the shim can be compared
 * with a bare run byte for byte.  argv[1] names a scratch file.
 */
int main(int argc, char **argv)
{
	int fd, r, bad_close = 0, ok_dup = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: core_fds SCRATCH\n");
		return 2;
	}

	/* errno and return values of failing calls */
	errno = 0;
	r = close(-1);
	printf("close(-1) = %d errno=%s\n", r, strerrorname_np(errno));
	errno = 0;
	r = dup2(-1, 5);
	printf("dup2(-1, 5) = %d errno=%s\n", r, strerrorname_np(errno));
	errno = 0;
	r = dup3(1, 1, 0);
	printf("dup3(1, 1, 0) = %d errno=%s\n", r, strerrorname_np(errno));

	/* close every descriptor above stdio, as daemons do */
	for (int i = 3; i < 1024; i++)
		if (close(i) == -1 && errno == EBADF)
			bad_close++;
	printf("closed 3..1023: %d were not open\n", bad_close);

	/* dup2 a scratch file over every slot, then close them again */
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror("open");
		return 2;
	}
	for (int i = 3; i < 1024; i++)
		if (i != fd && dup2(fd, i) == i)
			ok_dup++;
	printf("dup2 onto 3..1023: %d succeeded\n", ok_dup);
	for (int i = 3; i < 1024; i++)
		if (i != fd)
			close(i);
	if (write(fd, "mine\n", 5) != 5)
		return 2;
	close(fd);

	/* close_range over everything but stdio */
	errno = 0;
	printf("close_range(3, ~0) = %d\n", close_range(3, ~0U, 0));
	printf("fd 0-2 open: %d %d %d\n", fcntl(0, F_GETFD) != -1, fcntl(1, F_GETFD) != -1,
	       fcntl(2, F_GETFD) != -1);
	fflush(stdout);
	return argc > 2 ? atoi(argv[2]) : 0;
}
