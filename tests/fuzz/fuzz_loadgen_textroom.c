/*
 * fuzz_loadgen_textroom.c — libFuzzer target for what parley-loadgen's
 * textroom driver reads (bench/loadgen/textroom_stats.c): a data channel
 * message from the gateway (loadgen_tr_parse_event, and the message text
 * inside it) and the --phases list. The first byte picks the entry; the
 * rest is its input. Whatever comes back must be consistent: a parsed
 * event holds its JSON and an answer its transaction, a message of ours
 * reads back to the same text, a phase list fills at most its array, and
 * a receipt of what was parsed is counted once in a phase's accounting.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textroom_stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_event(const uint8_t *data, size_t size)
{
	loadgen_tr_event ev;
	char reason[128];
	if (loadgen_tr_parse_event((const char *)data, size, &ev, reason, sizeof(reason)) != 0) {
		if (ev.json != NULL || memchr(reason, '\0', sizeof(reason)) == NULL)
			abort();
		return;
	}
	if (ev.json == NULL || (ev.kind == LOADGEN_TR_ANSWER && ev.transaction == NULL) ||
	    (ev.kind == LOADGEN_TR_ERROR && ev.error == NULL) || (ev.ours && ev.kind != LOADGEN_TR_MESSAGE))
		abort();
	if (ev.ours) {
		char text[LOADGEN_TR_TEXT_SIZE];
		loadgen_tr_format_text(text, sizeof(text), ev.phase, ev.seq, ev.send_us);
		if (strcmp(text, ev.text) != 0)
			abort();
		loadgen_tr_phase *p = loadgen_tr_phase_new(3, 4);
		while (loadgen_tr_phase_next(p) >= 0)
			;
		bool first = loadgen_tr_phase_receipt(p, 1, ev.seq, ev.send_us, ev.send_us);
		if (first != (ev.seq < 4) || loadgen_tr_phase_receipt(p, 1, ev.seq, ev.send_us, ev.send_us) ||
		    loadgen_tr_phase_missing(p) != 12 - (first ? 1 : 0))
			abort();
		loadgen_tr_phase_free(p);
	}
	loadgen_tr_event_clear(&ev);
}

static void fuzz_phases(const uint8_t *data, size_t size)
{
	char list[256], reason[160];
	size_t n = size < sizeof(list) - 1 ? size : sizeof(list) - 1;
	memcpy(list, data, n);
	list[n] = '\0';
	loadgen_tr_phase_kind kinds[LOADGEN_TR_MAX_PHASES];
	int count = loadgen_tr_parse_phases(list, kinds, LOADGEN_TR_MAX_PHASES, reason, sizeof(reason));
	if (count == 0 || count > LOADGEN_TR_MAX_PHASES || count < -1)
		abort();
	for (int i = 0; i < count; i++)
		if (kinds[i] != LOADGEN_TR_PHASE_ONE && kinds[i] != LOADGEN_TR_PHASE_ALL)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_phases(data + 1, size - 1);
	else
		fuzz_event(data + 1, size - 1);
	return 0;
}
