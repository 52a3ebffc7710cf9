/*
 * test_params.c — the parameters translation (core/media/params_rtp.c,
 * params_caps.c): mediasoup-style rtpParameters into one m-line of the SDP
 * model and back (SSRCs with RTX as FID groups, simulcast rids with
 * a=simulcast, header extension ids, codec parameters as fmtp), the model
 * written as SDP and parsed again, every refusal of a bad or missing member
 * with its code and the member named, the RTP capabilities' shape, the
 * check of a produced stream's codecs, and the codec and extensions chosen
 * for a consumer from its rtpCapabilities.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "core/media/params.h"

#define VP8_WITH_RTX                                                                                                \
	"{\"mid\": \"0\", \"codecs\": ["                                                                            \
	"{\"mimeType\": \"video/VP8\", \"payloadType\": 96, \"clockRate\": 90000, \"parameters\": {},"              \
	" \"rtcpFeedback\": [{\"type\": \"nack\"}, {\"type\": \"nack\", \"parameter\": \"pli\"},"                   \
	" {\"type\": \"goog-remb\", \"parameter\": \"\"}]},"                                                        \
	"{\"mimeType\": \"video/rtx\", \"payloadType\": 97, \"clockRate\": 90000, \"parameters\": {\"apt\": 96}}]," \
	" \"headerExtensions\": [{\"uri\": \"urn:ietf:params:rtp-hdrext:sdes:mid\", \"id\": 4},"                    \
	" {\"uri\": \"urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\", \"id\": 10}],"                               \
	" \"encodings\": [{\"ssrc\": 1111, \"rtx\": {\"ssrc\": 2222}}],"                                            \
	" \"rtcp\": {\"cname\": \"abc\", \"reducedSize\": true}}"

static json_t *parse(const char *text)
{
	json_error_t error;
	json_t *json = json_loads(text, JSON_DECODE_ANY, &error);
	if (!json)
		fail_msg("bad JSON in the test: %s (%s)", error.text, text);
	return json;
}

/* rtp into a fresh model's m-line of `type`; the code. */
static int translate(json_t *rtp, parley_sdp_media_type type, parley_sdp **sdp, char *err, size_t size)
{
	*sdp = parley_sdp_new(NULL);
	parley_sdp_media *m = parley_sdp_add_media(*sdp, type, "UDP/TLS/RTP/SAVPF");
	assert_non_null(m);
	return parley_params_rtp_to_media(rtp, type, PARLEY_PARAMS_SOURCES, *sdp, m, err, size);
}

static void ssrcs_with_rtx_both_ways(void **state)
{
	json_t *rtp = parse(VP8_WITH_RTX);
	parley_sdp *sdp;
	char err[256] = "";
	assert_int_equal(translate(rtp, PARLEY_SDP_MEDIA_VIDEO, &sdp, err, sizeof(err)), 0);
	const parley_sdp_media *m = &sdp->media[0];
	assert_string_equal(m->mid, "0");
	assert_int_equal(m->n_formats, 2);
	assert_int_equal(m->formats[0].codec, PARLEY_SDP_CODEC_VP8);
	assert_int_equal(m->formats[0].n_rtcp_fb, 3);
	assert_string_equal(m->formats[0].rtcp_fb[1], "nack pli");
	assert_string_equal(m->formats[0].rtcp_fb[2], "goog-remb");
	assert_int_equal(m->formats[1].codec, PARLEY_SDP_CODEC_RTX);
	assert_int_equal(m->formats[1].apt, 96);
	assert_int_equal(parley_sdp_extmap_id(m, PARLEY_SDP_EXT_MID), 4);
	assert_int_equal(parley_sdp_extmap_id(m, PARLEY_SDP_EXT_RID), 10);
	assert_int_equal(m->n_ssrcs, 2);
	assert_int_equal(m->n_ssrc_groups, 1);
	assert_string_equal(m->ssrc_groups[0].semantics, "FID");
	assert_int_equal(m->ssrc_groups[0].ssrcs[1], 2222);
	assert_string_equal(m->ssrcs[0].cname, "abc");
	assert_true(m->rtcp_rsize);

	/* written as SDP and parsed again, it reads back the same */
	m = &sdp->media[0];
	sdp->media[0].port = 9;
	size_t len = 0;
	char *text = parley_sdp_write(sdp, &len);
	assert_non_null(text);
	parley_sdp *again = parley_sdp_parse(text, len, NULL, err, sizeof(err));
	assert_non_null(again);
	json_t *back = parley_params_rtp_from_media(&again->media[0]);
	assert_string_equal(json_string_value(json_object_get(back, "mid")), "0");
	json_t *codecs = json_object_get(back, "codecs");
	assert_int_equal(json_array_size(codecs), 2);
	json_t *vp8 = json_array_get(codecs, 0), *rtx = json_array_get(codecs, 1);
	assert_string_equal(json_string_value(json_object_get(vp8, "mimeType")), "video/VP8");
	assert_int_equal(json_integer_value(json_object_get(vp8, "payloadType")), 96);
	assert_int_equal(json_integer_value(json_object_get(vp8, "clockRate")), 90000);
	json_t *pli = json_array_get(json_object_get(vp8, "rtcpFeedback"), 1);
	assert_string_equal(json_string_value(json_object_get(pli, "type")), "nack");
	assert_string_equal(json_string_value(json_object_get(pli, "parameter")), "pli");
	assert_string_equal(json_string_value(json_object_get(rtx, "mimeType")), "video/rtx");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rtx, "parameters"), "apt")), 96);
	json_t *encoding = json_array_get(json_object_get(back, "encodings"), 0);
	assert_int_equal(json_array_size(json_object_get(back, "encodings")), 1);
	assert_int_equal(json_integer_value(json_object_get(encoding, "ssrc")), 1111);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(encoding, "rtx"), "ssrc")), 2222);
	json_t *ext = json_array_get(json_object_get(back, "headerExtensions"), 1);
	assert_string_equal(json_string_value(json_object_get(ext, "uri")),
	                    "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id");
	assert_int_equal(json_integer_value(json_object_get(ext, "id")), 10);
	json_t *rtcp = json_object_get(back, "rtcp");
	assert_string_equal(json_string_value(json_object_get(rtcp, "cname")), "abc");
	assert_true(json_is_true(json_object_get(rtcp, "reducedSize")));
	json_decref(back);
	parley_sdp_free(again);
	free(text);
	parley_sdp_free(sdp);
	json_decref(rtp);
}

static void simulcast_rids_both_ways(void **state)
{
	json_t *rtp = parse(VP8_WITH_RTX);
	json_object_set_new(rtp, "encodings",
	                    parse("[{\"rid\": \"r0\", \"scalabilityMode\": \"L1T3\"}, {\"rid\": \"r1\"},"
	                          " {\"rid\": \"r2\", \"maxBitrate\": 900000}]"));
	/* as mediasoup-client sends it for rid simulcast: no a=ssrc cname in its offer */
	json_object_set_new(json_object_get(rtp, "rtcp"), "cname", json_string(""));
	parley_sdp *sdp;
	char err[256] = "";
	assert_int_equal(translate(rtp, PARLEY_SDP_MEDIA_VIDEO, &sdp, err, sizeof(err)), 0);
	const parley_sdp_media *m = &sdp->media[0];
	assert_int_equal(m->n_ssrcs, 0);
	assert_int_equal(m->n_rids, 3);
	assert_true(m->rids[2].send);
	assert_string_equal(m->rids[2].id, "r2");
	assert_string_equal(m->simulcast_send, "r0;r1;r2");
	json_t *back = parley_params_rtp_from_media(m);
	json_t *encodings = json_object_get(back, "encodings");
	assert_int_equal(json_array_size(encodings), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(encodings, 1), "rid")), "r1");
	json_decref(back);
	parley_sdp_free(sdp);

	/* several SSRC layers: a SIM group, each with its FID partner */
	json_object_set_new(rtp, "encodings",
	                    parse("[{\"ssrc\": 10, \"rtx\": {\"ssrc\": 11}}, {\"ssrc\": 20,"
	                          " \"rtx\": {\"ssrc\": 21}}]"));
	assert_int_equal(translate(rtp, PARLEY_SDP_MEDIA_VIDEO, &sdp, err, sizeof(err)), 0);
	m = &sdp->media[0];
	assert_int_equal(m->n_ssrcs, 4);
	assert_int_equal(m->n_ssrc_groups, 3);
	back = parley_params_rtp_from_media(m);
	encodings = json_object_get(back, "encodings");
	assert_int_equal(json_array_size(encodings), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(encodings, 1), "ssrc")), 20);
	json_decref(back);
	parley_sdp_free(sdp);
	json_decref(rtp);
}

/* One bad rtpParameters: a member replaced (NULL value: removed). */
typedef struct bad_case {
	const char *member; /* top-level member to replace */
	const char *value;  /* JSON, or NULL to remove it */
	int code;
	const char *reason; /* a part of the reason */
} bad_case;

static const bad_case bad_cases[] = {
	{ "mid", NULL, PARLEY_PC_ERR_MISSING, "rtpParameters.mid: missing" },
	{ "mid", "7", PARLEY_PC_ERR_INVALID, "rtpParameters.mid" },
	{ "mid", "\"has space\"", PARLEY_PC_ERR_INVALID, "rtpParameters.mid" },
	{ "mid", "\"0123456789012345678901234567890123\"", PARLEY_PC_ERR_INVALID, "rtpParameters.mid" },
	{ "codecs", NULL, PARLEY_PC_ERR_MISSING, "rtpParameters.codecs: missing" },
	{ "codecs", "[]", PARLEY_PC_ERR_INVALID, "rtpParameters.codecs" },
	{ "codecs", "{}", PARLEY_PC_ERR_INVALID, "rtpParameters.codecs" },
	{ "codecs", "[3]", PARLEY_PC_ERR_INVALID, "codecs[0]: an object" },
	{ "codecs", "[{\"mimeType\": \"audio/opus\", \"payloadType\": 100, \"clockRate\": 48000}]",
	  PARLEY_PC_ERR_INVALID, "codecs[0].mimeType" },
	{ "codecs", "[{\"mimeType\": \"video/VP8\", \"clockRate\": 90000}]", PARLEY_PC_ERR_MISSING, "codecs[0]" },
	{ "codecs", "[{\"mimeType\": \"video/VP8\", \"payloadType\": 128, \"clockRate\": 90000}]",
	  PARLEY_PC_ERR_INVALID, "codecs[0].payloadType" },
	{ "codecs", "[{\"mimeType\": \"video/VP8\", \"payloadType\": 96, \"clockRate\": 0}]", PARLEY_PC_ERR_INVALID,
	  "codecs[0].clockRate" },
	{ "codecs",
	  "[{\"mimeType\": \"video/VP8\", \"payloadType\": 96, \"clockRate\": 90000}, {\"mimeType\": \"video/VP9\","
	  " \"payloadType\": 96, \"clockRate\": 90000}]",
	  PARLEY_PC_ERR_INVALID, "96 is used twice" },
	{ "codecs",
	  "[{\"mimeType\": \"video/rtx\", \"payloadType\": 97, \"clockRate\": 90000, \"parameters\": {\"apt\": 96}}]",
	  PARLEY_PC_ERR_INVALID, "codecs[0]: a media codec" },
	{ "codecs",
	  "[{\"mimeType\": \"video/VP8\", \"payloadType\": 96, \"clockRate\": 90000}, {\"mimeType\": \"video/rtx\","
	  " \"payloadType\": 97, \"clockRate\": 90000}]",
	  PARLEY_PC_ERR_INVALID, "codecs[1].parameters.apt" },
	{ "codecs",
	  "[{\"mimeType\": \"video/VP8\", \"payloadType\": 96, \"clockRate\": 90000}, {\"mimeType\": \"video/rtx\","
	  " \"payloadType\": 97, \"clockRate\": 90000, \"parameters\": {\"apt\": 98}}]",
	  PARLEY_PC_ERR_INVALID, "98 is not a media codec" },
	{ "codecs", "[{\"mimeType\": \"video/VP8\", \"payloadType\": 96, \"clockRate\": 90000, \"parameters\": []}]",
	  PARLEY_PC_ERR_INVALID, "codecs[0].parameters" },
	{ "codecs",
	  "[{\"mimeType\": \"video/VP8\", \"payloadType\": 96, \"clockRate\": 90000, \"parameters\": {\"a\": true}}]",
	  PARLEY_PC_ERR_INVALID, "parameters.a" },
	{ "codecs",
	  "[{\"mimeType\": \"video/VP8\", \"payloadType\": 96, \"clockRate\": 90000, \"parameters\": {\"a\": \"x;y\"}}]",
	  PARLEY_PC_ERR_INVALID, "parameters.a" },
	{ "codecs",
	  "[{\"mimeType\": \"video/VP8\", \"payloadType\": 96, \"clockRate\": 90000, \"rtcpFeedback\": [{}]}]",
	  PARLEY_PC_ERR_INVALID, "rtcpFeedback[0]" },
	{ "headerExtensions", "{}", PARLEY_PC_ERR_INVALID, "rtpParameters.headerExtensions" },
	{ "headerExtensions", "[{\"uri\": \"urn:x\", \"id\": 0}]", PARLEY_PC_ERR_INVALID, "headerExtensions[0]" },
	{ "headerExtensions", "[{\"uri\": \"urn:x\", \"id\": 15}]", PARLEY_PC_ERR_INVALID, "headerExtensions[0]" },
	{ "headerExtensions", "[{\"uri\": \"urn:x\", \"id\": 3}, {\"uri\": \"urn:y\", \"id\": 3}]",
	  PARLEY_PC_ERR_INVALID, "headerExtensions[1]" },
	{ "headerExtensions", "[{\"uri\": \"urn:x\", \"id\": 3, \"encrypt\": true}]", PARLEY_PC_ERR_INVALID,
	  "encrypt" },
	{ "encodings", NULL, PARLEY_PC_ERR_MISSING, "rtpParameters.encodings: missing" },
	{ "encodings", "[]", PARLEY_PC_ERR_INVALID, "rtpParameters.encodings" },
	{ "encodings", "[{}, {}, {}, {}, {}]", PARLEY_PC_ERR_LIMIT, "rtpParameters.encodings" },
	{ "encodings", "[{\"ssrc\": 0}]", PARLEY_PC_ERR_INVALID, "encodings[0].ssrc" },
	{ "encodings", "[{\"ssrc\": 4294967296}]", PARLEY_PC_ERR_INVALID, "encodings[0].ssrc" },
	{ "encodings", "[{\"ssrc\": 5, \"rtx\": {}}]", PARLEY_PC_ERR_INVALID, "encodings[0].rtx" },
	{ "encodings", "[{\"ssrc\": 5, \"rtx\": {\"ssrc\": 5}}]", PARLEY_PC_ERR_INVALID, "encodings[0].rtx.ssrc" },
	{ "encodings", "[{\"ssrc\": 5}, {\"ssrc\": 6, \"rtx\": {\"ssrc\": 5}}]", PARLEY_PC_ERR_INVALID,
	  "encodings[1]" },
	{ "encodings", "[{\"ssrc\": 5}, {}]", PARLEY_PC_ERR_MISSING, "encodings[1].ssrc" },
	{ "encodings", "[{\"rid\": \"a\"}, {\"ssrc\": 6}]", PARLEY_PC_ERR_INVALID, "encodings[1]" },
	{ "encodings", "[{\"rid\": \"a\"}, {\"rid\": \"a\"}]", PARLEY_PC_ERR_INVALID, "encodings[1]" },
	{ "encodings", "[{\"rid\": \"0123456789abcdef\"}]", PARLEY_PC_ERR_INVALID, "encodings[0].rid" },
	{ "encodings", "[{\"rid\": 3}]", PARLEY_PC_ERR_INVALID, "encodings[0].rid" },
	{ "rtcp", "[]", PARLEY_PC_ERR_INVALID, "rtpParameters.rtcp" },
	{ "rtcp", "{\"reducedSize\": 1}", PARLEY_PC_ERR_INVALID, "rtpParameters.rtcp" },
};

static void refusals_name_the_member(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		const bad_case *c = &bad_cases[i];
		json_t *rtp = parse(VP8_WITH_RTX);
		if (c->value)
			json_object_set_new(rtp, c->member, parse(c->value));
		else
			json_object_del(rtp, c->member);
		parley_sdp *sdp;
		char err[256] = "";
		int rc = translate(rtp, PARLEY_SDP_MEDIA_VIDEO, &sdp, err, sizeof(err));
		if (rc != c->code || !strstr(err, c->reason))
			fail_msg("case %zu (%s = %s): code %d \"%s\", expected %d \"%s\"", i, c->member,
			         c->value ? c->value : "(removed)", rc, err, c->code, c->reason);
		parley_sdp_free(sdp);
		json_decref(rtp);
	}
	/* not an object, and a kind that is neither audio nor video */
	parley_sdp *sdp;
	char err[256] = "";
	json_t *array = json_array();
	assert_int_equal(translate(array, PARLEY_SDP_MEDIA_VIDEO, &sdp, err, sizeof(err)), PARLEY_PC_ERR_INVALID);
	parley_sdp_free(sdp);
	json_decref(array);
	sdp = parley_sdp_new(NULL);
	parley_sdp_media *m = parley_sdp_add_media(sdp, PARLEY_SDP_MEDIA_APPLICATION, "UDP/DTLS/SCTP");
	assert_int_equal(parley_params_rtp_to_media(NULL, PARLEY_SDP_MEDIA_APPLICATION, PARLEY_PARAMS_SOURCES, sdp, m,
	                                            err, sizeof(err)),
	                 PARLEY_PC_ERR_INVALID);
	parley_sdp_free(sdp);
}

static json_t *capability(json_t *caps, const char *mime, int pt)
{
	size_t i;
	json_t *c;
	json_array_foreach (json_object_get(caps, "codecs"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "mimeType")), mime) &&
		    (pt < 0 || json_integer_value(json_object_get(c, "preferredPayloadType")) == pt))
			return c;
	return NULL;
}

static void capabilities_shape(void **state)
{
	json_t *caps = parley_params_capabilities();
	json_t *opus = capability(caps, "audio/opus", -1);
	assert_non_null(opus);
	assert_string_equal(json_string_value(json_object_get(opus, "kind")), "audio");
	assert_int_equal(json_integer_value(json_object_get(opus, "clockRate")), 48000);
	assert_int_equal(json_integer_value(json_object_get(opus, "channels")), 2);
	json_t *vp8 = capability(caps, "video/VP8", -1);
	assert_non_null(vp8);
	int vp8_pt = (int)json_integer_value(json_object_get(vp8, "preferredPayloadType"));
	assert_int_equal(json_array_size(json_object_get(vp8, "rtcpFeedback")), 4);
	json_t *rtx = json_array_get(json_object_get(caps, "codecs"), 2);
	assert_string_equal(json_string_value(json_object_get(rtx, "mimeType")), "video/rtx");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rtx, "parameters"), "apt")), vp8_pt);
	json_t *h264 = capability(caps, "video/H264", 107);
	assert_non_null(h264);
	json_t *parameters = json_object_get(h264, "parameters");
	assert_string_equal(json_string_value(json_object_get(parameters, "profile-level-id")), "4d0032");
	assert_int_equal(json_integer_value(json_object_get(parameters, "packetization-mode")), 1);
	json_t *first = json_array_get(json_object_get(caps, "headerExtensions"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "uri")), "urn:ietf:params:rtp-hdrext:sdes:mid");
	assert_int_equal(json_integer_value(json_object_get(first, "preferredId")), 1);
	assert_string_equal(json_string_value(json_object_get(first, "direction")), "sendrecv");
	json_decref(caps);
}

static void produced_codecs_checked(void **state)
{
	json_t *rtp = parse(VP8_WITH_RTX);
	parley_sdp *sdp;
	char err[256] = "";
	assert_int_equal(translate(rtp, PARLEY_SDP_MEDIA_VIDEO, &sdp, err, sizeof(err)), 0);
	assert_int_equal(parley_params_caps_accept(&sdp->media[0], err, sizeof(err)), 0);
	parley_sdp_free(sdp);
	json_object_set_new(rtp, "codecs",
	                    parse("[{\"mimeType\": \"video/H264\", \"payloadType\": 96, \"clockRate\": 90000,"
	                          " \"parameters\": {\"packetization-mode\": 0, \"profile-level-id\": \"42e01f\"}}]"));
	assert_int_equal(translate(rtp, PARLEY_SDP_MEDIA_VIDEO, &sdp, err, sizeof(err)), 0);
	assert_int_equal(parley_params_caps_accept(&sdp->media[0], err, sizeof(err)), PARLEY_PC_ERR_INVALID);
	assert_non_null(strstr(err, "video/H264/90000 is not in the RTP capabilities"));
	parley_sdp_free(sdp);
	json_object_set_new(rtp, "codecs",
	                    parse("[{\"mimeType\": \"video/H264\", \"payloadType\": 96, \"clockRate\": 90000,"
	                          " \"parameters\": {\"packetization-mode\": 1, \"profile-level-id\": \"4d0032\"}}]"));
	assert_int_equal(translate(rtp, PARLEY_SDP_MEDIA_VIDEO, &sdp, err, sizeof(err)), 0);
	assert_int_equal(parley_params_caps_accept(&sdp->media[0], err, sizeof(err)), 0);
	parley_sdp_free(sdp);
	json_decref(rtp);
}

/* A browser's rtpCapabilities as mediasoup-client reports them (trimmed). */
static const char consumer_caps[] =
	"{\"codecs\": ["
	"{\"kind\": \"audio\", \"mimeType\": \"audio/opus\", \"clockRate\": 48000, \"channels\": 2},"
	"{\"kind\": \"video\", \"mimeType\": \"video/VP8\", \"clockRate\": 90000, \"rtcpFeedback\": [{\"type\": \"nack\"},"
	" {\"type\": \"nack\", \"parameter\": \"pli\"}, {\"type\": \"transport-cc\"}]},"
	"{\"kind\": \"video\", \"mimeType\": \"video/rtx\", \"clockRate\": 90000},"
	"{\"kind\": \"video\", \"mimeType\": \"video/H264\", \"clockRate\": 90000, \"parameters\":"
	" {\"packetization-mode\": 1, \"profile-level-id\": \"42e01f\"}}],"
	" \"headerExtensions\": ["
	"{\"kind\": \"video\", \"uri\": \"urn:ietf:params:rtp-hdrext:sdes:mid\", \"preferredId\": 1},"
	"{\"kind\": \"video\", \"uri\": \"urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\", \"preferredId\": 2},"
	"{\"kind\": \"video\", \"uri\": \"urn:3gpp:video-orientation\", \"preferredId\": 11},"
	"{\"kind\": \"audio\", \"uri\": \"urn:ietf:params:rtp-hdrext:ssrc-audio-level\", \"preferredId\": 10}]}";

static void consumer_gets_a_common_codec(void **state)
{
	json_t *caps = parse(consumer_caps);
	parley_sdp *sdp = parley_sdp_new(NULL);
	parley_sdp_media *m = parley_sdp_add_media(sdp, PARLEY_SDP_MEDIA_VIDEO, "UDP/TLS/RTP/SAVPF");
	char err[256] = "";
	assert_int_equal(parley_params_caps_fill_send(caps, NULL, sdp, m, err, sizeof(err)), 0);
	assert_int_equal(m->n_formats, 2);
	assert_int_equal(m->formats[0].codec, PARLEY_SDP_CODEC_VP8);
	assert_int_equal(m->formats[0].pt, 101);
	assert_int_equal(m->formats[0].n_rtcp_fb, 2); /* nack, nack pli: what both do */
	assert_int_equal(m->formats[1].apt, 101);
	/* mid and video-orientation: rid is ours to read, never to send */
	assert_int_equal(m->n_extmaps, 2);
	assert_int_equal(parley_sdp_extmap_id(m, PARLEY_SDP_EXT_MID), 1);
	assert_int_equal(parley_sdp_extmap_id(m, PARLEY_SDP_EXT_VIDEO_ORIENTATION), 11);
	parley_sdp_free(sdp);

	/* limited to H264: the 42e01f profile the consumer has */
	json_t *wanted = parse("[\"video/H264\"]");
	sdp = parley_sdp_new(NULL);
	m = parley_sdp_add_media(sdp, PARLEY_SDP_MEDIA_VIDEO, "UDP/TLS/RTP/SAVPF");
	assert_int_equal(parley_params_caps_fill_send(caps, wanted, sdp, m, err, sizeof(err)), 0);
	assert_int_equal(m->formats[0].pt, 105);
	assert_int_equal(m->formats[0].profile_level_id, 0x42e01f);
	parley_sdp_free(sdp);
	json_decref(wanted);

	/* a producer's H264 codec picks its own profile, which the consumer has too */
	json_t *both = parse(
		"{\"codecs\": [{\"mimeType\": \"video/H264\", \"clockRate\": 90000, \"parameters\":"
		" {\"packetization-mode\": 1, \"profile-level-id\": \"42e01f\"}}, {\"mimeType\": \"video/H264\","
		" \"clockRate\": 90000, \"parameters\": {\"packetization-mode\": 1, \"profile-level-id\":"
		" \"4d0032\"}}]}");
	wanted = parse("[{\"mimeType\": \"video/H264\", \"parameters\": {\"packetization-mode\": 1,"
	               " \"profile-level-id\": \"4d001f\"}}]");
	sdp = parley_sdp_new(NULL);
	m = parley_sdp_add_media(sdp, PARLEY_SDP_MEDIA_VIDEO, "UDP/TLS/RTP/SAVPF");
	assert_int_equal(parley_params_caps_fill_send(both, wanted, sdp, m, err, sizeof(err)), 0);
	assert_int_equal(m->formats[0].pt, 107);
	assert_int_equal(m->n_formats, 1); /* no video/rtx in its capabilities */
	parley_sdp_free(sdp);
	json_decref(wanted);
	json_decref(both);

	/* nothing in common */
	wanted = parse("[\"video/VP9\"]");
	sdp = parley_sdp_new(NULL);
	m = parley_sdp_add_media(sdp, PARLEY_SDP_MEDIA_VIDEO, "UDP/TLS/RTP/SAVPF");
	assert_int_equal(parley_params_caps_fill_send(caps, wanted, sdp, m, err, sizeof(err)), PARLEY_PC_ERR_INVALID);
	assert_non_null(strstr(err, "no video codec in common"));
	parley_sdp_free(sdp);
	json_decref(wanted);

	/* malformed capabilities */
	json_t *bad = parse("{\"codecs\": {}}");
	sdp = parley_sdp_new(NULL);
	m = parley_sdp_add_media(sdp, PARLEY_SDP_MEDIA_AUDIO, "UDP/TLS/RTP/SAVPF");
	assert_int_equal(parley_params_caps_fill_send(bad, NULL, sdp, m, err, sizeof(err)), PARLEY_PC_ERR_INVALID);
	assert_int_equal(parley_params_caps_fill_send(NULL, NULL, sdp, m, err, sizeof(err)), PARLEY_PC_ERR_INVALID);
	assert_int_equal(parley_params_caps_fill_send(caps, bad, sdp, m, err, sizeof(err)), PARLEY_PC_ERR_INVALID);
	assert_int_equal(parley_params_caps_fill_send(caps, NULL, sdp, m, err, sizeof(err)), 0);
	assert_int_equal(m->formats[0].codec, PARLEY_SDP_CODEC_OPUS);
	assert_int_equal(m->formats[0].channels, 2);
	parley_sdp_free(sdp);
	json_decref(bad);
	json_decref(caps);
}

static void fmtp_parameters(void **state)
{
	json_t *o = parley_params_fmtp_object("profile-level-id=640032; packetization-mode=1;x=abc;bad;=1");
	assert_string_equal(json_string_value(json_object_get(o, "profile-level-id")), "640032");
	assert_int_equal(json_integer_value(json_object_get(o, "packetization-mode")), 1);
	assert_string_equal(json_string_value(json_object_get(o, "x")), "abc");
	assert_int_equal(json_object_size(o), 3);
	json_decref(o);
	o = parley_params_fmtp_object(NULL);
	assert_int_equal(json_object_size(o), 0);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ssrcs_with_rtx_both_ways), cmocka_unit_test(simulcast_rids_both_ways),
		cmocka_unit_test(refusals_name_the_member), cmocka_unit_test(capabilities_shape),
		cmocka_unit_test(produced_codecs_checked),  cmocka_unit_test(consumer_gets_a_common_codec),
		cmocka_unit_test(fmtp_parameters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
