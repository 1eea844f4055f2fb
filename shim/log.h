/* SPDX-License-Identifier: MIT */
/* Shim diagnostics: to AGSHIM_LOG or AGSHIM_LOG_FD, never to the program's stdout. */
#ifndef AGSHIM_SHIM_LOG_H
#define AGSHIM_SHIM_LOG_H

#include "shim.h"

enum { AGS_LOG_NONE, AGS_LOG_ERR, AGS_LOG_WARN, AGS_LOG_INFO, AGS_LOG_DBG };

/*
 * Write "agshim[pid] LEVEL: msg" with one write(2).  The format knows only
 * %s, %d, %u, %llu, %x and %%, so it stays allocation-free and async-signal-safe.
 */
void ags_log(int level, const char *func, const char *file, int line, const char *fmt,
	     ...) AGS_HIDDEN;

/* The level is tested before any argument is evaluated. */
#define AGS_LOG(lvl, ...)                                                          \
	do {                                                                       \
		if (AGS_UNLIKELY(ags_cfg.log_level >= (lvl)))                      \
			ags_log((lvl), __func__, __FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

#define ERR(...) AGS_LOG(AGS_LOG_ERR, __VA_ARGS__)
#define WARN(...) AGS_LOG(AGS_LOG_WARN, __VA_ARGS__)
#define INFO(...) AGS_LOG(AGS_LOG_INFO, __VA_ARGS__)
#define DBG(...) AGS_LOG(AGS_LOG_DBG, __VA_ARGS__)

#endif /* AGSHIM_SHIM_LOG_H */
