/* SPDX-License-Identifier: MIT */
/* Findings: aggregation by (id, key), evidence, summary, and their accessors. */
#include "report_int.h"

#include <stdlib.h>
#include <string.h>

void finding_free(struct finding *f)
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
