/* SPDX-License-Identifier: MIT */
/* agshim-bpf: trace a command, pids or a cgroup with eBPF and write agshim's JSON Lines events. */
#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define POLL_MS 100
#define DRAIN_MS 200
#define REAP_WAIT_MS 1500

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: agshim-bpf attach [options] -- CMD [ARGS...]\n"
		"       agshim-bpf attach [options] --pid PID [--pid PID...]\n"
		"       agshim-bpf attach [options] --cgroup DIR | --container ID\n"
		"       agshim-bpf attach --read [--out FILE] [--duration S]\n"
		"       agshim-bpf detach\n"
		"\n"
		"Trace processes with eBPF (tracepoints and uprobes) and write agshim events\n"
		"(JSON Lines, \"src\":\"ebpf\") for agshim-report.  Needs root and kernel BTF.\n"
		"\n"
		"  -o, --out FILE       append events to FILE (default: standard output)\n"
		"  -p, --pid PID        trace PID and the children it starts (repeatable)\n"
		"  -c, --cgroup DIR     trace every process in the cgroup2 directory DIR\n"
		"  -C, --container ID   trace the cgroup2 directory whose name contains ID\n"
		"  -d, --duration S     stop after S seconds (default: when the traced\n"
		"                       processes are gone, or on SIGINT/SIGTERM)\n"
		"      --pin            leave the programs attached, pinned under %s,\n"
		"                       and exit (AGSHIM_PIN_DIR overrides the place); read with\n"
		"                       --read, remove with detach\n"
		"      --read           consume the pinned ring buffer\n"
		"      --zombie-ms MS   an exited child unreaped this long is a zombie (1000)\n"
		"      --no-dns         no getaddrinfo uprobes\n"
		"      --no-fd          no EMFILE/ENFILE tracepoints\n"
		"      --heap           also trace malloc/free of the one target (costly: the\n"
		"                       cost is measured and printed first; prefer agshim run)\n"
		"      --heap-s S       stop the heap probes after S seconds (10)\n"
		"      --ringbuf-kb N   ring buffer size (default 4096)\n"
		"      --all            trace every process (benchmarks)\n"
		"  -v, --verbose        show libbpf's own log (-vv: its debug log too)\n"
		"  -h, --help           this text\n",
		AGS_PIN_DIR_DEFAULT);
}

enum {
	OPT_PIN = 256,
	OPT_READ,
	OPT_ZOMBIE,
	OPT_NO_DNS,
	OPT_NO_FD,
	OPT_RB,
	OPT_ALL,
	OPT_HEAP,
	OPT_HEAP_S
};

static int parse_uint(const char *s, const char *what, unsigned long long max,
		      unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *out > max) {
		fprintf(stderr, "agshim-bpf: invalid %s: '%s'\n", what, s);
		return -EINVAL;
	}
	return 0;
}

/* The shim's thresholds, so that both producers agree; 1000 ms when unset or invalid. */
static uint64_t env_ms(const char *name)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long ms;

	if (!v || !*v)
		return 1000;
	ms = strtoull(v, &end, 10);
	return *end || !ms ? 1000 : ms;
}

static int parse_args(int argc, char **argv, struct ags_opts *o)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "container", required_argument, NULL, 'C' },
		{ "duration", required_argument, NULL, 'd' },
		{ "pin", no_argument, NULL, OPT_PIN },
		{ "read", no_argument, NULL, OPT_READ },
		{ "zombie-ms", required_argument, NULL, OPT_ZOMBIE },
		{ "no-dns", no_argument, NULL, OPT_NO_DNS },
		{ "no-fd", no_argument, NULL, OPT_NO_FD },
		{ "ringbuf-kb", required_argument, NULL, OPT_RB },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "heap", no_argument, NULL, OPT_HEAP },
		{ "heap-s", required_argument, NULL, OPT_HEAP_S },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int c, scopes = 0;
	char *end;

	o->mode = AGS_MODE_TGIDS;
	o->zombie_ms = env_ms("AGSHIM_ZOMBIE_MS");
	o->slow_connect_ms = env_ms("AGSHIM_SLOW_CONNECT_MS");
	o->slow_dns_ms = env_ms("AGSHIM_SLOW_DNS_MS");
	while ((c = getopt_long(argc, argv, "+o:p:c:C:d:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o->out = optarg; break;
		case 'p':
			if (o->npids == AGS_MAX_PIDS) {
				fprintf(stderr, "agshim-bpf: at most %d --pid\n", AGS_MAX_PIDS);
				return -EINVAL;
			}
			if (parse_uint(optarg, "pid", 4194304, &v) || !v)
				return -EINVAL;
			o->pids[o->npids++] = (pid_t)v;
			break;
		case 'c':
			if (ags_resolve_cgroup(o, optarg))
				return -EINVAL;
			o->mode = AGS_MODE_CGROUP;
			scopes++;
			break;
		case 'C':
			if (ags_find_container(o, optarg))
				return -EINVAL;
			o->mode = AGS_MODE_CGROUP;
			scopes++;
			break;
		case 'd':
			o->duration_s = strtod(optarg, &end);
			if (*end || end == optarg || o->duration_s <= 0 || o->duration_s > 1e7) {
				fprintf(stderr, "agshim-bpf: invalid duration: '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_PIN: o->pin = 1; break;
		case OPT_READ: o->read = 1; break;
		case OPT_ZOMBIE:
			if (parse_uint(optarg, "--zombie-ms", 86400000, &v))
				return -EINVAL;
			o->zombie_ms = v;
			break;
		case OPT_NO_DNS: o->no_dns = 1; break;
		case OPT_NO_FD: o->no_fd = 1; break;
		case OPT_RB:
			if (parse_uint(optarg, "--ringbuf-kb", 1 << 20, &v) || v < 4)
				return -EINVAL;
			o->ringbuf_kb = (unsigned)v;
			break;
		case OPT_ALL:
			o->mode = AGS_MODE_ALL;
			scopes++;
			break;
		case OPT_HEAP: o->heap = 1; break;
		case OPT_HEAP_S:
			o->heap_s = strtod(optarg, &end);
			if (*end || end == optarg || o->heap_s <= 0 || o->heap_s > 3600) {
				fprintf(stderr, "agshim-bpf: invalid --heap-s: '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc)
		o->cmd = &argv[optind];
	scopes += (o->npids > 0) + (o->cmd != NULL);
	if (o->read && (scopes || o->pin)) {
		fprintf(stderr, "agshim-bpf: --read takes no target: it reads what --pin left\n");
		return -EINVAL;
	}
	if (!o->read && scopes != 1) {
		fprintf(stderr, "agshim-bpf: name one target: -- CMD, --pid, --cgroup, --container "
				"or --all (see --help)\n");
		return -EINVAL;
	}
	if (o->heap && (o->pin || o->npids + (o->cmd != NULL) != 1)) {
		fprintf(stderr, "agshim-bpf: --heap traces one process: one --pid or a command, "
				"without --pin\n");
		return -EINVAL;
	}
	if (!o->heap_s)
		o->heap_s = 10;
	if (o->pin && o->cmd) {
		fprintf(stderr, "agshim-bpf: --pin needs --pid, --cgroup or --container, not a "
				"command\n");
		return -EINVAL;
	}
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int open_out(const char *path)
{
	int fd;

	if (!path)
		return STDOUT_FILENO;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		fprintf(stderr, "agshim-bpf: failed to open %s: %s\n", path, strerror(errno));
	return fd;
}

/* Fork the command stopped on a pipe, so that it is traced from its first instruction. */
static pid_t start_cmd(char **cmd, int *release_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC)) {
		fprintf(stderr, "agshim-bpf: failed to create a pipe: %s\n", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "agshim-bpf: failed to fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(p[1]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (read(p[0], &c, 1) != 1)
			_exit(126);
		execvp(cmd[0], cmd);
		fprintf(stderr, "agshim-bpf: %s: %s\n", cmd[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(p[0]);
	*release_fd = p[1];
	return pid;
}

/* getaddrinfo probes: per pid, or for a cgroup once per libc its processes map. */
static void attach_dns_scope(struct ags_bpf *b, const struct ags_opts *o)
{
	char libc[4096], path[4200], line[32];
	int i, n = 0;
	FILE *f;

	for (i = 0; i < o->npids; i++)
		if (!ags_libc_of(o->pids[i], libc, sizeof(libc)))
			n += !ags_bpf__attach_dns(b, o->pids[i], libc);
	if (o->mode == AGS_MODE_CGROUP || o->mode == AGS_MODE_ALL) {
		/* System-wide on that libc; the programs filter on the cgroup. */
		snprintf(path, sizeof(path), "%s/cgroup.procs", o->cgroup);
		f = o->mode == AGS_MODE_CGROUP ? fopen(path, "re") : NULL;
		while (f && fgets(line, sizeof(line), f)) {
			if (!ags_libc_of(atoi(line), libc, sizeof(libc)) &&
			    !ags_bpf__attach_dns(b, -1, libc))
				n++;
			break; /* one process's libc; more would need dedup by inode */
		}
		if (f)
			fclose(f);
		if (!n && !ags_libc_of(getpid(), libc, sizeof(libc)))
			n += !ags_bpf__attach_dns(b, -1, libc);
	}
	if (o->verbose)
		fprintf(stderr, "agshim-bpf: getaddrinfo probes on %d process(es)\n", n);
}

/* Poll until stopped; returns when done. */
static void run_loop(struct ring_buffer *rb, struct ags_bpf *b, const struct ags_opts *o,
		     pid_t child, int *child_status)
{
	uint64_t start = now_ms(), end_at = 0, last_tick = 0, alive_end = 0, t;
	uint64_t lost[AGS_REC__COUNT] = { 0 };
	int status, err, exited = child <= 0;

	while (!stop) {
		err = ring_buffer__poll(rb, POLL_MS);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "agshim-bpf: failed to poll the ring buffer: %s\n",
				strerror(-err));
			break;
		}
		t = now_ms();
		if (t - last_tick >= POLL_MS) {
			if (b)
				ags_bpf__lost(b, lost);
			else
				ags_pinned_lost(lost);
			ags_events_tick(lost);
			ags_heap__tick(0);
			last_tick = t;
		}
		if (o->duration_s && t - start >= (uint64_t)(o->duration_s * 1000))
			break;
		if (child > 0 && !exited && waitpid(child, &status, WNOHANG) == child) {
			exited = 1;
			*child_status = status;
			/* Children left behind get a while to show up as zombies or exit. */
			end_at = t + (o->zombie_ms * 2 > 2000 ? o->zombie_ms * 2 : 2000);
		}
		if (o->read || o->mode != AGS_MODE_TGIDS || !exited)
			continue;
		/* All gone: wait a little for their reaping (an RCU callback) too. */
		if (ags_events_alive() <= 0 && !alive_end) {
			alive_end = t;
			end_at = t + REAP_WAIT_MS;
		}
		if (alive_end && ags_events_unreaped() <= 0 && end_at > t + DRAIN_MS)
			end_at = t + DRAIN_MS;
		if (end_at && t >= end_at)
			break;
	}
	ring_buffer__consume(rb);
	ags_heap__tick(1);
	if (b)
		ags_bpf__lost(b, lost);
	else
		ags_pinned_lost(lost);
	ags_events_flush(lost);
}

static int cmd_detach(void)
{
	int n;

	ags_ensure_mounts(0, 1);
	n = ags_unpin_all();
	if (n < 0)
		return 1;
	fprintf(stderr, "agshim-bpf: removed %d pins under %s\n", n, ags_pin_dir());
	return 0;
}

static int cmd_read(const struct ags_opts *o)
{
	struct ring_buffer *rb;
	int fd, out, status = 0;
	char path[512];

	ags_ensure_mounts(0, 1);
	fd = bpf_obj_get(ags_pin_path(path, sizeof(path), "events"));
	if (fd < 0) {
		fprintf(stderr,
			"agshim-bpf: nothing pinned under %s (%s): run attach --pin "
			"first\n",
			ags_pin_dir(), strerror(errno));
		return 1;
	}
	out = open_out(o->out);
	if (out < 0)
		return 1;
	ags_events_init(out, o->zombie_ms, NULL, 0);
	rb = ring_buffer__new(fd, ags_events_handle, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "agshim-bpf: failed to open the pinned ring buffer: %s\n",
			strerror(errno));
		return 1;
	}
	run_loop(rb, NULL, o, 0, &status);
	ring_buffer__free(rb);
	fprintf(stderr, "agshim-bpf: %llu events\n", (unsigned long long)ags_events_count());
	return 0;
}

int main(int argc, char **argv)
{
	struct ags_opts o = { 0 };
	struct ags_bpf b = { 0 };
	struct ring_buffer *rb = NULL;
	struct sigaction sa = { 0 };
	int out = -1, release = -1, status = 0, i, rc = 1, n;
	pid_t child = 0;
	char libc[4096];

	/* Parse: the "attach" word is optional, "detach" is a command. */
	if (argc > 1 && !strcmp(argv[1], "detach"))
		return ags_check_system() ? 1 : cmd_detach();
	if (argc > 1 && !strcmp(argv[1], "attach")) {
		argv++;
		argc--;
	}
	if (parse_args(argc, argv, &o))
		return 2;
	if (ags_check_system())
		return 1;
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (o.read)
		return cmd_read(&o);

	/* Mounts, and no second set of pins on top of the first. */
	ags_ensure_mounts(1, o.pin);
	if (o.pin && !access(ags_pin_path(libc, sizeof(libc), "events"), F_OK)) {
		fprintf(stderr, "agshim-bpf: %s is in use: run 'agshim detach' first\n",
			ags_pin_dir());
		return 1;
	}

	/* Open, configure, load; programs the kernel refuses are left out. */
	if (ags_bpf__open_load(&b, &o))
		return 1;
	for (i = 0; i < o.npids; i++) {
		if (kill(o.pids[i], 0) && errno == ESRCH) {
			fprintf(stderr, "agshim-bpf: no process %d\n", o.pids[i]);
			goto cleanup;
		}
		ags_bpf__add_target(&b, o.pids[i]);
	}

	/* Attach the tracepoints, then the per-process probes. */
	n = ags_bpf__attach(&b);
	if (!n) {
		fprintf(stderr, "agshim-bpf: no program could be attached\n");
		goto cleanup;
	}
	out = o.pin ? -1 : open_out(o.out);
	if (!o.pin && out < 0)
		goto cleanup;
	ags_events_init(out, o.zombie_ms, &b, !o.no_dns && o.mode == AGS_MODE_TGIDS && !o.pin);
	if (!o.pin) {
		rb = ring_buffer__new(ags_bpf__events_fd(&b), ags_events_handle, NULL, NULL);
		if (!rb) {
			fprintf(stderr, "agshim-bpf: failed to open the ring buffer: %s\n",
				strerror(errno));
			goto cleanup;
		}
	}
	if (!o.no_dns)
		attach_dns_scope(&b, &o);
	for (i = 0; i < o.npids; i++)
		ags_events_track(o.pids[i], 0);
	/* What already exists: zombies, and children of the target pids. */
	ags_bpf__iter_tasks(&b);

	if (o.pin) {
		rc = ags_bpf__pin(&b) ? 1 : 0;
		if (rc)
			ags_unpin_all();
		else
			fprintf(stderr,
				"agshim-bpf: %d programs attached and pinned under %s; "
				"'agshim attach --read' reads them, 'agshim detach' "
				"removes them\n",
				b.nlinks, ags_pin_dir());
		goto cleanup;
	}

	/* Start the command, stopped until it is in the filter. */
	if (o.cmd) {
		child = start_cmd(o.cmd, &release);
		if (child < 0)
			goto cleanup;
		ags_bpf__add_target(&b, child);
		ags_events_track(child, getpid());
		if (!o.no_dns && !ags_libc_of(getpid(), libc, sizeof(libc)))
			ags_bpf__attach_dns(&b, child, libc);
	}
	if (o.heap && ags_heap__start(&b, child > 0 ? child : o.pids[0], o.heap_s))
		goto cleanup;
	fprintf(stderr, "agshim-bpf: attached: %d programs%s\n", n,
		b.nfailed ? " (some left out, see above)" : "");
	if (release >= 0) {
		if (write(release, "g", 1) != 1)
			fprintf(stderr, "agshim-bpf: failed to start %s\n", o.cmd[0]);
		close(release);
	}

	run_loop(rb, &b, &o, child, &status);
	if (child > 0 && !WIFEXITED(status) && !WIFSIGNALED(status)) {
		/* Stopped early: the command keeps running, untraced. */
		rc = 0;
	} else if (child > 0) {
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	} else {
		rc = 0;
	}
	if (o.verbose)
		fprintf(stderr, "agshim-bpf: %llu events\n",
			(unsigned long long)ags_events_count());
cleanup:
	ring_buffer__free(rb);
	ags_bpf__destroy(&b);
	if (out > STDOUT_FILENO)
		close(out);
	return rc;
}
