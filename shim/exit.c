/* SPDX-License-Identifier: MIT */
/* Wrappers that learn how a process ends: main's return, exit, _exit and _Exit. */
#include <stdlib.h>
#include <unistd.h>

#include "emit.h"
#include "real.h"

/* glibc's entry point; not in any header. */
int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv, void (*init)(void),
		      void (*fini)(void), void (*rtld_fini)(void), void *stack_end);

static int (*real_main)(int, char **, char **);
static int main_returned = -1;

static int ags_main(int argc, char **argv, char **envp)
{
	main_returned = real_main(argc, argv, envp);
	/* libc calls exit() internally, past our wrapper: record the status here. */
	ags_note_exit_status(main_returned & 0xff);
	return main_returned;
}

AGS_EXPORT int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
				 void (*init)(void), void (*fini)(void), void (*rtld_fini)(void),
				 void *stack_end)
{
	real_main = main;
	return REAL(__libc_start_main)(ags_main, argc, argv, init, fini, rtld_fini, stack_end);
}

AGS_EXPORT void exit(int status)
{
	/*
	 * The program's atexit handlers still run inside the real exit, and may
	 * still make calls worth an event; the shim's own handler runs after
	 * them and writes proc_exit with this status.
	 */
	ags_note_exit_status(status & 0xff);
	REAL(exit)(status);
	__builtin_unreachable();
}

AGS_EXPORT void _exit(int status)
{
	ags_exit_fast = 1;
	if (ags_state > 0 && !ags_in_shim)
		ags_emit_exit(status & 0xff, 0);
	REAL(_exit)(status);
	__builtin_unreachable();
}

AGS_EXPORT void _Exit(int status)
{
	ags_exit_fast = 1;
	if (ags_state > 0 && !ags_in_shim)
		ags_emit_exit(status & 0xff, 0);
	REAL(_Exit)(status);
	__builtin_unreachable();
}
