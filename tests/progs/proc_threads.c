/* SPDX-License-Identifier: MIT */
/* Test helper: threads that fork and exec at once, reaped by a SIGCHLD handler. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4
#define PER_THREAD 25

static int reaped; /* handlers may run on several threads at once */
static int bad_status;

/* Reap everything that has exited, from the handler, as event loops do. */
static void on_chld(int sig)
{
	int saved = errno, st;
	pid_t pid;

	(void)sig;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		__atomic_fetch_add(&reaped, 1, __ATOMIC_RELAXED);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			__atomic_fetch_add(&bad_status, 1, __ATOMIC_RELAXED);
	}
	errno = saved;
}

static void *worker(void *arg)
{
	char *argv[] = { "true", NULL };

	(void)arg;
	for (int i = 0; i < PER_THREAD; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			/* A child that closes every descriptor before its exec. */
			for (int fd = 3; fd < 1024; fd++)
				close(fd);
			execvp("true", argv);
			_exit(127);
		}
		if (pid < 0)
			perror("fork");
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	pthread_t t[THREADS];
	int waited = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	while (__atomic_load_n(&reaped, __ATOMIC_RELAXED) < THREADS * PER_THREAD && waited++ < 500)
		usleep(10000);
	printf("reaped=%d bad=%d\n", (int)reaped, (int)bad_status);
	return reaped == THREADS * PER_THREAD && !bad_status ? 0 : 1;
}
