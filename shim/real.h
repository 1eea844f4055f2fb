/* SPDX-License-Identifier: MIT */
/* The real functions behind the wrappers, listed once and resolved with dlsym(RTLD_NEXT). */
#ifndef AGSHIM_SHIM_REAL_H
#define AGSHIM_SHIM_REAL_H

#include <dirent.h>
#include <netdb.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "shim.h"

/*
 * One line per wrapped function: return type, name, parameter list.  Each
 * family keeps its own list; the heap family resolves its functions itself,
 * because dlsym may allocate before they are known.
 */
#define AGS_REAL_CORE(X)                                                                 \
	X(void, exit, (int))                                                             \
	X(void, _exit, (int))                                                            \
	X(void, _Exit, (int))                                                            \
	X(int, __libc_start_main,                                                        \
	  (int (*)(int, char **, char **), int, char **, void (*)(void), void (*)(void), \
	   void (*)(void), void *))

#define AGS_REAL_FD(X)                                   \
	X(int, close, (int))                             \
	X(int, dup, (int))                               \
	X(int, dup2, (int, int))                         \
	X(int, dup3, (int, int, int))                    \
	X(int, fcntl, (int, int, ...))                   \
	X(int, fcntl64, (int, int, ...))                 \
	X(int, close_range, (unsigned, unsigned, int))   \
	X(void, closefrom, (int))                        \
	X(long, syscall, (long, ...))                    \
	X(int, open, (const char *, int, ...))           \
	X(int, open64, (const char *, int, ...))         \
	X(int, openat, (int, const char *, int, ...))    \
	X(int, openat64, (int, const char *, int, ...))  \
	X(int, __open_2, (const char *, int))            \
	X(int, __open64_2, (const char *, int))          \
	X(int, __openat_2, (int, const char *, int))     \
	X(int, __openat64_2, (int, const char *, int))   \
	X(int, creat, (const char *, mode_t))            \
	X(int, creat64, (const char *, mode_t))          \
	X(FILE *, fopen, (const char *, const char *))   \
	X(FILE *, fopen64, (const char *, const char *)) \
	X(int, pipe, (int *))                            \
	X(int, pipe2, (int *, int))                      \
	X(int, epoll_create, (int))                      \
	X(int, epoll_create1, (int))                     \
	X(int, eventfd, (unsigned int, int))             \
	X(int, signalfd, (int, const sigset_t *, int))   \
	X(int, timerfd_create, (int, int))               \
	X(int, inotify_init, (void))                     \
	X(int, inotify_init1, (int))                     \
	X(int, memfd_create, (const char *, unsigned int))

/* fork, exec*, posix_spawn*, wait*, system, popen, chdir */
#define AGS_REAL_PROC(X)                                                                         \
	X(pid_t, fork, (void))                                                                   \
	X(pid_t, _Fork, (void))                                                                  \
	X(int, execveat, (int, const char *, char *const *, char *const *, int))                 \
	X(int, execve, (const char *, char *const *, char *const *))                             \
	X(int, execvpe, (const char *, char *const *, char *const *))                            \
	X(int, fexecve, (int, char *const *, char *const *))                                     \
	X(int, posix_spawn,                                                                      \
	  (pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *, \
	   char *const *, char *const *))                                                        \
	X(int, posix_spawnp,                                                                     \
	  (pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *, \
	   char *const *, char *const *))                                                        \
	X(int, system, (const char *))                                                           \
	X(FILE *, popen, (const char *, const char *))                                           \
	X(int, pclose, (FILE *))                                                                 \
	X(pid_t, wait, (int *))                                                                  \
	X(pid_t, waitpid, (pid_t, int *, int))                                                   \
	X(pid_t, wait3, (int *, int, struct rusage *))                                           \
	X(pid_t, wait4, (pid_t, int *, int, struct rusage *))                                    \
	X(int, waitid, (idtype_t, id_t, siginfo_t *, int))                                       \
	X(int, chdir, (const char *))                                                            \
	X(int, fchdir, (int))

/* socket, connect, getaddrinfo, the I/O family */
#define AGS_REAL_NET(X)                                                                          \
	X(int, socket, (int, int, int))                                                          \
	X(int, socketpair, (int, int, int, int *))                                               \
	X(int, connect, (int, const struct sockaddr *, socklen_t))                               \
	X(int, accept, (int, struct sockaddr *, socklen_t *))                                    \
	X(int, accept4, (int, struct sockaddr *, socklen_t *, int))                              \
	X(int, shutdown, (int, int))                                                             \
	X(int, getsockopt, (int, int, int, void *, socklen_t *))                                 \
	X(ssize_t, read, (int, void *, size_t))                                                  \
	X(ssize_t, write, (int, const void *, size_t))                                           \
	X(ssize_t, __read_chk, (int, void *, size_t, size_t))                                    \
	X(ssize_t, readv, (int, const struct iovec *, int))                                      \
	X(ssize_t, writev, (int, const struct iovec *, int))                                     \
	X(ssize_t, send, (int, const void *, size_t, int))                                       \
	X(ssize_t, recv, (int, void *, size_t, int))                                             \
	X(ssize_t, __recv_chk, (int, void *, size_t, size_t, int))                               \
	X(ssize_t, sendto, (int, const void *, size_t, int, const struct sockaddr *, socklen_t)) \
	X(ssize_t, recvfrom, (int, void *, size_t, int, struct sockaddr *, socklen_t *))         \
	X(ssize_t, __recvfrom_chk,                                                               \
	  (int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *))                    \
	X(ssize_t, sendmsg, (int, const struct msghdr *, int))                                   \
	X(ssize_t, recvmsg, (int, struct msghdr *, int))                                         \
	X(int, sendmmsg, (int, struct mmsghdr *, unsigned int, int))                             \
	X(int, recvmmsg, (int, struct mmsghdr *, unsigned int, int, struct timespec *))          \
	X(int, getaddrinfo,                                                                      \
	  (const char *, const char *, const struct addrinfo *, struct addrinfo **))             \
	X(int, getnameinfo,                                                                      \
	  (const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int))       \
	X(struct hostent *, gethostbyname, (const char *))                                       \
	X(struct hostent *, gethostbyname2, (const char *, int))                                 \
	X(int, gethostbyname_r,                                                                  \
	  (const char *, struct hostent *, char *, size_t, struct hostent **, int *))            \
	X(int, gethostbyname2_r,                                                                 \
	  (const char *, int, struct hostent *, char *, size_t, struct hostent **, int *))

#define AGS_REAL_ALL(X) AGS_REAL_CORE(X) AGS_REAL_FD(X) AGS_REAL_PROC(X) AGS_REAL_NET(X)

#define AGS_REAL_DECL(ret, name, params) extern ret(*ags_real_##name) params AGS_HIDDEN;
AGS_REAL_ALL(AGS_REAL_DECL)
#undef AGS_REAL_DECL

/* Resolve every pointer above; safe to call more than once and from any thread. */
void ags_real_resolve(void) AGS_HIDDEN;

/* The real function, resolved on first use.  NULL only if libc lacks it. */
#define REAL(name)                                             \
	(AGS_LIKELY(ags_real_##name != NULL) ? ags_real_##name \
					     : (ags_real_resolve(), ags_real_##name))

#endif /* AGSHIM_SHIM_REAL_H */
