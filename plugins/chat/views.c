/*
 * plugins/chat/views.c — the JSON shapes clients see: TextRoom's dates,
 * message and announcement events (live or replayed from the history),
 * participants and rooms as "list" shows them. Every function returns a
 * new reference.
 */
#include <time.h>

#include "chat.h"

void parley_chat_date(int64_t ms, char out[32])
{
	time_t seconds = (time_t)(ms / 1000);
	struct tm tm;
	if (gmtime_r(&seconds, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		g_strlcpy(out, "1970-01-01T00:00:00+0000", 32);
}

json_t *parley_chat_record_event(guint64 room, const parley_chat_record *record)
{
	char date[32];
	parley_chat_date(record->date_ms, date);
	bool announcement = record->kind == PARLEY_CHAT_KIND_ANNOUNCEMENT;
	json_t *event = json_pack("{s:s, s:I, s:s, s:s}", "textroom", announcement ? "announcement" : "message",
	                          "room", (json_int_t)room, "date", date, "text", record->text);
	if (record->id > 0) /* a line the history keeps: edits and deletes name it */
		json_object_set_new(event, "id", json_integer((json_int_t)record->id));
	if (!announcement) {
		json_object_set_new(event, "from", json_string(record->sender != NULL ? record->sender : ""));
		if (record->display != NULL)
			json_object_set_new(event, "display", json_string(record->display));
	}
	if (record->edited_ms > 0) {
		parley_chat_date(record->edited_ms, date);
		json_object_set_new(event, "edited", json_string(date));
	}
	return event;
}

json_t *parley_chat_participant_view(const parley_chat_participant *p)
{
	json_t *view = json_pack("{s:s}", "username", p->username);
	if (p->display != NULL)
		json_object_set_new(view, "display", json_string(p->display));
	return view;
}

json_t *parley_chat_room_view(const parley_chat_room *room)
{
	return json_pack("{s:I, s:s, s:b, s:i, s:I, s:I}", "room", (json_int_t)room->id, "description",
	                 room->description, "pin_required", room->pin != NULL, "num_participants",
	                 (int)g_hash_table_size(room->participants), "history", (json_int_t)room->keep.count,
	                 "history_max_age", (json_int_t)(room->keep.max_age_ms / 1000));
}
