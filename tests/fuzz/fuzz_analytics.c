/*
 * fuzz_analytics.c — libFuzzer target for the analytics handler's reading
 * of bus events and its views (handlers/analytics/model*.c, rollup.c).
 * Plugins hand the bus any JSON they like (notify_event), so the model must
 * take anything. The input is lines: each one that parses as a JSON object
 * with "type" is applied as a bus event (with a small model, so the limits
 * are reached), each with "view" asks for the room, participant and rooms
 * views it names. Then the invariants: live counts never go below zero or
 * above the limits, every notice has a name and a body, every record a
 * room, and the summary and pending rollups can be read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "handlers/analytics/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_output(const analytics_output *out)
{
	for (guint i = 0; i < out->notices->len; i++) {
		const analytics_notice *n = out->notices->pdata[i];
		if (!n->name || !*n->name || !json_is_object(n->body))
			abort();
	}
	for (guint i = 0; i < out->records->len; i++) {
		const analytics_record *r = out->records->pdata[i];
		if (!r->room || !r->plugin || !json_is_object(r->figures) ||
		    (r->type == ANALYTICS_RECORD_PARTICIPANT && !r->participant))
			abort();
	}
}

static void view(const analytics_model *m, json_t *line)
{
	const char *plugin = json_string_value(json_object_get(line, "plugin"));
	const char *room = json_string_value(json_object_get(line, "room"));
	const char *participant = json_string_value(json_object_get(line, "participant"));
	json_decref(parley_analytics_model_room_json(m, plugin, room));
	if (participant)
		json_decref(parley_analytics_model_participant_json(m, plugin, room, participant));
	json_decref(parley_analytics_model_rooms_json(m, 50));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	analytics_limits limits = { 4, 6, 6, 8 };
	analytics_model *m = parley_analytics_model_new(&limits);
	char *text = g_strndup((const char *)data, size);
	char **lines = g_strsplit(text, "\n", 256);
	analytics_output out;
	parley_analytics_output_init(&out);
	for (char **l = lines; *l; l++) {
		json_t *line = json_loads(*l, JSON_DECODE_ANY, NULL);
		if (json_is_object(line) && json_object_get(line, "view"))
			view(m, line);
		else if (line)
			parley_analytics_model_apply(m, line, &out);
		json_decref(line);
	}
	check_output(&out);
	analytics_live live;
	parley_analytics_model_live(m, &live);
	unsigned rooms = 0, participants = 0;
	for (int k = 0; k < ANALYTICS_KIND_COUNT; k++) {
		rooms += live.rooms[k];
		participants += live.participants[k];
	}
	if (rooms > limits.max_rooms || participants > limits.max_participants ||
	    live.pcs_new + live.pcs_connected + live.pcs_disconnected > limits.max_pcs)
		abort();
	json_decref(parley_analytics_model_summary(m));
	GArray *pending = g_array_new(FALSE, FALSE, sizeof(analytics_bucket));
	parley_analytics_model_take_pending(m, pending);
	for (guint i = 0; i < pending->len; i++)
		json_decref(parley_analytics_rollup_to_json(&g_array_index(pending, analytics_bucket, i).rollup));
	g_array_free(pending, TRUE);
	parley_analytics_output_clear(&out);
	g_strfreev(lines);
	g_free(text);
	parley_analytics_model_free(m);
	return 0;
}
