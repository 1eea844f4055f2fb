/* SPDX-License-Identifier: MIT */
/* The report's three outputs: text for a person, JSON for tools, Prometheus text exposition. */
#include "report.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- shared ---- */

static const char *finding_area(const struct finding *f)
{
	const char *a = json_string_value(json_object_get(playbook_entry(finding_id(f)), "area"));

	return a ? a : "other";
}

static const char *finding_title(const struct finding *f)
{
	const char *t = json_string_value(json_object_get(playbook_entry(finding_id(f)), "title"));

	return t ? t : finding_id(f);
}

static int cmp_findings(const void *a, const void *b)
{
	const struct finding *x = *(struct finding *const *)a, *y = *(struct finding *const *)b;
	int c = (int)finding_severity(y) - (int)finding_severity(x);

	if (c)
		return c;
	c = strcmp(finding_area(x), finding_area(y));
	if (c)
		return c;
	if (finding_first_ts(x) != finding_first_ts(y))
		return finding_first_ts(x) < finding_first_ts(y) ? -1 : 1;
	return strcmp(finding_id(x), finding_id(y));
}

/* The findings, most severe first; free() the array.  NULL only when there are none. */
static struct finding **sorted_findings(struct report *r)
{
	size_t n = report_nfindings(r);
	struct finding **v = n ? malloc(n * sizeof(*v)) : NULL;

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = report_finding_at(r, i);
	if (n)
		qsort(v, n, sizeof(*v), cmp_findings);
	return v;
}

static size_t count_sev(struct report *r, enum severity sev)
{
	size_t n = 0;

	for (size_t i = 0; i < report_nfindings(r); i++)
		n += finding_severity(report_finding_at(r, i)) == sev;
	return n;
}

/* ---- JSON ---- */

static json_t *proc_json(const struct proc *p)
{
	json_t *o = json_object();
	json_t *src = json_array();

	if (p->src & PROC_SRC_PRELOAD)
		json_array_append_new(src, json_string(AGS_SRC_PRELOAD));
	if (p->src & PROC_SRC_EBPF)
		json_array_append_new(src, json_string(AGS_SRC_EBPF));
	json_object_set_new(o, "pid", json_integer(p->pid));
	json_object_set_new(o, "ppid", p->ppid > 0 ? json_integer(p->ppid) : json_null());
	json_object_set_new(o, "exe", p->exe ? json_string(p->exe) : json_null());
	json_object_set_new(o, "argv", p->argv ? json_deep_copy(p->argv) : json_array());
	json_object_set_new(o, "observed", json_boolean(p->observed));
	json_object_set_new(o, "src", src);
	json_object_set_new(o, "events", json_integer(p->nevents));
	json_object_set_new(o, "exited", json_boolean(p->exited));
	json_object_set_new(o, "status", p->has_status ? json_integer(p->status) : json_null());
	json_object_set_new(o, "signal", p->has_status ? json_integer(p->signal) : json_null());
	json_object_set_new(o, "dropped", json_integer(p->dropped));
	return o;
}

static json_t *playbook_json(const char *id)
{
	json_t *e = playbook_entry(id);

	if (!e)
		return json_null();
	return json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?}", "symptom", json_object_get(e, "symptom"),
			 "diagnosis", json_object_get(e, "diagnosis"), "fix",
			 json_object_get(e, "fix"), "monitor", json_object_get(e, "monitor"),
			 "escalate", json_object_get(e, "escalate"));
}

static json_t *finding_json(const struct finding *f)
{
	json_t *o = json_object();
	const char *s = finding_text(f);

	json_object_set_new(o, "id", json_string(finding_id(f)));
	json_object_set_new(o, "area", json_string(finding_area(f)));
	json_object_set_new(o, "severity", json_string(severity_name(finding_severity(f))));
	json_object_set_new(o, "title", json_string(finding_title(f)));
	json_object_set_new(o, "summary", json_string(s ? s : finding_title(f)));
	json_object_set_new(o, "key", json_string(finding_key(f)));
	json_object_set_new(o, "count", json_integer(finding_count(f)));
	json_object_set_new(o, "first_ts_ns", json_integer(finding_first_ts(f)));
	json_object_set_new(o, "last_ts_ns", json_integer(finding_last_ts(f)));
	json_object_set_new(o, "pids", finding_pids_json(f));
	json_object_set(o, "evidence", finding_evidence((struct finding *)f));
	json_object_set_new(o, "playbook", playbook_json(finding_id(f)));
	if (!playbook_entry(finding_id(f)))
		json_object_set_new(o, "note", json_string("no playbook entry for this id"));
	return o;
}

json_t *report_to_json(struct report *r)
{
	json_t *doc = json_object();
	json_t *procs = json_array();
	json_t *fs = json_array();
	struct finding **v = sorted_findings(r);

	for (size_t i = 0; i < report_nprocs(r); i++)
		json_array_append_new(procs, proc_json(report_proc_at(r, i)));
	for (size_t i = 0; v && i < report_nfindings(r); i++)
		json_array_append_new(fs, finding_json(v[i]));
	free(v);

	json_object_set_new(doc, "agshim_report", json_integer(1));
	json_object_set(doc, "inputs", report_inputs_json(r));
	json_object_set(doc, "malformed", report_malformed_json(r));
	json_object_set_new(doc, "processes", procs);
	json_object_set_new(doc, "findings", fs);
	json_object_set_new(doc, "summary",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "findings",
				      (json_int_t)report_nfindings(r), "critical",
				      (json_int_t)count_sev(r, SEV_CRITICAL), "errors",
				      (json_int_t)count_sev(r, SEV_ERROR), "warnings",
				      (json_int_t)count_sev(r, SEV_WARNING), "info",
				      (json_int_t)count_sev(r, SEV_INFO), "events",
				      (json_int_t)report_nevents(r), "processes",
				      (json_int_t)report_nprocs(r), "malformed",
				      (json_int_t)report_nmalformed(r), "dropped",
				      (json_int_t)report_ndropped(r)));
	return doc;
}

int report_write_json(struct report *r, FILE *out)
{
	json_t *doc = report_to_json(r);
	int rc = doc ? json_dumpf(doc, out, JSON_INDENT(2)) : -1;

	json_decref(doc);
	if (rc == 0)
		fputc('\n', out);
	return rc;
}

/* ---- text ---- */

struct style {
	const char *bold, *dim, *red, *yellow, *cyan, *off;
};

/*
 * Event data reaches the terminal here, so nothing but printable ASCII and well-formed
 * UTF-8 at or above U+00A0 passes; every other byte is shown as \xNN.
 */
static void put_safe(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (p && *p) {
		size_t n = 0;

		if (*p >= 0x20 && *p < 0x7f) {
			fputc(*p++, out);
			continue;
		}
		if (*p == '\t') {
			fputs("\\t", out);
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 2;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 3;
		for (size_t i = 1; n && i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				n = 0;
		/* U+0080..U+009F are C1 controls (CSI is U+009B). */
		if (n == 1 && p[0] == 0xc2 && p[1] < 0xa0)
			n = 0;
		if (n) {
			fwrite(p, 1, n + 1, out);
			p += n + 1;
		} else {
			fprintf(out, "\\x%02x", *p++);
		}
	}
}

static void put_json_safe(FILE *out, json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		put_safe(out, json_string_value(v));
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s && strlen(s) > 400)
		strcpy(s + 396, "...");
	put_safe(out, s ? s : "?");
	free(s);
}

static void put_time(FILE *out, int64_t ts_ns)
{
	time_t t = (time_t)(ts_ns / 1000000000);
	struct tm tm;
	char buf[64];

	if (ts_ns <= 0 || !gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%H:%M:%S", &tm)) {
		fputs("?", out);
		return;
	}
	fprintf(out, "%s.%03dZ", buf, (int)((ts_ns / 1000000) % 1000));
}

/* "seen HH:MM:SS.mmmZ .. HH:MM:SS.mmmZ, pids 1 2 3" */
static void text_when(FILE *out, const struct style *c, struct finding *f)
{
	json_t *pids = finding_pids_json(f);
	json_t *v;
	size_t i;

	if (finding_first_ts(f) > 0) {
		fprintf(out, "  %sseen%s ", c->dim, c->off);
		put_time(out, finding_first_ts(f));
		if (finding_last_ts(f) != finding_first_ts(f)) {
			fputs(" .. ", out);
			put_time(out, finding_last_ts(f));
		}
	}
	if (json_array_size(pids)) {
		fprintf(out, "%s%spid%s%s ", finding_first_ts(f) > 0 ? ", " : "  ", c->dim,
			json_array_size(pids) > 1 ? "s" : "", c->off);
		json_array_foreach(pids, i, v)
		{
			if (i == 8) {
				fprintf(out, " (+%zu)", json_array_size(pids) - 8);
				break;
			}
			fprintf(out, "%s%lld", i ? " " : "", (long long)json_integer_value(v));
		}
	}
	if (finding_first_ts(f) > 0 || json_array_size(pids))
		fputc('\n', out);
	json_decref(pids);
}

/* The playbook's words for the finding. */
static void text_playbook(FILE *out, const struct style *c, json_t *pb)
{
	json_t *mon = json_object_get(pb, "monitor");
	json_t *v;
	size_t i;

	fprintf(out, "  %ssymptom%s   ", c->dim, c->off);
	put_json_safe(out, json_object_get(pb, "symptom"));
	fprintf(out, "\n  %sdiagnosis%s ", c->dim, c->off);
	put_json_safe(out, json_object_get(pb, "diagnosis"));
	fprintf(out, "\n  %sfix%s\n", c->dim, c->off);
	json_array_foreach(json_object_get(pb, "fix"), i, v)
	{
		fprintf(out, "    %zu. ", i + 1);
		put_json_safe(out, v);
		fputc('\n', out);
	}
	fprintf(out, "  %smonitor%s   ", c->dim, c->off);
	put_json_safe(out, json_object_get(mon, "metric"));
	fputs("; alert when ", out);
	put_json_safe(out, json_object_get(mon, "alert"));
	fprintf(out, "\n  %sescalate%s  ", c->dim, c->off);
	put_json_safe(out, json_object_get(pb, "escalate"));
	fputs("\n\n", out);
}

static void text_finding(FILE *out, const struct style *c, struct finding *f)
{
	static const char *const tags[] = { "INFO", "WARN", "ERROR", "CRIT" };
	enum severity sev = finding_severity(f);
	const char *colour = sev >= SEV_ERROR ? c->red : sev == SEV_WARNING ? c->yellow : c->cyan;
	json_t *pb = playbook_entry(finding_id(f));
	const char *key;
	json_t *v;

	fprintf(out, "%s%s%-5s%s %s%s%s  [%s]", c->bold, colour, tags[sev], c->off, c->bold,
		finding_title(f), c->off, finding_id(f));
	if (finding_count(f) > 1)
		fprintf(out, "  x%lld", (long long)finding_count(f));
	fputs("\n  ", out);
	put_safe(out, finding_text(f) ? finding_text(f) : finding_title(f));
	fputc('\n', out);
	text_when(out, c, f);

	if (json_object_size(finding_evidence(f))) {
		fprintf(out, "  %sevidence%s\n", c->dim, c->off);
		json_object_foreach(finding_evidence(f), key, v)
		{
			fputs("    ", out);
			put_safe(out, key);
			fputs(": ", out);
			put_json_safe(out, v);
			fputc('\n', out);
		}
	}
	if (pb)
		text_playbook(out, c, pb);
	else
		fprintf(out, "  %snote%s no playbook entry for this id\n\n", c->dim, c->off);
}

static size_t observed_procs(struct report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < report_nprocs(r); i++)
		n += report_proc_at(r, i)->observed;
	return n;
}

int report_write_text(struct report *r, FILE *out, bool colour)
{
	static const struct style plain = { "", "", "", "", "", "" };
	static const struct style ansi = { "\033[1m",  "\033[2m",  "\033[31m",
					   "\033[33m", "\033[36m", "\033[0m" };
	const struct style *c = colour ? &ansi : &plain;
	struct finding **v = sorted_findings(r);
	size_t n = report_nfindings(r);
	const char *area = NULL;

	fprintf(out, "%sagshim report%s: %zu events, %zu process%s (%zu observed)", c->bold, c->off,
		report_nevents(r), report_nprocs(r), report_nprocs(r) == 1 ? "" : "es",
		observed_procs(r));
	if (report_nmalformed(r))
		fprintf(out, ", %zu malformed lines", report_nmalformed(r));
	if (report_ndropped(r))
		fprintf(out, ", %lld events dropped", (long long)report_ndropped(r));
	fputc('\n', out);
	if (n == 0) {
		fprintf(out,
			"No findings: %zu processes observed, %zu events, nothing matched "
			"a playbook entry.\n",
			observed_procs(r), report_nevents(r));
		return ferror(out) ? -1 : 0;
	}
	fprintf(out, "%zu finding%s: %zu critical, %zu error%s, %zu warning%s, %zu info\n", n,
		n == 1 ? "" : "s", count_sev(r, SEV_CRITICAL), count_sev(r, SEV_ERROR),
		count_sev(r, SEV_ERROR) == 1 ? "" : "s", count_sev(r, SEV_WARNING),
		count_sev(r, SEV_WARNING) == 1 ? "" : "s", count_sev(r, SEV_INFO));

	/* Group by area, in the order of each area's most severe finding. */
	for (size_t i = 0; v && i < n; i++) {
		const char *a = finding_area(v[i]);
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			seen |= strcmp(finding_area(v[j]), a) == 0;
		if (seen)
			continue;
		area = a;
		fprintf(out, "\n%s== %s ==%s\n\n", c->bold, area, c->off);
		for (size_t j = i; j < n; j++)
			if (strcmp(finding_area(v[j]), area) == 0)
				text_finding(out, c, v[j]);
	}
	free(v);
	return ferror(out) ? -1 : 0;
}

/* ---- Prometheus text exposition ---- */

static bool metric_name_ok(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

/* A label value with \\, \" and \n escaped as the exposition format wants. */
static void put_label_value(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

/*
 * Parse "name{a=\"x\",b=\"y\"}" into name and a re-escaped label string ("a=\"x\",b=\"y\"");
 * returns false when it is not a valid series.  *labels is malloc'd.
 */
static bool parse_series(const char *spec, char *name, size_t name_len, char **labels)
{
	const char *brace = strchr(spec, '{');
	size_t n = brace ? (size_t)(brace - spec) : strlen(spec);
	char *buf;
	size_t len = 0;
	FILE *m;
	const char *p;
	int nlabels = 0;

	*labels = NULL;
	if (n >= name_len || !metric_name_ok(spec, n))
		return false;
	memcpy(name, spec, n);
	name[n] = '\0';
	m = open_memstream(&buf, &len);
	if (!m)
		return false;
	for (p = brace ? brace + 1 : NULL; p && *p != '}';) {
		const char *eq = strchr(p, '=');
		size_t kn = eq ? (size_t)(eq - p) : 0;

		if (!eq || !metric_name_ok(p, kn) || strncmp(p, "__", 2) == 0 || eq[1] != '"')
			goto bad;
		fprintf(m, "%s%.*s=\"", nlabels++ ? "," : "", (int)kn, p);
		for (p = eq + 2; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				fputc(*p++, m);
			fputc(*p, m);
		}
		if (*p != '"')
			goto bad;
		fputc('"', m);
		p++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			goto bad;
	}
	if (brace && (!p || p[1] != '\0'))
		goto bad;
	fclose(m);
	*labels = buf;
	return true;
bad:
	fclose(m);
	free(buf);
	return false;
}

static int64_t count_id(struct report *r, const char *id)
{
	int64_t n = 0;

	for (size_t i = 0; i < report_nfindings(r); i++)
		if (strcmp(finding_id(report_finding_at(r, i)), id) == 0)
			n += finding_count(report_finding_at(r, i));
	return n;
}

/* Every playbook monitor metric, grouped by name so each family is written in one block. */
static void prom_monitors(struct report *r, FILE *out)
{
	json_t *pb = playbook_all();
	json_t *done = json_object(); /* metric names already written */
	json_t *e, *e2;
	size_t i, j;

	/* The fixed families come first; a playbook metric may not repeat one. */
	json_object_set_new(done, "agshim_findings", json_true());
	json_object_set_new(done, "agshim_report_events", json_true());
	json_object_set_new(done, "agshim_report_processes", json_true());
	json_object_set_new(done, "agshim_report_malformed_lines", json_true());
	json_object_set_new(done, "agshim_report_dropped_events", json_true());

	json_array_foreach(pb, i, e)
	{
		const char *spec =
			json_string_value(json_object_get(json_object_get(e, "monitor"), "metric"));
		json_t *series = json_object(); /* labels -> value, summed */
		char name[128], name2[128];
		char *labels;
		const char *lk;
		json_t *lv;

		if (!spec || !parse_series(spec, name, sizeof(name), &labels)) {
			if (spec)
				fprintf(out,
					"# agshim: playbook entry %s: metric is not a series\n",
					json_string_value(json_object_get(e, "id")));
			json_decref(series);
			continue;
		}
		free(labels);
		if (json_object_get(done, name)) {
			json_decref(series);
			continue;
		}
		json_object_set_new(done, name, json_true());
		json_array_foreach(pb, j, e2)
		{
			const char *s2 = json_string_value(
				json_object_get(json_object_get(e2, "monitor"), "metric"));
			const char *id2 = json_string_value(json_object_get(e2, "id"));

			if (!s2 || !id2 || !parse_series(s2, name2, sizeof(name2), &labels))
				continue;
			if (strcmp(name, name2) == 0)
				json_object_set_new(series, labels,
						    json_integer(json_integer_value(json_object_get(
									 series, labels)) +
								 count_id(r, id2)));
			free(labels);
		}
		fprintf(out,
			"# HELP %s Occurrences in the last agshim report (playbook monitor).\n",
			name);
		fprintf(out, "# TYPE %s gauge\n", name);
		json_object_foreach(series, lk, lv)
		{
			fprintf(out, *lk ? "%s{%s} %lld\n" : "%s%s %lld\n", name, lk,
				(long long)json_integer_value(lv));
		}
		json_decref(series);
	}
	json_decref(done);
}

int report_write_prom(struct report *r, FILE *out)
{
	json_t *pb = playbook_all();
	json_t *e;
	size_t i;

	fputs("# HELP agshim_findings Findings in the last agshim report, by playbook id.\n"
	      "# TYPE agshim_findings gauge\n",
	      out);
	/* Every playbook id, so that an alert sees 0 rather than a missing series. */
	json_array_foreach(pb, i, e)
	{
		const char *id = json_string_value(json_object_get(e, "id"));
		int sev = severity_parse(json_string_value(json_object_get(e, "severity")));

		if (!id)
			continue;
		fputs("agshim_findings{id=\"", out);
		put_label_value(out, id);
		fputs("\",area=\"", out);
		put_label_value(out, json_string_value(json_object_get(e, "area")));
		fprintf(out, "\",severity=\"%s\"} %lld\n",
			severity_name(sev < 0 ? SEV_WARNING : sev), (long long)count_id(r, id));
	}
	for (size_t k = 0; k < report_nfindings(r); k++) {
		struct finding *f = report_finding_at(r, k);
		bool first = true;

		if (playbook_entry(finding_id(f)))
			continue;
		for (size_t m = 0; m < k; m++)
			first &= strcmp(finding_id(report_finding_at(r, m)), finding_id(f)) != 0;
		if (!first)
			continue;
		fputs("agshim_findings{id=\"", out);
		put_label_value(out, finding_id(f));
		fprintf(out, "\",area=\"other\",severity=\"%s\"} %lld\n",
			severity_name(finding_severity(f)), (long long)count_id(r, finding_id(f)));
	}

	fprintf(out,
		"# HELP agshim_report_events Events read by the last agshim report.\n"
		"# TYPE agshim_report_events gauge\n"
		"agshim_report_events %zu\n"
		"# HELP agshim_report_processes Processes in the last agshim report.\n"
		"# TYPE agshim_report_processes gauge\n"
		"agshim_report_processes %zu\n"
		"# HELP agshim_report_malformed_lines Input lines that were not valid events.\n"
		"# TYPE agshim_report_malformed_lines gauge\n"
		"agshim_report_malformed_lines %zu\n"
		"# HELP agshim_report_dropped_events Events the producers reported lost.\n"
		"# TYPE agshim_report_dropped_events gauge\n"
		"agshim_report_dropped_events %lld\n",
		report_nevents(r), report_nprocs(r), report_nmalformed(r),
		(long long)report_ndropped(r));
	prom_monitors(r, out);
	return ferror(out) ? -1 : 0;
}
