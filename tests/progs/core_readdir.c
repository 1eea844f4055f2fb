/* SPDX-License-Identifier: MIT */
/* Lists its own low descriptors through opendir/readdir many times, as fd-counting code does. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	for (int round = 0; round < 50; round++) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *e;
		char line[256] = "";
		size_t n = 0;

		if (!d) {
			printf("opendir: %s\n", strerror(errno));
			return 1;
		}
		errno = 0;
		while ((e = readdir(d)) != NULL) {
			int fd = atoi(e->d_name);

			/* The directory's own fd and fds past 100 are not the point. */
			if (e->d_name[0] != '.' && fd != dirfd(d) && fd < 100 &&
			    n < sizeof(line) - 8)
				n += (size_t)snprintf(line + n, sizeof(line) - n, "%d ", fd);
		}
		if (errno) {
			printf("readdir: %s\n", strerror(errno));
			return 1;
		}
		closedir(d);
		/* Allocations of many sizes between rounds, so samples land everywhere. */
		free(malloc((size_t)(round + 1) * 4096));
		printf("%s\n", line);
	}
	return 0;
}
