/* SPDX-License-Identifier: MIT */
/* Writes to argv[1] which of fds 0-9 are open, as a process started without stdio sees it. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char line[64];
	int n = 0, fd;

	if (argc < 2)
		return 2;
	for (int i = 0; i < 10; i++)
		line[n++] = fcntl(i, F_GETFD) == -1 ? '-' : 'o';
	line[n++] = '\n';
	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0)
		return 3;
	write(fd, line, (size_t)n);
	close(fd);
	return 0;
}
