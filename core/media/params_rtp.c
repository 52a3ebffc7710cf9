/*
 * params_rtp.c — mediasoup-style rtpParameters <-> one m-line of the SDP
 * model. In: every member checked (types, ranges, duplicates, limits) with
 * a reason naming it; codecs become formats (parameters as fmtp, RTX as
 * "rtx" with apt, rtcpFeedback as rtcp-fb), header extensions extmaps,
 * encodings a=ssrc lines with FID (RTX) and SIM groups or a=rid send lines
 * with a=simulcast, rtcp.reducedSize rtcp-rsize. Out: the same members read
 * back from an m-line. No state; nothing here is on the packet path.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "params.h"

int parley_params_fail(char *err, size_t err_size, int code, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(err, err_size, format, args);
	va_end(args);
	return code;
}

/* Printable ASCII without spaces, 1..max characters. */
static bool is_token(const char *s, size_t max)
{
	size_t n = 0;
	for (; s && s[n]; n++)
		if (!isgraph((unsigned char)s[n]) || n >= max)
			return false;
	return n > 0;
}

/* 1..max characters, each alphanumeric or one of `extra`. */
static bool is_word(const char *s, size_t max, const char *extra)
{
	size_t n = 0;
	for (; s && s[n]; n++)
		if ((!g_ascii_isalnum(s[n]) && !strchr(extra, s[n])) || n >= max)
			return false;
	return n > 0;
}

/* RFC 8866 token characters (a mid), RFC 8851 rid characters, and what an
 * encoding name may hold in a=rtpmap. */
#define MID_CHARS "!#$%&'*+-.^_`{|}~"
#define RID_CHARS "-_"
#define CODEC_CHARS "-_."

/* A token without the characters that delimit fmtp parameters. */
static bool is_fmtp_token(const char *s, size_t max)
{
	return is_token(s, max) && !strpbrk(s, ";=");
}

static bool integer_in(json_t *v, json_int_t low, json_int_t high)
{
	return json_is_integer(v) && json_integer_value(v) >= low && json_integer_value(v) <= high;
}

/* ---- codec parameters <-> fmtp ---- */

/* parameters (an object of strings and numbers) as "k=v;k=v" into out. */
static int write_fmtp(json_t *parameters, char *out, size_t size, size_t index, char *err, size_t err_size)
{
	out[0] = '\0';
	if (!parameters)
		return 0;
	if (!json_is_object(parameters))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.codecs[%zu].parameters: an object", index);
	size_t used = 0;
	const char *key;
	json_t *value;
	json_object_foreach (parameters, key, value) {
		char text[128];
		if (json_is_string(value) && is_fmtp_token(json_string_value(value), sizeof(text) - 1))
			snprintf(text, sizeof(text), "%s", json_string_value(value));
		else if (json_is_integer(value))
			snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(value));
		else if (json_is_real(value))
			snprintf(text, sizeof(text), "%g", json_real_value(value));
		else
			return parley_params_fail(
				err, err_size, PARLEY_PC_ERR_INVALID,
				"rtpParameters.codecs[%zu].parameters.%.64s: a number or a string without spaces, ';' or '='",
				index, key);
		if (!is_fmtp_token(key, 64))
			return parley_params_fail(
				err, err_size, PARLEY_PC_ERR_INVALID,
				"rtpParameters.codecs[%zu].parameters: a name without spaces, ';' or '=' (1..64)",
				index);
		int n = snprintf(out + used, size - used, "%s%s=%s", used ? ";" : "", key, text);
		if (n < 0 || (size_t)n >= size - used)
			return parley_params_fail(
				err, err_size, PARLEY_PC_ERR_LIMIT,
				"rtpParameters.codecs[%zu].parameters: longer than %zu characters as fmtp", index,
				size - 1);
		used += (size_t)n;
	}
	return 0;
}

/* Parameters that stay strings even when they look like numbers. */
static const char *const string_parameters[] = { "profile-level-id" };

json_t *parley_params_fmtp_object(const char *fmtp)
{
	json_t *object = json_object();
	char **pairs = g_strsplit(fmtp ? fmtp : "", ";", -1);
	for (char **p = pairs; *p; p++) {
		char *pair = g_strstrip(*p);
		char *eq = strchr(pair, '=');
		if (!eq || eq == pair)
			continue;
		*eq = '\0';
		const char *value = eq + 1;
		bool keep_string = false;
		for (size_t i = 0; i < G_N_ELEMENTS(string_parameters); i++)
			keep_string |= !strcmp(pair, string_parameters[i]);
		char *end = NULL;
		long long number = strtoll(value, &end, 10);
		if (!keep_string && *value && end && !*end && strlen(value) < 16)
			json_object_set_new(object, pair, json_integer(number));
		else
			json_object_set_new(object, pair, json_string(value));
	}
	g_strfreev(pairs);
	return object;
}

/* ---- in: one m-line from rtpParameters ---- */

static int take_mid(json_t *rtp, parley_sdp_media *m, char *err, size_t err_size)
{
	json_t *mid = json_object_get(rtp, "mid");
	if (!mid)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_MISSING, "rtpParameters.mid: missing");
	const char *text = json_string_value(mid);
	if (!text || !is_word(text, PARLEY_PARAMS_MAX_MID, MID_CHARS))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.mid: a string of 1..%d characters", PARLEY_PARAMS_MAX_MID);
	return parley_sdp_set_string(&m->mid, text) < 0 ? PARLEY_PC_ERR_LIMIT : 0;
}

static int take_feedback(json_t *list, size_t index, parley_sdp *sdp, parley_sdp_format *f, char *err, size_t err_size)
{
	if (!list)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > PARLEY_PARAMS_MAX_FEEDBACK)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.codecs[%zu].rtcpFeedback: an array of at most %d", index,
		                          PARLEY_PARAMS_MAX_FEEDBACK);
	size_t i;
	json_t *fb;
	json_array_foreach (list, i, fb) {
		const char *type = json_string_value(json_object_get(fb, "type"));
		json_t *parameter = json_object_get(fb, "parameter");
		const char *p = json_string_value(parameter);
		if (!type || !is_token(type, 32) || (parameter && (!p || (*p && !is_token(p, 32)))))
			return parley_params_fail(
				err, err_size, PARLEY_PC_ERR_INVALID,
				"rtpParameters.codecs[%zu].rtcpFeedback[%zu]: {type, parameter?} without spaces", index,
				i);
		char value[80];
		snprintf(value, sizeof(value), "%s%s%s", type, p && *p ? " " : "", p && *p ? p : "");
		if (parley_sdp_add_rtcp_fb(sdp, f, value) < 0)
			return parley_params_fail(err, err_size, PARLEY_PC_ERR_LIMIT,
			                          "rtpParameters.codecs[%zu].rtcpFeedback: too many", index);
	}
	return 0;
}

static int take_codec(json_t *codec, size_t index, const char *kind, parley_sdp *sdp, parley_sdp_media *m, char *err,
                      size_t err_size)
{
	if (!json_is_object(codec))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID, "rtpParameters.codecs[%zu]: an object",
		                          index);
	const char *mime = json_string_value(json_object_get(codec, "mimeType"));
	size_t kind_len = strlen(kind);
	if (!mime || strncmp(mime, kind, kind_len) || mime[kind_len] != '/' ||
	    !is_word(mime + kind_len + 1, 32, CODEC_CHARS))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.codecs[%zu].mimeType: \"%s/<name>\"", index, kind);
	json_t *pt = json_object_get(codec, "payloadType"), *clock = json_object_get(codec, "clockRate");
	json_t *channels = json_object_get(codec, "channels");
	if (!pt || !clock)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_MISSING,
		                          "rtpParameters.codecs[%zu]: payloadType and clockRate are required", index);
	if (!integer_in(pt, 0, 127))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.codecs[%zu].payloadType: an integer 0..127", index);
	if (parley_sdp_format_by_pt(m, (int)json_integer_value(pt)))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.codecs[%zu].payloadType: %d is used twice", index,
		                          (int)json_integer_value(pt));
	if (!integer_in(clock, 1, 10000000))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.codecs[%zu].clockRate: an integer 1..10000000", index);
	if (channels && !integer_in(channels, 1, 8))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.codecs[%zu].channels: an integer 1..8", index);
	char fmtp[PARLEY_PARAMS_MAX_FMTP];
	int rc = write_fmtp(json_object_get(codec, "parameters"), fmtp, sizeof(fmtp), index, err, err_size);
	if (rc)
		return rc;
	uint32_t n_channels = channels && m->type == PARLEY_SDP_MEDIA_AUDIO ? (uint32_t)json_integer_value(channels)
	                                                                    : 0;
	parley_sdp_format *f = parley_sdp_add_format(sdp, m, (int)json_integer_value(pt), mime + kind_len + 1,
	                                             (uint32_t)json_integer_value(clock), n_channels,
	                                             fmtp[0] ? fmtp : NULL);
	if (!f)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_LIMIT,
		                          "rtpParameters.codecs[%zu]: one codec too many", index);
	if (f->codec == PARLEY_SDP_CODEC_RTX && f->apt < 0)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.codecs[%zu].parameters.apt: RTX needs an apt 0..127", index);
	return take_feedback(json_object_get(codec, "rtcpFeedback"), index, sdp, f, err, err_size);
}

static int take_codecs(json_t *rtp, const char *kind, parley_sdp *sdp, parley_sdp_media *m, char *err, size_t err_size)
{
	json_t *codecs = json_object_get(rtp, "codecs");
	if (!codecs)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_MISSING, "rtpParameters.codecs: missing");
	if (!json_is_array(codecs) || json_array_size(codecs) == 0 ||
	    json_array_size(codecs) > PARLEY_PARAMS_MAX_CODECS)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.codecs: an array of 1..%d codecs", PARLEY_PARAMS_MAX_CODECS);
	size_t i;
	json_t *codec;
	json_array_foreach (codecs, i, codec) {
		int rc = take_codec(codec, i, kind, sdp, m, err, err_size);
		if (rc)
			return rc;
	}
	if (m->formats[0].codec == PARLEY_SDP_CODEC_RTX)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.codecs[0]: a media codec, not RTX");
	for (size_t f = 0; f < m->n_formats; f++) {
		const parley_sdp_format *x = &m->formats[f];
		const parley_sdp_format *media = x->codec == PARLEY_SDP_CODEC_RTX ? parley_sdp_format_by_pt(m, x->apt)
		                                                                  : NULL;
		if (x->codec == PARLEY_SDP_CODEC_RTX && (!media || media->codec == PARLEY_SDP_CODEC_RTX))
			return parley_params_fail(
				err, err_size, PARLEY_PC_ERR_INVALID,
				"rtpParameters.codecs[%zu].parameters.apt: %d is not a media codec of this list", f,
				x->apt);
	}
	return 0;
}

static int take_extensions(json_t *rtp, parley_sdp *sdp, parley_sdp_media *m, char *err, size_t err_size)
{
	json_t *list = json_object_get(rtp, "headerExtensions");
	if (!list)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > PARLEY_PARAMS_MAX_EXTENSIONS)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.headerExtensions: an array of at most %d",
		                          PARLEY_PARAMS_MAX_EXTENSIONS);
	size_t i;
	json_t *x;
	json_array_foreach (list, i, x) {
		const char *uri = json_string_value(json_object_get(x, "uri"));
		json_t *id = json_object_get(x, "id");
		if (!uri || !is_token(uri, 256) || !integer_in(id, 1, 255) || json_integer_value(id) == 15)
			return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
			                          "rtpParameters.headerExtensions[%zu]: {uri, id 1..255 but 15}", i);
		if (json_is_true(json_object_get(x, "encrypt")))
			return parley_params_fail(
				err, err_size, PARLEY_PC_ERR_INVALID,
				"rtpParameters.headerExtensions[%zu].encrypt: encrypted extensions are not supported",
				i);
		for (size_t e = 0; e < m->n_extmaps; e++)
			if (m->extmaps[e].id == json_integer_value(id) || !strcmp(m->extmaps[e].uri, uri))
				return parley_params_fail(
					err, err_size, PARLEY_PC_ERR_INVALID,
					"rtpParameters.headerExtensions[%zu]: its id or uri is used twice", i);
		if (parley_sdp_add_extmap(sdp, m, (uint16_t)json_integer_value(id), uri) < 0)
			return parley_params_fail(err, err_size, PARLEY_PC_ERR_LIMIT,
			                          "rtpParameters.headerExtensions: too many");
	}
	return 0;
}

/* One encoding's sources, checked. */
typedef struct encoding {
	uint32_t ssrc, rtx_ssrc;
	const char *rid;
} encoding;

static int check_encoding(json_t *e, size_t index, encoding *out, char *err, size_t err_size)
{
	if (!json_is_object(e))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.encodings[%zu]: an object", index);
	json_t *ssrc = json_object_get(e, "ssrc"), *rid = json_object_get(e, "rid"), *rtx = json_object_get(e, "rtx");
	json_t *mode = json_object_get(e, "scalabilityMode");
	if (ssrc && !integer_in(ssrc, 1, 0xffffffffLL))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.encodings[%zu].ssrc: an integer 1..2^32-1", index);
	if (rid && !is_word(json_string_value(rid), PARLEY_PARAMS_MAX_RID, RID_CHARS))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.encodings[%zu].rid: a string of 1..%d characters", index,
		                          PARLEY_PARAMS_MAX_RID);
	if (rtx && (!json_is_object(rtx) || !integer_in(json_object_get(rtx, "ssrc"), 1, 0xffffffffLL)))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.encodings[%zu].rtx: {ssrc 1..2^32-1}", index);
	if (mode && !is_token(json_string_value(mode), 32))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.encodings[%zu].scalabilityMode: a string", index);
	*out = (encoding){
		.ssrc = ssrc ? (uint32_t)json_integer_value(ssrc) : 0,
		.rtx_ssrc = rtx ? (uint32_t)json_integer_value(json_object_get(rtx, "ssrc")) : 0,
		.rid = rid ? json_string_value(rid) : NULL,
	};
	return 0;
}

/* The encodings' sources: all by rid, or all by SSRC (one encoding may
 * have neither: its packets are known by mid). */
static int check_encodings(json_t *list, encoding *enc, size_t *n, char *err, size_t err_size)
{
	if (!list)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_MISSING, "rtpParameters.encodings: missing");
	if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > PARLEY_PARAMS_MAX_ENCODINGS)
		return parley_params_fail(err, err_size,
		                          json_is_array(list) && json_array_size(list) ? PARLEY_PC_ERR_LIMIT
		                                                                       : PARLEY_PC_ERR_INVALID,
		                          "rtpParameters.encodings: an array of 1..%d encodings",
		                          PARLEY_PARAMS_MAX_ENCODINGS);
	*n = json_array_size(list);
	for (size_t i = 0; i < *n; i++) {
		int rc = check_encoding(json_array_get(list, i), i, &enc[i], err, err_size);
		if (rc)
			return rc;
	}
	bool by_rid = enc[0].rid != NULL;
	for (size_t i = 0; i < *n; i++) {
		if ((enc[i].rid != NULL) != by_rid)
			return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
			                          "rtpParameters.encodings[%zu]: every encoding has a rid, or none has",
			                          i);
		if (!by_rid && *n > 1 && !enc[i].ssrc)
			return parley_params_fail(
				err, err_size, PARLEY_PC_ERR_MISSING,
				"rtpParameters.encodings[%zu].ssrc: required with several encodings without rid", i);
		for (size_t k = 0; k < i; k++) {
			bool same_rid = by_rid && !strcmp(enc[i].rid, enc[k].rid);
			uint32_t a[2] = { enc[i].ssrc, enc[i].rtx_ssrc }, b[2] = { enc[k].ssrc, enc[k].rtx_ssrc };
			bool same_ssrc = false;
			for (int x = 0; x < 2; x++)
				for (int y = 0; y < 2; y++)
					same_ssrc |= a[x] && a[x] == b[y];
			if (same_rid || same_ssrc)
				return parley_params_fail(
					err, err_size, PARLEY_PC_ERR_INVALID,
					"rtpParameters.encodings[%zu]: its rid or SSRC is also encodings[%zu]'s", i, k);
		}
		if (enc[i].ssrc && enc[i].ssrc == enc[i].rtx_ssrc)
			return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
			                          "rtpParameters.encodings[%zu].rtx.ssrc: the same as its ssrc", i);
	}
	return 0;
}

static int write_sources(const encoding *enc, size_t n, const char *cname, parley_sdp *sdp, parley_sdp_media *m)
{
	if (enc[0].rid) {
		GString *list = g_string_new(NULL);
		int rc = 0;
		for (size_t i = 0; i < n && !rc; i++) {
			rc = parley_sdp_add_rid(sdp, m, enc[i].rid, true);
			g_string_append_printf(list, "%s%s", i ? ";" : "", enc[i].rid);
		}
		if (!rc && n > 1)
			rc = parley_sdp_set_string(&m->simulcast_send, list->str);
		g_string_free(list, TRUE);
		return rc;
	}
	uint32_t primaries[PARLEY_PARAMS_MAX_ENCODINGS];
	size_t n_primaries = 0;
	for (size_t i = 0; i < n; i++) {
		if (!enc[i].ssrc)
			continue;
		primaries[n_primaries++] = enc[i].ssrc;
		if (parley_sdp_add_ssrc(sdp, m, enc[i].ssrc, cname, NULL) < 0)
			return -1;
		if (!enc[i].rtx_ssrc)
			continue;
		uint32_t fid[2] = { enc[i].ssrc, enc[i].rtx_ssrc };
		if (parley_sdp_add_ssrc(sdp, m, enc[i].rtx_ssrc, cname, NULL) < 0 ||
		    parley_sdp_add_ssrc_group(sdp, m, "FID", fid, 2) < 0)
			return -1;
	}
	if (n_primaries > 1 && parley_sdp_add_ssrc_group(sdp, m, "SIM", primaries, n_primaries) < 0)
		return -1;
	return 0;
}

int parley_params_rtp_to_media(json_t *rtp, parley_sdp_media_type type, parley_params_sources sources, parley_sdp *sdp,
                               parley_sdp_media *m, char *err, size_t err_size)
{
	if (type != PARLEY_SDP_MEDIA_AUDIO && type != PARLEY_SDP_MEDIA_VIDEO)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID, "kind: audio or video");
	if (!json_is_object(rtp))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID, "rtpParameters: an object");
	const char *kind = type == PARLEY_SDP_MEDIA_AUDIO ? "audio" : "video";
	int rc = take_mid(rtp, m, err, err_size);
	if (!rc)
		rc = take_codecs(rtp, kind, sdp, m, err, err_size);
	if (!rc)
		rc = take_extensions(rtp, sdp, m, err, err_size);
	encoding enc[PARLEY_PARAMS_MAX_ENCODINGS];
	size_t n = 0;
	if (!rc)
		rc = check_encodings(json_object_get(rtp, "encodings"), enc, &n, err, err_size);
	json_t *rtcp = json_object_get(rtp, "rtcp");
	json_t *cname = json_object_get(rtcp, "cname"), *reduced = json_object_get(rtcp, "reducedSize");
	/* mediasoup-client sends "" when the offer had no a=ssrc cname (rid simulcast): absent */
	if (json_is_string(cname) && json_string_length(cname) == 0)
		cname = NULL;
	if (!rc && rtcp &&
	    (!json_is_object(rtcp) || (cname && !is_token(json_string_value(cname), 63)) ||
	     (reduced && !json_is_boolean(reduced))))
		rc = parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                        "rtpParameters.rtcp: {cname?: 1..63 characters, reducedSize?: boolean}");
	if (rc)
		return rc;
	m->rtcp_rsize = reduced ? json_is_true(reduced) : true;
	if (sources == PARLEY_PARAMS_SOURCES &&
	    write_sources(enc, n, cname ? json_string_value(cname) : "parley", sdp, m) < 0)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_LIMIT,
		                          "rtpParameters.encodings: over the description's limits");
	return 0;
}

/* ---- out: rtpParameters from an m-line ---- */

static json_t *codec_json(const parley_sdp_media *m, const parley_sdp_format *f)
{
	json_t *feedback = json_array();
	for (size_t i = 0; i < f->n_rtcp_fb; i++) {
		const char *space = strchr(f->rtcp_fb[i], ' ');
		char type[64];
		snprintf(type, sizeof(type), "%.*s", space ? (int)(space - f->rtcp_fb[i]) : 63, f->rtcp_fb[i]);
		json_array_append_new(feedback,
		                      json_pack("{ss ss}", "type", type, "parameter", space ? space + 1 : ""));
	}
	char mime[80];
	snprintf(mime, sizeof(mime), "%s/%s", m->type == PARLEY_SDP_MEDIA_AUDIO ? "audio" : "video",
	         f->name ? f->name : "");
	json_t *codec = json_pack("{ss si si so so}", "mimeType", mime, "payloadType", f->pt, "clockRate",
	                          (int)f->clock_rate, "parameters", parley_params_fmtp_object(f->fmtp), "rtcpFeedback",
	                          feedback);
	if (f->channels)
		json_object_set_new(codec, "channels", json_integer(f->channels));
	return codec;
}

static bool is_fid_secondary(const parley_sdp_media *m, uint32_t ssrc)
{
	for (size_t g = 0; g < m->n_ssrc_groups; g++)
		if (!strcmp(m->ssrc_groups[g].semantics, "FID") && m->ssrc_groups[g].n_ssrcs == 2 &&
		    m->ssrc_groups[g].ssrcs[1] == ssrc)
			return true;
	return false;
}

static uint32_t fid_partner(const parley_sdp_media *m, uint32_t ssrc)
{
	for (size_t g = 0; g < m->n_ssrc_groups; g++)
		if (!strcmp(m->ssrc_groups[g].semantics, "FID") && m->ssrc_groups[g].n_ssrcs == 2 &&
		    m->ssrc_groups[g].ssrcs[0] == ssrc)
			return m->ssrc_groups[g].ssrcs[1];
	return 0;
}

static json_t *encodings_json(const parley_sdp_media *m)
{
	json_t *list = json_array();
	for (size_t i = 0; i < m->n_ssrcs; i++) {
		uint32_t ssrc = m->ssrcs[i].ssrc;
		if (is_fid_secondary(m, ssrc))
			continue;
		json_t *e = json_pack("{sI}", "ssrc", (json_int_t)ssrc);
		if (fid_partner(m, ssrc))
			json_object_set_new(e, "rtx", json_pack("{sI}", "ssrc", (json_int_t)fid_partner(m, ssrc)));
		json_array_append_new(list, e);
	}
	for (size_t i = 0; !m->n_ssrcs && i < m->n_rids; i++)
		json_array_append_new(list, json_pack("{ss}", "rid", m->rids[i].id));
	if (json_array_size(list) == 0)
		json_array_append_new(list, json_object()); /* one encoding known by its mid */
	return list;
}

json_t *parley_params_rtp_from_media(const parley_sdp_media *m)
{
	json_t *codecs = json_array(), *extensions = json_array();
	for (size_t i = 0; i < m->n_formats; i++)
		if (m->formats[i].pt >= 0)
			json_array_append_new(codecs, codec_json(m, &m->formats[i]));
	for (size_t i = 0; i < m->n_extmaps; i++)
		json_array_append_new(extensions,
		                      json_pack("{ss si sb s{}}", "uri", m->extmaps[i].uri ? m->extmaps[i].uri : "",
		                                "id", m->extmaps[i].id, "encrypt", false, "parameters"));
	json_t *rtcp = json_pack("{sb sb}", "reducedSize", m->rtcp_rsize, "mux", true);
	if (m->n_ssrcs && m->ssrcs[0].cname)
		json_object_set_new(rtcp, "cname", json_string(m->ssrcs[0].cname));
	return json_pack("{ss so so so so}", "mid", m->mid ? m->mid : "", "codecs", codecs, "headerExtensions",
	                 extensions, "encodings", encodings_json(m), "rtcp", rtcp);
}
