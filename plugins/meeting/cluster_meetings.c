/*
 * plugins/meeting/cluster_meetings.c — meeting rows shared between the
 * instances of a cluster. SQLite stays per instance (persistence, stats);
 * every create/update/start/end also writes the row to the hash
 * <prefix>meeting:<roomId> (field "row" = JSON with unix-ms times, field
 * "updatedAt"), and an instance that serves a join or a REST request for a
 * meeting first copies the Redis row into its own database: the Redis row
 * wins whenever there is one.
 */
#include <string.h>

#include "cluster.h"

json_t *parley_meeting_row_to_json(const parley_meeting *m)
{
	json_t *domains = json_array(); /* new; stolen below */
	for (size_t i = 0; m->settings.allowed_domains != NULL && m->settings.allowed_domains[i] != NULL; i++)
		json_array_append_new(domains, json_string(m->settings.allowed_domains[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:i, s:s?,"
	                 " s:{s:i, s:b, s:b, s:b, s:b, s:o}}",
	                 "roomId", m->room_id, "title", m->title != NULL ? m->title : "",
	                 "description", m->description != NULL ? m->description : "",
	                 "hostId", m->host_id, "hostName", m->host_name != NULL ? m->host_name : m->host_id,
	                 "scheduledAt", (json_int_t)m->scheduled_at, "createdAt", (json_int_t)m->created_at,
	                 "startedAt", (json_int_t)m->started_at, "endedAt", (json_int_t)m->ended_at,
	                 "expiresAt", (json_int_t)m->expires_at, "status", (int)m->status,
	                 "endReason", m->end_reason,
	                 "settings", "maxParticipants", m->settings.max_participants,
	                 "recording", m->settings.recording, "chat", m->settings.chat,
	                 "screenShare", m->settings.screen_share, "requireApproval", m->settings.require_approval,
	                 "allowedDomains", domains);
}

static char *field_dup(json_t *j, const char *key)
{
	return g_strdup(json_string_value(json_object_get(j, key)));
}

parley_meeting *parley_meeting_row_from_json(json_t *row)
{
	json_t *settings = json_object_get(row, "settings");
	json_int_t status = json_integer_value(json_object_get(row, "status"));
	if (!json_is_object(row) || !json_is_string(json_object_get(row, "roomId")) ||
	    !json_is_string(json_object_get(row, "hostId")) || !json_is_object(settings) ||
	    status < PARLEY_MEETING_STATUS_WAITING || status > PARLEY_MEETING_STATUS_ENDED)
		return NULL;
	parley_meeting *m = g_new0(parley_meeting, 1);
	m->room_id = field_dup(row, "roomId");
	m->title = field_dup(row, "title");
	m->description = field_dup(row, "description");
	m->host_id = field_dup(row, "hostId");
	m->host_name = field_dup(row, "hostName");
	m->end_reason = field_dup(row, "endReason");
	if (m->title == NULL)
		m->title = g_strdup("");
	if (m->description == NULL)
		m->description = g_strdup("");
	if (m->host_name == NULL)
		m->host_name = g_strdup(m->host_id);
	m->scheduled_at = json_integer_value(json_object_get(row, "scheduledAt"));
	m->created_at = json_integer_value(json_object_get(row, "createdAt"));
	m->started_at = json_integer_value(json_object_get(row, "startedAt"));
	m->ended_at = json_integer_value(json_object_get(row, "endedAt"));
	m->expires_at = json_integer_value(json_object_get(row, "expiresAt"));
	m->status = (parley_meeting_status)status;
	m->settings.max_participants = (int)json_integer_value(json_object_get(settings, "maxParticipants"));
	m->settings.recording = json_is_true(json_object_get(settings, "recording"));
	m->settings.chat = json_is_true(json_object_get(settings, "chat"));
	m->settings.screen_share = json_is_true(json_object_get(settings, "screenShare"));
	m->settings.require_approval = json_is_true(json_object_get(settings, "requireApproval"));
	json_t *domains = json_object_get(settings, "allowedDomains");
	if (json_is_array(domains) && json_array_size(domains) > 0) {
		m->settings.allowed_domains = g_new0(char *, json_array_size(domains) + 1);
		size_t n = 0;
		for (size_t i = 0; i < json_array_size(domains); i++)
			if (json_is_string(json_array_get(domains, i)))
				m->settings.allowed_domains[n++] = g_strdup(json_string_value(json_array_get(domains, i)));
	}
	if (m->settings.max_participants < 1)
		m->settings.max_participants = 1;
	return m;
}

/* HSET, or HSETNX when the row must not replace one another instance
 * wrote meanwhile. */
static int write_row(parley_meeting_redis *r, const parley_meeting *m, bool only_if_missing)
{
	if (m == NULL || m->room_id == NULL)
		return -1;
	json_t *row = parley_meeting_row_to_json(m); /* new, dropped below */
	char *text = row != NULL ? json_dumps(row, JSON_COMPACT) : NULL; /* malloc'ed */
	json_decref(row);
	if (text == NULL)
		return -1;
	char *key = parley_meeting_redis_key(r, "meeting:%s", m->room_id);
	char stamp[32];
	g_snprintf(stamp, sizeof(stamp), "%" G_GINT64_FORMAT, g_get_real_time() / 1000);
	redisReply *reply = only_if_missing ? parley_meeting_redis_command(r, "HSETNX %s row %s", key, text)
	                                    : parley_meeting_redis_command(r, "HSET %s row %s updatedAt %s", key,
	                                                                   text, stamp);
	int rc = reply == NULL ? -1 : only_if_missing && reply->type == REDIS_REPLY_INTEGER ? (int)reply->integer : 0;
	if (reply != NULL)
		freeReplyObject(reply);
	if (rc == 1) {
		reply = parley_meeting_redis_command(r, "HSETNX %s updatedAt %s", key, stamp);
		if (reply != NULL)
			freeReplyObject(reply);
	}
	g_free(key);
	free(text);
	return rc;
}

int parley_meeting_row_push(parley_meeting_redis *r, const parley_meeting *m)
{
	return write_row(r, m, false);
}

int parley_meeting_rows_restore(parley_meeting_redis *r, parley_meeting_db *db, int64_t now_ms)
{
	GPtrArray *live = parley_meeting_db_list_live(db, now_ms);
	int restored = 0;
	for (guint i = 0; i < live->len; i++) {
		parley_meeting *m = parley_meeting_db_get(db, g_ptr_array_index(live, i));
		int rc = write_row(r, m, true);
		parley_meeting_free(m);
		if (rc < 0) {
			restored = -1;
			break;
		}
		restored += rc;
	}
	g_ptr_array_unref(live);
	return restored;
}

int parley_meeting_row_pull(parley_meeting_redis *r, parley_meeting_db *db, const char *room_id)
{
	if (room_id == NULL)
		return -1;
	char *key = parley_meeting_redis_key(r, "meeting:%s", room_id);
	redisReply *reply = parley_meeting_redis_command(r, "HGET %s row", key);
	g_free(key);
	if (reply == NULL)
		return -1;
	if (reply->type != REDIS_REPLY_STRING) {
		freeReplyObject(reply);
		return 0;
	}
	json_t *row = json_loadb(reply->str, reply->len, 0, NULL); /* new, dropped below */
	freeReplyObject(reply);
	parley_meeting *m = parley_meeting_row_from_json(row);
	json_decref(row);
	if (m == NULL || strcmp(m->room_id, room_id) != 0) {
		parley_meeting_free(m);
		return -1;
	}
	parley_meeting *have = parley_meeting_db_get(db, room_id);
	int rc = have != NULL ? parley_meeting_db_update(db, m) : parley_meeting_db_insert(db, m);
	parley_meeting_free(have);
	parley_meeting_free(m);
	return rc == 0 ? 1 : -1;
}
