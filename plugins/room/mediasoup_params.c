/*
 * plugins/room/mediasoup_params.c — mediasoup's rtpParameters as the room
 * sees them: a producer's codec (the first media codec, its parameters as
 * an fmtp line), its simulcast layers (one per encoding) and the id of its
 * abs-send-time extension; a consumer's SSRC, payload type, mid and
 * header extension ids from what params_send declared; the codec limit a
 * consumer of a producer asks params_send for; the shape checks of
 * produce before anything reaches the core (the core checks the rest and
 * names the member at fault). No state, no lock.
 */
#include <stdlib.h>
#include <string.h>

#include "room.h"

#define URI_MID "urn:ietf:params:rtp-hdrext:sdes:mid"
#define URI_AUDIO_LEVEL "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
#define URI_ABS_SEND_TIME "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"

/* The first codec that is not RTX/RED/FEC (new reference to nothing: borrowed). */
static json_t *media_codec(json_t *rtp_parameters)
{
	size_t i;
	json_t *codec;
	json_array_foreach(json_object_get(rtp_parameters, "codecs"), i, codec) {
		const char *mime = json_string_value(json_object_get(codec, "mimeType"));
		const char *slash = mime != NULL ? strchr(mime, '/') : NULL;
		if (slash == NULL)
			continue;
		if (g_ascii_strcasecmp(slash + 1, "rtx") != 0 && g_ascii_strcasecmp(slash + 1, "red") != 0 &&
		    g_ascii_strcasecmp(slash + 1, "ulpfec") != 0)
			return codec;
	}
	return NULL;
}

/* {"packetization-mode": 1, "profile-level-id": "42e01f"} → "packetization-mode=1;profile-level-id=42e01f" */
static char *fmtp_of(json_t *parameters)
{
	GString *out = g_string_new(NULL);
	const char *key;
	json_t *value;
	json_object_foreach(parameters, key, value) {
		if (out->len > 0)
			g_string_append_c(out, ';');
		if (json_is_integer(value))
			g_string_append_printf(out, "%s=%" JSON_INTEGER_FORMAT, key, json_integer_value(value));
		else if (json_is_string(value))
			g_string_append_printf(out, "%s=%s", key, json_string_value(value));
		else if (json_is_real(value))
			g_string_append_printf(out, "%s=%g", key, json_real_value(value));
		else
			g_string_truncate(out, out->len > 0 ? out->len - 1 : 0);
	}
	return g_string_free(out, FALSE);
}

/* "a=1;b=x" → {"a": 1, "b": "x"} (digits become integers, as mediasoup writes them). */
static json_t *parameters_of(const char *fmtp)
{
	json_t *out = json_object();
	gchar **pairs = g_strsplit(fmtp != NULL ? fmtp : "", ";", -1);
	for (gchar **pair = pairs; *pair != NULL; pair++) {
		gchar *eq = strchr(*pair, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		gchar *key = g_strstrip(*pair), *value = g_strstrip(eq + 1);
		char *end = NULL;
		long long number = value[0] != '\0' ? strtoll(value, &end, 10) : 0;
		bool integer = end != NULL && *end == '\0' && strlen(value) < 10;
		json_object_set_new(out, key, integer ? json_integer(number) : json_string(value));
	}
	g_strfreev(pairs);
	return out;
}

static uint8_t extension_id(json_t *rtp_parameters, const char *uri)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(rtp_parameters, "headerExtensions"), i, x) {
		json_int_t id = json_integer_value(json_object_get(x, "id"));
		if (g_strcmp0(json_string_value(json_object_get(x, "uri")), uri) == 0 && id > 0 && id < 15)
			return (uint8_t)id;
	}
	return 0;
}

void parley_room_params_fill_producer(room_ctx *ctx, room_producer *p, json_t *rtp_parameters)
{
	json_t *codec = media_codec(rtp_parameters);
	const char *mime = json_string_value(json_object_get(codec, "mimeType"));
	char *fmtp = fmtp_of(json_object_get(codec, "parameters"));
	json_t *summary = json_pack("{s:s, s:I, s:I, s:I, s:s}", "name", mime != NULL ? strchr(mime, '/') + 1 : "",
	                            "pt", json_integer_value(json_object_get(codec, "payloadType")), "clock_rate",
	                            json_integer_value(json_object_get(codec, "clockRate")), "channels",
	                            json_integer_value(json_object_get(codec, "channels")), "fmtp", fmtp);
	g_free(fmtp);
	parley_room_fill_codec(p, summary);
	json_decref(summary);
	size_t encodings = json_array_size(json_object_get(rtp_parameters, "encodings"));
	if (!ctx->cfg.simulcast || p->kind == ROOM_KIND_AUDIO || encodings == 0)
		encodings = 1;
	p->layers = encodings > ROOM_MAX_LAYERS ? ROOM_MAX_LAYERS : (unsigned)encodings;
	p->ext_abs_send_time = extension_id(rtp_parameters, URI_ABS_SEND_TIME);
}

void parley_room_params_fill_consumer(room_consumer *c, json_t *rtp_parameters)
{
	json_t *codec = media_codec(rtp_parameters);
	json_t *encoding = json_array_get(json_object_get(rtp_parameters, "encodings"), 0);
	const char *mid = json_string_value(json_object_get(rtp_parameters, "mid"));
	c->out_pt = (uint8_t)json_integer_value(json_object_get(codec, "payloadType"));
	c->out_ssrc = (uint32_t)json_integer_value(json_object_get(encoding, "ssrc"));
	g_strlcpy(c->mid, mid != NULL ? mid : "", sizeof(c->mid));
	c->ext_mid = extension_id(rtp_parameters, URI_MID);
	c->ext_level = extension_id(rtp_parameters, URI_AUDIO_LEVEL);
	c->ext_abs = extension_id(rtp_parameters, URI_ABS_SEND_TIME);
}

json_t *parley_room_params_codecs_for(const room_producer *p)
{
	char *mime = g_strdup_printf("%s/%s", p->kind == ROOM_KIND_AUDIO ? "audio" : "video", p->codec.name);
	json_t *codecs = json_pack("[{s:s, s:o}]", "mimeType", mime, "parameters", parameters_of(p->codec.fmtp));
	g_free(mime);
	return codecs;
}

int parley_room_params_check_produce(json_t *body, room_kind *kind, parley_plugin_error *error)
{
	const char *name = json_string_value(json_object_get(body, "kind"));
	json_t *rtp = json_object_get(body, "rtpParameters");
	json_t *app_data = json_object_get(body, "appData");
	json_t *paused = json_object_get(body, "paused");
	if (name == NULL || (strcmp(name, "audio") != 0 && strcmp(name, "video") != 0))
		return parley_plugin_error_set(error, ROOM_ERR_INVALID, "kind must be \"audio\" or \"video\"");
	if (!json_is_object(rtp))
		return parley_plugin_error_set(error, ROOM_ERR_INVALID, "rtpParameters must be an object");
	if (app_data != NULL && !json_is_null(app_data) && !json_is_object(app_data))
		return parley_plugin_error_set(error, ROOM_ERR_INVALID, "appData must be an object");
	if (paused != NULL && !json_is_boolean(paused))
		return parley_plugin_error_set(error, ROOM_ERR_INVALID, "paused must be a boolean");
	if (media_codec(rtp) == NULL)
		return parley_plugin_error_set(error, ROOM_ERR_INVALID, "rtpParameters.codecs has no media codec");
	*kind = strcmp(name, "audio") == 0 ? ROOM_KIND_AUDIO : ROOM_KIND_VIDEO;
	return 0;
}
