/* SPDX-License-Identifier: MIT */
/* The analyzer registry: one line per analyzer, run in this order. */
#include "report.h"

/* Add yours to the list: X(an_name), defined in reporter/an_name.c. */
#define REPORT_ANALYZERS(X) \
	X(an_proc)          \
	X(an_child)         \
	X(an_observe)       \
	X(an_heap)          \
	X(an_net)           \
	X(an_dns)           \
	X(an_db)            \
	X(an_ebpf)

#define DECLARE(name) extern const struct analyzer name;
REPORT_ANALYZERS(DECLARE)
#undef DECLARE

#define ENTRY(name) &name,
const struct analyzer *const report_analyzers[] = { REPORT_ANALYZERS(ENTRY) NULL };
#undef ENTRY
