/* SPDX-License-Identifier: MIT */
/* Typed access to untrusted event objects, and severity names. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
#define AGS_KIND_NAME(id, name) name,
	AGS_KINDS(AGS_KIND_NAME)
#undef AGS_KIND_NAME
};

enum ags_kind ev_kind(json_t *ev)
{
	const char *k = ev_str(ev, AGS_K_KIND);

	if (!k)
		return AGS_KIND__COUNT;
	for (int i = 0; i < AGS_KIND__COUNT; i++)
		if (strcmp(k, kind_names[i]) == 0)
			return (enum ags_kind)i;
	return AGS_KIND__COUNT;
}

const char *ev_str(json_t *ev, const char *key)
{
	return json_string_value(json_object_get(ev, key));
}

bool ev_int(json_t *ev, const char *key, int64_t *out)
{
	json_t *v = json_object_get(ev, key);

	if (!json_is_integer(v))
		return false;
	*out = json_integer_value(v);
	return true;
}

int64_t ev_int_or(json_t *ev, const char *key, int64_t dflt)
{
	int64_t v;

	return ev_int(ev, key, &v) ? v : dflt;
}

bool ev_bool(json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);

	return json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0);
}

json_t *ev_obj(json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);

	return json_is_object(v) ? v : NULL;
}

json_t *ev_arr(json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);

	return json_is_array(v) ? v : NULL;
}

int64_t ev_ts(json_t *ev)
{
	return ev_int_or(ev, AGS_K_TS, 0);
}

int64_t ev_pid(json_t *ev)
{
	return ev_int_or(ev, AGS_K_PID, 0);
}

const char *argv_at(json_t *argv, size_t i)
{
	return json_string_value(json_array_get(argv, i));
}

const char *path_base(const char *path)
{
	const char *s;

	if (!path)
		return NULL;
	s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

static const char *const sev_names[] = { "info", "warning", "error", "critical" };

const char *severity_name(enum severity sev)
{
	if ((unsigned)sev >= sizeof(sev_names) / sizeof(sev_names[0]))
		return "warning";
	return sev_names[sev];
}

int severity_parse(const char *name)
{
	for (size_t i = 0; name && i < sizeof(sev_names) / sizeof(sev_names[0]); i++)
		if (strcmp(name, sev_names[i]) == 0)
			return (int)i;
	return -1;
}

long long report_env_ms_ns(const char *name, long long def_ms)
{
	const char *s = getenv(name);
	char *end;
	long long v;

	if (!s || !*s)
		return def_ms * 1000000LL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0 || v > 86400000LL)
		return def_ms * 1000000LL;
	return v * 1000000LL;
}
