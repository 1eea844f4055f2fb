/* SPDX-License-Identifier: MIT */
/* The playbook (the merged playbook/AREA.json files), embedded in the binary, indexed by id. */
#include "report.h"

#include <string.h>

#ifndef AGS_PLAYBOOK_FILE
#error "AGS_PLAYBOOK_FILE must name the merged playbook (the Makefile sets it)"
#endif

/*
 * The assembler copies the file into .rodata, followed by a NUL, so the binary needs no data
 * file at run time.  The Makefile makes every reporter object depend on the merged file.
 */
__asm__(".section .rodata\n"
	".balign 16\n"
	".local ags_playbook_text\n"
	"ags_playbook_text:\n"
	".incbin \"" AGS_PLAYBOOK_FILE "\"\n"
	".byte 0\n"
	".previous\n");
extern const char ags_playbook_text[];

static json_t *playbook;
static json_t *by_id;
static bool loaded;

static void load(void)
{
	json_error_t jerr;
	size_t i;
	json_t *e;

	if (loaded)
		return;
	loaded = true;
	playbook = json_loads(ags_playbook_text, 0, &jerr);
	if (!json_is_array(playbook)) {
		fprintf(stderr,
			"agshim-report: embedded playbook is not a JSON array (%d:%d: %s)\n",
			jerr.line, jerr.column, jerr.text);
		json_decref(playbook);
		playbook = NULL;
		return;
	}
	by_id = json_object();
	json_array_foreach(playbook, i, e)
	{
		const char *id = json_string_value(json_object_get(e, "id"));

		if (id && by_id)
			json_object_set(by_id, id, e);
	}
}

json_t *playbook_all(void)
{
	load();
	return playbook;
}

json_t *playbook_entry(const char *id)
{
	load();
	return id && by_id ? json_object_get(by_id, id) : NULL;
}
