/* SPDX-License-Identifier: MIT */
/* Leaks exactly 16 blocks of 4 KiB from leak_block, amid allocations it frees again. */
#include <stdlib.h>
#include <string.h>

static void *kept[16];

__attribute__((noinline)) void leak_block(int i)
{
	kept[i] = malloc(4096);
	if (!kept[i])
		exit(2);
	memset(kept[i], i, 4096);
}

__attribute__((noinline)) void balanced(int n)
{
	for (int i = 0; i < n; i++) {
		char *p = malloc((size_t)(1 + i * 37 % 5000));

		if (!p)
			exit(2);
		p[0] = 1;
		free(p);
	}
}

int main(void)
{
	for (int i = 0; i < 16; i++) {
		leak_block(i);
		balanced(100);
	}
	return 0;
}
