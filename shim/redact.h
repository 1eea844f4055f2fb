/* SPDX-License-Identifier: MIT */
/* Spotting secret-looking values in argv and environment strings. */
#ifndef AGSHIM_SHIM_REDACT_H
#define AGSHIM_SHIM_REDACT_H

#include <stddef.h>

#include "shim.h"

#define AGS_REDACTED "[REDACTED]"

/*
 * Decide whether part of arg must be hidden.  prev is the argument before it
 * (NULL for the first), so that "--token VALUE" hides VALUE.  Returns 1 and
 * sets [*start, *start + *len) to the bytes to replace with AGS_REDACTED, or
 * returns 0.  Pure, allocation-free and async-signal-safe.
 */
int ags_redact_span(const char *prev, const char *arg, size_t *start, size_t *len) AGS_HIDDEN;

#endif /* AGSHIM_SHIM_REDACT_H */
