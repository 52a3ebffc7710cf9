/*
 * test_pc_rewrite.c — what relay_rtp changes in a packet for its
 * destination m-line (pc_rewrite.c): extension ids mapped by meaning,
 * unnegotiated elements dropped, the destination's mid written, one-byte or
 * two-byte blocks, payload types mapped by codec (H264 by
 * packetization-mode and profile), refusal of a codec the destination
 * lacks; and the BUNDLE rule for extmap ids in our descriptions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "core/media/pc_internal.h"

/* A source m-line: the peer sends mid as id 1, audio-level as 2, opus as 111. */
static void source_stream(pc_stream *s)
{
	memset(s, 0, sizeof(*s));
	g_strlcpy(s->mid, "0", sizeof(s->mid));
	s->remote_ext_kind[1] = PARLEY_SDP_EXT_MID;
	s->remote_ext_kind[2] = PARLEY_SDP_EXT_AUDIO_LEVEL;
	s->remote_formats[0] = (pc_format){ .pt = 111, .codec = PARLEY_SDP_CODEC_OPUS, .h264_mode = -1 };
	s->remote_formats[1] = (pc_format){ .pt = 96, .codec = PARLEY_SDP_CODEC_H264, .h264_profile = 0x42,
	                                    .h264_mode = 1 };
	s->n_remote_formats = 2;
}

static void set_local_ext(pc_stream *s, parley_sdp_ext ext, uint8_t id)
{
	s->local_ext_id[ext] = id;
	s->local_ext_kind[id] = (uint8_t)ext;
}

/* A destination m-line: mid "7" as id 3, audio-level as 5 (or `level_id`), opus as 109. */
static void destination_stream(pc_stream *d, uint8_t level_id)
{
	memset(d, 0, sizeof(*d));
	g_strlcpy(d->mid, "7", sizeof(d->mid));
	set_local_ext(d, PARLEY_SDP_EXT_MID, 3);
	if (level_id)
		set_local_ext(d, PARLEY_SDP_EXT_AUDIO_LEVEL, level_id);
	d->local_formats[0] = (pc_format){ .pt = 109, .codec = PARLEY_SDP_CODEC_OPUS, .h264_mode = -1 };
	d->local_formats[1] = (pc_format){ .pt = 102, .codec = PARLEY_SDP_CODEC_H264, .h264_profile = 0x42,
	                                   .h264_mode = 0 };
	d->local_formats[2] = (pc_format){ .pt = 125, .codec = PARLEY_SDP_CODEC_H264, .h264_profile = 0x64,
	                                   .h264_mode = 1 };
	d->local_formats[3] = (pc_format){ .pt = 127, .codec = PARLEY_SDP_CODEC_H264, .h264_profile = 0x42,
	                                   .h264_mode = 1 };
	d->n_local_formats = 4;
}

/* RTP with pt, a one-byte extension block {1:"0", 2:0x85, 4:"xy"} and payload "abcd". */
static size_t sample_packet(uint8_t *buf, uint8_t pt)
{
	static const uint8_t header[] = {
		0x90, 0x00, 0x12, 0x34, 0x00, 0x00, 0x10, 0x00, 0xde, 0xad, 0xbe, 0xef,
		0xbe, 0xde, 0x00, 0x02,
		0x10, '0', 0x20, 0x85, 0x41, 'x', 'y', 0x00,
		'a', 'b', 'c', 'd',
	};
	memcpy(buf, header, sizeof(header));
	buf[1] = pt;
	return sizeof(header);
}

static size_t rewrite(uint8_t *out, const uint8_t *in, size_t len, const pc_stream *src, const pc_stream *dst)
{
	parley_util_rtp_info info;
	assert_int_equal(parley_util_rtp_parse(in, len, &info), 0);
	return pc_rewrite_rtp(out, PC_SCRATCH, in, &info, src, dst);
}

/* Rewrites the sample packet with payload type `pt` from src to dst and
 * checks the result: the header as sent but for payload type `out_pt`, then
 * the extension block `block` (its 4-byte head included), then the payload
 * "abcd", in a packet that still parses. */
static void assert_rewrites_to(const pc_stream *src, const pc_stream *dst, uint8_t pt, uint8_t out_pt,
                               const uint8_t *block, size_t block_len)
{
	uint8_t in[64], out[PC_SCRATCH];
	size_t n = rewrite(out, in, sample_packet(in, pt), src, dst);
	assert_int_equal(n, 12 + block_len + 4);
	assert_int_equal(out[0], in[0]);
	assert_int_equal(out[1], out_pt);
	assert_memory_equal(out + 2, in + 2, 10);
	assert_memory_equal(out + 12, block, block_len);
	assert_memory_equal(out + 12 + block_len, "abcd", 4);
	parley_util_rtp_info info;
	assert_int_equal(parley_util_rtp_parse(out, n, &info), 0);
	assert_int_equal(info.payload_len, 4);
}

static void maps_ids_and_pt_by_meaning(void **state)
{
	(void)state;
	pc_stream src, dst;
	source_stream(&src);
	destination_stream(&dst, 5);
	static const uint8_t block[] = { 0xbe, 0xde, 0x00, 0x01, 0x30, '7', 0x50, 0x85 };
	assert_rewrites_to(&src, &dst, 111, 109, block, sizeof(block));
}

static void drops_what_the_destination_lacks(void **state)
{
	(void)state;
	pc_stream src, dst;
	source_stream(&src);
	destination_stream(&dst, 0); /* no audio-level */
	static const uint8_t block[] = { 0xbe, 0xde, 0x00, 0x01, 0x30, '7', 0x00, 0x00 };
	assert_rewrites_to(&src, &dst, 111, 109, block, sizeof(block));

	/* Nothing left to carry: the X bit goes and so does the block. */
	memset(dst.local_ext_id, 0, sizeof(dst.local_ext_id));
	memset(dst.local_ext_kind, 0, sizeof(dst.local_ext_kind));
	uint8_t in[64], out[PC_SCRATCH];
	size_t len = sample_packet(in, 111);
	size_t n = rewrite(out, in, len, &src, &dst);
	assert_int_equal(n, 12 + 4);
	assert_int_equal(out[0], 0x80);
	assert_memory_equal(out + 12, "abcd", 4);

	/* A codec the destination did not negotiate is not sent. */
	src.remote_formats[0].codec = PARLEY_SDP_CODEC_G722;
	assert_int_equal(rewrite(out, in, len, &src, &dst), 0);
}

static void two_byte_when_an_id_needs_it(void **state)
{
	(void)state;
	pc_stream src, dst;
	source_stream(&src);
	destination_stream(&dst, 0);
	set_local_ext(&dst, PARLEY_SDP_EXT_AUDIO_LEVEL, 20);
	static const uint8_t block[] = { 0x10, 0x00, 0x00, 0x02, 3, 1, '7', 20, 1, 0x85, 0x00, 0x00 };
	assert_rewrites_to(&src, &dst, 111, 109, block, sizeof(block));
}

static void without_source_ids_are_the_destinations(void **state)
{
	(void)state;
	pc_stream dst;
	destination_stream(&dst, 2); /* audio-level is id 2 here too */
	/* ids 1 and 4 were never negotiated on dst: dropped; 2 kept; pt untouched. */
	static const uint8_t block[] = { 0xbe, 0xde, 0x00, 0x01, 0x20, 0x85, 0x00, 0x00 };
	assert_rewrites_to(NULL, &dst, 77, 77, block, sizeof(block));
}

static void h264_by_mode_and_profile(void **state)
{
	(void)state;
	pc_stream src, dst;
	source_stream(&src);
	destination_stream(&dst, 5);
	uint8_t in[64], out[PC_SCRATCH];
	size_t len = sample_packet(in, 96);
	assert_true(rewrite(out, in, len, &src, &dst) > 0);
	assert_int_equal(out[1], 127); /* mode 1, profile 0x42 (not 102: mode 0; not 125: profile 0x64) */
	dst.local_formats[3].h264_profile = 0x4d;
	assert_true(rewrite(out, in, len, &src, &dst) > 0);
	assert_int_equal(out[1], 125); /* same mode, another profile */
	dst.local_formats[2].h264_mode = 0;
	dst.local_formats[3].h264_mode = 0;
	assert_int_equal(rewrite(out, in, len, &src, &dst), 0);
}

static void bundle_keeps_one_meaning_per_id(void **state)
{
	(void)state;
	static const char *const text =
		"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\n"
		"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
		"a=extmap:2 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
		"a=sendrecv\r\na=rtpmap:111 opus/48000/2\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"
		"a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
		"a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
		"a=extmap:3 urn:3gpp:video-orientation\r\n"
		"a=sendrecv\r\na=rtpmap:96 VP8/90000\r\n";
	char err[200] = "";
	parley_sdp *sdp = parley_sdp_parse(text, strlen(text), NULL, err, sizeof(err));
	assert_non_null(sdp);
	assert_int_equal(pc_bundle_extmaps(sdp), 1);
	assert_int_equal(sdp->media[0].n_extmaps, 2);
	assert_int_equal(parley_sdp_extmap_id(&sdp->media[0], PARLEY_SDP_EXT_AUDIO_LEVEL), 2);
	assert_int_equal(sdp->media[1].n_extmaps, 2);
	assert_int_equal(parley_sdp_extmap_id(&sdp->media[1], PARLEY_SDP_EXT_MID), 1);
	assert_true(parley_sdp_extmap_id(&sdp->media[1], PARLEY_SDP_EXT_ABS_SEND_TIME) <= 0);
	assert_int_equal(parley_sdp_extmap_id(&sdp->media[1], PARLEY_SDP_EXT_VIDEO_ORIENTATION), 3);
	assert_int_equal(pc_bundle_extmaps(sdp), 0);
	parley_sdp_free(sdp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(maps_ids_and_pt_by_meaning),
		cmocka_unit_test(drops_what_the_destination_lacks),
		cmocka_unit_test(two_byte_when_an_id_needs_it),
		cmocka_unit_test(without_source_ids_are_the_destinations),
		cmocka_unit_test(h264_by_mode_and_profile),
		cmocka_unit_test(bundle_keeps_one_meaning_per_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
