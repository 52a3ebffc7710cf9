/*
 * test_sdp.c — unit tests of core/media's SDP parser, writer and builders
 * on offers captured from Chromium (tests/unit/data/sdp/chromium-*.sdp)
 * and Firefox-style offers: field checks, parse→write→parse round trips,
 * answers that drop unsupported codecs, data channel lines answered in
 * the form offered, offers from scratch, limits and malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/media/sdp.h"

static char *load(const char *name, size_t *len)
{
	const char *src = getenv("PARLEY_SRCDIR");
	char path[1024];
	snprintf(path, sizeof(path), "%s/tests/unit/data/sdp/%s", src ? src : ".", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (set PARLEY_SRCDIR)", path);
	static char buf[1 << 17];
	*len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static parley_sdp *parse_file(const char *name)
{
	size_t len;
	char *text = load(name, &len);
	char err[256];
	parley_sdp *s = parley_sdp_parse(text, len, NULL, err, sizeof(err));
	if (!s)
		fail_msg("%s: %s", name, err);
	return s;
}

/* Sorted list of lines, to compare texts regardless of attribute order. */
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static size_t sorted_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(text, "\r\n", &save); l && n < max; l = strtok_r(NULL, "\r\n", &save))
		lines[n++] = l;
	qsort(lines, n, sizeof(char *), cmp_str);
	return n;
}

static void round_trip(const char *name, bool exact)
{
	size_t len;
	char *orig = load(name, &len);
	parley_sdp *s = parse_file(name);
	size_t l1, l2;
	char *w1 = parley_sdp_write(s, &l1);
	assert_non_null(w1);
	char err[256];
	parley_sdp *s2 = parley_sdp_parse(w1, l1, NULL, err, sizeof(err));
	assert_non_null(s2);
	char *w2 = parley_sdp_write(s2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(w1, w2, l1);
	if (exact) {
		assert_int_equal(len, l1);
		assert_memory_equal(orig, w1, len);
	}
	/* every original line is written back (order may differ) */
	static char *a[4096], *b[4096];
	char *copy = strdup(orig);
	size_t na = sorted_lines(copy, a, 4096), nb = sorted_lines(w1, b, 4096);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
	free(copy);
	free(w1);
	free(w2);
	parley_sdp_free(s);
	parley_sdp_free(s2);
}

static void test_round_trips(void **state)
{
	round_trip("chromium-plain.sdp", true);
	round_trip("chromium-simulcast.sdp", true);
	round_trip("chromium-datachannel.sdp", true);
	round_trip("chromium-recvonly.sdp", true);
	round_trip("firefox-plain.sdp", false);
	round_trip("firefox-simulcast-data.sdp", false);
}

static void test_chromium_plain_fields(void **state)
{
	parley_sdp *s = parse_file("chromium-plain.sdp");
	assert_int_equal(s->n_media, 2);
	assert_int_equal(s->n_groups, 1);
	assert_string_equal(s->groups[0].semantics, "BUNDLE");
	assert_int_equal(s->groups[0].n_mids, 2);
	assert_true(s->extmap_allow_mixed);
	parley_sdp_media *a = &s->media[0], *v = &s->media[1];
	assert_int_equal(a->type, PARLEY_SDP_MEDIA_AUDIO);
	assert_string_equal(a->proto, "UDP/TLS/RTP/SAVPF");
	assert_string_equal(a->mid, "0");
	assert_true(a->rtcp_mux);
	assert_true(a->rtcp_rsize);
	assert_int_equal(a->setup, PARLEY_SDP_SETUP_ACTPASS);
	assert_string_equal(a->fingerprint.hash, "sha-256");
	assert_int_equal(strlen(a->fingerprint.value), 95);
	assert_non_null(a->ice_ufrag);
	assert_string_equal(a->ice_options, "trickle");
	assert_int_equal(a->direction, PARLEY_SDP_SENDRECV);
	parley_sdp_format *opus = parley_sdp_format_by_pt(a, 111);
	assert_non_null(opus);
	assert_int_equal(opus->codec, PARLEY_SDP_CODEC_OPUS);
	assert_int_equal(opus->clock_rate, 48000);
	assert_int_equal(opus->channels, 2);
	assert_string_equal(opus->fmtp, "minptime=10;useinbandfec=1");
	assert_int_equal(opus->n_rtcp_fb, 1);
	assert_string_equal(opus->rtcp_fb[0], "transport-cc");
	assert_int_equal(parley_sdp_extmap_id(a, PARLEY_SDP_EXT_AUDIO_LEVEL), 1);
	assert_int_equal(parley_sdp_extmap_id(a, PARLEY_SDP_EXT_TRANSPORT_CC), 3);
	assert_int_equal(parley_sdp_extmap_id(a, PARLEY_SDP_EXT_MID), 4);
	assert_int_equal(a->n_ssrcs, 1);
	assert_non_null(a->ssrcs[0].cname);
	assert_non_null(a->ssrcs[0].msid);
	assert_true(a->n_candidates > 0);
	parley_sdp_candidate *c = &a->candidates[0];
	assert_int_equal(c->component, 1);
	assert_string_equal(c->transport, "udp");
	assert_string_equal(c->type, "host");
	assert_int_equal(c->generation, 0);
	assert_int_equal(c->rport, -1);
	/* video: VP8 with RTX, H264 profiles, VP9 profiles, AV1 */
	parley_sdp_format *vp8 = &v->formats[0];
	assert_int_equal(vp8->codec, PARLEY_SDP_CODEC_VP8);
	assert_int_equal(vp8->n_rtcp_fb, 5);
	int rtx = parley_sdp_rtx_pt(v, vp8->pt);
	assert_true(rtx >= 0);
	assert_int_equal(parley_sdp_format_by_pt(v, rtx)->codec, PARLEY_SDP_CODEC_RTX);
	bool h264_seen = false, vp9_2 = false, av1 = false;
	for (size_t i = 0; i < v->n_formats; i++) {
		parley_sdp_format *f = &v->formats[i];
		if (f->codec == PARLEY_SDP_CODEC_H264 && f->profile_level_id == 0x42e01f && f->packetization_mode == 1) {
			h264_seen = true;
			assert_true(f->has_profile_level_id);
			assert_int_equal(f->level_asymmetry, 1);
		}
		vp9_2 |= f->codec == PARLEY_SDP_CODEC_VP9 && f->vp9_profile == 2;
		av1 |= f->codec == PARLEY_SDP_CODEC_AV1;
	}
	assert_true(h264_seen && vp9_2 && av1);
	assert_int_equal(parley_sdp_extmap_id(v, PARLEY_SDP_EXT_VIDEO_ORIENTATION), 13);
	assert_int_equal(parley_sdp_extmap_id(v, PARLEY_SDP_EXT_ABS_SEND_TIME), 2);
	assert_int_equal(parley_sdp_extmap_id(v, PARLEY_SDP_EXT_RID), 10);
	assert_int_equal(parley_sdp_extmap_id(v, PARLEY_SDP_EXT_REPAIRED_RID), 11);
	assert_int_equal(v->n_ssrc_groups, 1);
	assert_string_equal(v->ssrc_groups[0].semantics, "FID");
	assert_int_equal(v->ssrc_groups[0].n_ssrcs, 2);
	parley_sdp_free(s);
}

static void test_simulcast_and_data(void **state)
{
	parley_sdp *s = parse_file("chromium-simulcast.sdp");
	parley_sdp_media *v = &s->media[1];
	assert_int_equal(v->n_rids, 3);
	assert_string_equal(v->rids[0].id, "q");
	assert_true(v->rids[0].send);
	assert_string_equal(v->simulcast_send, "q;h;f");
	assert_null(v->simulcast_recv);
	parley_sdp_free(s);

	s = parse_file("chromium-datachannel.sdp");
	parley_sdp_media *d = &s->media[2];
	assert_int_equal(d->type, PARLEY_SDP_MEDIA_APPLICATION);
	assert_string_equal(d->proto, "UDP/DTLS/SCTP");
	assert_string_equal(d->formats[0].fmt, "webrtc-datachannel");
	assert_int_equal(d->formats[0].pt, -1);
	assert_int_equal(d->sctp_port, 5000);
	assert_int_equal(d->max_message_size, 262144);
	parley_sdp_free(s);

	s = parse_file("firefox-simulcast-data.sdp");
	assert_int_equal(s->n_media, 3);
	assert_non_null(s->fingerprint.value); /* session-level fingerprint */
	assert_string_equal(s->msid_semantic, "WMS *");
	v = &s->media[1];
	assert_int_equal(v->extmaps[3].direction, PARLEY_SDP_RECVONLY);
	assert_int_equal(v->n_ssrc_groups, 3);
	assert_int_equal(v->n_rids, 3);
	/* fmtp before rtpmap (Firefox order) still lands on the format */
	parley_sdp_format *h = parley_sdp_format_by_pt(v, 126);
	assert_int_equal(h->codec, PARLEY_SDP_CODEC_H264);
	assert_int_equal(h->packetization_mode, 1);
	assert_int_equal(parley_sdp_format_by_pt(v, 97)->packetization_mode, -1);
	assert_int_equal(parley_sdp_format_by_pt(v, 124)->apt, 120);
	assert_int_equal(s->media[2].max_message_size, 1073741823);
	parley_sdp_free(s);
}

static const parley_sdp_transport transport = {
	.ice_ufrag = "pUfr", .ice_pwd = "parleyparleyparleyparley", .trickle = true,
	.fingerprint_hash = "sha-256", .fingerprint = "AA:BB:CC",
};

static void test_answer_filters(void **state)
{
	parley_sdp *offer = parse_file("chromium-simulcast.sdp");
	const char *codecs[] = { "VP8", "opus" };
	const char *exts[] = { "urn:ietf:params:rtp-hdrext:sdes:mid",
		"http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
		"urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id" };
	parley_sdp_direction dirs[] = { PARLEY_SDP_RECVONLY, PARLEY_SDP_RECVONLY };
	parley_sdp_answer_options o = {
		.codecs = codecs, .n_codecs = 2, .h264_packetization_mode = -1,
		.extensions = exts, .n_extensions = 3, .directions = dirs, .n_directions = 2,
		.accept_simulcast = true, .rtcp_rsize = true, .transport = transport,
	};
	char err[256];
	parley_sdp *ans = parley_sdp_build_answer(offer, &o, err, sizeof(err));
	assert_non_null(ans);
	assert_int_equal(ans->n_media, 2);
	parley_sdp_media *a = &ans->media[0], *v = &ans->media[1];
	assert_int_equal(a->n_formats, 1);
	assert_int_equal(a->formats[0].pt, 111);
	assert_int_equal(a->direction, PARLEY_SDP_RECVONLY);
	assert_int_equal(a->setup, PARLEY_SDP_SETUP_ACTIVE);
	/* VP8 and its RTX only; no H264/VP9/AV1/red/ulpfec */
	assert_int_equal(v->n_formats, 2);
	assert_int_equal(v->formats[0].codec, PARLEY_SDP_CODEC_VP8);
	assert_int_equal(v->formats[1].codec, PARLEY_SDP_CODEC_RTX);
	assert_int_equal(v->formats[1].apt, v->formats[0].pt);
	assert_int_equal(v->n_extmaps, 3);
	assert_int_equal(parley_sdp_extmap_id(v, PARLEY_SDP_EXT_ABS_SEND_TIME), 0);
	assert_int_equal(v->n_rids, 3);
	assert_false(v->rids[0].send);
	assert_string_equal(v->simulcast_recv, "q;h;f");
	assert_int_equal(ans->n_groups, 1);
	assert_int_equal(ans->groups[0].n_mids, 2);
	/* the text parses back */
	size_t len;
	char *text = parley_sdp_write(ans, &len);
	parley_sdp *back = parley_sdp_parse(text, len, NULL, err, sizeof(err));
	assert_non_null(back);
	assert_string_equal(back->media[1].ice_pwd, transport.ice_pwd);
	free(text);
	parley_sdp_free(back);
	parley_sdp_free(ans);

	/* no common codec: the m-line is rejected with port 0 */
	const char *only_h264[] = { "H264" };
	o.codecs = only_h264;
	o.n_codecs = 1;
	o.h264_packetization_mode = 1;
	ans = parley_sdp_build_answer(offer, &o, err, sizeof(err));
	assert_non_null(ans);
	assert_int_equal(ans->media[0].port, 0);
	assert_int_equal(ans->media[1].formats[0].packetization_mode, 1);
	assert_int_equal(ans->groups[0].n_mids, 1);
	parley_sdp_free(ans);

	o.transport.fingerprint = NULL;
	assert_null(parley_sdp_build_answer(offer, &o, err, sizeof(err)));
	assert_non_null(strstr(err, "fingerprint"));
	parley_sdp_free(offer);
}

static void assert_contains(const char *text, const char *const *needles, size_t n);

/* m=application: the modern form (a=sctp-port, "webrtc-datachannel"),
 * the legacy one (port as the format, a=sctpmap), a line that is not
 * SCTP, and accept_data off. */
static void test_answer_data(void **state)
{
	static const char offer_text[] =
		"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n"
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
		"a=sctp-port:5001\r\na=max-message-size:100000\r\n"
		"m=application 9 DTLS/SCTP 5002\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"
		"a=sctpmap:5002 webrtc-datachannel 65535\r\n"
		"m=application 9 UDP/BFCP *\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\n";
	char err[256] = "";
	parley_sdp *offer = parley_sdp_parse(offer_text, strlen(offer_text), NULL, err, sizeof(err));
	assert_non_null(offer);
	assert_int_equal(offer->media[0].sctp_port, 5001);
	assert_int_equal(offer->media[0].max_message_size, 100000);
	assert_int_equal(offer->media[1].sctp_port, -1);
	assert_string_equal(offer->media[1].formats[0].fmt, "5002");
	assert_string_equal(offer->media[1].attrs[0].name, "sctpmap");
	assert_string_equal(offer->media[1].attrs[0].value, "5002 webrtc-datachannel 65535");
	parley_sdp_answer_options o = { .h264_packetization_mode = -1, .accept_data = true, .transport = transport };
	parley_sdp *ans = parley_sdp_build_answer(offer, &o, err, sizeof(err));
	assert_non_null(ans);
	size_t len;
	char *text = parley_sdp_write(ans, &len);
	static const char *const expected[] = {
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n",
		"a=sctp-port:5000\r\n",
		"m=application 9 DTLS/SCTP 5000\r\n",
		"a=sctpmap:5000 webrtc-datachannel 1024\r\n",
		"m=application 0 UDP/BFCP *\r\n",
		"a=group:BUNDLE 0 1\r\n",
	};
	assert_contains(text, expected, sizeof(expected) / sizeof(expected[0]));
	assert_null(strstr(text, "a=sctp-port:5001"));
	assert_null(strstr(text, "a=max-message-size"));   /* the PeerConnection writes ours */
	assert_int_equal(ans->media[1].sctp_port, -1);
	/* and back */
	parley_sdp *back = parley_sdp_parse(text, len, NULL, err, sizeof(err));
	assert_non_null(back);
	assert_int_equal(back->media[0].sctp_port, 5000);
	assert_string_equal(back->media[1].formats[0].fmt, "5000");
	parley_sdp_free(back);
	free(text);
	parley_sdp_free(ans);

	/* without accept_data every data line is rejected */
	o.accept_data = false;
	ans = parley_sdp_build_answer(offer, &o, err, sizeof(err));
	assert_non_null(ans);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(ans->media[i].port, 0);
	assert_int_equal(ans->n_groups, 0);
	parley_sdp_free(ans);
	parley_sdp_free(offer);
}

static void test_answer_sendrecv_track(void **state)
{
	parley_sdp *offer = parse_file("firefox-plain.sdp");
	const char *codecs[] = { "opus", "VP8" };
	const char *exts[] = { "urn:ietf:params:rtp-hdrext:sdes:mid" };
	parley_sdp_local_track tracks[2] = {
		{ .ssrc = 1111, .cname = "parley", .msid_stream = "s", .msid_track = "a" },
		{ .ssrc = 2222, .rtx_ssrc = 3333, .cname = "parley", .msid_stream = "s", .msid_track = "v" },
	};
	parley_sdp_answer_options o = { .codecs = codecs, .n_codecs = 2, .max_codecs_per_media = 1,
		.h264_packetization_mode = -1, .extensions = exts, .n_extensions = 1, .tracks = tracks,
		.n_tracks = 2, .transport = transport };
	char err[256];
	parley_sdp *ans = parley_sdp_build_answer(offer, &o, err, sizeof(err));
	assert_non_null(ans);
	parley_sdp_media *v = &ans->media[1];
	assert_int_equal(v->direction, PARLEY_SDP_SENDRECV);
	assert_int_equal(v->n_formats, 2); /* VP8 + rtx */
	assert_false(parley_sdp_format_by_pt(v, 120)->n_rtcp_fb == 5); /* transport-cc dropped */
	assert_int_equal(v->n_ssrcs, 2);
	assert_int_equal(v->ssrcs[0].ssrc, 2222);
	assert_int_equal(v->ssrc_groups[0].ssrcs[1], 3333);
	assert_string_equal(v->msid, "s v");
	parley_sdp_free(ans);
	parley_sdp_free(offer);
}

/* Fails naming the first of `needles` that `text` lacks. */
static void assert_contains(const char *text, const char *const *needles, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strstr(text, needles[i]))
			fail_msg("no \"%s\" in:\n%s", needles[i], text);
}

static void test_build_offer(void **state)
{
	const char *fb[] = { "nack", "nack pli", "transport-cc" };
	parley_sdp_offer_codec vp8 = { .name = "VP8", .pt = 96, .clock_rate = 90000, .rtcp_fb = fb, .n_rtcp_fb = 3, .rtx_pt = 97 };
	parley_sdp_offer_codec opus = { .name = "opus", .pt = 111, .clock_rate = 48000, .channels = 2,
		.fmtp = "minptime=10;useinbandfec=1", .rtx_pt = -1 };
	uint16_t ids[] = { 4 };
	const char *uris[] = { "urn:ietf:params:rtp-hdrext:sdes:mid" };
	parley_sdp_offer_media media[3] = {
		{ .type = PARLEY_SDP_MEDIA_AUDIO, .mid = "a0", .codecs = &opus, .n_codecs = 1, .extmap_ids = ids,
		  .extmap_uris = uris, .n_extmaps = 1, .track = { .ssrc = 10, .cname = "c", .msid_stream = "st", .msid_track = "t0" } },
		{ .type = PARLEY_SDP_MEDIA_VIDEO, .mid = "v1", .codecs = &vp8, .n_codecs = 1,
		  .track = { .ssrc = 20, .rtx_ssrc = 21, .cname = "c" } },
		{ .type = PARLEY_SDP_MEDIA_APPLICATION, .mid = "d2", .max_message_size = 262144 },
	};
	parley_sdp_offer_options o = { .media = media, .n_media = 3, .bundle = true, .session_id = "42",
		.session_version = 2, .transport = transport };
	char err[256];
	parley_sdp *s = parley_sdp_build_offer(&o, err, sizeof(err));
	assert_non_null(s);
	size_t len;
	char *text = parley_sdp_write(s, &len);
	static const char *const expected[] = {
		"a=group:BUNDLE a0 v1 d2\r\n",
		"m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n",
		"a=fmtp:97 apt=96\r\n",
		"a=ssrc-group:FID 20 21\r\n",
		"a=setup:actpass\r\n",
		"a=sendonly\r\n",
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n",
		"a=sctp-port:5000\r\n",
	};
	assert_contains(text, expected, sizeof(expected) / sizeof(expected[0]));
	parley_sdp *back = parley_sdp_parse(text, len, NULL, err, sizeof(err));
	assert_non_null(back);
	assert_int_equal(parley_sdp_rtx_pt(&back->media[1], 96), 97);
	assert_string_equal(back->media[0].msid, "st t0");
	parley_sdp_free(back);
	free(text);
	parley_sdp_free(s);

	parley_sdp_offer_codec dup[2] = { vp8, vp8 };
	media[1].codecs = dup;
	media[1].n_codecs = 2;
	assert_null(parley_sdp_build_offer(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "duplicate"));
}

static void expect_error(const char *text, const parley_sdp_limits *lim, const char *needle)
{
	char err[256] = "";
	parley_sdp *s = parley_sdp_parse(text, strlen(text), lim, err, sizeof(err));
	if (s)
		fail_msg("parsed but should fail (%s)", needle);
	if (!strstr(err, needle))
		fail_msg("error '%s' lacks '%s'", err, needle);
}

#define HEAD "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"

static void test_errors_and_limits(void **state)
{
	static const struct {
		const char *text, *needle;
	} bad[] = {
		{ "", "empty" },
		{ "x", "line 1" },
		{ "o=- 1 1 IN IP4 0.0.0.0\r\n", "start with v=" },
		{ "v=1\r\n", "version" },
		{ "v=0\r\ns=-\r\n", "missing o=" },
		{ HEAD "m=audio x RTP/AVP 0\r\n", "line 5: invalid m= port" },
		{ HEAD "m=audio 9 RTP/AVP\r\n", "without formats" },
		{ HEAD "m=audio 9 RTP/AVP 0 0\r\n", "twice" },
		{ HEAD "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/abc\r\n", "rtpmap" },
		{ HEAD "m=audio 9 RTP/AVP 0\r\na=extmap:0 urn:x\r\n", "extmap id" },
		{ HEAD "m=audio 9 RTP/AVP 0\r\na=extmap:1 urn:x\r\na=extmap:1 urn:y\r\n", "duplicate" },
		{ HEAD "m=audio 9 RTP/AVP 0\r\na=candidate:1 1 udp 5 1.2.3.4\r\n", "too few" },
		{ HEAD "m=audio 9 RTP/AVP 0\r\na=setup:sideways\r\n", "setup" },
		{ HEAD "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:0 PCMA/8000\r\n",
		  "duplicate a=rtpmap" },
		{ HEAD "m=audio 9 RTP/AVP 0\r\na=fmtp:0 a=1\r\na=fmtp:0 b=2\r\n", "duplicate a=fmtp" },
		{ HEAD "m=audio 9 RTP/AVP 0\r\na=ssrc:abc cname:x\r\n", "ssrc" },
		{ HEAD "m=video 9 RTP/AVP 96\r\na=rid:q sideways\r\n", "rid" },
		{ HEAD "m=audio 9 RTP/AVP 0\r\ns=again\r\n", "inside a media" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i].text, NULL, bad[i].needle);

	static const struct {
		parley_sdp_limits lim;
		const char *text, *needle;
	} over[] = {
		{ { .max_media = 1 }, HEAD "m=audio 9 RTP/AVP 0\r\nm=audio 9 RTP/AVP 0\r\n", "more than 1 m-lines" },
		{ { .max_line = 20 }, HEAD "m=audio 9 RTP/AVP 0 8 9 10 11 12\r\n", "longer than 20" },
		{ { .max_candidates = 1 },
		  HEAD "m=audio 9 RTP/AVP 0\r\na=candidate:1 1 udp 5 1.2.3.4 9 typ host\r\n"
		       "a=candidate:2 1 udp 5 1.2.3.4 9 typ host\r\n",
		  "more than 1 candidates" },
		{ { .max_formats = 2 }, HEAD "m=audio 9 RTP/AVP 0 8 9\r\n", "more than 2 formats" },
		{ { .max_length = 10 }, HEAD, "longer than 10" },
		{ { .max_attributes = 1 }, HEAD "a=x\r\na=y\r\n", "more than 1" },
	};
	for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++)
		expect_error(over[i].text, &over[i].lim, over[i].needle);
	/* an unknown attribute and a pt-less rtcp-fb survive verbatim */
	const char *ok = HEAD "a=foo:bar baz\r\nm=video 9 RTP/AVP 96\r\na=rtcp-fb:* nack\r\na=rtpmap:96 VP8/90000\r\n";
	char err[256];
	parley_sdp *s = parley_sdp_parse(ok, strlen(ok), NULL, err, sizeof(err));
	assert_non_null(s);
	char *w = parley_sdp_write(s, NULL);
	assert_non_null(strstr(w, "a=foo:bar baz\r\n"));
	assert_non_null(strstr(w, "a=rtcp-fb:* nack\r\n"));
	free(w);
	parley_sdp_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_chromium_plain_fields),
		cmocka_unit_test(test_simulcast_and_data),
		cmocka_unit_test(test_answer_filters),
		cmocka_unit_test(test_answer_sendrecv_track),
		cmocka_unit_test(test_answer_data),
		cmocka_unit_test(test_build_offer),
		cmocka_unit_test(test_errors_and_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
