/* SPDX-License-Identifier: MIT */
/* Unit tests for the resolv.conf and nsswitch.conf parsers and the resolver event object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <netdb.h>

#include "emit.h"
#include "resolv.h"

static void parse(struct ags_resolv *r, const char *text)
{
	ags_resolv_defaults(r);
	ags_resolv_parse(r, text, strlen(text));
}

static void test_defaults(void **state)
{
	struct ags_resolv r;

	(void)state;
	parse(&r, "");
	assert_int_equal(r.loaded, 1);
	assert_int_equal(r.nns, 0);
	assert_int_equal(r.ndots, 1);
	assert_int_equal(r.timeout_s, 5);
	assert_int_equal(r.attempts, 2);
	assert_int_equal(r.nsearch, 0);
}

static void test_kubernetes(void **state)
{
	struct ags_resolv r;

	(void)state;
	parse(&r, "# generated\nnameserver 10.96.0.10\r\n"
		  "search default.svc.cluster.local svc.cluster.local cluster.local\n"
		  "options ndots:5 timeout:2 attempts:3 rotate\n");
	assert_int_equal(r.nns, 1);
	assert_string_equal(r.ns[0], "10.96.0.10");
	assert_int_equal(r.nsearch, 3);
	assert_string_equal(r.search[0], "default.svc.cluster.local");
	assert_string_equal(r.search[2], "cluster.local");
	assert_int_equal(r.ndots, 5);
	assert_int_equal(r.timeout_s, 2);
	assert_int_equal(r.attempts, 3);
	assert_int_equal(r.rotate, 1);
}

static void test_edge_cases(void **state)
{
	struct ags_resolv r;
	char many[2048] = "";

	(void)state;
	/* The last of search and domain wins; glibc's caps on options; comments with ';'. */
	parse(&r, "search a.example b.example\ndomain corp.example\n; nameserver 1.1.1.1\n"
		  "nameserver\nnameserver ::1\noptions ndots:99 timeout:1000 attempts:9 "
		  "single-request-reopen bogus:1\n");
	assert_int_equal(r.nsearch, 1);
	assert_string_equal(r.search[0], "corp.example");
	assert_int_equal(r.nns, 1);
	assert_string_equal(r.ns[0], "::1");
	assert_int_equal(r.ndots, 15);
	assert_int_equal(r.timeout_s, 30);
	assert_int_equal(r.attempts, 5);
	assert_int_equal(r.single_request, 1);
	/* More nameservers and search domains than the fixed arrays hold: counted, cut. */
	for (int i = 0; i < 12; i++)
		strcat(many, "nameserver 192.0.2.1\n");
	strcat(many, "search d1 d2 d3 d4 d5 d6 d7 d8 d9 d10\n");
	parse(&r, many);
	assert_int_equal(r.nns, 12);
	assert_int_equal(r.nsearch, AGS_SEARCH_MAX);
	/* No trailing newline, a NUL-free buffer cut mid-line. */
	ags_resolv_defaults(&r);
	ags_resolv_parse(&r, "nameserver 198.51.100.7xxx", 23);
	assert_string_equal(r.ns[0], "198.51.100.7");
	/* LOCALDOMAIN and RES_OPTIONS override the file. */
	ags_resolv_search(&r, " x.example  y.example ", 22);
	assert_int_equal(r.nsearch, 2);
	assert_string_equal(r.search[1], "y.example");
	ags_resolv_options(&r, "ndots:3", 7);
	assert_int_equal(r.ndots, 3);
}

static void test_nsswitch(void **state)
{
	struct ags_resolv r;
	const char *text = "passwd: files\n# hosts: nope\nhosts:   files  mdns4_minimal "
			   "[NOTFOUND=return] dns  \nnetworks: files\n";

	(void)state;
	ags_resolv_defaults(&r);
	ags_nsswitch_parse(&r, text, strlen(text));
	assert_string_equal(r.hosts, "files  mdns4_minimal [NOTFOUND=return] dns");
}

static void test_event_object(void **state)
{
	struct ags_resolv r;
	struct ags_ev ev;
	json_t *o, *res;
	size_t n;

	(void)state;
	parse(&r, "nameserver 127.0.0.1\nsearch cluster.local\noptions ndots:5\n");
	strcpy(r.hosts, "files dns");
	ags_ev_begin_raw(&ev);
	ags_ev_resolver(&ev, &r);
	n = ags_ev_finish(&ev);
	o = json_loadb(ev.buf, n, 0, NULL);
	assert_non_null(o);
	res = json_object_get(o, "resolver");
	assert_int_equal(json_integer_value(json_object_get(res, "ndots")), 5);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(res, "nameservers"), 0)),
		"127.0.0.1");
	assert_string_equal(json_string_value(json_object_get(res, "nsswitch_hosts")), "files dns");
	json_decref(o);
	assert_string_equal(ags_eai_name(EAI_AGAIN), "EAI_AGAIN");
	assert_string_equal(ags_eai_name(EAI_NONAME), "EAI_NONAME");
	assert_null(ags_eai_name(12345));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),     cmocka_unit_test(test_kubernetes),
		cmocka_unit_test(test_edge_cases),   cmocka_unit_test(test_nsswitch),
		cmocka_unit_test(test_event_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
