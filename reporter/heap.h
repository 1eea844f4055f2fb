/* SPDX-License-Identifier: MIT */
/* The heap analyzer's extra output: live heap by stack as folded stacks for flame graphs. */
#ifndef AGSHIM_REPORTER_HEAP_H
#define AGSHIM_REPORTER_HEAP_H

#include <stdio.h>

#include "report.h"

/*
 * Write "proc;outer;...;inner BYTES" lines (FlameGraph's flamegraph.pl and speedscope read
 * them): each stack's estimated live bytes at the last snapshot that counts.  Call after
 * report_run() and before report_free().  Returns 0, or -1 when writing failed.
 */
int heap_write_folded(struct report *r, FILE *out);

#endif /* AGSHIM_REPORTER_HEAP_H */
