/* SPDX-License-Identifier: MIT */
/* agshim-report's core: events read from the inputs, the process table, analyzers, findings. */
#ifndef AGSHIM_REPORTER_REPORT_H
#define AGSHIM_REPORTER_REPORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "agshim/event.h"

/*
 * How a report is made:
 *
 *   1. report_read() each input: every line is parsed with Jansson; a line that is not a JSON
 *      object with an integer "pid" and a string "kind" is counted as malformed (file, line,
 *      column, message) and skipped.  Lines longer than REPORT_LINE_MAX are malformed too.
 *   2. report_run(): the events are sorted by ts_ns (stable: equal times keep input order), a
 *      pid's eBPF copies of what the shim also wrote are dropped, the process table is built,
 *      then every registered analyzer sees every event in that order (event()) and is told
 *      when they are done (finish()).
 *   3. The findings are written as text, JSON or Prometheus text (report_write_*).
 *
 * Every json_t an analyzer receives is owned by the report and lives until report_free(), so
 * analyzers may keep borrowed pointers to events, and to strings inside them, in their state.
 */

/* Longest input line accepted, newline excluded. */
#define REPORT_LINE_MAX (1024 * 1024)
/* Most malformed lines listed one by one (all are counted). */
#define REPORT_MALFORMED_LIST_MAX 100

enum severity {
	SEV_INFO,
	SEV_WARNING,
	SEV_ERROR,
	SEV_CRITICAL,
};

/* "critical", "error", ...; severity_parse returns -1 for an unknown name. */
const char *severity_name(enum severity sev);
int severity_parse(const char *name);

/* Producers a process was seen by (struct proc.src). */
#define PROC_SRC_PRELOAD 0x1
#define PROC_SRC_EBPF 0x2

/*
 * One process (one pid) of the tree.  Strings and arrays are borrowed from events.  A pid
 * that execs keeps its entry: exe, argv and cwd are those of its latest observed image.
 */
struct proc {
	int64_t pid;
	int64_t ppid;	     /* -1 when unknown */
	const char *exe;     /* latest image, or NULL */
	json_t *argv;	     /* latest image's argv array, or NULL */
	const char *cwd;     /* latest image's cwd, or NULL */
	unsigned src;	     /* PROC_SRC_* bits of the events it wrote */
	bool observed;	     /* wrote at least one proc_start */
	int images;	     /* proc_start events (1 + successful execs seen) */
	int64_t nevents;     /* events of this pid in the input */
	int64_t first_ts_ns; /* first and last event of this pid, 0 when none */
	int64_t last_ts_ns;
	int64_t start_ts_ns; /* first proc_start, 0 when none */

	bool exited; /* wrote proc_exit */
	int64_t exit_ts_ns;
	bool has_status;	/* exit status known (from proc_exit or the parent's wait) */
	int64_t status;		/* exit code */
	int64_t signal;		/* terminating signal, 0 if none */
	int64_t events_written; /* proc_exit's own count, -1 when unknown */
	int64_t dropped;	/* lines lost, summed over images and lost events */

	/* What the parent said about it (spawn, wait and child events naming it). */
	bool spawned; /* a spawn event named this pid as child */
	int64_t spawn_ts_ns;
	const char *spawn_path; /* path/argv the parent's spawn event gave, or NULL */
	json_t *spawn_argv;
	bool reaped; /* the parent's wait event named it */
	int64_t reap_ts_ns;
	int64_t reap_status; /* -1 when unknown */
	int64_t reap_signal;
};

/* The registry's view of an analyzer.  create() returns its state (NULL is allowed). */
struct report;
struct analyzer {
	const char *name;
	const char *const *ids; /* NULL-terminated list of every finding id it can produce */
	void *(*create)(void);
	void (*event)(void *st, struct report *r, json_t *ev);
	void (*finish)(void *st, struct report *r);
	void (*destroy)(void *st);
};

/* NULL-terminated registry, in reporter/analyzers.c. */
extern const struct analyzer *const report_analyzers[];

/* ---- the report ---- */

/* A new, empty report, or NULL when out of memory. */
struct report *report_new(void);
/* Free everything, including every event and finding; NULL is fine. */
void report_free(struct report *r);

/*
 * Read JSON Lines from f, naming the input `name` in messages.  Malformed lines are counted
 * and kept for the report.  Returns 0, or a negative errno when reading failed (the lines
 * read before the failure are kept).  Must be called before report_run().
 */
int report_read(struct report *r, FILE *f, const char *name);
/* Same, from a buffer (for tests and fuzzing). */
int report_read_mem(struct report *r, const char *buf, size_t len, const char *name);

/* Sort, build the process table, run the analyzers.  Call once.  Returns 0 or -ENOMEM. */
int report_run(struct report *r);

/* Totals. */
size_t report_nevents(const struct report *r);
size_t report_nmalformed(const struct report *r);
int64_t report_ndropped(const struct report *r);

/*
 * A threshold in milliseconds from the environment variable name (the same
 * AGSHIM_* the shim reads, so both agree on what is slow), or def_ms when it
 * is unset or not a positive number; returned in nanoseconds.
 */
long long report_env_ms_ns(const char *name, long long def_ms);

/* ---- the process table (built before the analyzers run) ---- */

/* The process with that pid, or NULL. */
struct proc *report_proc(struct report *r, int64_t pid);
size_t report_nprocs(const struct report *r);
/* The i-th process, by pid order. */
struct proc *report_proc_at(struct report *r, size_t i);
/* The parent entry of p, or NULL when its ppid is unknown or not in the table. */
struct proc *report_parent(struct report *r, const struct proc *p);
/* A short name for p: basename of exe, else of argv[0], else "pid N"; points into events. */
const char *proc_name(const struct proc *p);

/* ---- findings ---- */

/*
 * Findings aggregate by (id, key): the first call with a pair makes the finding, later calls
 * with the same pair count one more occurrence, widen first/last time and add the pid.  key
 * names what makes two occurrences the same problem (the missing command, the endpoint...);
 * NULL means one finding per id.  ts_ns 0 and pid <= 0 are not recorded.  Returns the
 * finding, or NULL when out of memory (then the caller just skips its evidence).
 */
struct finding *finding_add(struct report *r, const char *id, const char *key, int64_t ts_ns,
			    int64_t pid);
/* The same, for an event: its ts_ns and pid. */
struct finding *finding_add_ev(struct report *r, const char *id, const char *key, json_t *ev);

/* The evidence object, owned by the finding; fill it with json_object_set_new(). */
json_t *finding_evidence(struct finding *f);
/* Append val (stolen) to the evidence array `key` unless an equal value is there or it holds
 * max values already; a full array gets "<key>_more" counting what was left out. */
void finding_sample(struct finding *f, const char *key, json_t *val, size_t max);
/* The one-line summary, replaced on every call (analyzers usually set it once). */
void finding_summary(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Overrides the playbook's severity for this finding. */
void finding_set_severity(struct finding *f, enum severity sev);
/* Occurrences so far (1 after the first finding_add). */
int64_t finding_count(const struct finding *f);
/* Add a pid to the finding's pid list (kept unique, sorted on output). */
void finding_pid(struct finding *f, int64_t pid);

size_t report_nfindings(const struct report *r);
struct finding *report_finding_at(struct report *r, size_t i);
const char *finding_id(const struct finding *f);
enum severity finding_severity(const struct finding *f);
const char *finding_key(const struct finding *f);  /* never NULL */
const char *finding_text(const struct finding *f); /* the summary, or NULL */
int64_t finding_first_ts(const struct finding *f); /* 0 when unknown */
int64_t finding_last_ts(const struct finding *f);
json_t *finding_pids_json(const struct finding *f); /* new array, sorted */
/* The highest severity among the findings, or -1 when there is none. */
int report_worst(const struct report *r);

/* ---- event accessors: NULL / false when the key is absent or of another type ---- */

enum ags_kind ev_kind(json_t *ev); /* AGS_KIND__COUNT when unknown */
const char *ev_str(json_t *ev, const char *key);
bool ev_int(json_t *ev, const char *key, int64_t *out);
int64_t ev_int_or(json_t *ev, const char *key, int64_t dflt);
/* A JSON true, or an integer other than 0. */
bool ev_bool(json_t *ev, const char *key);
json_t *ev_obj(json_t *ev, const char *key);
json_t *ev_arr(json_t *ev, const char *key);
int64_t ev_ts(json_t *ev);  /* 0 when absent */
int64_t ev_pid(json_t *ev); /* always present on accepted events */
/* argv[i] of an argv array, or NULL. */
const char *argv_at(json_t *argv, size_t i);
/* The part of path after its last '/'. */
const char *path_base(const char *path);

/* ---- the playbook (embedded at build time) ---- */

/* The merged playbook array; NULL when the embedded data did not parse. */
json_t *playbook_all(void);
/* The entry with that id, or NULL. */
json_t *playbook_entry(const char *id);

/* ---- outputs ---- */

int report_write_text(struct report *r, FILE *out, bool colour);
int report_write_json(struct report *r, FILE *out);
int report_write_prom(struct report *r, FILE *out);
/* The --json document as a json_t (new reference). */
json_t *report_to_json(struct report *r);

/* Inputs and malformed lines, for the outputs. */
json_t *report_inputs_json(struct report *r);	 /* borrowed */
json_t *report_malformed_json(struct report *r); /* borrowed */

#endif /* AGSHIM_REPORTER_REPORT_H */
