/* SPDX-License-Identifier: MIT */
/* Unit tests for the process and observability analyzers, fed event lines as the shim writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

/* Node (pid 100) as the shim starts it. */
#define NODE_START                                                                               \
	"{\"v\":1,\"ts_ns\":1000,\"src\":\"preload\",\"kind\":\"proc_start\",\"pid\":100,"       \
	"\"ppid\":1,\"tid\":100,\"exe\":\"/usr/bin/node\",\"cwd\":\"/srv\",\"uid\":0,\"gid\":0," \
	"\"preload\":true,\"follow\":true,\"argc\":2,\"argv\":[\"node\",\"agent.js\"]}\n"
#define NODE_EXIT                                                                         \
	"{\"v\":1,\"ts_ns\":9000,\"src\":\"preload\",\"kind\":\"proc_exit\",\"pid\":100," \
	"\"ppid\":1,\"tid\":100,\"exe\":\"/usr/bin/node\",\"status\":0,\"signal\":0,"     \
	"\"dropped\":0}\n"

/* libuv's fork child 101 whose PATH search for "claude" failed, folded into one event. */
#define FORK_101                                                                    \
	"{\"v\":1,\"ts_ns\":2000,\"kind\":\"spawn\",\"pid\":100,\"call\":\"fork\"," \
	"\"ret\":101,\"child\":101}\n"
#define CLAUDE_NOT_ON_PATH(ts, pid)                                                            \
	"{\"v\":1,\"ts_ns\":" #ts ",\"src\":\"preload\",\"kind\":\"exec\",\"pid\":" #pid       \
	",\"ppid\":100,\"exe\":\"/usr/bin/node\",\"call\":\"execvp\",\"ret\":-1,\"errno\":2,"  \
	"\"err\":\"ENOENT\",\"path\":\"claude\",\"forked\":true,\"cwd\":\"/srv\","             \
	"\"cause\":\"not_on_path\",\"detail\":{\"searched\":[\"/usr/local/bin/claude\","       \
	"\"/usr/bin/claude\",\"/bin/claude\"],\"path_env\":\"/usr/local/bin:/usr/bin:/bin\"}," \
	"\"argc\":2,\"argv\":[\"claude\",\"-p\"]}\n"
#define WAIT(ts, child, status)                                                                    \
	"{\"v\":1,\"ts_ns\":" #ts                                                                  \
	",\"kind\":\"wait\",\"pid\":100,\"call\":\"waitpid\",\"ret\":" #child ",\"child\":" #child \
	",\"status\":" #status ",\"signal\":0}\n"

static struct report *run_text(const char *text)
{
	struct report *r = report_new();

	assert_non_null(r);
	assert_int_equal(report_read_mem(r, text, strlen(text), "ev.jsonl"), 0);
	assert_int_equal(report_run(r), 0);
	assert_int_equal(report_nmalformed(r), 0);
	return r;
}

static struct finding *only(struct report *r, const char *id)
{
	struct finding *found = NULL;

	for (size_t i = 0; i < report_nfindings(r); i++) {
		struct finding *f = report_finding_at(r, i);

		if (strcmp(finding_id(f), id) != 0)
			continue;
		if (found)
			fail_msg("two findings %s", id);
		found = f;
	}
	if (!found)
		fail_msg("no finding %s", id);
	return found;
}

static size_t count_id(struct report *r, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < report_nfindings(r); i++)
		n += strcmp(finding_id(report_finding_at(r, i)), id) == 0;
	return n;
}

static json_t *evidence(struct finding *f, const char *key)
{
	return json_object_get(finding_evidence(f), key);
}

static void test_not_on_path_tied_to_status(void **state)
{
	struct report *r = run_text(NODE_START FORK_101 CLAUDE_NOT_ON_PATH(2100, 101)
					    WAIT(2200, 101, 127) NODE_EXIT);
	struct finding *f = only(r, "spawn.not_on_path");
	json_t *pids = finding_pids_json(f);

	(void)state;
	assert_int_equal(report_nfindings(r), 1);
	assert_int_equal(finding_count(f), 1);
	assert_string_equal(json_string_value(evidence(f, "command")), "claude");
	assert_int_equal(json_integer_value(evidence(f, "exit_status")), 127);
	assert_int_equal(json_array_size(json_object_get(evidence(f, "detail"), "searched")), 3);
	assert_string_equal(json_string_value(json_object_get(evidence(f, "parent"), "name")),
			    "node");
	assert_non_null(strstr(finding_text(f), "\"claude\""));
	assert_non_null(strstr(finding_text(f), "node (pid 100)"));
	assert_non_null(strstr(finding_text(f), "3 PATH entries"));
	assert_int_equal(json_array_size(pids), 2); /* the child and node */
	json_decref(pids);
	report_free(r);
}

static void test_repeats_are_one_finding(void **state)
{
	struct report *r = run_text(NODE_START CLAUDE_NOT_ON_PATH(2100, 101) CLAUDE_NOT_ON_PATH(
		3100, 102) CLAUDE_NOT_ON_PATH(4100, 103) NODE_EXIT);
	struct finding *f = only(r, "spawn.not_on_path");

	(void)state;
	assert_int_equal(finding_count(f), 3);
	assert_int_equal(finding_first_ts(f), 2100);
	assert_int_equal(finding_last_ts(f), 4100);
	report_free(r);
}

static void test_ebpf_search_that_succeeds_is_no_failure(void **state)
{
	/* An unfolded search (one event per execve) that ends in an exec: nothing to report. */
	const char *ok = NODE_START
		"{\"ts_ns\":2000,\"src\":\"ebpf\",\"kind\":\"exec\",\"pid\":101,\"ppid\":100,"
		"\"errno\":2,\"err\":\"ENOENT\",\"path\":\"/usr/local/bin/git\","
		"\"cause\":\"no_such_file\",\"detail\":{\"missing\":\"/usr/local/bin/git\"}}\n"
		"{\"ts_ns\":2001,\"src\":\"ebpf\",\"kind\":\"exec\",\"pid\":101,\"ppid\":100,"
		"\"errno\":2,\"err\":\"ENOENT\",\"path\":\"/usr/local/sbin/git\"}\n"
		"{\"ts_ns\":2002,\"src\":\"ebpf\",\"kind\":\"proc_start\",\"pid\":101,"
		"\"ppid\":100,\"exe\":\"git\"}\n" NODE_EXIT;
	const char *bad = NODE_START
		"{\"ts_ns\":2000,\"src\":\"ebpf\",\"kind\":\"exec\",\"pid\":101,\"ppid\":100,"
		"\"errno\":2,\"err\":\"ENOENT\",\"path\":\"/usr/local/bin/gti\"}\n"
		"{\"ts_ns\":2001,\"src\":\"ebpf\",\"kind\":\"exec\",\"pid\":101,\"ppid\":100,"
		"\"errno\":2,\"err\":\"ENOENT\",\"path\":\"/usr/bin/gti\"}\n" WAIT(2500, 101, 127)
			NODE_EXIT;
	struct report *r = run_text(ok);
	struct finding *f;

	(void)state;
	assert_int_equal(report_nfindings(r), 0);
	report_free(r);

	r = run_text(bad);
	f = only(r, "spawn.not_on_path");
	assert_int_equal(finding_count(f), 1);
	assert_int_equal(json_integer_value(evidence(f, "attempts")), 2);
	assert_int_equal(json_array_size(evidence(f, "searched")), 2);
	assert_int_equal(json_integer_value(evidence(f, "exit_status")), 127);
	report_free(r);
}

static void test_env_crlf_tied_to_script(void **state)
{
	/* ./tool.js has "#!/usr/bin/env node\r\n": the exec works, env fails for "node\r". */
	const char *in = NODE_START FORK_101
		"{\"ts_ns\":2100,\"kind\":\"proc_start\",\"pid\":101,\"ppid\":100,"
		"\"exe\":\"/usr/bin/env\",\"argv\":[\"/usr/bin/env\",\"node\\r\",\"/srv/"
		"tool.js\"]}\n"
		"{\"ts_ns\":2200,\"kind\":\"exec\",\"pid\":101,\"ppid\":100,\"exe\":\"/usr/bin/"
		"env\","
		"\"call\":\"execvp\",\"ret\":-1,\"errno\":2,\"err\":\"ENOENT\",\"path\":"
		"\"node\\r\","
		"\"cause\":\"crlf_interpreter\",\"detail\":{\"script\":\"/srv/tool.js\","
		"\"crlf\":true},\"argv\":[\"node\\r\",\"/srv/tool.js\"]}\n"
		"{\"ts_ns\":2300,\"kind\":\"proc_exit\",\"pid\":101,\"status\":127,\"events\":2}"
		"\n" WAIT(2400, 101, 127) NODE_EXIT;
	struct report *r = run_text(in);
	struct finding *f = only(r, "spawn.crlf_interpreter");

	(void)state;
	assert_int_equal(report_nfindings(r), 1);
	assert_string_equal(json_string_value(evidence(f, "script")), "/srv/tool.js");
	assert_int_equal(json_integer_value(evidence(f, "exit_status")), 127);
	assert_non_null(strstr(finding_text(f), "/srv/tool.js"));
	report_free(r);
}

static void test_env_missing_interpreter(void **state)
{
	/* "#!/usr/bin/env nodejs" where there is no nodejs: env's search fails. */
	const char *in = NODE_START
		"{\"ts_ns\":2100,\"kind\":\"proc_start\",\"pid\":101,\"ppid\":100,"
		"\"exe\":\"/usr/bin/env\",\"argv\":[\"/usr/bin/env\",\"nodejs\",\"/srv/t.js\"]}\n"
		"{\"ts_ns\":2200,\"kind\":\"exec\",\"pid\":101,\"ppid\":100,\"call\":\"execvp\","
		"\"errno\":2,\"err\":\"ENOENT\",\"path\":\"nodejs\",\"cause\":\"not_on_path\"}\n"
		"{\"ts_ns\":2300,\"kind\":\"proc_exit\",\"pid\":101,\"status\":127}\n" NODE_EXIT;
	struct report *r = run_text(in);
	struct finding *f = only(r, "spawn.missing_interpreter");

	(void)state;
	assert_string_equal(json_string_value(evidence(f, "script")), "/srv/t.js");
	assert_int_equal(count_id(r, "spawn.not_on_path"), 0);
	report_free(r);
}

static void test_missing_cwd_once(void **state)
{
	const char *in = NODE_START FORK_101
		"{\"ts_ns\":2100,\"kind\":\"chdir\",\"pid\":101,\"ppid\":100,\"call\":\"chdir\","
		"\"ret\":-1,\"errno\":2,\"err\":\"ENOENT\",\"path\":\"/srv/gone\",\"forked\":true,"
		"\"cause\":\"missing_cwd\",\"detail\":{\"missing\":\"/srv/gone\"}}\n"
		"{\"ts_ns\":2150,\"kind\":\"exec\",\"pid\":101,\"ppid\":100,\"call\":\"execvp\","
		"\"errno\":2,\"err\":\"ENOENT\",\"path\":\"ls\",\"forked\":true,\"cwd\":null,"
		"\"cause\":\"missing_cwd\",\"argv\":[\"ls\"]}\n" WAIT(2200, 101, 127) NODE_EXIT;
	struct report *r = run_text(in);
	struct finding *f = only(r, "spawn.missing_cwd");

	(void)state;
	assert_int_equal(report_nfindings(r), 1);
	assert_int_equal(finding_count(f), 1);
	assert_string_equal(json_string_value(evidence(f, "cwd")), "/srv/gone");
	assert_string_equal(json_string_value(evidence(f, "command")), "ls");
	assert_int_equal(json_integer_value(evidence(f, "exit_status")), 127);
	report_free(r);
}

static void test_every_cause_has_its_id(void **state)
{
	static const struct {
		const char *cause, *err, *id;
		int errnum;
	} cases[] = {
		{ "no_such_file", "ENOENT", "spawn.no_such_file", 2 },
		{ "missing_interpreter", "ENOENT", "spawn.missing_interpreter", 2 },
		{ "crlf_interpreter", "ENOENT", "spawn.crlf_interpreter", 2 },
		{ "no_exec_permission", "EACCES", "spawn.no_exec_permission", 13 },
		{ "noexec_mount", "EACCES", "spawn.noexec_mount", 13 },
		{ "dir_not_searchable", "EACCES", "spawn.dir_not_searchable", 13 },
		{ "arg_too_long", "E2BIG", "spawn.arg_too_long", 7 },
		{ "args_too_big", "E2BIG", "spawn.args_too_big", 7 },
		{ "foreign_arch", "ENOEXEC", "spawn.foreign_arch", 8 },
		{ "not_executable", "ENOEXEC", "spawn.failed", 8 },
		{ NULL, "ETXTBSY", "spawn.failed", 26 },
		{ NULL, "EACCES", "spawn.no_exec_permission", 13 },
		{ "no_such_cause\",\"detail\":{\"script\":\"/s.js\"}, \"x\":\"", "EIO",
		  "spawn.failed", 5 },
	};
	char line[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct report *r;
		char cause[64] = "";

		if (cases[i].cause)
			snprintf(cause, sizeof(cause), ",\"cause\":\"%s\"", cases[i].cause);
		snprintf(line, sizeof(line),
			 NODE_START "{\"ts_ns\":2000,\"kind\":\"exec\",\"pid\":101,\"ppid\":100,"
				    "\"call\":\"execve\",\"ret\":-1,\"errno\":%d,\"err\":\"%s\","
				    "\"path\":\"/opt/x\"%s,\"argv\":[\"/opt/x\"]}\n",
			 cases[i].errnum, cases[i].err, cause);
		r = run_text(line);
		if (report_nfindings(r) != 1 ||
		    strcmp(finding_id(report_finding_at(r, 0)), cases[i].id) != 0)
			fail_msg("cause %s: expected %s", cases[i].cause, cases[i].id);
		report_free(r);
	}
}

static void test_process_limit(void **state)
{
	const char *in = NODE_START
		"{\"ts_ns\":2000,\"kind\":\"spawn\",\"pid\":100,\"call\":\"fork\",\"ret\":-1,"
		"\"errno\":11,\"err\":\"EAGAIN\",\"cause\":\"process_limit\",\"detail\":"
		"{\"rlimit_nproc\":64,\"pids_max\":-1}}\n"
		"{\"ts_ns\":2100,\"kind\":\"spawn\",\"pid\":100,\"call\":\"fork\",\"ret\":-1,"
		"\"errno\":11,\"err\":\"EAGAIN\"}\n" NODE_EXIT;
	struct report *r = run_text(in);
	struct finding *f = only(r, "spawn.process_limit");

	(void)state;
	assert_int_equal(finding_count(f), 2);
	assert_int_equal(finding_severity(f), SEV_CRITICAL);
	assert_int_equal(json_integer_value(json_object_get(evidence(f, "detail"), "rlimit_nproc")),
			 64);
	report_free(r);
}

static void test_zombies_and_running_children(void **state)
{
	const char *in = NODE_START
		"{\"ts_ns\":1500,\"kind\":\"spawn\",\"pid\":100,\"call\":\"fork\",\"child\":201}\n"
		"{\"ts_ns\":1500,\"kind\":\"spawn\",\"pid\":100,\"call\":\"fork\",\"child\":202}\n"
		"{\"ts_ns\":1500,\"kind\":\"spawn\",\"pid\":100,\"call\":\"fork\",\"child\":203}\n"
		"{\"ts_ns\":1600,\"kind\":\"proc_start\",\"pid\":201,\"ppid\":100,"
		"\"exe\":\"/bin/true\",\"argv\":[\"true\"]}\n"
		"{\"ts_ns\":1600,\"kind\":\"proc_start\",\"pid\":202,\"ppid\":100,"
		"\"exe\":\"/bin/true\",\"argv\":[\"true\"]}\n"
		"{\"ts_ns\":1600,\"kind\":\"proc_start\",\"pid\":203,\"ppid\":100,"
		"\"exe\":\"/bin/sleep\",\"argv\":[\"sleep\",\"30\"]}\n"
		"{\"ts_ns\":1700,\"kind\":\"proc_exit\",\"pid\":201,\"status\":0}\n"
		"{\"ts_ns\":1700,\"kind\":\"proc_exit\",\"pid\":202,\"status\":0}\n"
		"{\"ts_ns\":5000,\"kind\":\"child\",\"pid\":100,\"child\":201,\"state\":\"zombie\","
		"\"age_ns\":3300000000}\n"
		"{\"ts_ns\":5000,\"kind\":\"child\",\"pid\":100,\"child\":202,\"state\":\"zombie\","
		"\"age_ns\":3300000000}\n"
		"{\"ts_ns\":8000,\"kind\":\"child\",\"pid\":100,\"child\":201,\"state\":\"zombie\","
		"\"age_ns\":6300000000}\n"
		"{\"ts_ns\":8999,\"kind\":\"child\",\"pid\":100,\"child\":203,\"state\":"
		"\"running\","
		"\"age_ns\":7400000000}\n" NODE_EXIT
		"{\"ts_ns\":9500,\"kind\":\"proc_exit\",\"pid\":203,\"ppid\":1,\"status\":0}\n";
	struct report *r = run_text(in);
	struct finding *z = only(r, "child.zombie");
	struct finding *l = only(r, "child.left_running");

	(void)state;
	assert_int_equal(finding_count(z), 2); /* two children, the repeat not counted */
	assert_int_equal(json_array_size(evidence(z, "children")), 2);
	assert_int_equal(finding_count(l), 1);
	assert_non_null(strstr(finding_text(l), "sleep"));
	/* Reported as left running by its parent, so not again as an orphan. */
	assert_int_equal(count_id(r, "child.orphaned"), 0);
	report_free(r);
}

static void test_orphan_of_a_killed_parent(void **state)
{
	/* The parent was SIGKILLed (no exit event, no child event); its child went on. */
	const char *in =
		"{\"ts_ns\":1000,\"kind\":\"proc_start\",\"pid\":50,\"ppid\":1,\"exe\":\"/bin/"
		"sh\"}\n"
		"{\"ts_ns\":1000,\"kind\":\"proc_start\",\"pid\":100,\"ppid\":50,"
		"\"exe\":\"/usr/bin/node\"}\n"
		"{\"ts_ns\":1100,\"kind\":\"spawn\",\"pid\":100,\"call\":\"fork\",\"child\":101}\n"
		"{\"ts_ns\":1200,\"kind\":\"proc_start\",\"pid\":101,\"ppid\":100,"
		"\"exe\":\"/usr/bin/python3\",\"argv\":[\"python3\",\"tool.py\"]}\n"
		"{\"ts_ns\":2000,\"kind\":\"wait\",\"pid\":50,\"child\":100,\"signal\":9}\n"
		"{\"ts_ns\":7000,\"kind\":\"proc_exit\",\"pid\":101,\"ppid\":1,\"status\":0}\n"
		"{\"ts_ns\":7100,\"kind\":\"proc_exit\",\"pid\":50,\"status\":137}\n";
	struct report *r = run_text(in);
	struct finding *f = only(r, "child.orphaned");

	(void)state;
	assert_non_null(strstr(finding_text(f), "python3"));
	assert_true(json_is_true(json_object_get(evidence(f, "parent"), "killed")));
	report_free(r);
}

static void test_not_observed(void **state)
{
	/* node starts a static helper: the parent saw it, the helper wrote nothing. */
	const char *in = NODE_START FORK_101 WAIT(3000, 101, 0) NODE_EXIT;
	struct report *r = run_text(in);
	struct finding *f = only(r, "observe.not_observed");
	struct proc *p = report_proc(r, 101);

	(void)state;
	assert_non_null(p);
	assert_false(p->observed);
	assert_int_equal(p->ppid, 100);
	assert_true(p->has_status);
	assert_non_null(evidence(f, "reason"));
	assert_non_null(strstr(json_string_value(evidence(f, "alternative")), "agshim attach"));
	report_free(r);
}

static void test_dropped(void **state)
{
	const char *in = "{\"ts_ns\":1,\"kind\":\"proc_start\",\"pid\":7,\"exe\":\"/bin/x\"}\n"
			 "{\"ts_ns\":2,\"kind\":\"proc_exit\",\"pid\":7,\"status\":0,\"events\":5,"
			 "\"dropped\":3,\"drop_err\":\"ENOSPC\"}\n";
	struct report *r = run_text(in);
	struct finding *f = only(r, "observe.events_dropped");

	(void)state;
	assert_int_equal(report_ndropped(r), 3);
	assert_int_equal(json_integer_value(evidence(f, "dropped")), 3);
	/* 5 written, 2 in the input: 3 missing */
	assert_int_equal(json_integer_value(evidence(f, "missing_lines")), 3);
	report_free(r);
}

static void test_shell_127_inferred(void **state)
{
	/* spawn(..., {shell: true}) seen by eBPF alone: dash's search left no exec event. */
	const char *in = NODE_START FORK_101
		"{\"ts_ns\":2100,\"src\":\"ebpf\",\"kind\":\"proc_start\",\"pid\":101,"
		"\"ppid\":100,\"exe\":\"/usr/bin/dash\",\"argv\":[\"/bin/sh\",\"-c\",\"claudex -p "
		"hi\"]}\n"
		"{\"ts_ns\":2300,\"src\":\"ebpf\",\"kind\":\"proc_exit\",\"pid\":101,"
		"\"status\":127}\n" WAIT(2400, 101, 127) NODE_EXIT;
	struct report *r = run_text(in);
	struct finding *f = only(r, "spawn.not_on_path");

	(void)state;
	assert_int_equal(report_nfindings(r), 1);
	assert_int_equal(finding_count(f), 1);
	assert_string_equal(json_string_value(evidence(f, "command")), "claudex");
	assert_non_null(evidence(f, "inferred"));
	report_free(r);
}

static void test_shell_127_under_shim_trusts_the_shim(void **state)
{
	/* sh -c 'true; exit 127' under the shim: no exec event, because nothing was missing. */
	const char *in = NODE_START FORK_101
		"{\"ts_ns\":2100,\"src\":\"preload\",\"kind\":\"proc_start\",\"pid\":101,"
		"\"ppid\":100,\"exe\":\"/usr/bin/dash\",\"argv\":[\"/bin/sh\",\"-c\",\"true; exit "
		"127\"]}\n"
		"{\"ts_ns\":2300,\"src\":\"preload\",\"kind\":\"proc_exit\",\"pid\":101,"
		"\"status\":127}\n" WAIT(2400, 101, 127) NODE_EXIT;
	struct report *r = run_text(in);

	(void)state;
	assert_int_equal(report_nfindings(r), 0);
	report_free(r);
}

static void test_ebpf_twins_dropped(void **state)
{
	/* Both producers saw the same failed exec: one finding, and both sources on the process. */
	const char *in = NODE_START CLAUDE_NOT_ON_PATH(
		2100,
		101) "{\"ts_ns\":2101,\"src\":\"ebpf\",\"kind\":\"exec\",\"pid\":101,\"ppid\":100,"
		     "\"call\":\"execve\",\"errno\":2,\"err\":\"ENOENT\",\"path\":\"claude\","
		     "\"cause\":\"not_on_path\"}\n"
		     "{\"ts_ns\":2102,\"src\":\"ebpf\",\"kind\":\"oom_kill\",\"pid\":101,"
		     "\"victim\":101}\n"
		     "{\"ts_ns\":2103,\"src\":\"ebpf\",\"kind\":\"proc_start\",\"pid\":300,"
		     "\"ppid\":100,\"exe\":\"/usr/bin/static-tool\"}\n" NODE_EXIT;
	struct report *r = run_text(in);
	struct finding *f = only(r, "spawn.not_on_path");

	(void)state;
	assert_int_equal(finding_count(f), 1);
	assert_int_equal(report_proc(r, 101)->src, PROC_SRC_PRELOAD | PROC_SRC_EBPF);
	/* eBPF-only kinds and eBPF-only processes stay. */
	assert_int_equal(report_nevents(r), 5);
	assert_int_equal(report_proc(r, 300)->src, PROC_SRC_EBPF);
	assert_int_equal(count_id(r, "observe.not_observed"), 0);
	report_free(r);
}

static void test_clean_run(void **state)
{
	struct report *r = run_text(NODE_START NODE_EXIT);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(report_nfindings(r), 0);
	assert_int_equal(report_worst(r), -1);
	assert_int_equal(report_write_text(r, m, false), 0);
	fclose(m);
	assert_non_null(strstr(buf, "No findings"));
	assert_non_null(strstr(buf, "1 processes observed, 2 events"));
	free(buf);
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_on_path_tied_to_status),
		cmocka_unit_test(test_repeats_are_one_finding),
		cmocka_unit_test(test_ebpf_search_that_succeeds_is_no_failure),
		cmocka_unit_test(test_env_crlf_tied_to_script),
		cmocka_unit_test(test_env_missing_interpreter),
		cmocka_unit_test(test_missing_cwd_once),
		cmocka_unit_test(test_every_cause_has_its_id),
		cmocka_unit_test(test_process_limit),
		cmocka_unit_test(test_zombies_and_running_children),
		cmocka_unit_test(test_orphan_of_a_killed_parent),
		cmocka_unit_test(test_not_observed),
		cmocka_unit_test(test_dropped),
		cmocka_unit_test(test_shell_127_inferred),
		cmocka_unit_test(test_shell_127_under_shim_trusts_the_shim),
		cmocka_unit_test(test_ebpf_twins_dropped),
		cmocka_unit_test(test_clean_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
