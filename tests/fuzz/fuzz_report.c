/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes as an events file, through every analyzer and every output. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* Never fails: crashes, leaks and sanitizer reports are what the fuzzer looks for. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct report *r = report_new();
	FILE *null = fopen("/dev/null", "w");

	if (r && null && report_read_mem(r, (const char *)data, len, "fuzz") == 0 &&
	    report_run(r) == 0) {
		report_write_json(r, null);
		report_write_text(r, null, true);
		report_write_prom(r, null);
	}
	if (null)
		fclose(null);
	report_free(r);
	return 0;
}
