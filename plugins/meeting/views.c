/*
 * plugins/meeting/views.c — the JSON shapes clients see: meetings (REST),
 * participants (signaling and REST), per-meeting stats, and the ISO 8601
 * UTC timestamps used in all of them.
 */
#include <string.h>

#include "meeting.h"

char *parley_meeting_iso8601(int64_t ms)
{
	if (ms <= 0)
		return NULL;
	GDateTime *t = g_date_time_new_from_unix_utc(ms / 1000);
	if (t == NULL)
		return NULL;
	char *base = g_date_time_format(t, "%Y-%m-%dT%H:%M:%S");
	char *text = g_strdup_printf("%s.%03dZ", base, (int)(ms % 1000));
	g_free(base);
	g_date_time_unref(t);
	return text;
}

bool parley_meeting_parse_iso8601(const char *text, int64_t *ms)
{
	if (text == NULL || strlen(text) > 64)
		return false;
	GDateTime *t = g_date_time_new_from_iso8601(text, NULL);
	if (t == NULL)
		return false;
	*ms = g_date_time_to_unix(t) * 1000 + g_date_time_get_microsecond(t) / 1000;
	g_date_time_unref(t);
	return *ms > 0;
}

/* Sets key to an ISO time string, or null when unset. */
static void set_time(json_t *object, const char *key, int64_t ms)
{
	char *text = parley_meeting_iso8601(ms);
	json_object_set_new(object, key, text != NULL ? json_string(text) : json_null());
	g_free(text);
}

json_t *parley_meeting_to_json(const parley_meeting *m)
{
	/* new reference, returned; settings stolen by "o" */
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
	                      "roomId", m->room_id,
	                      "title", m->title,
	                      "description", m->description != NULL ? m->description : "",
	                      "hostId", m->host_id,
	                      "hostName", m->host_name != NULL ? m->host_name : m->host_id,
	                      "status", parley_meeting_status_name(m->status),
	                      "settings", parley_meeting_settings_to_json(&m->settings));
	set_time(j, "scheduledAt", m->scheduled_at);
	set_time(j, "createdAt", m->created_at);
	set_time(j, "startedAt", m->started_at);
	set_time(j, "endedAt", m->ended_at);
	set_time(j, "expiresAt", m->status == PARLEY_MEETING_STATUS_ENDED ? 0 : m->expires_at);
	if (m->end_reason != NULL)
		json_object_set_new(j, "endReason", json_string(m->end_reason));
	return j;
}

json_t *parley_meeting_participant_to_json(const parley_meeting_participant *p)
{
	/* new reference, returned: exactly the seed's participant shape */
	return json_pack("{s:s, s:s, s:s, s:b, s:b}",
	                 "userId", p->user_id,
	                 "userName", p->user_name != NULL ? p->user_name : p->user_id,
	                 "peerId", p->peer_id != NULL ? p->peer_id : "",
	                 "isAudioEnabled", p->audio,
	                 "isVideoEnabled", p->video);
}

json_t *parley_meeting_participant_detail_to_json(const parley_meeting_participant *p)
{
	json_t *j = parley_meeting_participant_to_json(p); /* new reference, returned */
	json_object_set_new(j, "userPicture", p->user_picture != NULL ? json_string(p->user_picture) : json_null());
	json_object_set_new(j, "isScreenSharing", json_boolean(p->screen));
	json_object_set_new(j, "status", json_string(p->presence == PARLEY_MEETING_JOINED ? "joined" : "waiting"));
	set_time(j, "joinedAt", p->joined_at);
	return j;
}

json_t *parley_meeting_stats_to_json(const parley_meeting *m, const parley_meeting_stats *s,
                                     unsigned current, unsigned waiting, int64_t now_ms)
{
	int64_t duration = 0;
	if (m->started_at > 0) {
		int64_t end = m->ended_at > 0 ? m->ended_at : now_ms;
		duration = end > m->started_at ? (end - m->started_at) / 1000 : 0;
	}
	int64_t toggles = s->audio_toggles + s->video_toggles + s->screen_toggles;
	/* new reference, returned; the nested object is stolen by "o" */
	json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:i, s:i, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I}}",
	                      "roomId", m->room_id,
	                      "status", parley_meeting_status_name(m->status),
	                      "duration", (json_int_t)duration,
	                      "peakParticipants", (json_int_t)s->peak_participants,
	                      "totalParticipants", (json_int_t)s->total_participants,
	                      "currentParticipants", (int)current,
	                      "waitingParticipants", (int)waiting,
	                      "joins", (json_int_t)s->joins,
	                      "leaves", (json_int_t)s->leaves,
	                      "chatMessages", (json_int_t)s->chat_messages,
	                      "mediaToggles",
	                      "audio", (json_int_t)s->audio_toggles,
	                      "video", (json_int_t)s->video_toggles,
	                      "screenShare", (json_int_t)s->screen_toggles,
	                      "total", (json_int_t)toggles);
	set_time(j, "startedAt", m->started_at);
	set_time(j, "endedAt", m->ended_at);
	return j;
}
