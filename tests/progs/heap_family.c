/* SPDX-License-Identifier: MIT */
/* The whole malloc family under the shim: results, errno, alignment, threads and fork. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
/* Sizes the compiler cannot see through, so that it does not reject them at build time. */
static volatile size_t huge = SIZE_MAX;

#define CHECK(cond, what)                                                       \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "FAIL %s (line %d)\n", what, __LINE__); \
			failures++;                                             \
		}                                                               \
	} while (0)

static void *keep[8];

/* A realloc chain that ends at 1 MiB; the last block stays live (1048576 bytes). */
__attribute__((noinline)) void keep_realloc_chain(void)
{
	char *p = malloc(10);

	CHECK(p != NULL, "malloc(10)");
	memset(p, 7, 10);
	for (size_t n = 16; n <= 1 << 20; n *= 2) {
		char *q = realloc(p, n);

		CHECK(q != NULL, "realloc grow");
		CHECK(q[0] == 7 && q[9] == 7, "realloc keeps content");
		CHECK(malloc_usable_size(q) >= n, "usable size after realloc");
		p = q;
	}
	p = reallocarray(p, 1 << 10, 1 << 10);
	CHECK(p != NULL && p[0] == 7, "reallocarray same size");
	keep[0] = p;
}

/* The aligned family; live afterwards: 1000 + 2000 + 3000 + 4000 + 5000 = 15000 bytes. */
__attribute__((noinline)) void keep_aligned(void)
{
	void *p = NULL;
	int saved;

	CHECK(posix_memalign(&p, 256, 1000) == 0 && ((uintptr_t)p & 255) == 0, "posix_memalign");
	keep[1] = p;
	keep[2] = aligned_alloc(64, 2000);
	CHECK(keep[2] && ((uintptr_t)keep[2] & 63) == 0, "aligned_alloc");
	keep[3] = memalign(4096, 3000);
	CHECK(keep[3] && ((uintptr_t)keep[3] & 4095) == 0, "memalign");
	keep[4] = valloc(4000);
	CHECK(keep[4] && ((uintptr_t)keep[4] & 4095) == 0, "valloc");
	keep[5] = pvalloc(5000);
	CHECK(keep[5] && ((uintptr_t)keep[5] & 4095) == 0, "pvalloc");
	for (int i = 1; i <= 5; i++)
		CHECK(malloc_usable_size(keep[i]) >= (size_t)i * 1000, "usable size, aligned");
	errno = EINTR;
	saved = posix_memalign(&p, 3, 64);
	CHECK(saved == EINVAL && errno == EINTR, "posix_memalign EINVAL keeps errno");
}

static void check_errors(void)
{
	void *p;

	errno = 0;
	p = calloc(huge, 2);
	CHECK(p == NULL && errno == ENOMEM, "calloc overflow fails with ENOMEM");
	errno = 0;
	p = reallocarray(NULL, huge, 4);
	CHECK(p == NULL && errno == ENOMEM, "reallocarray overflow fails with ENOMEM");
	errno = 0;
	p = malloc(huge - 4096);
	CHECK(p == NULL && errno == ENOMEM, "huge malloc fails with ENOMEM");
	errno = EINTR;
	p = malloc(100);
	free(p);
	p = calloc(10, 10);
	CHECK(p && ((char *)p)[99] == 0, "calloc zeroes");
	p = realloc(p, 200);
	free(p);
	CHECK(errno == EINTR, "errno survives successful calls");
	p = malloc(10);
	CHECK(realloc(p, 0) == NULL, "realloc(p, 0) frees");
}

/* Producer and consumer threads: every block is freed by the thread that did not make it. */
#define RING 1024
static void *ring[RING];
static unsigned head, tail;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
#define BLOCKS 200000

__attribute__((noinline)) static void *producer(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < BLOCKS; i++) {
		void *p = malloc(16 + (i * 131) % 20000);

		CHECK(p != NULL, "producer malloc");
		pthread_mutex_lock(&lock);
		while (head - tail == RING)
			pthread_cond_wait(&cond, &lock);
		ring[head++ % RING] = p;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < BLOCKS; i++) {
		void *p;

		pthread_mutex_lock(&lock);
		while (head == tail)
			pthread_cond_wait(&cond, &lock);
		p = ring[tail++ % RING];
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
		free(p);
	}
	return NULL;
}

static volatile int stop;

static void *churner(void *arg)
{
	(void)arg;
	while (!stop) {
		void *v[32];

		for (int i = 0; i < 32; i++)
			v[i] = malloc((size_t)(1 + i * 977));
		for (int i = 0; i < 32; i++)
			free(v[i]);
	}
	return NULL;
}

/* Fork many times while another thread allocates; every child must allocate and exit. */
static void fork_while_allocating(void)
{
	pthread_t t;

	pthread_create(&t, NULL, churner, NULL);
	for (int i = 0; i < 40; i++) {
		int status = 0;
		pid_t pid = fork();

		if (pid == 0) {
			alarm(20); /* a deadlocked child dies and fails the check below */
			for (int j = 0; j < 2000; j++)
				free(malloc((size_t)(j * 61 % 100000 + 1)));
			exit(i % 2 ? 0 : 0);
		}
		CHECK(pid > 0, "fork");
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "fork child allocates and exits");
	}
	stop = 1;
	pthread_join(t, NULL);
}

int main(void)
{
	pthread_t a, b;

	keep_realloc_chain();
	keep_aligned();
	check_errors();
	pthread_create(&a, NULL, producer, NULL);
	pthread_create(&b, NULL, consumer, NULL);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	fork_while_allocating();
	printf("%s\n", failures ? "failed" : "ok");
	return failures ? 1 : 0;
}
