/* SPDX-License-Identifier: MIT */
/* Benchmark: N getaddrinfo("localhost") calls (answered from /etc/hosts); prints ns. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	const char *host = argc > 2 ? argv[2] : "localhost";
	struct addrinfo hints, *res;
	struct timespec t0, t1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		int rc = getaddrinfo(host, "80", &hints, &res);

		if (rc) {
			fprintf(stderr, "bench_gai: %s: %s\n", host, gai_strerror(rc));
			return 1;
		}
		freeaddrinfo(res);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lld\n",
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	return 0;
}
