/*
 * plugins/meeting/chat_history.c — the meetings' chat history, kept
 * through the chat plugin's store (plugins/chat/store.h, linked in as
 * libchatstore.la) under the room key "meeting/<roomId>": each
 * meeting-chat-message the plugin relays is kept with the sender's id and
 * name, so a late joiner fetches what was said (GET
 * /api/meetings/:roomId/chat, rest.c). What a meeting keeps is [chat]
 * history (the last N messages) and [chat] max_age.
 *
 * In cluster mode each instance keeps the messages its own participants
 * sent, in its own file.
 */
#include <string.h>

#include "meeting.h"

static char *room_key(const char *room_id)
{
	return g_strconcat("meeting/", room_id, NULL);
}

int64_t parley_meeting_chat_keep(parley_meeting_ctx *ctx, const parley_meeting_participant *p, const char *text,
                                 int64_t now_ms)
{
	if (ctx->chat == NULL || !parley_chat_retention_keeps(&ctx->cfg.chat_keep))
		return 0;
	char *key = room_key(p->room_id);
	parley_chat_record record = {
		.kind = PARLEY_CHAT_KIND_MESSAGE, .room = key, .sender = p->user_id, .display = p->user_name,
		.text = (char *)text, .date_ms = now_ms,
	};
	int64_t id = 0;
	parley_plugin_error error = {0};
	if (ctx->chat->ops->append(ctx->chat, &record, &ctx->cfg.chat_keep, now_ms, &id, &error) != 0) {
		if (ctx->core != NULL && ctx->core->log != NULL)
			ctx->core->log(PARLEY_LOG_WARN, PARLEY_MEETING_PACKAGE, "meeting %s: a chat message not kept: %s",
			               p->room_id, error.reason);
		id = 0;
	}
	g_free(key);
	return id;
}

json_t *parley_meeting_chat_page(parley_meeting_ctx *ctx, const char *room_id, int64_t before_id, unsigned limit)
{
	json_t *messages = json_array(); /* new; stolen by the answer */
	int64_t total = 0;
	bool more = false;
	if (ctx->chat != NULL) {
		char *key = room_key(room_id);
		int64_t age = ctx->cfg.chat_keep.max_age_ms;
		/* one more than asked: whether an older page exists */
		parley_chat_page page = {
			.before_id = before_id, .limit = limit + 1, .since_ms = age > 0 ? ctx->now_ms() - age : 0,
		};
		parley_plugin_error error = {0};
		GPtrArray *lines = ctx->chat->ops->page(ctx->chat, key, &page, &total, &error);
		g_free(key);
		if (lines == NULL) {
			json_decref(messages);
			return NULL;
		}
		more = lines->len > limit;
		for (guint i = more ? 1 : 0; i < lines->len; i++) {
			parley_chat_record *r = lines->pdata[i];
			char *timestamp = parley_meeting_iso8601(r->date_ms);
			json_array_append_new(messages, json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)r->id,
			                                          "userId", r->sender != NULL ? r->sender : "", "userName",
			                                          r->display != NULL ? r->display : "", "message", r->text,
			                                          "timestamp", timestamp));
			g_free(timestamp);
		}
		g_ptr_array_unref(lines);
	}
	return json_pack("{s:o, s:I, s:i, s:b}", "messages", messages, "total", (json_int_t)total, "limit", (int)limit,
	                 "hasMore", more);
}
