/* SPDX-License-Identifier: MIT */
/* Descriptors the shim owns (events file, log, libraries' pipes), hidden from the program. */
#ifndef AGSHIM_SHIM_OWNFD_H
#define AGSHIM_SHIM_OWNFD_H

#include "shim.h"

/*
 * To the program, a descriptor the shim owns does not exist: close() of it
 * fails with EBADF, close_range() and closefrom() close around it, and
 * dup2() onto it works after the shim moves out of the way.  Every
 * function here is async-signal-safe, allocation-free and leaves errno alone.
 */

/* Who to tell when an owned fd had to move (dup2 onto it); NULL: it cannot move. */
typedef void (*ags_own_moved_fn)(int newfd);

/* Register fd; lost() is called instead of moved() when it cannot move. Returns 0 or ENFILE. */
int ags_own_fd_add(int fd, ags_own_moved_fn moved, void (*lost)(int fd)) AGS_HIDDEN;
void ags_own_fd_del(int fd) AGS_HIDDEN;

/* 1 when fd is one of the shim's.  Two compares for any fd outside the owned span. */
int ags_own_fd(int fd) AGS_HIDDEN;

/*
 * The program is about to close (closing = 1) or dup2 over (closing = 0)
 * an owned fd.  Returns 1 when its close must fail with EBADF; for dup2 the
 * shim's descriptor has moved (or been given up) when this returns.
 */
int ags_own_fd_taken(int fd, int closing) AGS_HIDDEN;

/* close_range(first, last, flags) through real_close_range, skipping owned fds. */
int ags_own_close_range(unsigned first, unsigned last, int flags,
			int (*real_close_range)(unsigned, unsigned, int)) AGS_HIDDEN;

/* Move a descriptor the shim just created (inside the shim) up high and own it. */
int ags_own_fd_adopt(int fd, void (*lost)(int fd)) AGS_HIDDEN;

/* Lowest number the shim places its descriptors at. */
int ags_high_fd_floor(void) AGS_HIDDEN;

/* Set when a descriptor some library holds (libunwind's pipe) was taken over. */
extern volatile int ags_own_fd_lost AGS_HIDDEN;

#endif /* AGSHIM_SHIM_OWNFD_H */
