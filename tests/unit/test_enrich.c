/* SPDX-License-Identifier: MIT */
/* Unit tests for failure enrichment, on real files made in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <elf.h>
#include <errno.h>
#include <jansson.h>

#include "enrich.h"

static char dir[256];

static const char *at(const char *name)
{
	static char path[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

static void write_file(const char *name, const void *data, size_t n, mode_t mode)
{
	FILE *f = fopen(at(name), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	assert_int_equal(chmod(at(name), mode), 0);
}

/* A 64-byte ELF64 header for the given machine. */
static void write_elf(const char *name, int machine)
{
	unsigned char h[64] = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT };

	h[16] = ET_EXEC;
	h[18] = (unsigned char)(machine & 0xff);
	h[19] = (unsigned char)(machine >> 8);
	h[52] = 64; /* e_ehsize */
	write_file(name, h, sizeof(h), 0755);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/agshim-enrich.");
	memset(dir + strlen(dir), 'X', 6); /* mkdtemp's template */
	assert_non_null(mkdtemp(dir));
	write_file("crlf.js", "#!/usr/bin/env node\r\nconsole.log(1)\r\n", 36, 0755);
	write_file("crlf.sh", "#!/bin/sh\r\necho hi\r\n", 20, 0755);
	write_file("badi.py", "#!/usr/bin/python9 -u\nprint(1)\n", 31, 0755);
	write_file("plain.sh", "#!/bin/sh\necho hi\n", 18, 0644);
	write_file("text", "hello\n", 6, 0755);
	write_elf("arm64", EM_AARCH64);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_heads(void **state)
{
	struct ags_head h;

	(void)state;
	assert_int_equal(ags_read_head(at("crlf.js"), &h), 0);
	assert_int_equal(h.type, AGS_HEAD_SCRIPT);
	assert_string_equal(h.interp, "/usr/bin/env");
	assert_string_equal(h.interp_arg, "node\r");
	assert_true(h.crlf);

	assert_int_equal(ags_read_head(at("crlf.sh"), &h), 0);
	assert_string_equal(h.interp, "/bin/sh\r");
	assert_string_equal(h.interp_arg, "");

	assert_int_equal(ags_read_head(at("badi.py"), &h), 0);
	assert_string_equal(h.interp, "/usr/bin/python9");
	assert_string_equal(h.interp_arg, "-u");
	assert_false(h.crlf);

	assert_int_equal(ags_read_head(at("arm64"), &h), 0);
	assert_int_equal(h.type, AGS_HEAD_ELF);
	assert_int_equal(h.e_machine, EM_AARCH64);
	assert_int_equal(h.elf_class, 64);
	assert_string_equal(ags_machine_name(h.e_machine), "aarch64");

	/* A real binary of this machine, with its dynamic loader. */
	assert_int_equal(ags_read_head("/bin/true", &h), 0);
	assert_int_equal(h.type, AGS_HEAD_ELF);
	assert_int_equal(h.e_machine, ags_host_machine());
	assert_non_null(strstr(h.interp, "ld-linux"));

	assert_int_equal(ags_read_head(at("text"), &h), 0);
	assert_int_equal(h.type, AGS_HEAD_OTHER);
	assert_int_equal(ags_read_head(at("none"), &h), ENOENT);
}

static void test_paths(void **state)
{
	char out[512], want[512];
	struct stat st;

	(void)state;
	assert_int_equal(ags_first_missing(at("nope/deeper/x"), out, sizeof(out)), 1);
	assert_string_equal(out, at("nope"));
	assert_int_equal(ags_first_missing(at("crlf.js"), out, sizeof(out)), 0);
	/* A file in the middle of the path counts as the missing part's parent. */
	assert_int_equal(ags_first_missing(at("text/x"), out, sizeof(out)), 1);
	snprintf(want, sizeof(want), "%s/text/x", dir);
	assert_string_equal(out, want);
	assert_int_equal(ags_stat(at("arm64"), &st), 0);
	assert_int_equal(ags_stat(at("none"), &st), ENOENT);
}

/* Root searches every directory: check as nobody, in a child. */
static void test_unsearchable(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	assert_int_equal(mkdir(at("locked"), 0700), 0);
	assert_int_equal(mkdir(at("locked/inner"), 0755), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char out[512];

		if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(3);
		if (!ags_unsearchable_dir(at("locked/inner/tool"), out, sizeof(out)))
			_exit(1);
		_exit(strcmp(out, at("locked")) == 0 ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_sizes(void **state)
{
	static char big[200000];
	char *argv[] = { "echo", big, NULL };
	char *envp[] = { "A=1", "PATH=/bin", NULL };
	struct ags_argsize sz;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	ags_arg_sizes(argv, envp, &sz);
	assert_int_equal(sz.argc, 2);
	assert_int_equal(sz.envc, 2);
	assert_int_equal(sz.largest, sizeof(big));
	assert_int_equal(sz.largest_idx, 1);
	assert_int_equal(sz.argv_bytes, 5 + sizeof(big) + 2 * sizeof(char *));
	assert_int_equal(sz.env_bytes, 4 + 10 + 2 * sizeof(char *));
	assert_true(ags_arg_max() >= 32 * 4096);
}

static void test_mountinfo(void **state)
{
	struct ags_mount m;
	struct stat st;
	char line[1024];
	FILE *f;

	(void)state;
	assert_int_equal(stat(dir, &st), 0);
	f = fopen(at("mountinfo"), "w");
	assert_non_null(f);
	fprintf(f, "22 1 %u:%u / / rw,relatime shared:1 - ext4 /dev/root rw\n", major(st.st_dev),
		minor(st.st_dev));
	/* The longest matching point wins; octal escapes are decoded. */
	snprintf(line, sizeof(line), "%s", dir);
	fprintf(f, "40 22 %u:%u / %s rw,nosuid,noexec master:2 - tmpfs tmpfs rw\n",
		major(st.st_dev), minor(st.st_dev), line);
	fprintf(f, "41 22 %u:%u / /with\\040space rw - tmpfs x rw\n", major(st.st_dev),
		minor(st.st_dev));
	fprintf(f, "42 22 0:999 / %s/other rw - tmpfs x rw\n", dir);
	fclose(f);
	assert_int_equal(ags_mount_of(at("mountinfo"), at("arm64"), st.st_dev, &m), 1);
	assert_string_equal(m.point, dir);
	assert_string_equal(m.fstype, "tmpfs");
	assert_true(ags_has_opt(m.opts, "noexec"));
	assert_false(ags_has_opt(m.opts, "exec"));
	assert_int_equal(ags_mount_of(at("mountinfo"), "/with space/f", st.st_dev, &m), 1);
	assert_string_equal(m.point, "/with space");
	/* The real table has a mount for every file. */
	assert_int_equal(stat("/bin/true", &st), 0);
	assert_int_equal(ags_mount_of(NULL, "/bin/true", st.st_dev, &m), 1);
}

/* Run the explanation and return the parsed event; *cause gets the cause or "". */
static json_t *explain(const struct ags_try *t, int n, struct ags_exec_ctx *ctx, const char **cause)
{
	struct ags_ev ev;
	json_error_t jerr;
	json_t *j;
	size_t len;

	ags_ev_begin_raw(&ev);
	ags_explain_exec(&ev, t, n, ctx);
	len = ags_ev_finish(&ev);
	j = json_loadb(ev.buf, len, 0, &jerr);
	if (!j)
		fail_msg("invalid JSON: %s: %.*s", jerr.text, (int)len, ev.buf);
	*cause = json_string_value(json_object_get(j, AGS_K_CAUSE));
	if (!*cause)
		*cause = "";
	return j;
}

static void test_explain(void **state)
{
	struct ags_exec_ctx ctx;
	struct ags_try t[3];
	const char *cause;
	json_t *j, *d;
	char mi[1024];
	struct stat st;
	FILE *f;

	(void)state;
	/* not on PATH: every candidate listed */
	memset(&ctx, 0, sizeof(ctx));
	ctx.name = "no-such-tool";
	ctx.final_err = ENOENT;
	ctx.path_env = "/usr/bin:/bin";
	t[0] = (struct ags_try){ "/usr/bin/no-such-tool", ENOENT };
	t[1] = (struct ags_try){ "/bin/no-such-tool", ENOENT };
	j = explain(t, 2, &ctx, &cause);
	assert_string_equal(cause, AGS_CAUSE_NOT_ON_PATH);
	d = json_object_get(j, AGS_K_DETAIL);
	assert_int_equal(json_array_size(json_object_get(d, AGS_K_SEARCHED)), 2);
	assert_string_equal(json_string_value(json_object_get(d, AGS_K_PATH_ENV)), "/usr/bin:/bin");
	json_decref(j);

	/* a file that exists, with a missing interpreter, found on the second candidate */
	t[1] = (struct ags_try){ at("badi.py"), ENOENT };
	j = explain(t, 2, &ctx, &cause);
	assert_string_equal(cause, AGS_CAUSE_BAD_INTERP);
	d = json_object_get(j, AGS_K_DETAIL);
	assert_string_equal(json_string_value(json_object_get(d, AGS_K_INTERP)),
			    "/usr/bin/python9");
	json_decref(j);

	/* CRLF on a direct interpreter */
	memset(&ctx, 0, sizeof(ctx));
	ctx.name = at("crlf.sh");
	ctx.final_err = ENOENT;
	t[0] = (struct ags_try){ at("crlf.sh"), ENOENT };
	j = explain(t, 1, &ctx, &cause);
	assert_string_equal(cause, AGS_CAUSE_CRLF_INTERP);
	json_decref(j);

	/* CRLF seen from inside env: the name itself ends in \r */
	memset(&ctx, 0, sizeof(ctx));
	ctx.name = "node\r";
	ctx.final_err = ENOENT;
	ctx.script = at("crlf.js");
	t[0] = (struct ags_try){ "/usr/bin/node\r", ENOENT };
	j = explain(t, 1, &ctx, &cause);
	assert_string_equal(cause, AGS_CAUSE_CRLF_INTERP);
	d = json_object_get(j, AGS_K_DETAIL);
	assert_string_equal(json_string_value(json_object_get(d, AGS_K_SCRIPT)), at("crlf.js"));
	assert_true(json_is_true(json_object_get(d, AGS_K_CRLF)));
	json_decref(j);

	/* no such file, with the first missing part */
	memset(&ctx, 0, sizeof(ctx));
	ctx.name = at("gone/tool");
	ctx.final_err = ENOENT;
	t[0] = (struct ags_try){ ctx.name, ENOENT };
	j = explain(t, 1, &ctx, &cause);
	assert_string_equal(cause, AGS_CAUSE_NO_FILE);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, AGS_K_DETAIL), AGS_K_MISSING)),
		at("gone"));
	json_decref(j);

	/* a failed chdir before the exec */
	ctx.chdir_failed = 1;
	ctx.chdir_path = at("nodir/sub");
	j = explain(t, 1, &ctx, &cause);
	assert_string_equal(cause, AGS_CAUSE_MISSING_CWD);
	json_decref(j);

	/* no execute bit */
	memset(&ctx, 0, sizeof(ctx));
	ctx.name = at("plain.sh");
	ctx.final_err = EACCES;
	ctx.mountinfo = "/proc/self/mountinfo";
	t[0] = (struct ags_try){ ctx.name, EACCES };
	j = explain(t, 1, &ctx, &cause);
	assert_string_equal(cause, AGS_CAUSE_NO_EXEC_BIT);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, AGS_K_DETAIL), AGS_K_MODE)),
		"0644");
	json_decref(j);

	/* the same file on a noexec mount (a mount table naming its device noexec) */
	assert_int_equal(stat(dir, &st), 0);
	f = fopen(at("mi"), "w");
	assert_non_null(f);
	fprintf(f, "40 1 %u:%u / %s rw,noexec - tmpfs tmpfs rw\n", major(st.st_dev),
		minor(st.st_dev), dir);
	fclose(f);
	snprintf(mi, sizeof(mi), "%s", at("mi"));
	ctx.mountinfo = mi;
	j = explain(t, 1, &ctx, &cause);
	assert_string_equal(cause, AGS_CAUSE_NOEXEC_MOUNT);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, AGS_K_DETAIL), AGS_K_MOUNT)),
		dir);
	json_decref(j);

	/* a foreign ELF */
	memset(&ctx, 0, sizeof(ctx));
	ctx.name = at("arm64");
	ctx.final_err = ENOEXEC;
	t[0] = (struct ags_try){ ctx.name, ENOEXEC };
	j = explain(t, 1, &ctx, &cause);
	assert_string_equal(cause, AGS_CAUSE_FOREIGN_ARCH);
	d = json_object_get(j, AGS_K_DETAIL);
	assert_string_equal(json_string_value(json_object_get(d, AGS_K_MACHINE)), "aarch64");
	assert_string_equal(json_string_value(json_object_get(d, AGS_K_HOST_MACHINE)),
			    ags_machine_name(ags_host_machine()));
	json_decref(j);

	/* E2BIG: one argument past 128 KiB, then many small ones past the total */
	{
		struct ags_argsize sz = { .largest = 200001, .largest_idx = 1 };

		memset(&ctx, 0, sizeof(ctx));
		ctx.name = "echo";
		ctx.final_err = E2BIG;
		ctx.sz = &sz;
		t[0] = (struct ags_try){ "/bin/echo", E2BIG };
		j = explain(t, 1, &ctx, &cause);
		assert_string_equal(cause, AGS_CAUSE_ARG_TOO_LONG);
		json_decref(j);
		sz.largest = 100;
		sz.argv_bytes = 3u << 20;
		j = explain(t, 1, &ctx, &cause);
		assert_string_equal(cause, AGS_CAUSE_ARGS_TOO_BIG);
		d = json_object_get(j, AGS_K_DETAIL);
		assert_int_equal(json_integer_value(json_object_get(d, AGS_K_ARGV_BYTES)),
				 3u << 20);
		json_decref(j);
	}
}

static void test_eagain(void **state)
{
	struct ags_proc_limit pl;
	struct ags_ev ev;
	json_t *j;
	size_t len;

	(void)state;
	ags_proc_limits(&pl);
	assert_true(pl.rlimit_nproc == -1 || pl.rlimit_nproc > 0);
	ags_ev_begin_raw(&ev);
	ags_explain_eagain(&ev);
	len = ags_ev_finish(&ev);
	j = json_loadb(ev.buf, len, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, AGS_K_CAUSE)),
			    AGS_CAUSE_PROC_LIMIT);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heads),	     cmocka_unit_test(test_paths),
		cmocka_unit_test(test_unsearchable), cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_mountinfo),    cmocka_unit_test(test_explain),
		cmocka_unit_test(test_eagain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
