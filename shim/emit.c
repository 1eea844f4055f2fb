/* SPDX-License-Identifier: MIT */
/* The event emitter: JSON text in a stack buffer, one write(2) per line, drops counted. */
#include "emit.h"

#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ownfd.h"
#include "redact.h"
#include "sys.h"

/* Room kept back for the closers, ,"trunc":1 and the newline. */
#define RESERVE (AGS_EV_DEPTH + 16)

static const char *const kind_names[] = {
#define AGS_KIND_NAME(id, name) name,
	AGS_KINDS(AGS_KIND_NAME)
#undef AGS_KIND_NAME
};

const char *ags_kind_name(enum ags_kind kind)
{
	if ((unsigned)kind >= AGS_KIND__COUNT)
		return "unknown";
	return kind_names[kind];
}

size_t ags_fmt_u64(char *buf, uint64_t v)
{
	char tmp[21];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

size_t ags_fmt_i64(char *buf, int64_t v)
{
	if (v < 0) {
		buf[0] = '-';
		return 1 + ags_fmt_u64(buf + 1, (uint64_t)0 - (uint64_t)v);
	}
	return ags_fmt_u64(buf, (uint64_t)v);
}

static size_t room(const struct ags_ev *ev)
{
	return (size_t)(ev->end - ev->p);
}

static void put(struct ags_ev *ev, const char *s, size_t n)
{
	memcpy(ev->p, s, n);
	ev->p += n;
}

/* Separator and "key": for the next member; 0 when it does not fit. */
static int member(struct ags_ev *ev, const char *key, size_t value_min)
{
	size_t klen = key ? strlen(key) : 0;
	int *first = &ev->first[ev->depth];

	if (ev->trunc || room(ev) < klen + 4 + value_min) {
		ev->trunc = 1;
		return 0;
	}
	if (!*first)
		*ev->p++ = ',';
	*first = 0;
	if (key) {
		*ev->p++ = '"';
		put(ev, key, klen);
		*ev->p++ = '"';
		*ev->p++ = ':';
	}
	return 1;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Escaped string body; stops (and marks the event cut) when space runs out. */
static void put_escaped(struct ags_ev *ev, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = u[i];
		size_t len;

		/* Keep 7 bytes: the longest escape and the closing quote. */
		if (room(ev) < 7) {
			ev->trunc = 1;
			return;
		}
		if (c == '"' || c == '\\') {
			*ev->p++ = '\\';
			*ev->p++ = (char)c;
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			const char *esc = NULL;

			switch (c) {
			case '\n': esc = "\\n"; break;
			case '\t': esc = "\\t"; break;
			case '\r': esc = "\\r"; break;
			default: break;
			}
			if (esc) {
				put(ev, esc, 2);
			} else {
				put(ev, "\\u00", 4);
				*ev->p++ = hex[c >> 4];
				*ev->p++ = hex[c & 15];
			}
			i++;
		} else if (c < 0x80) {
			*ev->p++ = (char)c;
			i++;
		} else if ((len = utf8_len(u + i, n - i)) != 0) {
			put(ev, s + i, len);
			i += len;
		} else {
			put(ev, "\\ufffd", 6); /* invalid UTF-8 byte */
			i++;
		}
	}
}

static void put_string(struct ags_ev *ev, const char *s, size_t n)
{
	*ev->p++ = '"';
	put_escaped(ev, s, n);
	*ev->p++ = '"';
}

void ags_ev_begin_raw(struct ags_ev *ev)
{
	ev->p = ev->buf;
	ev->end = ev->buf + sizeof(ev->buf) - RESERVE;
	ev->trunc = 0;
	ev->trunc_argv = 0;
	ev->depth = 0;
	ev->first[0] = 1;
	*ev->p++ = '{';
}

void ags_ev_begin(struct ags_ev *ev, enum ags_kind kind, const char *call)
{
	ags_ev_begin_raw(ev);
	ags_ev_int(ev, AGS_K_VERSION, AGS_SCHEMA_VERSION);
	ags_ev_uint(ev, AGS_K_TS, ags_now_ns());
	ags_ev_str(ev, AGS_K_SRC, AGS_SRC_PRELOAD);
	ags_ev_str(ev, AGS_K_KIND, ags_kind_name(kind));
	ags_ev_int(ev, AGS_K_PID, ags_self_pid());
	ags_ev_int(ev, AGS_K_PPID, ags_self_ppid());
	ags_ev_int(ev, AGS_K_TID, ags_gettid());
	ags_ev_str(ev, AGS_K_EXE, ags_exe);
	if (call)
		ags_ev_str(ev, AGS_K_CALL, call);
}

void ags_ev_strn(struct ags_ev *ev, const char *key, const char *val, size_t len)
{
	if (!val) {
		if (member(ev, key, 4))
			put(ev, "null", 4);
		return;
	}
	if (member(ev, key, 8))
		put_string(ev, val, len);
}

void ags_ev_str(struct ags_ev *ev, const char *key, const char *val)
{
	ags_ev_strn(ev, key, val, val ? strlen(val) : 0);
}

void ags_ev_int(struct ags_ev *ev, const char *key, int64_t val)
{
	char num[24];
	size_t n = ags_fmt_i64(num, val);

	if (member(ev, key, n))
		put(ev, num, n);
}

void ags_ev_uint(struct ags_ev *ev, const char *key, uint64_t val)
{
	char num[24];
	size_t n = ags_fmt_u64(num, val);

	if (member(ev, key, n))
		put(ev, num, n);
}

void ags_ev_bool(struct ags_ev *ev, const char *key, int val)
{
	if (member(ev, key, 5))
		put(ev, val ? "true" : "false", val ? 4 : 5);
}

void ags_ev_errno(struct ags_ev *ev, int err)
{
	const char *name;

	if (!err)
		return;
	name = ags_errno_name(err);
	ags_ev_int(ev, AGS_K_ERRNO, err);
	ags_ev_str(ev, AGS_K_ERR, name ? name : "EUNKNOWN");
}

static void open_level(struct ags_ev *ev, const char *key, char open, char close)
{
	if (ev->depth >= AGS_EV_DEPTH || !member(ev, key, 2)) {
		ev->trunc = 1;
		return;
	}
	*ev->p++ = open;
	ev->closers[ev->depth++] = close;
	ev->first[ev->depth] = 1;
}

void ags_ev_obj(struct ags_ev *ev, const char *key)
{
	int depth = ev->depth;

	open_level(ev, key, '{', '}');
	/* A level that could not open still needs a matching close to be ignored. */
	if (ev->depth == depth && ev->depth < AGS_EV_DEPTH)
		ev->closers[ev->depth++] = 0;
}

void ags_ev_arr(struct ags_ev *ev, const char *key)
{
	int depth = ev->depth;

	open_level(ev, key, '[', ']');
	if (ev->depth == depth && ev->depth < AGS_EV_DEPTH)
		ev->closers[ev->depth++] = 0;
}

void ags_ev_close(struct ags_ev *ev)
{
	char c;

	if (ev->depth == 0)
		return;
	c = ev->closers[--ev->depth];
	if (c)
		*ev->p++ = c; /* RESERVE always holds room for the closers */
}

void ags_ev_elem_str(struct ags_ev *ev, const char *val)
{
	ags_ev_str(ev, NULL, val);
}

void ags_ev_elem_int(struct ags_ev *ev, int64_t val)
{
	ags_ev_int(ev, NULL, val);
}

/*
 * One argv element, with the secret part (if any) replaced.  A long element
 * (an agent's prompt passed as an argument) keeps its head and says how many
 * bytes it had: "head...[+N bytes]".
 */
static void put_arg(struct ags_ev *ev, const char *prev, const char *arg)
{
	size_t start = 0, len = 0, alen = strlen(arg), shown = alen;
	int secret = ags_cfg.redact && ags_redact_span(prev, arg, &start, &len);

	if (!member(ev, NULL, 8 + sizeof(AGS_REDACTED)))
		return;
	if (shown > AGS_ARG_SHOWN_MAX)
		shown = AGS_ARG_SHOWN_MAX;
	*ev->p++ = '"';
	if (!secret) {
		put_escaped(ev, arg, shown);
	} else {
		put_escaped(ev, arg, start < shown ? start : shown);
		if (room(ev) > sizeof(AGS_REDACTED) + 2)
			put(ev, AGS_REDACTED, sizeof(AGS_REDACTED) - 1);
		if (start + len < shown)
			put_escaped(ev, arg + start + len, shown - start - len);
	}
	if (shown < alen && room(ev) > 40) {
		char num[24];

		put(ev, "...[+", 5);
		put(ev, num, ags_fmt_u64(num, alen - shown));
		put(ev, " bytes]", 7);
	}
	*ev->p++ = '"';
}

void ags_ev_argv(struct ags_ev *ev, const char *key, char *const argv[])
{
	int64_t argc = 0;
	char *end;

	while (argv && argv[argc])
		argc++;
	/* The count first, so that it survives a cut array. */
	ags_ev_int(ev, AGS_K_ARGC, argc);
	ags_ev_arr(ev, key);
	/*
	 * Leave room for the keys that follow the array: the elements see an
	 * end moved back by that much, so that even one long element whose
	 * escapes double it cannot eat into the room.
	 */
	end = ev->end;
	if (room(ev) > AGS_ARGV_TAIL_ROOM)
		ev->end -= AGS_ARGV_TAIL_ROOM;
	for (int64_t i = 0; i < argc; i++) {
		if (room(ev) < 16) {
			ev->trunc = 1;
			break;
		}
		put_arg(ev, i ? argv[i - 1] : NULL, argv[i]);
	}
	ev->end = end;
	ags_ev_close(ev);
	/* Keys after the array must still fit: the cut was the array's only. */
	if (ev->trunc && room(ev) >= 64) {
		ev->trunc_argv = 1;
		ev->trunc = 0;
	}
}

void ags_ev_raw(struct ags_ev *ev, const char *members, size_t len, int cut)
{
	if (!len)
		return;
	if (!member(ev, NULL, len))
		return;
	put(ev, members, len);
	if (cut)
		ev->trunc_argv = 1;
}

size_t ags_ev_finish(struct ags_ev *ev)
{
	while (ev->depth > 0)
		ags_ev_close(ev);
	if (ev->trunc || ev->trunc_argv) {
		static const char tail[] = ",\"" AGS_K_TRUNC "\":1";

		put(ev, tail, sizeof(tail) - 1);
	}
	*ev->p++ = '}';
	*ev->p++ = '\n';
	return (size_t)(ev->p - ev->buf);
}

void ags_ev_emit(struct ags_ev *ev)
{
	size_t len = ags_ev_finish(ev);
	int err = ags_out_write(ev->buf, len);

	/* A vfork child shares its parent's counters: its lines are not the parent's. */
	if (AGS_UNLIKELY(ags_vfork_child))
		return;
	if (err) {
		__atomic_fetch_add(&ags_stats.dropped, 1, __ATOMIC_RELAXED);
		ags_stats.last_drop_errno = err;
	} else {
		__atomic_fetch_add(&ags_stats.events, 1, __ATOMIC_RELAXED);
	}
}

/* ---- the events file ---- */

static int out_fd = -1;

int ags_out_fd(void)
{
	return __atomic_load_n(&out_fd, __ATOMIC_ACQUIRE);
}

/* dup2 onto the events fd moved it to newfd. */
static void out_moved(int newfd)
{
	__atomic_store_n(&out_fd, newfd, __ATOMIC_RELEASE);
}

int ags_out_open(void)
{
	long fd, high;
	int old = ags_out_fd();

	if (!ags_cfg.out_path[0])
		return ENOENT;
	fd = ags_sys_open(ags_cfg.out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW,
			  0600);
	if (fd < 0)
		return (int)-fd;
	high = ags_sys_fcntl(fd, F_DUPFD_CLOEXEC, ags_high_fd_floor());
	if (high >= 0) {
		ags_sys_close(fd);
		fd = high;
	}
	if (old >= 0)
		ags_own_fd_del(old);
	ags_own_fd_add((int)fd, out_moved, NULL);
	__atomic_store_n(&out_fd, (int)fd, __ATOMIC_RELEASE);
	return 0;
}

int ags_out_fd_taken(int fd, int closing)
{
	if (fd < 0 || !ags_own_fd(fd))
		return 0;
	if (closing)
		return 1; /* to the program, this fd does not exist */
	/* A vfork child has its own fd table but shares the shim's memory. */
	if (ags_vfork_child)
		return 0;
	return ags_own_fd_taken(fd, 0);
}

/* A vfork child writes through a descriptor of its own: the shared one may be gone there. */
static int out_write_vfork(const char *line, size_t len)
{
	long fd, n;

	fd = ags_sys_open(ags_cfg.out_path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0);
	if (fd < 0)
		return (int)-fd;
	do {
		n = ags_sys_write(fd, line, len);
	} while (n == -EINTR);
	ags_sys_close(fd);
	if (n < 0)
		return (int)-n;
	return (size_t)n == len ? 0 : ENOSPC;
}

int ags_out_write(const char *line, size_t len)
{
	int fd = ags_out_fd();
	long n;

	if (AGS_UNLIKELY(ags_vfork_child))
		return out_write_vfork(line, len);
	if (fd < 0)
		return EBADF;
	do {
		n = ags_sys_write(fd, line, len);
	} while (n == -EINTR);
	if (n == -EBADF && ags_out_open() == 0) {
		/* Closed under us (close_range in a child, say): reopen once. */
		ags_stats.reopened++;
		n = ags_sys_write(ags_out_fd(), line, len);
	}
	if (n < 0)
		return (int)-n;
	if ((size_t)n != len)
		return ENOSPC; /* a short write leaves a torn line; count it lost */
	return 0;
}
