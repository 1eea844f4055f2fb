/* SPDX-License-Identifier: MIT */
/* Unit tests for the per-fd table and the connect state machine, on real loopback sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emit.h"
#include "fdtab.h"
#include "net.h"

static char events[256];

/*
 * Pull the I/O wrappers (sockio.o) into the binary: a sanitizer runtime that defines read
 * and write itself would otherwise satisfy those references before the archive is searched.
 */
void (*volatile test_force_link)(int, struct ags_fdent *, int, const void *, size_t, ssize_t,
				 int) = ags_net_io;

/* Tracing on, events to a fresh file. */
static int setup(void **state)
{
	(void)state;
	snprintf(events, sizeof(events), "/tmp/agshim-test-fdtab.%d.jsonl", (int)getpid());
	unlink(events);
	strcpy(ags_cfg.out_path, events);
	ags_cfg.families = AGS_FAM_ALL;
	ags_cfg.slow_connect_ms = 1000;
	ags_state = 1;
	assert_int_equal(ags_out_open(), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(events);
	return 0;
}

/* The events written so far, as an array, and the file emptied. */
static json_t *take_events(void)
{
	json_t *all = json_array();
	char line[AGS_LINE_MAX + 1];
	FILE *f = fopen(events, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *ev = json_loads(line, 0, NULL);

		assert_non_null(ev);
		json_array_append_new(all, ev);
	}
	fclose(f);
	assert_int_equal(truncate(events, 0), 0);
	return all;
}

static json_t *find(json_t *all, const char *kind, const char *what)
{
	size_t i;
	json_t *ev;

	json_array_foreach(all, i, ev)
	{
		const char *k = json_string_value(json_object_get(ev, "kind"));
		const char *w = json_string_value(json_object_get(ev, "what"));

		if (k && !strcmp(k, kind) && (!what || (w && !strcmp(w, what))))
			return ev;
	}
	return NULL;
}

static int listener(struct sockaddr_in *sa, int backlog)
{
	socklen_t len = sizeof(*sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)sa, sizeof(*sa)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)sa, &len), 0);
	return fd;
}

static void test_table_basics(void **state)
{
	struct ags_fdent *e = ags_fd_get(40), old;

	(void)state;
	assert_null(ags_fd_get(-1));
	assert_null(ags_fd_get(AGS_FDTAB_MAX));
	ags_fd_sock(40, AF_INET, SOCK_STREAM);
	assert_true(ags_fd_is_sock(40));
	assert_int_equal(e->ep, -1);
	e->state = AGS_SS_PENDING;
	assert_int_equal(ags_fd_finish_pending(e, ECONNREFUSED), 1);
	assert_int_equal(e->state, AGS_SS_FAILED);
	/* Only one caller finishes a pending connect. */
	assert_int_equal(ags_fd_finish_pending(e, 0), 0);
	e->state = AGS_SS_PENDING;
	assert_int_equal(ags_fd_finish_pending(e, 0), 1);
	assert_int_equal(e->state, AGS_SS_FRESH);
	/* A dup shares the connection but does not count it. */
	e->flags |= AGS_FDF_COUNTED;
	ags_fd_dup(40, 41);
	assert_true(ags_fd_is_sock(41));
	assert_true(ags_fd_get(41)->flags & AGS_FDF_ALIAS);
	assert_false(ags_fd_get(41)->flags & AGS_FDF_COUNTED);
	ags_fd_clear(40, &old);
	assert_int_equal(old.kind, AGS_FDK_SOCK);
	assert_false(ags_fd_is_sock(40));
	ags_fd_set(41, AGS_FDK_FILE);
	assert_int_equal(ags_fd_get(41)->kind, AGS_FDK_FILE);
	ags_fd_clear_range(0, 100);
	assert_int_equal(ags_fd_get(41)->kind, AGS_FDK_NONE);
}

static void test_sniff_and_addr(void **state)
{
	static const unsigned char startup[] = { 0, 0, 0, 40, 0, 3, 0, 0, 'u', 's', 'e', 'r' };
	static const char ws[] = "GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
	uint8_t v6[16] = { 0 };
	uint8_t v4[4] = { 10, 0, 0, 1 };
	char buf[64];

	(void)state;
	assert_int_equal(ags_proto_sniff(startup, sizeof(startup), 54329), AGS_PROTO_PG);
	assert_int_equal(ags_proto_sniff(ws, sizeof(ws) - 1, 8080), AGS_PROTO_WS);
	assert_int_equal(ags_proto_sniff("GET / HTTP/1.1\r\n", 16, 80), AGS_PROTO_HTTP);
	assert_int_equal(ags_proto_sniff("*1\r\n$4\r\nPING\r\n", 14, 7000), AGS_PROTO_REDIS);
	assert_int_equal(ags_proto_sniff("\x16\x03\x01", 3, 443), AGS_PROTO_TLS);
	assert_int_equal(ags_proto_sniff("hello", 5, 7), AGS_PROTO_NONE);
	ags_fmt_addr(buf, AF_INET, v4);
	assert_string_equal(buf, "10.0.0.1");
	v6[15] = 1;
	ags_fmt_addr(buf, AF_INET6, v6);
	assert_string_equal(buf, "::1");
	v6[0] = 0x20, v6[1] = 0x01, v6[2] = 0x0d, v6[3] = 0xb8;
	ags_fmt_addr(buf, AF_INET6, v6);
	assert_string_equal(buf, "2001:db8::1");
	memset(v6, 0, sizeof(v6));
	v6[10] = v6[11] = 0xff;
	memcpy(v6 + 12, v4, 4);
	ags_fmt_addr(buf, AF_INET6, v6);
	assert_string_equal(buf, "::ffff:10.0.0.1");
}

/* A non-blocking connect: EINPROGRESS, then the outcome from getsockopt(SO_ERROR). */
static void test_nonblocking_outcomes(void **state)
{
	struct sockaddr_in sa;
	int lfd = listener(&sa, 16), fd, err = -1, c;
	socklen_t len = sizeof(err);
	struct pollfd pfd;
	json_t *all, *ev;

	(void)state;
	json_decref(take_events());
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	c = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	assert_true(c == 0 || errno == EINPROGRESS);
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
	assert_int_equal(err, 0);
	assert_int_equal(ags_fd_get(fd)->state, AGS_SS_FRESH);
	/* The server closes: the client's read of 0 is the peer's end of stream. */
	c = accept(lfd, NULL, NULL);
	assert_true(c >= 0);
	close(c);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(write(fd, "x", 1), 1);
	char b;
	assert_int_equal(read(fd, &b, 1), 0);
	assert_int_equal(ags_fd_get(fd)->state, AGS_SS_ENDED);
	close(fd);

	/* The same port, closed: ECONNREFUSED, and errno as the kernel gave it. */
	close(lfd);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	c = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (c != 0) {
		assert_int_equal(errno, errno == EINPROGRESS ? EINPROGRESS : ECONNREFUSED);
		pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
		poll(&pfd, 1, 5000);
		len = sizeof(err);
		assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len), 0);
		assert_int_equal(err, ECONNREFUSED);
	}
	close(fd);

	all = take_events();
	ev = find(all, "connect", NULL);
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(ev, "via")), "sockopt");
	assert_int_equal(json_integer_value(json_object_get(ev, "nb")), 1);
	assert_int_equal(json_integer_value(json_object_get(ev, "port")), ntohs(sa.sin_port));
	assert_string_equal(json_string_value(json_object_get(ev, "addr")), "127.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(ev, "ep_open")), 1);
	assert_non_null(find(all, "sock", "peer_close"));
	ev = json_array_get(all, json_array_size(all) - 1);
	assert_string_equal(json_string_value(json_object_get(ev, "err")), "ECONNREFUSED");
	assert_int_equal(json_integer_value(json_object_get(ev, "ret")), -1);
	json_decref(all);
}

/* A connect that never completes (the accept queue is full) closed by the application. */
static void test_close_while_pending(void **state)
{
	struct sockaddr_in sa;
	int lfd = listener(&sa, 0), fds[8], n = 0, pending = -1;
	json_t *all, *ev;
	size_t i;

	(void)state;
	json_decref(take_events());
	/* Fill the accept queue until a connect stays in progress. */
	for (n = 0; n < 8 && pending < 0; n++) {
		struct pollfd pfd;

		fds[n] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fds[n], (struct sockaddr *)&sa, sizeof(sa)) == 0)
			continue;
		assert_int_equal(errno, EINPROGRESS);
		pfd = (struct pollfd){ .fd = fds[n], .events = POLLOUT };
		if (poll(&pfd, 1, 200) == 0)
			pending = fds[n];
		else
			getsockopt(fds[n], SOL_SOCKET, SO_ERROR, &(int){ 0 }, &(socklen_t){ 4 });
	}
	assert_true(pending >= 0);
	assert_int_equal(ags_fd_get(pending)->state, AGS_SS_PENDING);
	assert_int_equal(close(pending), 0);
	for (int i2 = 0; i2 < n; i2++)
		if (fds[i2] != pending)
			close(fds[i2]);
	close(lfd);
	all = take_events();
	ev = NULL;
	json_array_foreach(all, i, ev)
	{
		const char *via = json_string_value(json_object_get(ev, "via"));

		if (via && !strcmp(via, "close"))
			break;
		ev = NULL;
	}
	assert_non_null(ev);
	assert_null(json_object_get(ev, "errno"));
	assert_int_equal(json_integer_value(json_object_get(ev, "ret")), -1);
	assert_true(json_integer_value(json_object_get(ev, "dur_ns")) >= 200 * 1000000LL);
	json_decref(all);
}

/* The event budget: 16 plain outcomes per endpoint, then counted only. */
static void test_budget(void **state)
{
	struct ags_fdent e = { .family = AF_INET, .port = 4242, .ep = -1 };
	struct ags_ep *ep;
	int slot, sent = 0;

	(void)state;
	e.addr[0] = 192;
	slot = ags_ep_lookup(&e, NULL, 0);
	assert_true(slot >= 0);
	assert_int_equal(ags_ep_lookup(&e, NULL, 0), slot);
	ep = ags_ep_at(slot);
	for (int i = 0; i < 40; i++)
		sent += ags_ep_take(ep, 0);
	assert_int_equal(sent, AGS_EP_PLAIN);
	assert_int_equal(ep->aggregated, 40 - AGS_EP_PLAIN);
	/* Notable outcomes still go out. */
	assert_int_equal(ags_ep_take(ep, 1), 1);
	e.port = 4243;
	assert_true(ags_ep_lookup(&e, NULL, 0) != slot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_basics),
		cmocka_unit_test(test_sniff_and_addr),
		cmocka_unit_test(test_nonblocking_outcomes),
		cmocka_unit_test(test_close_while_pending),
		cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
