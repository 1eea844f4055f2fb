/* SPDX-License-Identifier: MIT */
/* AGSHIM_* environment variables to struct ags_config, with safe defaults. */
#include "shim.h"

#include <string.h>
#include <strings.h>

#include "log.h"

/* Decimal with an optional k/m/g suffix (powers of 1024); def on anything else. */
static uint64_t parse_size(const char *s, uint64_t def)
{
	uint64_t v = 0;
	const char *p = s;

	if (!s || !*s)
		return def;
	while (*p >= '0' && *p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return def;
		v = v * 10 + (uint64_t)(*p++ - '0');
	}
	if (p == s)
		return def;
	switch (*p | 32) {
	case 'k':
		v <<= 10;
		p++;
		break;
	case 'm':
		v <<= 20;
		p++;
		break;
	case 'g':
		v <<= 30;
		p++;
		break;
	default: break;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	return *p ? def : v;
}

static int parse_bool(const char *s, int def)
{
	if (!s || !*s)
		return def;
	if (!strcmp(s, "0") || !strcasecmp(s, "no") || !strcasecmp(s, "off") ||
	    !strcasecmp(s, "false"))
		return 0;
	if (!strcmp(s, "1") || !strcasecmp(s, "yes") || !strcasecmp(s, "on") ||
	    !strcasecmp(s, "true"))
		return 1;
	return def;
}

static const struct {
	const char *name;
	unsigned bit;
} family_names[] = {
	{ "proc", AGS_FAM_PROC }, { "net", AGS_FAM_NET },   { "dns", AGS_FAM_DNS },
	{ "fd", AGS_FAM_FD },	  { "heap", AGS_FAM_HEAP }, { "all", AGS_FAM_ALL },
};

/* "proc,net,-heap": names switch families on; a leading '-' switches one off. */
static unsigned parse_families(const char *s)
{
	unsigned on = 0, off = 0;
	int any_on = 0;

	if (!s || !*s)
		return AGS_FAM_ALL;
	while (*s) {
		const char *e = s;
		int neg = (*s == '-');
		size_t n;

		while (*e && *e != ',')
			e++;
		n = (size_t)(e - s) - (size_t)neg;
		for (size_t i = 0; i < sizeof(family_names) / sizeof(family_names[0]); i++) {
			if (strlen(family_names[i].name) == n &&
			    !strncmp(family_names[i].name, s + neg, n)) {
				if (neg) {
					off |= family_names[i].bit;
				} else {
					on |= family_names[i].bit;
					any_on = 1;
				}
			}
		}
		s = *e ? e + 1 : e;
	}
	return (any_on ? on : AGS_FAM_ALL) & ~off;
}

static int parse_level(const char *s)
{
	if (!s || !*s)
		return AGS_LOG_WARN;
	if (!strcasecmp(s, "none") || !strcmp(s, "0"))
		return AGS_LOG_NONE;
	if (!strcasecmp(s, "error"))
		return AGS_LOG_ERR;
	if (!strcasecmp(s, "info"))
		return AGS_LOG_INFO;
	if (!strcasecmp(s, "debug"))
		return AGS_LOG_DBG;
	return AGS_LOG_WARN;
}

static void copy_path(char *dst, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= AGS_PATH_MAX)
		n = 0; /* a path we cannot hold is no path */
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

void ags_config_parse(struct ags_config *cfg, const char *(*get)(const char *name))
{
	const char *fd = get("AGSHIM_LOG_FD");

	memset(cfg, 0, sizeof(*cfg));
	copy_path(cfg->out_path, get("AGSHIM_OUT"));
	copy_path(cfg->log_path, get("AGSHIM_LOG"));
	cfg->families = parse_families(get("AGSHIM_TRACE"));
	cfg->follow = parse_bool(get("AGSHIM_FOLLOW"), 1);
	cfg->redact = parse_bool(get("AGSHIM_REDACT"), 1);
	cfg->log_level = parse_level(get("AGSHIM_LOG_LEVEL"));
	cfg->log_fd = (fd && *fd) ? (int)parse_size(fd, (uint64_t)-1) : -1;
	cfg->heap_sample_bytes = parse_size(get("AGSHIM_HEAP_SAMPLE"), 512 * 1024);
	cfg->heap_interval_ms = parse_size(get("AGSHIM_HEAP_INTERVAL_MS"), 10000);
	cfg->zombie_ms = parse_size(get("AGSHIM_ZOMBIE_MS"), 1000);
	cfg->slow_connect_ms = parse_size(get("AGSHIM_SLOW_CONNECT_MS"), 1000);
	cfg->slow_dns_ms = parse_size(get("AGSHIM_SLOW_DNS_MS"), 1000);
	if (cfg->heap_sample_bytes == 0)
		cfg->families &= ~(unsigned)AGS_FAM_HEAP;
}
