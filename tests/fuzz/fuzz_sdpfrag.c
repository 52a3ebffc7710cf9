/*
 * fuzz_sdpfrag.c — libFuzzer target for the trickle-ice-sdpfrag parser of
 * WHIP/WHEP PATCH bodies (plugins/room/sdpfrag.c). The input is the body.
 * An accepted fragment must be consistent (credentials both or neither,
 * within their lengths; every candidate well formed; at most the limit),
 * and what the writer makes of it must parse back to the same credentials
 * and candidates; a refusal carries a reason. The input as a whole
 * description (our side of an ICE restart) must not crash either, and an
 * accepted one has credentials.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "plugins/room/sdpfrag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	room_sdpfrag *frag = g_new0(room_sdpfrag, 1), *again = g_new0(room_sdpfrag, 1);
	char reason[256] = "";
	if (parley_room_sdpfrag_parse((const char *)data, size, frag, reason, sizeof(reason)) == 0) {
		size_t ufrag = strlen(frag->ufrag), pwd = strlen(frag->pwd);
		if ((ufrag == 0) != (pwd == 0) || (ufrag != 0 && (ufrag < 4 || pwd < 22)) ||
		    frag->n_candidates > ROOM_SDPFRAG_MAX_CANDIDATES)
			abort();
		for (size_t i = 0; i < frag->n_candidates; i++)
			if (!parley_room_sdpfrag_candidate_ok(frag->candidates[i].line))
				abort();
		if (ufrag != 0) {
			char *out = g_malloc(64 * 1024);
			size_t n = parley_room_sdpfrag_write(frag, out, 64 * 1024);
			if (n == 0 || parley_room_sdpfrag_parse(out, n, again, reason, sizeof(reason)) != 0 ||
			    strcmp(again->ufrag, frag->ufrag) != 0 || strcmp(again->pwd, frag->pwd) != 0 ||
			    again->n_candidates != frag->n_candidates)
				abort();
			for (size_t i = 0; i < frag->n_candidates; i++)
				if (strcmp(again->candidates[i].line, frag->candidates[i].line) != 0)
					abort();
			g_free(out);
		}
	} else if (reason[0] == '\0') {
		abort();
	}
	char *text = g_strndup((const char *)data, size);
	if (parley_room_sdpfrag_of_description(text, again) == 0 && (again->ufrag[0] == '\0' || again->pwd[0] == '\0'))
		abort();
	g_free(text);
	g_free(frag);
	g_free(again);
	return 0;
}
