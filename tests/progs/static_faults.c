// SPDX-License-Identifier: MIT
/* Static test program for agshim-bpf: a failed exec, a refused connect, a zombie, exit 3. */
/*
 * LD_PRELOAD cannot reach it, so whatever is reported about it came from eBPF.
 *   static_faults [FIFO]   with FIFO: wait for one byte on it first (attach --pid tests)
 *   environment: STATIC_ZOMBIE_MS (default 1500), STATIC_EXIT (default 3)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A loopback port nobody listens on: bind one, note it, close it. */
static int closed_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		return -1;
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

int main(int argc, char **argv)
{
	char *const args[] = { "agshim-missing-tool", "--flag", NULL };
	const char *zms = getenv("STATIC_ZOMBIE_MS"), *code = getenv("STATIC_EXIT");
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timespec ts;
	long ms = zms ? atol(zms) : 1500;
	int fd, port, r;
	char c;
	pid_t child;

	if (argc > 1) {
		/* Paused until the tracer is attached. */
		fd = open(argv[1], O_RDONLY);
		if (fd < 0 || read(fd, &c, 1) != 1)
			return 100;
		close(fd);
	}

	r = execve("/nonexistent/bin/agshim-missing-tool", args, NULL);
	printf("execve: %d %s\n", r, strerror(errno));

	port = closed_port();
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	printf("connect 127.0.0.1:%d: %d %s\n", port, r, strerror(errno));
	close(fd);

	child = fork();
	if (child == 0)
		_exit(0);
	printf("zombie child %d\n", (int)child);
	fflush(stdout);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return code ? atoi(code) : 3;
}
