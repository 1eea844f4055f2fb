/* SPDX-License-Identifier: MIT */
/* Test helper: process calls whose results must not change under the shim. */
#define _GNU_SOURCE /* _Fork, execveat */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void show(const char *what, long ret, int err)
{
	printf("%s ret=%ld errno=%d\n", what, ret, ret < 0 ? err : 0);
}

static int status_of(pid_t pid)
{
	int st = 0;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

/* What Python's subprocess and dash do: walk PATH, execv each candidate. */
static void self_search(const char *name)
{
	char *argv[] = { (char *)name, NULL };
	const char *path = getenv("PATH");
	char buf[1024];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
		execv(buf, argv);
		path += n + (path[n] == ':');
	}
}

/* A child that searches PATH itself; returns its wait status. */
static int search_in_child(const char *name, int use_vfork)
{
	pid_t pid = use_vfork ? vfork() : fork();

	if (pid == 0) {
		self_search(name);
		_exit(127);
	}
	return status_of(pid);
}

int main(void)
{
	char *none[] = { "no-such-prog-agshim", NULL };
	char *tru[] = { "true", NULL };
	pid_t pid;
	int ret, st;

	/* exec failures in the process itself, errno kept */
	errno = 0;
	ret = execvp("no-such-prog-agshim", none);
	show("execvp-missing", ret, errno);
	ret = execl("/nonexistent/bin/x", "x", (char *)NULL);
	show("execl-missing", ret, errno);
	ret = execle("/nonexistent/bin/y", "y", (char *)NULL, environ);
	show("execle-missing", ret, errno);
	ret = execlp("no-such-prog-agshim", "no-such-prog-agshim", (char *)NULL);
	show("execlp-missing", ret, errno);
	ret = execv("/etc/passwd", none);
	show("execv-eacces", ret, errno);

	/* posix_spawn returns its error; errno is not its business */
	errno = 1234;
	ret = posix_spawnp(&pid, "no-such-prog-agshim", NULL, NULL, none, environ);
	printf("posix_spawnp-missing ret=%d errno=%d\n", ret, errno);
	errno = 0;
	ret = posix_spawnp(&pid, "true", NULL, NULL, tru, environ);
	st = ret == 0 ? status_of(pid) : -1;
	printf("posix_spawnp-true ret=%d status=%d\n", ret, st);
	ret = posix_spawn(&pid, "/bin/false", NULL, NULL, tru, environ);
	st = ret == 0 ? status_of(pid) : -1;
	printf("posix_spawn-false ret=%d status=%d\n", ret, st);

	/* vfork: the child shares memory and the parent waits, as without the shim */
	pid = vfork();
	if (pid == 0) {
		execvp("no-such-prog-agshim", none);
		_exit(127);
	}
	printf("vfork-missing status=%d\n", status_of(pid));
	pid = vfork();
	if (pid == 0) {
		execvp("true", tru);
		_exit(126);
	}
	printf("vfork-true status=%d\n", status_of(pid));

	/* a program's own PATH search: misses before a hit are no failure */
	printf("search-missing status=%d\n", search_in_child("no-such-prog-agshim", 0));
	printf("search-true status=%d\n", search_in_child("true", 0));
	printf("vsearch-missing status=%d\n", search_in_child("no-such-prog-agshim", 1));
	printf("vsearch-true status=%d\n", search_in_child("true", 1));

	/* _Fork and execveat */
	pid = _Fork();
	if (pid == 0)
		_exit(9);
	printf("_Fork-9 status=%d\n", status_of(pid));
	errno = 0;
	ret = execveat(AT_FDCWD, "/nonexistent/bin/z", none, environ, 0);
	show("execveat-missing", ret, errno);

	/* fork, then the wait family */
	pid = fork();
	if (pid == 0)
		_exit(7);
	printf("fork-7 status=%d\n", status_of(pid));
	errno = 0;
	ret = waitpid(-1, &st, WNOHANG);
	show("waitpid-none", ret, errno);
	ret = system("exit 5");
	printf("system-5 ret=%d\n", ret);
	FILE *f = popen("echo hi", "r");
	char buf[16] = "";

	if (f && fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = '\0';
	printf("popen buf=%s pclose=%d\n", buf, f ? pclose(f) : -1);
	errno = 0;
	ret = chdir("/nonexistent-dir-agshim");
	show("chdir-parent", ret, errno);
	return 0;
}
