/*
 * pc_helpers.c — the SDP helpers plugins get through parley_plugin_core
 * (text + JSON, since plugins cannot link core code): an answer to an offer
 * keeping only the codecs/extensions/directions a plugin accepts, an offer
 * built from a JSON description (subscribers), and a JSON summary of any
 * SDP. ICE and DTLS lines are left out: the core merges its own when the
 * description goes out through push_event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pc_helpers.h"
#include "sdp.h"

#define MAX_NAMES 32
#define PLACEHOLDER "x"

static const char *const default_codecs[] = { "opus", "VP8", "VP9", "H264" };
static const char *const default_extensions[] = {
	"urn:ietf:params:rtp-hdrext:sdes:mid",
	"urn:ietf:params:rtp-hdrext:ssrc-audio-level",
	"http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
	"urn:3gpp:video-orientation",
	"urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
	"urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
};

static parley_sdp_direction direction_from(const char *name)
{
	static const struct { const char *name; parley_sdp_direction d; } table[] = {
		{ "sendrecv", PARLEY_SDP_SENDRECV }, { "sendonly", PARLEY_SDP_SENDONLY },
		{ "recvonly", PARLEY_SDP_RECVONLY }, { "inactive", PARLEY_SDP_INACTIVE },
	};
	for (size_t i = 0; name && i < G_N_ELEMENTS(table); i++)
		if (!strcmp(table[i].name, name))
			return table[i].d;
	return PARLEY_SDP_DIR_UNSET;
}

/* Appends the strings of a JSON array to names; false on a non-string. */
static bool take_names(json_t *array, const char **names, size_t *n)
{
	size_t i;
	json_t *v;
	json_array_foreach(array, i, v) {
		if (!json_is_string(v))
			return false;
		if (*n < MAX_NAMES)
			names[(*n)++] = json_string_value(v);
	}
	return true;
}

static char *write_without_transport(parley_sdp *sdp)
{
	for (size_t i = 0; i < sdp->n_media; i++) {
		parley_sdp_media *m = &sdp->media[i];
		parley_sdp_set_string(&m->ice_ufrag, NULL);
		parley_sdp_set_string(&m->ice_pwd, NULL);
		parley_sdp_set_string(&m->ice_options, NULL);
		parley_sdp_set_string(&m->fingerprint.hash, NULL);
		parley_sdp_set_string(&m->fingerprint.value, NULL);
		m->setup = PARLEY_SDP_SETUP_UNSET;
	}
	size_t len = 0;
	char *text = parley_sdp_write(sdp, &len);
	char *copy = text ? g_strndup(text, len) : NULL;
	free(text);
	return copy;
}

char *parley_pc_helper_sdp_answer(const char *offer_text, json_t *options, char *error, size_t error_size)
{
	if (!offer_text) {
		snprintf(error, error_size, "no offer");
		return NULL;
	}
	if (options && !json_is_object(options)) {
		snprintf(error, error_size, "options must be an object");
		return NULL;
	}
	char perr[200] = "";
	parley_sdp *offer = parley_sdp_parse(offer_text, strlen(offer_text), NULL, perr, sizeof(perr));
	if (!offer) {
		snprintf(error, error_size, "invalid offer: %s", perr);
		return NULL;
	}
	const char *codecs[MAX_NAMES], *extensions[MAX_NAMES];
	size_t n_codecs = 0, n_extensions = 0;
	json_t *audio = json_object_get(options, "audio"), *video = json_object_get(options, "video");
	bool ok = true;
	json_t *list;
	if ((list = json_object_get(audio, "codecs")))
		ok &= json_is_array(list) && take_names(list, codecs, &n_codecs);
	else if (!json_is_false(audio))
		codecs[n_codecs++] = default_codecs[0];
	if ((list = json_object_get(video, "codecs")))
		ok &= json_is_array(list) && take_names(list, codecs, &n_codecs);
	else if (!json_is_false(video))
		for (size_t i = 1; i < G_N_ELEMENTS(default_codecs); i++)
			codecs[n_codecs++] = default_codecs[i];
	if ((list = json_object_get(options, "extensions")))
		ok &= json_is_array(list) && take_names(list, extensions, &n_extensions);
	else
		for (size_t i = 0; i < G_N_ELEMENTS(default_extensions); i++)
			extensions[n_extensions++] = default_extensions[i];
	if (!ok) {
		parley_sdp_free(offer);
		snprintf(error, error_size, "codecs and extensions must be arrays of strings");
		return NULL;
	}
	size_t n = offer->n_media;
	parley_sdp_direction *directions = g_new0(parley_sdp_direction, n ? n : 1);
	parley_sdp_local_track *tracks = g_new0(parley_sdp_local_track, n ? n : 1);
	char (*track_ids)[40] = g_malloc0(40 * (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		const parley_sdp_media *m = &offer->media[i];
		json_t *kind = m->type == PARLEY_SDP_MEDIA_AUDIO ? audio : m->type == PARLEY_SDP_MEDIA_VIDEO ? video : NULL;
		if (json_is_false(kind))
			directions[i] = PARLEY_SDP_INACTIVE;
		else
			directions[i] = direction_from(json_string_value(json_object_get(kind, "direction")));
		snprintf(track_ids[i], sizeof(track_ids[i]), "%s-%s", m->type_name ? m->type_name : "m",
		         m->mid ? m->mid : "0");
		tracks[i] = (parley_sdp_local_track){
			.ssrc = g_random_int() | 1,
			.rtx_ssrc = m->type == PARLEY_SDP_MEDIA_VIDEO ? (g_random_int() | 1) : 0,
			.cname = "parley", .msid_stream = "parley", .msid_track = track_ids[i],
		};
	}
	parley_sdp_answer_options opts = {
		.codecs = codecs, .n_codecs = n_codecs,
		.h264_packetization_mode = -1,
		.extensions = extensions, .n_extensions = n_extensions,
		.directions = directions, .n_directions = n,
		.tracks = tracks, .n_tracks = n,
		.accept_simulcast = json_is_true(json_object_get(options, "simulcast")),
		.accept_data = json_is_true(json_object_get(options, "data")),
		.rtcp_rsize = true,
		.transport = { .ice_ufrag = PLACEHOLDER, .ice_pwd = PLACEHOLDER, .fingerprint = PLACEHOLDER },
	};
	char *result = NULL;
	parley_sdp *answer = parley_sdp_build_answer(offer, &opts, error, error_size);
	if (answer) {
		result = write_without_transport(answer);
		parley_sdp_free(answer);
	}
	g_free(directions);
	g_free(tracks);
	g_free(track_ids);
	parley_sdp_free(offer);
	return result;
}

/* ---- offers ---- */

typedef struct codec_default {
	const char *name;
	parley_sdp_media_type type;
	uint32_t clock_rate;
	uint32_t channels;
	const char *fmtp;
} codec_default;

static const codec_default codec_defaults[] = {
	{ "opus", PARLEY_SDP_MEDIA_AUDIO, 48000, 2, "minptime=10;useinbandfec=1" },
	{ "VP8", PARLEY_SDP_MEDIA_VIDEO, 90000, 0, NULL },
	{ "VP9", PARLEY_SDP_MEDIA_VIDEO, 90000, 0, "profile-id=0" },
	{ "H264", PARLEY_SDP_MEDIA_VIDEO, 90000, 0, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f" },
	{ "AV1", PARLEY_SDP_MEDIA_VIDEO, 90000, 0, NULL },
};
static const char *const video_fb[] = { "nack", "nack pli", "ccm fir", "goog-remb" };

static const codec_default *codec_lookup(const char *name)
{
	for (size_t i = 0; name && i < G_N_ELEMENTS(codec_defaults); i++)
		if (!g_ascii_strcasecmp(codec_defaults[i].name, name))
			return &codec_defaults[i];
	return NULL;
}

/* Per-m-line storage behind parley_sdp_offer_media's pointers: one heap
 * array of these per offer (up to PARLEY_SDP_MAX_MEDIA, ~2 KB each, too big
 * for a worker thread's stack at 128). */
#define OFFER_MAX_CODECS 8
#define OFFER_MAX_EXTENSIONS 14
typedef struct offer_slot {
	parley_sdp_offer_codec codecs[OFFER_MAX_CODECS];
	uint16_t ext_ids[OFFER_MAX_EXTENSIONS];
	const char *ext_uris[OFFER_MAX_EXTENSIONS];
	char msid[2][64];
} offer_slot;

/* The codecs of one m-line into slot->codecs; 0 or -1 with error set. */
static int offer_codecs(json_t *item, size_t index, parley_sdp_offer_media *om, offer_slot *slot,
                        char *error, size_t error_size)
{
	json_t *list = json_object_get(item, "codecs");
	json_t *single = NULL;
	if (!list) {
		single = json_object();
		json_object_set(single, "name", json_object_get(item, "codec"));
		json_object_set(single, "pt", json_object_get(item, "pt"));
		if (json_object_get(item, "rtx_pt"))
			json_object_set(single, "rtx_pt", json_object_get(item, "rtx_pt"));
		list = json_pack("[o]", single);
	} else if (!json_is_array(list) || json_array_size(list) > OFFER_MAX_CODECS) {
		snprintf(error, error_size, "media[%zu]: codecs must be an array of at most %d", index, OFFER_MAX_CODECS);
		return -1;
	} else {
		json_incref(list);
	}
	size_t i;
	json_t *c;
	int rc = 0;
	json_array_foreach(list, i, c) {
		const codec_default *d = codec_lookup(json_string_value(json_object_get(c, "name")));
		json_t *pt = json_object_get(c, "pt"), *rtx = json_object_get(c, "rtx_pt");
		if (!d || d->type != om->type || !json_is_integer(pt) || json_integer_value(pt) < 96 ||
		    json_integer_value(pt) > 127 || (rtx && (!json_is_integer(rtx) || json_integer_value(rtx) < 96 ||
		    json_integer_value(rtx) > 127))) {
			snprintf(error, error_size, "media[%zu]: codec %zu needs a known name for its kind and a pt in 96..127",
			         index, i);
			rc = -1;
			break;
		}
		const char *fmtp = json_string_value(json_object_get(c, "fmtp"));
		slot->codecs[i] = (parley_sdp_offer_codec){
			.name = d->name, .pt = (int)json_integer_value(pt), .clock_rate = d->clock_rate,
			.channels = d->channels, .fmtp = fmtp ? fmtp : d->fmtp,
			.rtcp_fb = om->type == PARLEY_SDP_MEDIA_VIDEO ? video_fb : NULL,
			.n_rtcp_fb = om->type == PARLEY_SDP_MEDIA_VIDEO ? G_N_ELEMENTS(video_fb) : 0,
			.rtx_pt = rtx ? (int)json_integer_value(rtx) : -1,
		};
		om->n_codecs = i + 1;
	}
	json_decref(list);
	om->codecs = slot->codecs;
	return rc;
}

/* One m-line of the description; 0 or -1 with error set. */
static int offer_media(json_t *item, size_t index, parley_sdp_offer_media *om, offer_slot *slot,
                       char *error, size_t error_size)
{
	const char *kind = json_string_value(json_object_get(item, "kind"));
	if (!kind)
		kind = json_string_value(json_object_get(item, "type"));
	om->type = !g_strcmp0(kind, "audio") ? PARLEY_SDP_MEDIA_AUDIO : !g_strcmp0(kind, "video")
		? PARLEY_SDP_MEDIA_VIDEO : !g_strcmp0(kind, "application") ? PARLEY_SDP_MEDIA_APPLICATION
		: PARLEY_SDP_MEDIA_OTHER;
	om->mid = json_string_value(json_object_get(item, "mid"));
	if (om->type == PARLEY_SDP_MEDIA_OTHER || !om->mid) {
		snprintf(error, error_size, "media[%zu]: kind (audio/video/application) and mid are required", index);
		return -1;
	}
	om->direction = direction_from(json_string_value(json_object_get(item, "direction")));
	if (om->type == PARLEY_SDP_MEDIA_APPLICATION)
		return 0;
	if (offer_codecs(item, index, om, slot, error, error_size) < 0)
		return -1;
	json_t *exts = json_object_get(item, "extensions");
	if (exts && (!json_is_array(exts) || json_array_size(exts) > OFFER_MAX_EXTENSIONS)) {
		snprintf(error, error_size, "media[%zu]: extensions must be an array of at most %d", index,
		         OFFER_MAX_EXTENSIONS);
		return -1;
	}
	size_t i;
	json_t *e;
	json_array_foreach(exts, i, e) {
		json_t *id = json_object_get(e, "id"), *uri = json_object_get(e, "uri");
		if (json_is_string(e)) {
			slot->ext_ids[i] = (uint16_t)(i + 1);
			slot->ext_uris[i] = json_string_value(e);
		} else if (json_is_integer(id) && json_integer_value(id) >= 1 && json_integer_value(id) <= 14 &&
		           json_is_string(uri)) {
			slot->ext_ids[i] = (uint16_t)json_integer_value(id);
			slot->ext_uris[i] = json_string_value(uri);
		} else {
			snprintf(error, error_size, "media[%zu]: extension %zu must be a URI or {id 1..14, uri}", index, i);
			return -1;
		}
		om->n_extmaps = i + 1;
	}
	om->extmap_ids = slot->ext_ids;
	om->extmap_uris = slot->ext_uris;
	json_t *ssrc = json_object_get(item, "ssrc"), *rtx_ssrc = json_object_get(item, "rtx_ssrc");
	om->track.ssrc = json_is_integer(ssrc) ? (uint32_t)json_integer_value(ssrc) : 0;
	om->track.rtx_ssrc = json_is_integer(rtx_ssrc) ? (uint32_t)json_integer_value(rtx_ssrc) : 0;
	om->track.cname = "parley";
	const char *msid = json_string_value(json_object_get(item, "msid"));
	if (msid && om->track.ssrc) {
		const char *space = strchr(msid, ' ');
		snprintf(slot->msid[0], sizeof(slot->msid[0]), "%.*s", space ? (int)(space - msid) : (int)strlen(msid),
		         msid);
		snprintf(slot->msid[1], sizeof(slot->msid[1]), "%s", space ? space + 1 : om->mid);
		om->track.msid_stream = slot->msid[0];
		om->track.msid_track = slot->msid[1];
	}
	return 0;
}

char *parley_pc_helper_sdp_offer(json_t *description, char *error, size_t error_size)
{
	json_t *media = json_object_get(description, "media");
	size_t n = json_array_size(media);
	if (!json_is_array(media) || n == 0 || n > PARLEY_SDP_MAX_MEDIA) {
		snprintf(error, error_size, "description.media must be an array of 1..%d m-lines", PARLEY_SDP_MAX_MEDIA);
		return NULL;
	}
	parley_sdp_offer_media *om = g_new0(parley_sdp_offer_media, n);
	offer_slot *slots = g_new0(offer_slot, n);
	char *text = NULL;
	size_t i;
	for (i = 0; i < n; i++) {
		json_t *item = json_array_get(media, i);
		if (!json_is_object(item)) {
			snprintf(error, error_size, "media[%zu] must be an object", i);
			break;
		}
		if (offer_media(item, i, &om[i], &slots[i], error, error_size) < 0)
			break;
	}
	if (i == n) {
		json_t *version = json_object_get(description, "version");
		parley_sdp_offer_options opts = {
			.media = om, .n_media = n, .bundle = true, .rtcp_rsize = true,
			.session_id = json_string_value(json_object_get(description, "session_id")),
			.session_version = json_is_integer(version) ? (uint64_t)json_integer_value(version) : 1,
			.transport = { .ice_ufrag = PLACEHOLDER, .ice_pwd = PLACEHOLDER, .fingerprint = PLACEHOLDER },
		};
		parley_sdp *offer = parley_sdp_build_offer(&opts, error, error_size);
		if (offer) {
			text = write_without_transport(offer);
			parley_sdp_free(offer);
		}
	}
	g_free(slots);
	g_free(om);
	return text;
}

/* ---- summary ---- */

static json_t *media_summary(const parley_sdp *sdp, const parley_sdp_media *m, size_t index)
{
	json_t *codecs = json_array(), *ssrcs = json_array(), *rids = json_array(), *ext = json_object();
	for (size_t f = 0; f < m->n_formats; f++) {
		const parley_sdp_format *fmt = &m->formats[f];
		if (fmt->pt < 0)
			continue;
		json_t *c = json_pack("{si ss si}", "pt", fmt->pt, "name", fmt->name ? fmt->name : "",
		                      "clock_rate", (int)fmt->clock_rate);
		if (fmt->channels)
			json_object_set_new(c, "channels", json_integer(fmt->channels));
		if (fmt->fmtp)
			json_object_set_new(c, "fmtp", json_string(fmt->fmtp));
		if (fmt->apt >= 0)
			json_object_set_new(c, "apt", json_integer(fmt->apt));
		json_array_append_new(codecs, c);
	}
	for (size_t s = 0; s < m->n_ssrcs; s++)
		json_array_append_new(ssrcs, json_integer(m->ssrcs[s].ssrc));
	for (size_t r = 0; r < m->n_rids; r++)
		json_array_append_new(rids, json_pack("{ss ss}", "id", m->rids[r].id,
		                                      "direction", m->rids[r].send ? "send" : "recv"));
	for (size_t e = 0; e < m->n_extmaps; e++)
		json_object_set_new(ext, m->extmaps[e].uri, json_integer(m->extmaps[e].id));
	json_t *groups = json_array();
	for (size_t g = 0; g < m->n_ssrc_groups; g++) {
		json_t *list = json_array();
		for (size_t k = 0; k < m->ssrc_groups[g].n_ssrcs; k++)
			json_array_append_new(list, json_integer(m->ssrc_groups[g].ssrcs[k]));
		json_array_append_new(groups, json_pack("{ss so}", "semantics", m->ssrc_groups[g].semantics, "ssrcs", list));
	}
	return json_pack("{si ss ss ss sb so so so so so}", "index", (int)index, "mid", m->mid ? m->mid : "",
		"type", m->type_name ? m->type_name : "",
		"direction", parley_sdp_direction_name(parley_sdp_media_direction(sdp, m)),
		"rejected", !parley_sdp_media_in_use(m),
		"codecs", codecs, "ssrcs", ssrcs, "ssrc_groups", groups, "rids", rids, "extmap", ext);
}

json_t *parley_pc_helper_sdp_summary(const char *text)
{
	if (!text)
		return NULL;
	char perr[200] = "";
	parley_sdp *sdp = parley_sdp_parse(text, strlen(text), NULL, perr, sizeof(perr));
	if (!sdp)
		return json_pack("{ss}", "error", perr);
	json_t *media = json_array();
	for (size_t i = 0; i < sdp->n_media; i++)
		json_array_append_new(media, media_summary(sdp, &sdp->media[i], i));
	const parley_sdp_media *first = sdp->n_media ? &sdp->media[0] : NULL;
	const char *ufrag = first && first->ice_ufrag ? first->ice_ufrag : sdp->ice_ufrag;
	json_t *summary = json_pack("{so}", "media", media);
	if (ufrag)
		json_object_set_new(summary, "ice_ufrag", json_string(ufrag));
	parley_sdp_free(sdp);
	return summary;
}
