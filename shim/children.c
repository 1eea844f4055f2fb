/* SPDX-License-Identifier: MIT */
/* The children table: who this process started, zombies and children left running at exit. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "emit.h"
#include "sys.h"

#define TICK_NS (100ull * 1000 * 1000)

/*
 * One slot per child.  A slot is taken by a compare-and-swap of pid from 0,
 * filled, then published by setting ready; it is freed by swapping pid back
 * to 0.  No lock, no allocation: any wrapper and any signal handler may use it.
 */
struct slot {
	pid_t pid;
	int ready;
	int reported;		 /* zombie event written */
	uint64_t start_ns;	 /* wall clock at spawn */
	uint64_t start_mono;	 /* monotonic at spawn */
	uint64_t exit_seen_mono; /* first time seen exited and unreaped, 0 = not yet */
	char cmd[48];
};

static struct slot slots[AGS_CHILDREN_MAX];
static uint64_t last_tick;
static int registered;

void ags_children_add(pid_t pid, const char *cmd)
{
	if (pid <= 0 || ags_vfork_child)
		return;
	for (int i = 0; i < AGS_CHILDREN_MAX; i++) {
		struct slot *s = &slots[i];
		pid_t free_pid = 0;

		if (__atomic_load_n(&s->pid, __ATOMIC_RELAXED) != 0)
			continue;
		if (!__atomic_compare_exchange_n(&s->pid, &free_pid, pid, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			continue;
		s->reported = 0;
		s->exit_seen_mono = 0;
		s->start_ns = ags_now_ns();
		s->start_mono = ags_mono_ns();
		s->cmd[0] = '\0';
		if (cmd) {
			size_t n = strlen(cmd);

			if (n >= sizeof(s->cmd))
				n = sizeof(s->cmd) - 1;
			memcpy(s->cmd, cmd, n);
			s->cmd[n] = '\0';
		}
		__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
		return;
	}
	/* Full: the child goes untracked; a zombie among 256 live children is noticed anyway. */
}

void ags_children_reaped(pid_t pid)
{
	if (pid <= 0 || ags_vfork_child)
		return;
	for (int i = 0; i < AGS_CHILDREN_MAX; i++) {
		struct slot *s = &slots[i];
		pid_t want = pid;

		if (__atomic_load_n(&s->pid, __ATOMIC_RELAXED) != pid)
			continue;
		__atomic_store_n(&s->ready, 0, __ATOMIC_RELEASE);
		__atomic_compare_exchange_n(&s->pid, &want, 0, 0, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
		return;
	}
}

void ags_children_reset(void)
{
	memset(slots, 0, sizeof(slots));
	last_tick = 0;
}

int ags_children_count(void)
{
	int n = 0;

	for (int i = 0; i < AGS_CHILDREN_MAX; i++)
		if (__atomic_load_n(&slots[i].pid, __ATOMIC_ACQUIRE) != 0)
			n++;
	return n;
}

/* /proc/PID/comm, which a zombie still has. */
static void read_comm(pid_t pid, char *out, size_t n)
{
	char path[40] = "/proc/";
	size_t len = 6;
	long fd, r;

	len += ags_fmt_u64(path + len, (uint64_t)pid);
	memcpy(path + len, "/comm", 6);
	out[0] = '\0';
	fd = ags_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	r = ags_sys_read(fd, out, n - 1);
	ags_sys_close(fd);
	if (r <= 0)
		r = 0;
	out[r] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

static void emit_child(const struct slot *s, const char *state, uint64_t age_ns)
{
	struct ags_ev ev;
	char comm[32];

	read_comm(s->pid, comm, sizeof(comm));
	ags_ev_begin(&ev, AGS_KIND_CHILD, NULL);
	ags_ev_int(&ev, AGS_K_CHILD, s->pid);
	ags_ev_str(&ev, AGS_K_STATE, state);
	ags_ev_uint(&ev, AGS_K_AGE, age_ns);
	ags_ev_uint(&ev, AGS_K_START_TS, s->start_ns);
	ags_ev_str(&ev, AGS_K_CMD, s->cmd);
	ags_ev_str(&ev, AGS_K_COMM, comm);
	ags_ev_emit(&ev);
}

/* 1 exited and not reaped, 0 running, -1 not our child any more (reaped elsewhere). */
static int child_state(pid_t pid)
{
	int saved = errno;
	siginfo_t si;
	long r;

	memset(&si, 0, sizeof(si));
	/*
	 * WNOWAIT: look without reaping, so the program's own wait still sees it.
	 * The system call takes a fifth argument (struct rusage *), which must be
	 * NULL: ags_sys passes four, and the kernel would write through whatever
	 * the fifth register holds.
	 */
	r = syscall(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT, NULL);
	errno = saved;
	if (r < 0)
		return -1;
	return si.si_pid == pid ? 1 : 0;
}

int ags_children_check(uint64_t now, int at_exit)
{
	uint64_t zombie_ns = ags_cfg.zombie_ms * 1000000ull;
	int written = 0;

	if (ags_vfork_child)
		return 0;
	for (int i = 0; i < AGS_CHILDREN_MAX; i++) {
		struct slot *s = &slots[i];
		pid_t pid = __atomic_load_n(&s->pid, __ATOMIC_ACQUIRE);
		int st;

		if (!pid || !__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
			continue;
		st = child_state(pid);
		if (st < 0) {
			ags_children_reaped(pid);
			continue;
		}
		if (st == 0) {
			if (at_exit) {
				emit_child(s, "running", now - s->start_mono);
				written++;
			}
			continue;
		}
		if (!s->exit_seen_mono)
			s->exit_seen_mono = now;
		if (!s->reported && now - s->exit_seen_mono >= zombie_ns) {
			s->reported = 1;
			emit_child(s, "zombie", now - s->exit_seen_mono);
			written++;
		}
	}
	return written;
}

void ags_children_tick(void)
{
	uint64_t now, last;

	if (ags_vfork_child)
		return;
	now = ags_mono_ns();
	last = __atomic_load_n(&last_tick, __ATOMIC_RELAXED);
	if (now - last < TICK_NS ||
	    !__atomic_compare_exchange_n(&last_tick, &last, now, 0, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return;
	ags_children_check(now, 0);
}

static void at_exit(void)
{
	ags_children_check(ags_mono_ns(), 1);
}

void ags_children_init(void)
{
	if (!__atomic_exchange_n(&registered, 1, __ATOMIC_ACQ_REL))
		ags_on_exit(at_exit);
}
