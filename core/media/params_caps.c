/*
 * params_caps.c — the RTP capabilities of a pc driven by parameters, as a
 * table of what the pc negotiates on the SDP path too (pc_helpers.c's
 * codecs and extensions): opus, VP8, VP9, H264 (packetization-mode 1,
 * profiles 42e01f and 4d0032) with RTX for each video codec, the rtcp-fb
 * the media path answers (nack, nack pli, ccm fir, goog-remb), and the
 * header extensions it reads or rewrites. Owns the capabilities JSON, the
 * check of a produced stream's codecs, and the codec and extensions a
 * consumer gets from its rtpCapabilities. No state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "params.h"

typedef struct caps_codec {
	parley_sdp_media_type type;
	const char *name; /* the mimeType's subtype */
	int pt, rtx_pt;   /* preferred payload types; rtx_pt -1 = none */
	uint32_t clock_rate, channels;
	const char *fmtp;
	int h264_mode;         /* packetization-mode, -1 when not H264 */
	unsigned h264_profile; /* profile_idc of profile-level-id */
} caps_codec;

static const caps_codec caps_codecs[] = {
	{ PARLEY_SDP_MEDIA_AUDIO, "opus", 100, -1, 48000, 2, "minptime=10;useinbandfec=1", -1, 0 },
	{ PARLEY_SDP_MEDIA_VIDEO, "VP8", 101, 102, 90000, 0, NULL, -1, 0 },
	{ PARLEY_SDP_MEDIA_VIDEO, "VP9", 103, 104, 90000, 0, "profile-id=0", -1, 0 },
	{ PARLEY_SDP_MEDIA_VIDEO, "H264", 105, 106, 90000, 0,
	  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", 1, 0x42 },
	{ PARLEY_SDP_MEDIA_VIDEO, "H264", 107, 108, 90000, 0,
	  "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d0032", 1, 0x4d },
};

static const char *const video_feedback[] = { "nack", "nack pli", "ccm fir", "goog-remb" };

typedef struct caps_extension {
	parley_sdp_media_type type;
	parley_sdp_ext ext;
	int id;
	const char *direction; /* recvonly: we read it, never send it */
} caps_extension;

static const caps_extension caps_extensions[] = {
	{ PARLEY_SDP_MEDIA_AUDIO, PARLEY_SDP_EXT_MID, 1, "sendrecv" },
	{ PARLEY_SDP_MEDIA_VIDEO, PARLEY_SDP_EXT_MID, 1, "sendrecv" },
	{ PARLEY_SDP_MEDIA_VIDEO, PARLEY_SDP_EXT_RID, 2, "recvonly" },
	{ PARLEY_SDP_MEDIA_VIDEO, PARLEY_SDP_EXT_REPAIRED_RID, 3, "recvonly" },
	{ PARLEY_SDP_MEDIA_AUDIO, PARLEY_SDP_EXT_ABS_SEND_TIME, 4, "sendrecv" },
	{ PARLEY_SDP_MEDIA_VIDEO, PARLEY_SDP_EXT_ABS_SEND_TIME, 4, "sendrecv" },
	{ PARLEY_SDP_MEDIA_AUDIO, PARLEY_SDP_EXT_AUDIO_LEVEL, 10, "sendrecv" },
	{ PARLEY_SDP_MEDIA_VIDEO, PARLEY_SDP_EXT_VIDEO_ORIENTATION, 11, "sendrecv" },
};

static const char *kind_name(parley_sdp_media_type type)
{
	return type == PARLEY_SDP_MEDIA_AUDIO ? "audio" : "video";
}

static json_t *feedback_json(const char *value)
{
	const char *space = strchr(value, ' ');
	char type[32];
	snprintf(type, sizeof(type), "%.*s", space ? (int)(space - value) : (int)strlen(value), value);
	return json_pack("{ss ss}", "type", type, "parameter", space ? space + 1 : "");
}

static json_t *codec_json(const caps_codec *c)
{
	char mime[32];
	snprintf(mime, sizeof(mime), "%s/%s", kind_name(c->type), c->name);
	json_t *feedback = json_array();
	for (size_t i = 0; c->type == PARLEY_SDP_MEDIA_VIDEO && i < G_N_ELEMENTS(video_feedback); i++)
		json_array_append_new(feedback, feedback_json(video_feedback[i]));
	json_t *codec = json_pack("{ss ss si si so so}", "kind", kind_name(c->type), "mimeType", mime,
	                          "preferredPayloadType", c->pt, "clockRate", (int)c->clock_rate, "parameters",
	                          parley_params_fmtp_object(c->fmtp), "rtcpFeedback", feedback);
	if (c->channels)
		json_object_set_new(codec, "channels", json_integer(c->channels));
	return codec;
}

json_t *parley_params_capabilities(void)
{
	json_t *codecs = json_array(), *extensions = json_array();
	for (size_t i = 0; i < G_N_ELEMENTS(caps_codecs); i++) {
		const caps_codec *c = &caps_codecs[i];
		json_array_append_new(codecs, codec_json(c));
		if (c->rtx_pt >= 0)
			json_array_append_new(codecs, json_pack("{ss ss si si s{si} s[]}", "kind", "video", "mimeType",
			                                        "video/rtx", "preferredPayloadType", c->rtx_pt,
			                                        "clockRate", (int)c->clock_rate, "parameters", "apt",
			                                        c->pt, "rtcpFeedback"));
	}
	for (size_t i = 0; i < G_N_ELEMENTS(caps_extensions); i++) {
		const caps_extension *x = &caps_extensions[i];
		json_array_append_new(extensions, json_pack("{ss ss si sb ss}", "kind", kind_name(x->type), "uri",
		                                            parley_sdp_ext_uri(x->ext), "preferredId", x->id,
		                                            "preferredEncrypt", false, "direction", x->direction));
	}
	return json_pack("{so so}", "codecs", codecs, "headerExtensions", extensions);
}

/* ---- a produced stream ---- */

static bool format_matches(const caps_codec *c, parley_sdp_media_type type, const parley_sdp_format *f)
{
	if (c->type != type || !f->name || g_ascii_strcasecmp(c->name, f->name) || c->clock_rate != f->clock_rate)
		return false;
	if (c->channels && (f->channels ? f->channels : 1) != c->channels)
		return false;
	if (c->h264_mode < 0)
		return true;
	int mode = f->packetization_mode < 0 ? 0 : f->packetization_mode;
	unsigned profile = f->has_profile_level_id ? (f->profile_level_id >> 16) & 0xff : 0x42;
	return mode == c->h264_mode && profile == c->h264_profile;
}

int parley_params_caps_accept(const parley_sdp_media *m, char *err, size_t err_size)
{
	for (size_t i = 0; i < m->n_formats; i++) {
		const parley_sdp_format *f = &m->formats[i];
		if (f->codec == PARLEY_SDP_CODEC_RTX)
			continue;
		bool known = false;
		for (size_t c = 0; c < G_N_ELEMENTS(caps_codecs) && !known; c++)
			known = format_matches(&caps_codecs[c], m->type, f);
		if (!known) {
			snprintf(err, err_size, "rtpParameters.codecs[%zu]: %s/%s/%u is not in the RTP capabilities", i,
			         kind_name(m->type), f->name ? f->name : "", (unsigned)f->clock_rate);
			return PARLEY_PC_ERR_INVALID;
		}
	}
	return 0;
}

/* ---- a consumer's codec ---- */

static int integer_of(json_t *v, int base)
{
	if (json_is_integer(v))
		return (int)json_integer_value(v);
	const char *s = json_string_value(v);
	char *end = NULL;
	long n = s ? strtol(s, &end, base) : -1;
	return s && *s && end && !*end ? (int)n : -1;
}

/* True when a codec's parameters (a consumer's or a producer's) name c's
 * H264 packetization-mode and profile (absent: mode 0, baseline). */
static bool h264_parameters_match(json_t *parameters, const caps_codec *c)
{
	int mode = integer_of(json_object_get(parameters, "packetization-mode"), 10);
	int level_id = integer_of(json_object_get(parameters, "profile-level-id"), 16);
	return (mode < 0 ? 0 : mode) == c->h264_mode &&
	       (level_id < 0 ? 0x42 : (level_id >> 16) & 0xff) == (int)c->h264_profile;
}

/* The consumer's codec entry matching c, or NULL. */
static json_t *consumer_codec(json_t *codecs, const caps_codec *c)
{
	char mime[32];
	snprintf(mime, sizeof(mime), "%s/%s", kind_name(c->type), c->name);
	size_t i;
	json_t *entry;
	json_array_foreach (codecs, i, entry) {
		const char *their = json_string_value(json_object_get(entry, "mimeType"));
		json_t *channels = json_object_get(entry, "channels");
		if (!their || g_ascii_strcasecmp(their, mime) ||
		    integer_of(json_object_get(entry, "clockRate"), 10) != (int)c->clock_rate)
			continue;
		if (c->channels && (channels ? integer_of(channels, 10) : 1) != (int)c->channels)
			continue;
		if (c->h264_mode >= 0 && !h264_parameters_match(json_object_get(entry, "parameters"), c))
			continue;
		return entry;
	}
	return NULL;
}

static bool consumer_has_feedback(json_t *codec, const char *value)
{
	const char *space = strchr(value, ' ');
	size_t type_len = space ? (size_t)(space - value) : strlen(value);
	const char *parameter = space ? space + 1 : "";
	size_t i;
	json_t *fb;
	json_array_foreach (json_object_get(codec, "rtcpFeedback"), i, fb) {
		const char *type = json_string_value(json_object_get(fb, "type"));
		const char *their = json_string_value(json_object_get(fb, "parameter"));
		if (type && strlen(type) == type_len && !strncmp(type, value, type_len) &&
		    !strcmp(their ? their : "", parameter))
			return true;
	}
	return false;
}

static bool consumer_has_rtx(json_t *codecs)
{
	size_t i;
	json_t *entry;
	json_array_foreach (codecs, i, entry) {
		const char *mime = json_string_value(json_object_get(entry, "mimeType"));
		if (mime && !g_ascii_strcasecmp(mime, "video/rtx"))
			return true;
	}
	return false;
}

/* wanted: mimeTypes, or codecs {mimeType, parameters} (a producer's: an
 * H264 one picks the capability of its packetization-mode and profile). */
static bool is_wanted(json_t *wanted, const caps_codec *c)
{
	if (!json_is_array(wanted))
		return true;
	char mime[32];
	snprintf(mime, sizeof(mime), "%s/%s", kind_name(c->type), c->name);
	size_t i;
	json_t *entry;
	json_array_foreach (wanted, i, entry) {
		json_t *name = json_is_object(entry) ? json_object_get(entry, "mimeType") : entry;
		if (!json_is_string(name) || g_ascii_strcasecmp(json_string_value(name), mime))
			continue;
		if (c->h264_mode < 0 || !json_is_object(entry) ||
		    h264_parameters_match(json_object_get(entry, "parameters"), c))
			return true;
	}
	return false;
}

static bool consumer_has_extension(json_t *extensions, parley_sdp_media_type type, const char *uri)
{
	size_t i;
	json_t *x;
	json_array_foreach (extensions, i, x) {
		const char *their = json_string_value(json_object_get(x, "uri"));
		const char *kind = json_string_value(json_object_get(x, "kind"));
		if (their && !strcmp(their, uri) && (!kind || !*kind || !strcmp(kind, kind_name(type))))
			return true;
	}
	return false;
}

static int add_codec(const caps_codec *c, json_t *theirs, bool rtx, parley_sdp *sdp, parley_sdp_media *m)
{
	parley_sdp_format *f = parley_sdp_add_format(sdp, m, c->pt, c->name, c->clock_rate, c->channels, c->fmtp);
	if (!f)
		return -1;
	for (size_t i = 0; c->type == PARLEY_SDP_MEDIA_VIDEO && i < G_N_ELEMENTS(video_feedback); i++)
		if (consumer_has_feedback(theirs, video_feedback[i]) &&
		    parley_sdp_add_rtcp_fb(sdp, f, video_feedback[i]) < 0)
			return -1;
	if (!rtx || c->rtx_pt < 0)
		return 0;
	char apt[16];
	snprintf(apt, sizeof(apt), "apt=%d", c->pt);
	return parley_sdp_add_format(sdp, m, c->rtx_pt, "rtx", c->clock_rate, 0, apt) ? 0 : -1;
}

int parley_params_caps_fill_send(json_t *consumer, json_t *wanted, parley_sdp *sdp, parley_sdp_media *m, char *err,
                                 size_t err_size)
{
	json_t *codecs = json_object_get(consumer, "codecs");
	json_t *extensions = json_object_get(consumer, "headerExtensions");
	if (!json_is_object(consumer) || !json_is_array(codecs) || (extensions && !json_is_array(extensions))) {
		snprintf(err, err_size, "rtpCapabilities: {codecs: [...], headerExtensions?: [...]}");
		return PARLEY_PC_ERR_INVALID;
	}
	if (wanted && !json_is_array(wanted)) {
		snprintf(err, err_size, "codecs: an array of mimeTypes");
		return PARLEY_PC_ERR_INVALID;
	}
	const caps_codec *chosen = NULL;
	json_t *theirs = NULL;
	for (size_t i = 0; i < G_N_ELEMENTS(caps_codecs) && !chosen; i++) {
		const caps_codec *c = &caps_codecs[i];
		if (c->type == m->type && is_wanted(wanted, c) && (theirs = consumer_codec(codecs, c)))
			chosen = c;
	}
	if (!chosen) {
		snprintf(err, err_size, "rtpCapabilities: no %s codec in common with the RTP capabilities%s",
		         kind_name(m->type), wanted ? " among the codecs asked for" : "");
		return PARLEY_PC_ERR_INVALID;
	}
	if (add_codec(chosen, theirs, consumer_has_rtx(codecs), sdp, m) < 0)
		goto limit;
	for (size_t i = 0; i < G_N_ELEMENTS(caps_extensions); i++) {
		const caps_extension *x = &caps_extensions[i];
		const char *uri = parley_sdp_ext_uri(x->ext);
		if (x->type == m->type && strcmp(x->direction, "recvonly") &&
		    consumer_has_extension(extensions, m->type, uri) &&
		    parley_sdp_add_extmap(sdp, m, (uint16_t)x->id, uri) < 0)
			goto limit;
	}
	return 0;
limit:
	snprintf(err, err_size, "over the description's limits");
	return PARLEY_PC_ERR_LIMIT;
}
