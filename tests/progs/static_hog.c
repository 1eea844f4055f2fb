// SPDX-License-Identifier: MIT
/* Memory hog for the OOM test: touches 1 MiB blocks until the kernel kills it. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	size_t total = 0;
	char *p;

	/* Never freed: the point is to grow until a memory cgroup's limit is hit. */
	for (;;) {
		p = malloc(1 << 20);
		if (!p) {
			sleep(1);
			continue;
		}
		memset(p, 0x5a, 1 << 20);
		total += 1 << 20;
		if (total > ((size_t)8 << 30))
			return 1;
	}
}
