/* SPDX-License-Identifier: MIT */
/* Reading untrusted event lines, the process table, running analyzers, aggregating findings. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct evrec {
	json_t *ev;
	int64_t ts_ns;
	size_t seq; /* input order, so that the sort is stable */
};

struct finding {
	char *id;
	char *key;
	int sev; /* -1: the playbook's */
	int64_t count;
	int64_t first_ts_ns;
	int64_t last_ts_ns;
	int64_t *pids;
	size_t npids, pids_cap;
	json_t *evidence;
	char *summary;
};

struct report {
	struct evrec *evs;
	size_t nevs, evs_cap;
	json_t *inputs;	   /* array of {file, lines, events, malformed} */
	json_t *malformed; /* the first REPORT_MALFORMED_LIST_MAX malformed lines */
	size_t nmalformed;
	struct proc *procs; /* sorted by pid */
	size_t nprocs;
	struct finding **findings;
	size_t nfindings, findings_cap;
	json_t *finding_index; /* "id\x1fkey" -> index + 1 */
	int64_t dropped;
	bool ran;
};

struct report *report_new(void)
{
	struct report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->inputs = json_array();
	r->malformed = json_array();
	r->finding_index = json_object();
	if (!r->inputs || !r->malformed || !r->finding_index) {
		report_free(r);
		return NULL;
	}
	return r;
}

static void finding_free(struct finding *f)
{
	if (!f)
		return;
	free(f->id);
	free(f->key);
	free(f->pids);
	free(f->summary);
	json_decref(f->evidence);
	free(f);
}

void report_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nevs; i++)
		json_decref(r->evs[i].ev);
	free(r->evs);
	for (size_t i = 0; i < r->nfindings; i++)
		finding_free(r->findings[i]);
	free(r->findings);
	free(r->procs);
	json_decref(r->inputs);
	json_decref(r->malformed);
	json_decref(r->finding_index);
	free(r);
}

/* ---- reading ---- */

struct input_stats {
	const char *name;
	int64_t lines, events, malformed;
};

static void note_malformed(struct report *r, struct input_stats *in, int64_t line, int64_t col,
			   const char *msg)
{
	in->malformed++;
	r->nmalformed++;
	if (json_array_size(r->malformed) >= REPORT_MALFORMED_LIST_MAX)
		return;
	json_array_append_new(r->malformed,
			      json_pack("{s:s, s:I, s:I, s:s}", "file", in->name, "line",
					(json_int_t)line, "col", (json_int_t)col, "error", msg));
}

static int push_event(struct report *r, json_t *ev)
{
	if (r->nevs == r->evs_cap) {
		size_t cap = r->evs_cap ? r->evs_cap * 2 : 1024;
		struct evrec *n = realloc(r->evs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->evs = n;
		r->evs_cap = cap;
	}
	r->evs[r->nevs].ev = ev;
	r->evs[r->nevs].ts_ns = ev_ts(ev);
	r->evs[r->nevs].seq = r->nevs;
	r->nevs++;
	return 0;
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* One complete line (no newline); returns 0 or -ENOMEM. */
static int take_line(struct report *r, struct input_stats *in, const char *s, size_t len)
{
	json_error_t jerr;
	json_t *ev;
	json_t *pid;

	in->lines++;
	if (blank(s, len))
		return 0;
	ev = json_loadb(s, len, 0, &jerr);
	if (!ev) {
		note_malformed(r, in, in->lines, jerr.column, jerr.text);
		return 0;
	}
	pid = json_object_get(ev, AGS_K_PID);
	if (!json_is_object(ev)) {
		note_malformed(r, in, in->lines, 1, "not a JSON object");
	} else if (!json_is_string(json_object_get(ev, AGS_K_KIND))) {
		note_malformed(r, in, in->lines, 1, "no string \"kind\"");
	} else if (!json_is_integer(pid) || json_integer_value(pid) <= 0) {
		note_malformed(r, in, in->lines, 1, "no positive integer \"pid\"");
	} else {
		if (push_event(r, ev) < 0) {
			json_decref(ev);
			return -ENOMEM;
		}
		in->events++;
		return 0;
	}
	json_decref(ev);
	return 0;
}

/* Line assembly shared by the FILE and memory readers. */
struct line_buf {
	char *buf;
	size_t len, cap;
	bool too_long; /* the current line passed REPORT_LINE_MAX: skip to its end */
};

static int feed(struct report *r, struct input_stats *in, struct line_buf *lb, const char *p,
		size_t n)
{
	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t chunk = nl ? (size_t)(nl - p) : n;

		if (!lb->too_long && lb->len + chunk > REPORT_LINE_MAX) {
			lb->too_long = true;
			lb->len = 0;
		}
		if (!lb->too_long) {
			if (lb->len + chunk > lb->cap) {
				size_t cap = lb->cap ? lb->cap : 4096;
				char *b;

				while (cap < lb->len + chunk)
					cap *= 2;
				b = realloc(lb->buf, cap);
				if (!b)
					return -ENOMEM;
				lb->buf = b;
				lb->cap = cap;
			}
			if (chunk) {
				memcpy(lb->buf + lb->len, p, chunk);
				lb->len += chunk;
			}
		}
		if (!nl)
			return 0;
		if (lb->too_long) {
			in->lines++;
			note_malformed(r, in, in->lines, REPORT_LINE_MAX + 1,
				       "line longer than 1 MiB, skipped");
		} else if (take_line(r, in, lb->buf ? lb->buf : "", lb->len) < 0) {
			return -ENOMEM;
		}
		lb->len = 0;
		lb->too_long = false;
		p = nl + 1;
		n -= chunk + 1;
	}
	return 0;
}

static int feed_end(struct report *r, struct input_stats *in, struct line_buf *lb)
{
	int err = 0;

	/* A last line without its newline is still a line (often a cut one). */
	if (lb->too_long || lb->len > 0)
		err = feed(r, in, lb, "\n", 1);
	free(lb->buf);
	json_array_append_new(r->inputs,
			      json_pack("{s:s, s:I, s:I, s:I}", "file", in->name, "lines",
					(json_int_t)in->lines, "events", (json_int_t)in->events,
					"malformed", (json_int_t)in->malformed));
	return err;
}

int report_read(struct report *r, FILE *f, const char *name)
{
	struct input_stats in = { .name = name };
	struct line_buf lb = { 0 };
	char chunk[65536];
	size_t n;
	int err = 0;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		err = feed(r, &in, &lb, chunk, n);
		if (err)
			break;
	}
	if (!err && ferror(f))
		err = -(errno ? errno : EIO);
	if (feed_end(r, &in, &lb) < 0 && !err)
		err = -ENOMEM;
	return err;
}

int report_read_mem(struct report *r, const char *buf, size_t len, const char *name)
{
	struct input_stats in = { .name = name };
	struct line_buf lb = { 0 };
	int err = feed(r, &in, &lb, buf, len);
	int err2 = feed_end(r, &in, &lb);

	return err ? err : err2;
}

/* ---- accessors ---- */

static const char *const kind_names[] = {
#define AGS_KIND_NAME(id, name) name,
	AGS_KINDS(AGS_KIND_NAME)
#undef AGS_KIND_NAME
};

enum ags_kind ev_kind(json_t *ev)
{
	const char *k = ev_str(ev, AGS_K_KIND);

	if (!k)
		return AGS_KIND__COUNT;
	for (int i = 0; i < AGS_KIND__COUNT; i++)
		if (strcmp(k, kind_names[i]) == 0)
			return (enum ags_kind)i;
	return AGS_KIND__COUNT;
}

const char *ev_str(json_t *ev, const char *key)
{
	return json_string_value(json_object_get(ev, key));
}

bool ev_int(json_t *ev, const char *key, int64_t *out)
{
	json_t *v = json_object_get(ev, key);

	if (!json_is_integer(v))
		return false;
	*out = json_integer_value(v);
	return true;
}

int64_t ev_int_or(json_t *ev, const char *key, int64_t dflt)
{
	int64_t v;

	return ev_int(ev, key, &v) ? v : dflt;
}

bool ev_bool(json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);

	return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0);
}

json_t *ev_obj(json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);

	return json_is_object(v) ? v : NULL;
}

json_t *ev_arr(json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);

	return json_is_array(v) ? v : NULL;
}

int64_t ev_ts(json_t *ev)
{
	return ev_int_or(ev, AGS_K_TS, 0);
}

int64_t ev_pid(json_t *ev)
{
	return ev_int_or(ev, AGS_K_PID, 0);
}

const char *argv_at(json_t *argv, size_t i)
{
	return json_string_value(json_array_get(argv, i));
}

const char *path_base(const char *path)
{
	const char *s;

	if (!path)
		return NULL;
	s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

static const char *const sev_names[] = { "info", "warning", "error", "critical" };

const char *severity_name(enum severity sev)
{
	if ((unsigned)sev >= sizeof(sev_names) / sizeof(sev_names[0]))
		return "warning";
	return sev_names[sev];
}

int severity_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(sev_names) / sizeof(sev_names[0]); i++)
		if (strcmp(name, sev_names[i]) == 0)
			return (int)i;
	return -1;
}

/* ---- the process table ---- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_evrec(const void *a, const void *b)
{
	const struct evrec *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return (x->ts_ns > y->ts_ns) - (x->ts_ns < y->ts_ns);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

struct proc *report_proc(struct report *r, int64_t pid)
{
	size_t lo = 0, hi = r->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->procs[mid].pid == pid)
			return &r->procs[mid];
		if (r->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t report_nprocs(const struct report *r)
{
	return r->nprocs;
}

struct proc *report_proc_at(struct report *r, size_t i)
{
	return i < r->nprocs ? &r->procs[i] : NULL;
}

struct proc *report_parent(struct report *r, const struct proc *p)
{
	if (!p || p->ppid <= 0 || p->ppid == p->pid)
		return NULL;
	return report_proc(r, p->ppid);
}

const char *proc_name(const struct proc *p)
{
	const char *a0 = argv_at(p->argv, 0);

	if (p->exe && *p->exe)
		return path_base(p->exe);
	if (a0 && *a0)
		return path_base(a0);
	if (p->spawn_path && *p->spawn_path)
		return path_base(p->spawn_path);
	a0 = argv_at(p->spawn_argv, 0);
	return a0 && *a0 ? path_base(a0) : "?";
}

/* The pid an event names besides its own (a spawned, reaped or listed child), or 0. */
static int64_t child_of(json_t *ev, enum ags_kind k)
{
	int64_t c;

	if (k != AGS_KIND_SPAWN && k != AGS_KIND_WAIT && k != AGS_KIND_CHILD)
		return 0;
	if (!ev_int(ev, AGS_K_CHILD, &c) || c <= 0)
		return 0;
	return c;
}

static int collect_pids(struct report *r)
{
	int64_t *pids = malloc((2 * r->nevs + 1) * sizeof(*pids));
	size_t n = 0, u = 0;

	if (!pids)
		return -ENOMEM;
	for (size_t i = 0; i < r->nevs; i++) {
		json_t *ev = r->evs[i].ev;
		int64_t c = child_of(ev, ev_kind(ev));

		pids[n++] = ev_pid(ev);
		if (c)
			pids[n++] = c;
	}
	if (n)
		qsort(pids, n, sizeof(*pids), cmp_i64);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || pids[u - 1] != pids[i])
			pids[u++] = pids[i];
	r->procs = calloc(u ? u : 1, sizeof(*r->procs));
	if (!r->procs) {
		free(pids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < u; i++) {
		struct proc *p = &r->procs[i];

		p->pid = pids[i];
		p->ppid = -1;
		p->events_written = -1;
		p->reap_status = -1;
		p->reap_signal = -1;
	}
	r->nprocs = u;
	free(pids);
	return 0;
}

static void proc_own_event(struct report *r, struct proc *p, json_t *ev, enum ags_kind k)
{
	int64_t ts = ev_ts(ev), v;
	const char *src = ev_str(ev, AGS_K_SRC);

	p->nevents++;
	p->observed = true;
	if (!p->first_ts_ns || (ts && ts < p->first_ts_ns))
		p->first_ts_ns = ts;
	if (ts > p->last_ts_ns)
		p->last_ts_ns = ts;
	if (src && strcmp(src, AGS_SRC_EBPF) == 0)
		p->src |= PROC_SRC_EBPF;
	else
		p->src |= PROC_SRC_PRELOAD;
	/* The first ppid seen is the real parent; later ones may be a reaper's. */
	if (p->ppid <= 0 && ev_int(ev, AGS_K_PPID, &v) && v > 0)
		p->ppid = v;

	switch (k) {
	case AGS_KIND_PROC_START:
		p->images++;
		if (!p->start_ts_ns)
			p->start_ts_ns = ts;
		if (ev_str(ev, AGS_K_EXE))
			p->exe = ev_str(ev, AGS_K_EXE);
		if (ev_arr(ev, AGS_K_ARGV))
			p->argv = ev_arr(ev, AGS_K_ARGV);
		if (ev_str(ev, AGS_K_CWD))
			p->cwd = ev_str(ev, AGS_K_CWD);
		break;
	case AGS_KIND_PROC_EXIT:
		p->exited = true;
		p->exit_ts_ns = ts;
		if (ev_int(ev, AGS_K_STATUS, &v)) {
			p->has_status = true;
			p->status = v;
		}
		p->signal = ev_int_or(ev, AGS_K_SIGNAL, p->signal);
		if (p->signal)
			p->has_status = true;
		if (ev_int(ev, AGS_K_EVENTS, &v) && v >= 0)
			p->events_written = (p->events_written > 0 ? p->events_written : 0) + v;
		if (ev_int(ev, AGS_K_DROPPED, &v) && v > 0 && v < INT64_MAX / 4) {
			p->dropped += v;
			r->dropped += v;
		}
		break;
	case AGS_KIND_LOST:
		if (ev_int(ev, AGS_K_DROPPED, &v) && v > 0 && v < INT64_MAX / 4) {
			p->dropped += v;
			r->dropped += v;
		}
		break;
	default:
		if (!p->exe && ev_str(ev, AGS_K_EXE))
			p->exe = ev_str(ev, AGS_K_EXE);
		break;
	}
}

static void proc_named_child(struct proc *parent, struct proc *c, json_t *ev, enum ags_kind k)
{
	int64_t v;

	if (c->ppid <= 0 && c->pid != parent->pid)
		c->ppid = parent->pid;
	if (k == AGS_KIND_SPAWN && !c->spawned) {
		c->spawned = true;
		c->spawn_ts_ns = ev_ts(ev);
		c->spawn_path = ev_str(ev, AGS_K_PATH);
		c->spawn_argv = ev_arr(ev, AGS_K_ARGV);
	} else if (k == AGS_KIND_WAIT) {
		c->reaped = true;
		c->reap_ts_ns = ev_ts(ev);
		if (ev_int(ev, AGS_K_STATUS, &v))
			c->reap_status = v;
		if (ev_int(ev, AGS_K_SIGNAL, &v))
			c->reap_signal = v;
		/* The parent's view fills in a status the child could not write. */
		if (!c->has_status && (c->reap_status >= 0 || c->reap_signal > 0)) {
			c->has_status = true;
			c->status = c->reap_status >= 0 ? c->reap_status : 0;
			c->signal = c->reap_signal > 0 ? c->reap_signal : 0;
		}
	}
}

static int build_procs(struct report *r)
{
	int err = collect_pids(r);

	if (err)
		return err;
	for (size_t i = 0; i < r->nevs; i++) {
		json_t *ev = r->evs[i].ev;
		enum ags_kind k = ev_kind(ev);
		struct proc *p = report_proc(r, ev_pid(ev));
		int64_t c = child_of(ev, k);

		proc_own_event(r, p, ev, k);
		if (c)
			proc_named_child(p, report_proc(r, c), ev, k);
	}
	return 0;
}

/* ---- findings ---- */

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

struct finding *finding_add(struct report *r, const char *id, const char *key, int64_t ts_ns,
			    int64_t pid)
{
	size_t ilen = strlen(id), klen = key ? strlen(key) : 0;
	char *ik = malloc(ilen + klen + 2);
	struct finding *f = NULL;
	json_t *idx;

	if (!ik)
		return NULL;
	memcpy(ik, id, ilen);
	ik[ilen] = '\x1f';
	memcpy(ik + ilen + 1, key ? key : "", klen);
	ik[ilen + 1 + klen] = '\0';

	idx = json_object_getn(r->finding_index, ik, ilen + klen + 1);
	if (idx) {
		f = r->findings[json_integer_value(idx)];
	} else {
		if (r->nfindings == r->findings_cap) {
			size_t cap = r->findings_cap ? r->findings_cap * 2 : 16;
			struct finding **n = realloc(r->findings, cap * sizeof(*n));

			if (!n)
				goto out;
			r->findings = n;
			r->findings_cap = cap;
		}
		f = calloc(1, sizeof(*f));
		if (!f)
			goto out;
		f->id = xstrdup(id);
		f->key = xstrdup(key);
		f->sev = -1;
		f->evidence = json_object();
		if (!f->id || !f->key || !f->evidence) {
			finding_free(f);
			f = NULL;
			goto out;
		}
		json_object_setn_new(r->finding_index, ik, ilen + klen + 1,
				     json_integer((json_int_t)r->nfindings));
		r->findings[r->nfindings++] = f;
	}
	f->count++;
	if (ts_ns > 0 && (!f->first_ts_ns || ts_ns < f->first_ts_ns))
		f->first_ts_ns = ts_ns;
	if (ts_ns > f->last_ts_ns)
		f->last_ts_ns = ts_ns;
	if (pid > 0)
		finding_pid(f, pid);
out:
	free(ik);
	return f;
}

struct finding *finding_add_ev(struct report *r, const char *id, const char *key, json_t *ev)
{
	return finding_add(r, id, key, ev_ts(ev), ev_pid(ev));
}

json_t *finding_evidence(struct finding *f)
{
	return f->evidence;
}

void finding_sample(struct finding *f, const char *key, json_t *val, size_t max)
{
	json_t *arr = json_object_get(f->evidence, key);
	size_t i;
	json_t *v;

	if (!val)
		return;
	if (!json_is_array(arr)) {
		arr = json_array();
		json_object_set_new(f->evidence, key, arr);
	}
	json_array_foreach(arr, i, v)
	{
		if (json_equal(v, val)) {
			json_decref(val);
			return;
		}
	}
	if (json_array_size(arr) < max) {
		json_array_append_new(arr, val);
	} else {
		char more[128];

		snprintf(more, sizeof(more), "%s_more", key);
		json_object_set_new(
			f->evidence, more,
			json_integer(json_integer_value(json_object_get(f->evidence, more)) + 1));
		json_decref(val);
	}
}

void finding_summary(struct finding *f, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	free(f->summary);
	f->summary = s;
}

void finding_set_severity(struct finding *f, enum severity sev)
{
	f->sev = (int)sev;
}

int64_t finding_count(const struct finding *f)
{
	return f->count;
}

void finding_pid(struct finding *f, int64_t pid)
{
	for (size_t i = 0; i < f->npids; i++)
		if (f->pids[i] == pid)
			return;
	if (f->npids == f->pids_cap) {
		size_t cap = f->pids_cap ? f->pids_cap * 2 : 4;
		int64_t *n = realloc(f->pids, cap * sizeof(*n));

		if (!n)
			return;
		f->pids = n;
		f->pids_cap = cap;
	}
	f->pids[f->npids++] = pid;
}

size_t report_nfindings(const struct report *r)
{
	return r->nfindings;
}

struct finding *report_finding_at(struct report *r, size_t i)
{
	return i < r->nfindings ? r->findings[i] : NULL;
}

const char *finding_id(const struct finding *f)
{
	return f->id;
}

enum severity finding_severity(const struct finding *f)
{
	json_t *e;
	int s;

	if (f->sev >= 0)
		return (enum severity)f->sev;
	e = playbook_entry(f->id);
	s = severity_parse(json_string_value(json_object_get(e, "severity")));
	return s >= 0 ? (enum severity)s : SEV_WARNING;
}

int report_worst(const struct report *r)
{
	int worst = -1;

	for (size_t i = 0; i < r->nfindings; i++) {
		int s = (int)finding_severity(r->findings[i]);

		if (s > worst)
			worst = s;
	}
	return worst;
}

const char *finding_key(const struct finding *f)
{
	return f->key;
}

const char *finding_text(const struct finding *f)
{
	return f->summary;
}

int64_t finding_first_ts(const struct finding *f)
{
	return f->first_ts_ns;
}

int64_t finding_last_ts(const struct finding *f)
{
	return f->last_ts_ns;
}

json_t *finding_pids_json(const struct finding *f)
{
	int64_t *s = malloc((f->npids + 1) * sizeof(*s));
	json_t *a = json_array();

	if (!s || !a) {
		free(s);
		return a;
	}
	if (f->npids) {
		memcpy(s, f->pids, f->npids * sizeof(*s));
		qsort(s, f->npids, sizeof(*s), cmp_i64);
	}
	for (size_t i = 0; i < f->npids; i++)
		json_array_append_new(a, json_integer((json_int_t)s[i]));
	free(s);
	return a;
}

/* ---- running ---- */

size_t report_nevents(const struct report *r)
{
	return r->nevs;
}

size_t report_nmalformed(const struct report *r)
{
	return r->nmalformed;
}

int64_t report_ndropped(const struct report *r)
{
	return r->dropped;
}

json_t *report_inputs_json(struct report *r)
{
	return r->inputs;
}

json_t *report_malformed_json(struct report *r)
{
	return r->malformed;
}

/* Kinds both producers write; for a pid the shim saw, the shim's copy is kept. */
static bool shared_kind(enum ags_kind k)
{
	switch (k) {
	case AGS_KIND_PROC_START:
	case AGS_KIND_PROC_EXIT:
	case AGS_KIND_EXEC:
	case AGS_KIND_SPAWN:
	case AGS_KIND_WAIT:
	case AGS_KIND_CHILD:
	case AGS_KIND_CONNECT:
	case AGS_KIND_DNS:
	case AGS_KIND_FD_EXHAUST: return true;
	default: return false;
	}
}

static bool is_ebpf(json_t *ev)
{
	const char *src = ev_str(ev, AGS_K_SRC);

	return src && strcmp(src, AGS_SRC_EBPF) == 0;
}

static bool in_sorted(const int64_t *v, size_t n, int64_t x)
{
	return n && bsearch(&x, v, n, sizeof(*v), cmp_i64);
}

/*
 * A process traced by the shim and by eBPF at once is reported from the shim's events (they
 * carry more), with eBPF noted as a source; eBPF-only kinds (oom_kill, lost) stay.  Returns the
 * sorted pids whose eBPF copies were dropped (malloc'd, *n_out of them), or NULL.
 */
static int64_t *drop_ebpf_twins(struct report *r, size_t *n_out)
{
	int64_t *pre = malloc((r->nevs + 1) * sizeof(*pre));
	int64_t *twins = malloc((r->nevs + 1) * sizeof(*twins));
	size_t npre = 0, ntw = 0, kept = 0;

	*n_out = 0;
	if (!pre || !twins) {
		free(pre);
		free(twins);
		return NULL;
	}
	for (size_t i = 0; i < r->nevs; i++)
		if (!is_ebpf(r->evs[i].ev))
			pre[npre++] = ev_pid(r->evs[i].ev);
	if (npre)
		qsort(pre, npre, sizeof(*pre), cmp_i64);
	for (size_t i = 0; i < r->nevs; i++) {
		json_t *ev = r->evs[i].ev;

		if (is_ebpf(ev) && shared_kind(ev_kind(ev)) && in_sorted(pre, npre, ev_pid(ev))) {
			twins[ntw++] = ev_pid(ev);
			json_decref(ev);
			continue;
		}
		r->evs[kept++] = r->evs[i];
	}
	r->nevs = kept;
	free(pre);
	if (ntw)
		qsort(twins, ntw, sizeof(*twins), cmp_i64);
	*n_out = ntw;
	return twins;
}

int report_run(struct report *r)
{
	int64_t *twins;
	size_t ntwins;
	int err;

	if (r->ran)
		return 0;
	r->ran = true;
	if (r->nevs)
		qsort(r->evs, r->nevs, sizeof(*r->evs), cmp_evrec);
	twins = drop_ebpf_twins(r, &ntwins);
	err = build_procs(r);
	for (size_t i = 0; !err && i < r->nprocs; i++)
		if (in_sorted(twins, ntwins, r->procs[i].pid))
			r->procs[i].src |= PROC_SRC_EBPF;
	free(twins);
	if (err)
		return err;

	for (size_t a = 0; report_analyzers[a]; a++) {
		const struct analyzer *an = report_analyzers[a];
		void *st = an->create ? an->create() : NULL;

		for (size_t i = 0; an->event && i < r->nevs; i++)
			an->event(st, r, r->evs[i].ev);
		if (an->finish)
			an->finish(st, r);
		if (an->destroy)
			an->destroy(st);
	}
	return 0;
}
