/* SPDX-License-Identifier: MIT */
/* Children follow: give a child's environment back the LD_PRELOAD and AGSHIM_* it lost. */
#include "proc.h"

#include <string.h>
#include <sys/mman.h>

#include "sys.h"

#define KEEP_MAX 24
#define STORE_BYTES 4096

/*
 * The strings to restore, taken once from the start environment.  Written
 * before any child can be started (a constructor), read-only afterwards.
 */
static char store[STORE_BYTES];
static const char *keep[KEEP_MAX]; /* "AGSHIM_X=value", AGSHIM_OUT first */
static size_t keep_name_len[KEEP_MAX];
static int nkeep;
static const char *preload; /* "LD_PRELOAD=..." naming us, from the start environment */

static const char *lib_base(void)
{
	const char *slash = strrchr(ags_cfg.lib_path, '/');

	return slash ? slash + 1 : "libagshim";
}

const char *ags_env_get(char *const env[], const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; env && env[i]; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/* Append "a" "b" to the store; returns the copy or NULL when full. */
static const char *store_put(size_t *used, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = store + *used;

	if (*used + la + lb + 1 > sizeof(store))
		return NULL;
	memcpy(p, a, la);
	memcpy(p + la, b, lb + 1);
	*used += la + lb + 1;
	return p;
}

static void add_keep(const char *s)
{
	if (!s || nkeep >= KEEP_MAX)
		return;
	keep[nkeep] = s;
	keep_name_len[nkeep] = (size_t)(strchr(s, '=') - s);
	nkeep++;
}

void ags_env_capture(char *const env[])
{
	size_t used = 0;
	const char *lp = ags_env_get(env, "LD_PRELOAD");

	nkeep = 0;
	/* The resolved events path, so the whole tree appends to one file. */
	if (ags_cfg.out_path[0])
		add_keep(store_put(&used, "AGSHIM_OUT=", ags_cfg.out_path));
	for (int i = 0; env && env[i]; i++)
		if (strncmp(env[i], "AGSHIM_", 7) == 0 && strncmp(env[i], "AGSHIM_OUT=", 11) != 0)
			add_keep(store_put(&used, env[i], ""));
	if (lp && ags_cfg.lib_path[0] && strstr(lp, lib_base()))
		preload = store_put(&used, "LD_PRELOAD=", lp);
	else if (ags_cfg.lib_path[0])
		preload = store_put(&used, "LD_PRELOAD=", ags_cfg.lib_path);
}

/* What envp lacks: a bit per keep[] entry missing, and how LD_PRELOAD stands. */
struct scan {
	unsigned missing; /* bit i: keep[i] absent */
	int preload_idx;  /* index of LD_PRELOAD in envp, -1 when absent */
	int preload_ok;	  /* it names this library */
	int envc;
};

static void scan_env(char *const envp[], struct scan *sc)
{
	sc->missing = nkeep >= 32 ? ~0u : (1u << nkeep) - 1;
	sc->preload_idx = -1;
	sc->preload_ok = 0;
	sc->envc = 0;
	for (int i = 0; envp && envp[i]; i++, sc->envc++) {
		const char *e = envp[i];

		if (e[0] == 'L' && strncmp(e, "LD_PRELOAD=", 11) == 0) {
			sc->preload_idx = i;
			sc->preload_ok = strstr(e + 11, lib_base()) != NULL;
			continue;
		}
		if (e[0] != 'A' || strncmp(e, "AGSHIM_", 7) != 0)
			continue;
		for (int k = 0; k < nkeep; k++)
			if (strncmp(e, keep[k], keep_name_len[k] + 1) == 0)
				sc->missing &= ~(1u << k);
	}
}

char *const *ags_env_follow(char *const envp[], struct ags_envbuf *b)
{
	static char *const empty[] = { NULL };
	struct scan sc;
	size_t need, ptrs, extra = 0;
	char **out, *str;
	int n = 0;

	b->map = NULL;
	b->map_len = 0;
	if (!ags_cfg.follow || ags_state <= 0 || !preload)
		return envp;
	scan_env(envp, &sc);
	if (!sc.missing && sc.preload_ok)
		return envp;
	if (!envp)
		envp = empty;

	ptrs = (size_t)sc.envc + (size_t)nkeep + 2;
	if (sc.preload_idx >= 0 && !sc.preload_ok)
		extra = strlen(ags_cfg.lib_path) + 1 + strlen(envp[sc.preload_idx]) + 1;
	need = ptrs * sizeof(char *) + extra;
	if (need <= sizeof(b->stack)) {
		out = (char **)(void *)b->stack;
	} else if (ags_vfork_child) {
		/* A mapping made here would stay in the parent after the exec: leave it. */
		return envp;
	} else {
		int saved = errno;
		/* mmap takes six arguments, more than ags_sys passes. */
		long m = syscall(SYS_mmap, NULL, need, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		errno = saved;
		if (m == -1)
			return envp; /* follow is best effort: never fail the exec for it */
		b->map = (void *)m;
		b->map_len = need;
		out = b->map;
	}
	str = (char *)(out + ptrs);

	for (int i = 0; i < sc.envc; i++) {
		if (i != sc.preload_idx || sc.preload_ok) {
			out[n++] = envp[i];
			continue;
		}
		/* LD_PRELOAD=theirs -> LD_PRELOAD=ours:theirs */
		size_t ll = strlen(ags_cfg.lib_path);

		memcpy(str, "LD_PRELOAD=", 11);
		memcpy(str + 11, ags_cfg.lib_path, ll);
		str[11 + ll] = ':';
		strcpy(str + 12 + ll, envp[i] + 11);
		out[n++] = str;
	}
	if (sc.preload_idx < 0)
		out[n++] = (char *)preload;
	for (int k = 0; k < nkeep; k++)
		if (sc.missing & (1u << k))
			out[n++] = (char *)keep[k];
	out[n] = NULL;
	return out;
}

void ags_env_release(struct ags_envbuf *b)
{
	if (b->map)
		ags_sys(SYS_munmap, (long)b->map, (long)b->map_len, 0, 0);
	b->map = NULL;
}

char *const *ags_child_env(char *const envp[], struct ags_envbuf *b, int *trace)
{
	char *const *env;

	*trace = ags_tracing(AGS_FAM_PROC);
	ags_in_shim++;
	if (*trace)
		ags_proc_tick();
	env = ags_env_follow(envp, b);
	ags_in_shim--;
	return env;
}
