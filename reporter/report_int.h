/* SPDX-License-Identifier: MIT */
/* The reporter's private state, shared by report.c, proctab.c and finding.c only. */
#ifndef AGSHIM_REPORTER_REPORT_INT_H
#define AGSHIM_REPORTER_REPORT_INT_H

#include "report.h"

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

/* Free a finding and what it owns; NULL is fine. */
void finding_free(struct finding *f);
/* qsort/bsearch order of int64_t values. */
int cmp_i64(const void *a, const void *b);
/* Fill r->procs from r->evs (sorted); returns 0 or -ENOMEM. */
int report_build_procs(struct report *r);

#endif /* AGSHIM_REPORTER_REPORT_INT_H */
