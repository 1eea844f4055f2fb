// SPDX-License-Identifier: MIT
/* Static test program for agshim-bpf: runs out of descriptors (EMFILE) under a limit of 16. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int main(void)
{
	struct rlimit rl = { 16, 16 };
	int n = 0;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 2;
	while (open("/dev/null", O_RDONLY) >= 0)
		n++;
	printf("opened %d, then: %s\n", n, strerror(errno));
	return errno == EMFILE ? 0 : 1;
}
