/* SPDX-License-Identifier: MIT */
/* agshim-report: read agshim events, name the diagnoses, write text, JSON or Prometheus. */
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heap.h"

/* Exit statuses (documented in --help and the README). */
#define EXIT_FINDINGS 3 /* findings reached --fail-on */
#define EXIT_USAGE 2	/* bad usage, or an input could not be read */

enum format { FMT_TEXT, FMT_JSON, FMT_PROM, FMT_FOLDED };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: agshim-report [--text|--json|--prometheus|--folded] [--fail-on SEVERITY] "
		"[FILE...]\n"
		"       agshim-report --playbook\n"
		"\n"
		"Reads agshim events (JSON Lines) from each FILE, or standard input when there is\n"
		"none or FILE is '-', and names the diagnoses found in them.\n"
		"\n"
		"  --text            a report for a person, grouped by area (the default)\n"
		"  --json            the report as one JSON document, for tools\n"
		"  --prometheus      Prometheus text exposition (node_exporter textfile "
		"collector)\n"
		"  --folded          live heap by stack as folded stacks (FlameGraph, speedscope)\n"
		"  --fail-on SEV     exit 3 when a finding is at least SEV: info, warning, error,\n"
		"                    critical\n"
		"  --playbook        print the embedded playbook (JSON) and exit\n"
		"  --color=WHEN      auto (a terminal, and NO_COLOR unset), always, never\n"
		"  -h, --help        this text\n"
		"\n"
		"Exit status: 0 done; 3 a finding reached --fail-on; 2 bad usage, an unreadable\n"
		"input (then no report is written) or a failed write.\n"
		"Malformed lines are counted and listed (file:line:col) and never stop the "
		"report.\n");
}

static int read_input(struct report *r, const char *name)
{
	FILE *f;
	int err;

	if (strcmp(name, "-") == 0)
		return report_read(r, stdin, "<stdin>") ? -1 : 0;
	f = fopen(name, "re");
	if (!f) {
		fprintf(stderr, "agshim-report: failed to open %s: %s\n", name, strerror(errno));
		return -1;
	}
	err = report_read(r, f, name);
	if (err)
		fprintf(stderr, "agshim-report: failed to read %s: %s\n", name, strerror(-err));
	fclose(f);
	return err ? -1 : 0;
}

static bool want_colour(const char *when, FILE *out)
{
	const char *nc = getenv("NO_COLOR");

	if (strcmp(when, "always") == 0)
		return true;
	if (strcmp(when, "never") == 0)
		return false;
	return isatty(fileno(out)) && !(nc && *nc);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "text", no_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "folded", no_argument, NULL, 'F' },
		{ "fail-on", required_argument, NULL, 'f' },
		{ "playbook", no_argument, NULL, 'P' },
		{ "color", required_argument, NULL, 'c' },
		{ "colour", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum format fmt = FMT_TEXT;
	const char *colour = "auto";
	int fail_on = -1, opt, io_errors = 0, rc;
	bool show_playbook = false;
	struct report *r;

	/* Options */
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 't': fmt = FMT_TEXT; break;
		case 'j': fmt = FMT_JSON; break;
		case 'p': fmt = FMT_PROM; break;
		case 'F': fmt = FMT_FOLDED; break;
		case 'P': show_playbook = true; break;
		case 'f':
			fail_on = severity_parse(optarg);
			if (fail_on < 0) {
				fprintf(stderr,
					"agshim-report: unknown severity '%s' "
					"(info, warning, error, critical)\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'c':
			if (strcmp(optarg, "auto") && strcmp(optarg, "always") &&
			    strcmp(optarg, "never")) {
				fprintf(stderr,
					"agshim-report: --color takes auto, always or never\n");
				return EXIT_USAGE;
			}
			colour = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}

	/* The playbook alone */
	if (show_playbook) {
		json_t *pb = playbook_all();

		if (!pb || json_dumpf(pb, stdout, JSON_INDENT(2)) < 0)
			return EXIT_USAGE;
		putchar('\n');
		return 0;
	}

	/* Read every input; an unreadable one fails the run (a partial report would mislead) */
	r = report_new();
	if (!r) {
		fprintf(stderr, "agshim-report: out of memory\n");
		return EXIT_USAGE;
	}
	if (optind == argc)
		io_errors += read_input(r, "-") < 0;
	for (int i = optind; i < argc; i++)
		io_errors += read_input(r, argv[i]) < 0;

	if (io_errors) {
		report_free(r);
		return EXIT_USAGE;
	}

	/* Analyze */
	if (report_run(r) < 0) {
		fprintf(stderr, "agshim-report: out of memory\n");
		report_free(r);
		return EXIT_USAGE;
	}

	/* Write */
	switch (fmt) {
	case FMT_JSON: rc = report_write_json(r, stdout); break;
	case FMT_PROM: rc = report_write_prom(r, stdout); break;
	case FMT_FOLDED: rc = heap_write_folded(r, stdout); break;
	default: rc = report_write_text(r, stdout, want_colour(colour, stdout)); break;
	}
	if (fflush(stdout) != 0 || rc < 0) {
		fprintf(stderr, "agshim-report: failed to write the report: %s\n", strerror(errno));
		report_free(r);
		return EXIT_USAGE;
	}

	rc = 0;
	if (fail_on >= 0 && report_worst(r) >= fail_on)
		rc = EXIT_FINDINGS;
	report_free(r);
	return rc;
}
