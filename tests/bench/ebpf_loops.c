// SPDX-License-Identifier: MIT
/* Workloads for the eBPF benchmark: getaddrinfo+connect, getaddrinfo alone, spawn. */
/*
 *   ebpf_loops gai N      getaddrinfo("localhost") + connect + accept + close, N times
 *   ebpf_loops gainum N   getaddrinfo("127.0.0.1", AI_NUMERICHOST) N times (probe cost)
 *   ebpf_loops spawn N    posix_spawn /bin/true and wait for it, N times
 * The last line printed is the elapsed time of the loop in ns.
 */
#include <netdb.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int listener(char *port, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl))
		return -1;
	snprintf(port, len, "%d", ntohs(sa.sin_port));
	return fd;
}

static int gai_connect(long n)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
	char port[16];
	int l = listener(port, sizeof(port)), s, a;
	long i;

	if (l < 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (getaddrinfo("localhost", port, &hints, &res))
			return 1;
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || connect(s, res->ai_addr, res->ai_addrlen))
			return 1;
		a = accept(l, NULL, NULL);
		/* The server side closes first, so TIME_WAIT stays off the client's ports. */
		close(a);
		close(s);
		freeaddrinfo(res);
	}
	return 0;
}

static int gai_numeric(long n)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *res;
	long i;

	for (i = 0; i < n; i++) {
		if (getaddrinfo("127.0.0.1", "80", &hints, &res))
			return 1;
		freeaddrinfo(res);
	}
	return 0;
}

static int spawn_loop(long n)
{
	char *argv[] = { "true", NULL };
	int status;
	pid_t pid;
	long i;

	for (i = 0; i < n; i++) {
		if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) ||
		    waitpid(pid, &status, 0) != pid)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 1000;
	long long t0;
	int err;

	if (argc < 2 || n <= 0) {
		fprintf(stderr, "usage: ebpf_loops gai|gainum|spawn N\n");
		return 2;
	}
	t0 = now_ns();
	if (!strcmp(argv[1], "gai"))
		err = gai_connect(n);
	else if (!strcmp(argv[1], "gainum"))
		err = gai_numeric(n);
	else if (!strcmp(argv[1], "spawn"))
		err = spawn_loop(n);
	else
		err = 2;
	if (err) {
		fprintf(stderr, "ebpf_loops %s failed\n", argv[1]);
		return err;
	}
	printf("%lld\n", now_ns() - t0);
	return 0;
}
