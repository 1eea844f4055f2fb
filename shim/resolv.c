/* SPDX-License-Identifier: MIT */
/* The resolver context: /etc/resolv.conf and the hosts line of /etc/nsswitch.conf, no malloc. */
#include "resolv.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "sys.h"

struct ags_resolv ags_resolv;

void ags_resolv_defaults(struct ags_resolv *r)
{
	memset(r, 0, sizeof(*r));
	r->ndots = 1;
	r->timeout_s = 5;
	r->attempts = 2;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Next word of [*p, end) into (*w, *wlen); 0 at the end. */
static int word(const char **p, const char *end, const char **w, size_t *wlen)
{
	const char *s = *p;

	while (s < end && is_space(*s))
		s++;
	if (s >= end)
		return 0;
	*w = s;
	while (s < end && !is_space(*s))
		s++;
	*wlen = (size_t)(s - *w);
	*p = s;
	return 1;
}

static void copy(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int number(const char *s, size_t n, int max)
{
	int v = 0;

	for (size_t i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		if (v < max)
			v = v * 10 + (s[i] - '0');
	return v > max ? max : v;
}

static int is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && !memcmp(w, lit, n);
}

void ags_resolv_options(struct ags_resolv *r, const char *p, size_t len)
{
	const char *end = p + len, *w;
	size_t n;

	while (word(&p, end, &w, &n)) {
		/* glibc's limits: ndots 15, timeout 30, attempts 5. */
		if (n > 6 && !memcmp(w, "ndots:", 6))
			r->ndots = number(w + 6, n - 6, 15);
		else if (n > 8 && !memcmp(w, "timeout:", 8))
			r->timeout_s = number(w + 8, n - 8, 30);
		else if (n > 9 && !memcmp(w, "attempts:", 9))
			r->attempts = number(w + 9, n - 9, 5);
		else if (is(w, n, "rotate"))
			r->rotate = 1;
		else if (is(w, n, "single-request") || is(w, n, "single-request-reopen"))
			r->single_request = 1;
	}
}

void ags_resolv_search(struct ags_resolv *r, const char *p, size_t len)
{
	const char *end = p + len, *w;
	size_t n;

	r->nsearch = 0;
	while (word(&p, end, &w, &n) && r->nsearch < AGS_SEARCH_MAX)
		copy(r->search[r->nsearch++], sizeof(r->search[0]), w, n);
}

void ags_resolv_parse(struct ags_resolv *r, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	r->loaded = 1;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line = p, *w;
		size_t n;

		if (!eol)
			eol = end;
		p = eol + 1;
		if (!word(&line, eol, &w, &n) || w[0] == '#' || w[0] == ';')
			continue;
		if (is(w, n, "nameserver")) {
			if (word(&line, eol, &w, &n)) {
				if (r->nns < AGS_NS_MAX)
					copy(r->ns[r->nns], sizeof(r->ns[0]), w, n);
				r->nns++;
			}
		} else if (is(w, n, "search")) {
			ags_resolv_search(r, line, (size_t)(eol - line));
		} else if (is(w, n, "domain")) {
			/* The last of domain and search wins, as in glibc. */
			if (word(&line, eol, &w, &n)) {
				copy(r->search[0], sizeof(r->search[0]), w, n);
				r->nsearch = 1;
			}
		} else if (is(w, n, "options")) {
			ags_resolv_options(r, line, (size_t)(eol - line));
		}
	}
}

void ags_nsswitch_parse(struct ags_resolv *r, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line = p, *w;
		size_t n;

		if (!eol)
			eol = end;
		p = eol + 1;
		if (!word(&line, eol, &w, &n) || !is(w, n, "hosts:"))
			continue;
		while (line < eol && is_space(*line))
			line++;
		n = (size_t)(eol - line);
		while (n && is_space(line[n - 1]))
			n--;
		copy(r->hosts, sizeof(r->hosts), line, n);
	}
}

void ags_ev_resolver(struct ags_ev *ev, const struct ags_resolv *r)
{
	ags_ev_obj(ev, AGS_K_RESOLVER);
	ags_ev_str(ev, "file", r->source[0] ? r->source : NULL);
	ags_ev_arr(ev, "nameservers");
	for (int i = 0; i < r->nns && i < AGS_NS_MAX; i++)
		ags_ev_elem_str(ev, r->ns[i]);
	ags_ev_close(ev);
	ags_ev_int(ev, "nameservers_listed", r->nns);
	ags_ev_arr(ev, "search");
	for (int i = 0; i < r->nsearch; i++)
		ags_ev_elem_str(ev, r->search[i]);
	ags_ev_close(ev);
	ags_ev_int(ev, "ndots", r->ndots);
	ags_ev_int(ev, "timeout_s", r->timeout_s);
	ags_ev_int(ev, "attempts", r->attempts);
	if (r->rotate)
		ags_ev_int(ev, "rotate", 1);
	if (r->single_request)
		ags_ev_int(ev, "single_request", 1);
	ags_ev_str(ev, "nsswitch_hosts", r->hosts[0] ? r->hosts : NULL);
	ags_ev_close(ev);
}

/* Read a whole small file into buf with raw system calls; returns the length or -1. */
static long slurp(const char *path, char *buf, size_t size)
{
	long fd = ags_sys_open(path, O_RDONLY | O_CLOEXEC, 0), n, total = 0;

	if (fd < 0)
		return -1;
	while ((size_t)total < size &&
	       (n = ags_sys_read(fd, buf + total, size - (size_t)total)) > 0)
		total += n;
	ags_sys_close(fd);
	return total;
}

static void load(struct ags_resolv *r)
{
	static char buf[16384];
	const char *env;
	long n;

	ags_resolv_defaults(r);
	n = slurp("/etc/resolv.conf", buf, sizeof(buf));
	if (n >= 0) {
		ags_resolv_parse(r, buf, (size_t)n);
		strcpy(r->source, "/etc/resolv.conf");
	}
	/* glibc: no nameserver line means the local host. */
	if (r->nns == 0) {
		strcpy(r->ns[0], "127.0.0.1");
		r->nns = 1;
	}
	env = getenv("LOCALDOMAIN");
	if (env)
		ags_resolv_search(r, env, strlen(env));
	env = getenv("RES_OPTIONS");
	if (env)
		ags_resolv_options(r, env, strlen(env));
	n = slurp("/etc/nsswitch.conf", buf, sizeof(buf));
	if (n >= 0)
		ags_nsswitch_parse(r, buf, (size_t)n);
}

void ags_dns_init(void)
{
	load(&ags_resolv);
}
