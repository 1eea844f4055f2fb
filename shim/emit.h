/* SPDX-License-Identifier: MIT */
/* Building one JSON Lines event in a stack buffer and writing it with one write(2). */
#ifndef AGSHIM_SHIM_EMIT_H
#define AGSHIM_SHIM_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "agshim/event.h"
#include "shim.h"

#define AGS_EV_DEPTH 8
/* Bytes of one argv element an event shows; the rest is counted. */
#define AGS_ARG_SHOWN_MAX 512
/* Room an argv array leaves for the keys after it. */
#define AGS_ARGV_TAIL_ROOM 768

/*
 * An event under construction.  Every function below is allocation-free,
 * lock-free and async-signal-safe; none sets errno.  When the line would
 * pass AGS_LINE_MAX the rest is dropped and the event ends with "trunc":1.
 */
struct ags_ev {
	char *p;		     /* next byte to write */
	char *end;		     /* last byte content may use */
	int trunc;		     /* content was dropped; nothing more fits */
	int trunc_argv;		     /* an argv array was cut, the rest fits */
	int depth;		     /* open objects/arrays after the top level */
	char closers[AGS_EV_DEPTH];  /* '}' or ']' for each open level */
	int first[AGS_EV_DEPTH + 1]; /* no member written yet at this level */
	char buf[AGS_LINE_MAX];
};

/* Start an event of the given kind with the common keys; call may be NULL. */
void ags_ev_begin(struct ags_ev *ev, enum ags_kind kind, const char *call) AGS_HIDDEN;
/* Same, for producers that fill the common keys themselves (unit tests, eBPF). */
void ags_ev_begin_raw(struct ags_ev *ev) AGS_HIDDEN;

void ags_ev_str(struct ags_ev *ev, const char *key, const char *val) AGS_HIDDEN;
void ags_ev_strn(struct ags_ev *ev, const char *key, const char *val, size_t len) AGS_HIDDEN;
void ags_ev_int(struct ags_ev *ev, const char *key, int64_t val) AGS_HIDDEN;
void ags_ev_uint(struct ags_ev *ev, const char *key, uint64_t val) AGS_HIDDEN;
void ags_ev_bool(struct ags_ev *ev, const char *key, int val) AGS_HIDDEN;
/* "errno":N,"err":"ENAME"; nothing when err is 0. */
void ags_ev_errno(struct ags_ev *ev, int err) AGS_HIDDEN;
/*
 * argc, then an argv-style array (NULL-terminated), redacted when configured.
 * Long elements are cut to AGS_ARG_SHOWN_MAX bytes; the array stops early to
 * leave AGS_ARGV_TAIL_ROOM for the keys after it, and the event is marked cut.
 */
void ags_ev_argv(struct ags_ev *ev, const char *key, char *const argv[]) AGS_HIDDEN;

/*
 * Members rendered earlier by another ags_ev ("k":v,"k2":v2, no braces),
 * appended at the current level; cut says they were cut themselves.
 */
void ags_ev_raw(struct ags_ev *ev, const char *members, size_t len, int cut) AGS_HIDDEN;

/* Nesting: key may be NULL inside arrays. */
void ags_ev_obj(struct ags_ev *ev, const char *key) AGS_HIDDEN;
void ags_ev_arr(struct ags_ev *ev, const char *key) AGS_HIDDEN;
void ags_ev_close(struct ags_ev *ev) AGS_HIDDEN;
/* An array element. */
void ags_ev_elem_str(struct ags_ev *ev, const char *val) AGS_HIDDEN;
void ags_ev_elem_int(struct ags_ev *ev, int64_t val) AGS_HIDDEN;

/* Close every level, finish the line; returns its length. */
size_t ags_ev_finish(struct ags_ev *ev) AGS_HIDDEN;
/* Finish and write to the events file; a failed write is counted, never reported. */
void ags_ev_emit(struct ags_ev *ev) AGS_HIDDEN;

/* Write a finished line; returns 0, or the errno of a failed write. */
int ags_out_write(const char *line, size_t len) AGS_HIDDEN;
/* Open the events file and move it high; returns 0 or an errno. */
int ags_out_open(void) AGS_HIDDEN;
/* The events fd, or -1. */
int ags_out_fd(void) AGS_HIDDEN;
/*
 * The program is about to close or dup2 over fd: when it is one the shim
 * owns (the events file, the log, a library's pipe; see ownfd.h), a dup2
 * moves the shim's away first, and a close must fail with EBADF: returns 1
 * then.  Async-signal-safe.
 */
int ags_out_fd_taken(int fd, int closing) AGS_HIDDEN;

/* Name of an errno value ("ENOENT"), or NULL when unknown. */
const char *ags_errno_name(int err) AGS_HIDDEN;
/* Name of an event kind. */
const char *ags_kind_name(enum ags_kind kind) AGS_HIDDEN;

/* Decimal text of v into buf (at least 21 bytes); returns the length. */
size_t ags_fmt_u64(char *buf, uint64_t v) AGS_HIDDEN;
size_t ags_fmt_i64(char *buf, int64_t v) AGS_HIDDEN;

#endif /* AGSHIM_SHIM_EMIT_H */
