/* SPDX-License-Identifier: MIT */
/* Dies the way argv[1] says: a signal number, or "exit N" through _exit. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "_exit"))
		_exit(atoi(argv[2]));
	if (argc > 1)
		raise(atoi(argv[1]));
	return 0;
}
