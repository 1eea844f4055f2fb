/* SPDX-License-Identifier: MIT */
/* Shim diagnostics with a tiny allocation-free formatter. */
#include "log.h"

#include <stdarg.h>
#include <string.h>

#include "emit.h"
#include "sys.h"

static const char *const level_names[] = { "", "ERROR", "WARN", "INFO", "DEBUG" };

struct logbuf {
	char *p, *end;
	char buf[512];
};

static void lput(struct logbuf *b, const char *s, size_t n)
{
	if (n > (size_t)(b->end - b->p))
		n = (size_t)(b->end - b->p);
	memcpy(b->p, s, n);
	b->p += n;
}

static void lputs(struct logbuf *b, const char *s)
{
	lput(b, s ? s : "(null)", strlen(s ? s : "(null)"));
}

static void lnum(struct logbuf *b, uint64_t v, int neg)
{
	char num[24];
	size_t n = ags_fmt_u64(num, v);

	if (neg)
		lput(b, "-", 1);
	lput(b, num, n);
}

void ags_log(int level, const char *func, const char *file, int line, const char *fmt, ...)
{
	struct logbuf b;
	va_list ap;
	int fd = ags_cfg.log_fd;

	if (fd < 0)
		return;
	b.p = b.buf;
	b.end = b.buf + sizeof(b.buf) - 1;
	lputs(&b, "agshim[");
	lnum(&b, (uint64_t)ags_pid, 0);
	lputs(&b, "] ");
	lputs(&b, level_names[level]);
	lputs(&b, ": ");

	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			lput(&b, f, 1);
			continue;
		}
		switch (*++f) {
		case 's': lputs(&b, va_arg(ap, const char *)); break;
		case 'd': {
			int v = va_arg(ap, int);

			lnum(&b, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0);
			break;
		}
		case 'u': lnum(&b, va_arg(ap, unsigned), 0); break;
		case 'l': /* %llu */
			f += 2;
			lnum(&b, va_arg(ap, unsigned long long), 0);
			break;
		case '%': lput(&b, "%", 1); break;
		case '\0': f--; break;
		default: lput(&b, "?", 1); break;
		}
	}
	va_end(ap);

	if (level >= AGS_LOG_DBG) {
		char num[24];

		lputs(&b, " (in ");
		lputs(&b, func);
		lputs(&b, "() at ");
		lputs(&b, file);
		lputs(&b, ":");
		lput(&b, num, ags_fmt_u64(num, (uint64_t)line));
		lputs(&b, ")");
	}
	*b.p++ = '\n';
	ags_sys_write(fd, b.buf, (size_t)(b.p - b.buf));
}
