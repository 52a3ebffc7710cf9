/*
 * tests/unit/test_room_forward.c — the room's media path end to end inside
 * the plugin, with the core's real SDP helpers (libparleymedia) in the
 * recording core table: a captured Chromium simulcast offer is published,
 * two subscribers consume it (offer/answer on their subscriber handles),
 * then RTP handed to the publisher's handle comes out through relay_rtp
 * rewritten per subscriber: our SSRC, payload type and mid extension,
 * continuous sequence numbers across layer switches and producer
 * pause/resume, layer choice per subscriber (switch on keyframes only,
 * PLIs asked for), VP8 temporal layers dropped, REMB feedback; closing the
 * producer closes the consumers and re-offers. m-line recycling: below
 * [media] subscriber_mlines a new stream gets a fresh m-line, at the budget
 * an inactive one of its kind is reused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_room_core.h"
#include "core/media/pc_helpers.h"

enum { PUB = 0, SUB_B, SUB_B_DOWN, SUB_C, SUB_C_DOWN, N_SESSIONS };
static parley_plugin_session sessions[N_SESSIONS];

static char *read_sdp(const char *name)
{
	const char *srcdir = g_getenv("PARLEY_SRCDIR");
	char *path = g_build_filename(srcdir != NULL ? srcdir : ".", "tests", "unit", "data", "sdp", name, NULL);
	char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL)) {
		g_free(path);
		path = g_build_filename("..", "..", "tests", "unit", "data", "sdp", name, NULL);
		g_file_get_contents(path, &text, NULL, NULL);
	}
	g_free(path);
	return text;
}

static json_t *request_with_jsep(room_ctx *ctx, int who, json_t *body, json_t *jsep, parley_plugin_result_kind *kind)
{
	parley_plugin_result result;
	parley_room_handle_request(ctx, &sessions[who], "tx", body, jsep, &result);
	json_decref(body);
	json_decref(jsep);
	*kind = result.kind;
	return result.kind == PARLEY_PLUGIN_OK ? result.content : NULL;
}

/* The last jsep pushed to `who` with event `name` (borrowed). */
static json_t *last_jsep(int who, const char *name)
{
	for (guint i = recorded->len; i > 0; i--) {
		recorded_event *e = recorded->pdata[i - 1];
		if (e->session == &sessions[who] && g_strcmp0(e->name, name) == 0)
			return e->jsep;
	}
	return NULL;
}

/* Answers the subscriber offer pending on `down` like a browser would. */
static void answer_offer(room_ctx *ctx, int down)
{
	json_t *jsep = last_jsep(down, "subscriberOffer");
	assert_non_null(jsep);
	char error[256] = "";
	json_t *options = json_pack("{s:{s:s}, s:{s:s}}", "audio", "direction", "recvonly", "video", "direction",
	                            "recvonly");
	char *answer = parley_pc_helper_sdp_answer(json_string_value(json_object_get(jsep, "sdp")), options, error,
	                                           sizeof(error));
	json_decref(options);
	if (answer == NULL)
		fprintf(stderr, "answer: %s\n", error);
	assert_non_null(answer);
	parley_plugin_result_kind kind;
	json_t *ok = request_with_jsep(ctx, down, json_pack("{s:s}", "request", "subscriberAnswer"),
	                               json_pack("{s:s, s:s}", "type", "answer", "sdp", answer), &kind);
	g_free(answer);
	assert_int_equal(kind, PARLEY_PLUGIN_OK);
	json_decref(ok);
}

static uint16_t pub_seq[3] = {1000, 20000, 40000};

/* An RTP packet from the publisher on m-line `mindex`, simulcast `layer`. */
static void publish_packet(room_ctx *ctx, room_handle *h, int mindex, int layer, bool key, int tid)
{
	uint8_t buf[64] = {0};
	size_t n = 0;
	buf[n++] = 0x80;
	buf[n++] = mindex == 0 ? 111 : 96;
	uint16_t seq = pub_seq[layer]++;
	buf[n++] = (uint8_t)(seq >> 8);
	buf[n++] = (uint8_t)seq;
	uint32_t ts = (uint32_t)seq * 3000u;
	buf[n++] = (uint8_t)(ts >> 24);
	buf[n++] = (uint8_t)(ts >> 16);
	buf[n++] = (uint8_t)(ts >> 8);
	buf[n++] = (uint8_t)ts;
	uint32_t ssrc = 0x1000u + (uint32_t)(mindex * 16 + layer);
	buf[n++] = (uint8_t)(ssrc >> 24);
	buf[n++] = (uint8_t)(ssrc >> 16);
	buf[n++] = (uint8_t)(ssrc >> 8);
	buf[n++] = (uint8_t)ssrc;
	if (mindex == 0) {
		buf[n++] = 0xaa;   /* an opus payload */
		buf[n++] = 0xbb;
	} else {
		buf[n++] = 0x90;   /* VP8: X, S */
		buf[n++] = 0x20;   /* T */
		buf[n++] = (uint8_t)(tid << 6);
		buf[n++] = key ? 0x10 : 0x11;
		buf[n++] = 0x02;
		buf[n++] = 0x00;
		buf[n++] = 0x9d;
		buf[n++] = 0x01;
		buf[n++] = 0x2a;
		buf[n++] = (uint8_t)(80 << layer);   /* width 80/160/320 */
		buf[n++] = 0x00;
		buf[n++] = (uint8_t)(60 << layer);
		buf[n++] = 0x00;
	}
	parley_rtp_packet packet = {
		.buffer = (char *)buf, .length = (uint16_t)n, .mindex = (uint8_t)mindex, .video = mindex != 0,
		.simulcast_layer = (uint8_t)layer, .audio_level = mindex == 0 ? 30 : -1,
	};
	parley_room_incoming_rtp(ctx, h, &packet);
	fake_now_ms += 33;
}

/* The packets relayed to `who` since index `from`. */
static unsigned relayed_to(int who, guint from, parley_util_rtp_info *last, const uint8_t **last_data)
{
	unsigned n = 0;
	for (guint i = from; i < relayed->len; i++) {
		relayed_packet *r = &g_array_index(relayed, relayed_packet, i);
		if (r->session != &sessions[who])
			continue;
		n++;
		assert_int_equal(parley_util_rtp_parse(r->data, r->length, last), 0);
		*last_data = r->data;
	}
	return n;
}

static void test_publish_subscribe_forward(void **state)
{
	(void)state;
	room_ctx *ctx = fake_ctx_new();
	ctx->sdp.answer = parley_pc_helper_sdp_answer;
	ctx->sdp.offer = parley_pc_helper_sdp_offer;
	ctx->sdp.summary = parley_pc_helper_sdp_summary;
	room_handle *handles[N_SESSIONS];
	for (int i = 0; i < N_SESSIONS; i++)
		sessions[i].plugin_handle = handles[i] = parley_room_handle_attach(ctx, &sessions[i]);
	parley_plugin_result_kind kind;
	char *peers[N_SESSIONS] = {0};
	for (int i = PUB; i <= SUB_C; i += (i == PUB ? 1 : 2)) {
		json_t *joined = send_request(ctx, &sessions[i], "{\"request\":\"joinRoom\",\"roomId\":\"fw\"}", NULL);
		peers[i] = g_strdup(json_string_value(json_object_get(joined, "peerId")));
		json_decref(joined);
	}
	for (int i = SUB_B; i <= SUB_C; i += 2) {
		json_t *ok = request_with_jsep(ctx, i + 1, json_pack("{s:s, s:s, s:s}", "request", "attachSubscriber",
		                                                     "roomId", "fw", "peerId", peers[i]), NULL, &kind);
		assert_int_equal(kind, PARLEY_PLUGIN_OK);
		json_decref(ok);
	}
	/* publish the captured Chromium simulcast offer */
	char *offer = read_sdp("chromium-simulcast.sdp");
	assert_non_null(offer);
	request_with_jsep(ctx, PUB, json_pack("{s:s}", "request", "produce"),
	                  json_pack("{s:s, s:s}", "type", "offer", "sdp", offer), &kind);
	g_free(offer);
	assert_int_equal(kind, PARLEY_PLUGIN_OK_WAIT);
	json_t *produced = last_event(&sessions[PUB], "produced");
	assert_non_null(produced);
	assert_non_null(last_jsep(PUB, "produced"));
	json_t *producers = json_object_get(produced, "producers");
	assert_int_equal(json_array_size(producers), 2);
	char *audio_id = g_strdup(json_string_value(json_object_get(json_array_get(producers, 0), "producerId")));
	char *video_id = g_strdup(json_string_value(json_object_get(json_array_get(producers, 1), "producerId")));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(producers, 1), "layers")), 3);
	assert_int_equal(events_to(&sessions[SUB_B], "newProducer"), 2);
	assert_int_equal(events_to(&sessions[SUB_C], "newProducer"), 2);
	json_t *announced = last_event(&sessions[SUB_C], "newProducer");
	assert_string_equal(json_string_value(json_object_get(announced, "kind")), "video");
	assert_string_equal(json_string_value(json_object_get(json_object_get(announced, "metadata"), "source")),
	                    "camera");
	/* B and C consume both, unpaused; C wants the low layer */
	char *consumer_c = NULL;
	for (int i = SUB_B; i <= SUB_C; i += 2) {
		json_t *consumed = request_with_jsep(ctx, i, json_pack("{s:s, s:[s, s], s:b}", "request", "consume",
		                                                       "producerIds", audio_id, video_id, "paused", false),
		                                     NULL, &kind);
		assert_int_equal(kind, PARLEY_PLUGIN_OK);
		assert_int_equal(json_array_size(json_object_get(consumed, "consumers")), 2);
		if (i == SUB_C)
			consumer_c = g_strdup(json_string_value(
				json_object_get(json_array_get(json_object_get(consumed, "consumers"), 1), "consumerId")));
		json_decref(consumed);
		json_t *jsep = last_jsep(i + 1, "subscriberOffer");
		assert_non_null(jsep);
		const char *sdp = json_string_value(json_object_get(jsep, "sdp"));
		assert_non_null(strstr(sdp, "a=sendonly"));
		assert_non_null(strstr(sdp, "VP8/90000"));
		assert_non_null(strstr(sdp, "opus/48000"));
		answer_offer(ctx, i + 1);
	}
	json_t *layers = json_pack("{s:s, s:s, s:i}", "request", "setPreferredLayers", "consumerId", consumer_c,
	                           "spatialLayer", 0);
	json_decref(request_with_jsep(ctx, SUB_C, layers, NULL, &kind));
	assert_int_equal(kind, PARLEY_PLUGIN_OK);

	/* audio flows at once to both, rewritten */
	guint mark = relayed->len;
	publish_packet(ctx, handles[PUB], 0, 0, false, -1);
	parley_util_rtp_info v;
	const uint8_t *data = NULL;
	assert_int_equal(relayed_to(SUB_B_DOWN, mark, &v, &data), 1);
	assert_int_equal(v.pt, 111);
	assert_int_not_equal(v.ssrc, 0x1000);
	assert_int_equal(data[12], 0xbe);   /* our one-byte extensions: mid first */
	assert_int_equal(data[16] >> 4, 1);
	assert_int_equal(relayed_to(SUB_C_DOWN, mark, &v, &data), 1);

	/* video: nothing before a keyframe; PLIs asked for */
	mark = relayed->len;
	fake_now_ms += 1000;   /* past the PLI rate limit of the requests above */
	int plis = plis_sent;
	for (int l = 0; l < 3; l++)
		publish_packet(ctx, handles[PUB], 1, l, false, 0);
	assert_int_equal(relayed_to(SUB_B_DOWN, mark, &v, &data) + relayed_to(SUB_C_DOWN, mark, &v, &data), 0);
	assert_true(plis_sent > plis);
	/* keyframes on every layer: B takes the top one, C the low one */
	mark = relayed->len;
	for (int l = 0; l < 3; l++)
		publish_packet(ctx, handles[PUB], 1, l, true, 0);
	for (int l = 0; l < 3; l++)
		publish_packet(ctx, handles[PUB], 1, l, false, 0);
	assert_int_equal(relayed_to(SUB_B_DOWN, mark, &v, &data), 2);
	uint16_t b_seq = v.seq;
	assert_int_equal(v.pt, 96);
	assert_int_equal(relayed_to(SUB_C_DOWN, mark, &v, &data), 2);
	uint16_t c_seq = v.seq;
	/* the payload is the publisher's, untouched: C's keyframe says 80 wide */
	g_mutex_lock(&ctx->lock);
	room_consumer *cc = parley_room_consumer_lookup_locked(ctx, consumer_c);
	assert_int_equal(g_atomic_int_get(&cc->layer), 0);
	g_mutex_unlock(&ctx->lock);

	/* temporal layer 1 dropped for C when it asks for TL0 only; no gap */
	layers = json_pack("{s:s, s:s, s:i, s:i}", "request", "setPreferredLayers", "consumerId", consumer_c,
	                   "spatialLayer", 0, "temporalLayer", 0);
	json_decref(request_with_jsep(ctx, SUB_C, layers, NULL, &kind));
	mark = relayed->len;
	publish_packet(ctx, handles[PUB], 1, 0, false, 1);
	assert_int_equal(relayed_to(SUB_C_DOWN, mark, &v, &data), 0);
	publish_packet(ctx, handles[PUB], 1, 0, false, 0);
	assert_int_equal(relayed_to(SUB_C_DOWN, mark, &v, &data), 1);
	assert_int_equal(v.seq, (uint16_t)(c_seq + 1));
	c_seq = v.seq;

	/* C switches up: continues on the top layer's keyframe, numbering continuous */
	layers = json_pack("{s:s, s:s, s:i, s:i}", "request", "setPreferredLayers", "consumerId", consumer_c,
	                   "spatialLayer", 2, "temporalLayer", -1);
	json_decref(request_with_jsep(ctx, SUB_C, layers, NULL, &kind));
	mark = relayed->len;
	publish_packet(ctx, handles[PUB], 1, 0, false, 0);   /* still the old layer until the switch */
	publish_packet(ctx, handles[PUB], 1, 2, false, 0);   /* not a keyframe: not yet */
	publish_packet(ctx, handles[PUB], 1, 2, true, 0);    /* switch */
	publish_packet(ctx, handles[PUB], 1, 0, false, 0);   /* old layer no more */
	assert_int_equal(relayed_to(SUB_C_DOWN, mark, &v, &data), 2);
	assert_int_equal(v.seq, (uint16_t)(c_seq + 2));
	g_mutex_lock(&ctx->lock);
	assert_int_equal(g_atomic_int_get(&cc->layer), 2);
	g_mutex_unlock(&ctx->lock);

	/* producer paused: nothing; resumed: B continues from where it was */
	json_decref(request_with_jsep(ctx, PUB, json_pack("{s:s, s:s}", "request", "pauseProducer", "producerId",
	                                                  video_id), NULL, &kind));
	assert_int_equal(kind, PARLEY_PLUGIN_OK);
	assert_non_null(last_event(&sessions[SUB_B], "producerPaused"));
	mark = relayed->len;
	publish_packet(ctx, handles[PUB], 1, 2, true, 0);
	assert_int_equal(relayed_to(SUB_B_DOWN, mark, &v, &data), 0);
	json_decref(request_with_jsep(ctx, PUB, json_pack("{s:s, s:s}", "request", "resumeProducer", "producerId",
	                                                  video_id), NULL, &kind));
	assert_non_null(last_event(&sessions[SUB_B], "producerResumed"));
	mark = relayed->len;
	fake_now_ms += 1000;
	publish_packet(ctx, handles[PUB], 1, 2, true, 0);
	publish_packet(ctx, handles[PUB], 1, 2, false, 0);
	assert_int_equal(relayed_to(SUB_B_DOWN, mark, &v, &data), 2);
	/* after b_seq B got the 2 top-layer packets sent while C switched, then
	 * the 2 after the resume: no gap for the pause */
	assert_int_equal((uint16_t)(v.seq - b_seq), 2 + 2);

	/* REMB from a subscriber lowers its automatic choice */
	uint8_t remb[] = {0x8f, 206, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 1, 0, 0, 0, 0, 0, 0, 0};
	g_mutex_lock(&ctx->lock);
	room_handle *bdown = handles[SUB_B_DOWN];
	room_consumer *bc = NULL;
	for (guint i = 0; i < bdown->peer->consumers->len; i++)
		if (((room_consumer *)bdown->peer->consumers->pdata[i])->producer->kind == ROOM_KIND_VIDEO)
			bc = bdown->peer->consumers->pdata[i];
	g_mutex_unlock(&ctx->lock);
	uint32_t bitrate = 200000;   /* exp 0, mantissa 200000 (18 bits) */
	remb[17] = (uint8_t)((bitrate >> 16) & 0x03);
	remb[18] = (uint8_t)(bitrate >> 8);
	remb[19] = (uint8_t)bitrate;
	remb[20] = (uint8_t)(bc->out_ssrc >> 24);
	remb[21] = (uint8_t)(bc->out_ssrc >> 16);
	remb[22] = (uint8_t)(bc->out_ssrc >> 8);
	remb[23] = (uint8_t)bc->out_ssrc;
	parley_rtcp_packet rtcp = {.buffer = (char *)remb, .length = sizeof(remb)};
	parley_room_incoming_rtcp(ctx, bdown, &rtcp);
	assert_int_equal(g_atomic_int_get(&bc->remb), 200000);
	publish_packet(ctx, handles[PUB], 1, 0, true, 0);
	assert_int_equal(g_atomic_int_get(&bc->layer), 0);

	/* closing the producer closes both consumers; B is offered the m-line inactive */
	forget_events();
	json_decref(request_with_jsep(ctx, PUB, json_pack("{s:s, s:s}", "request", "closeProducer", "producerId",
	                                                  video_id), NULL, &kind));
	assert_int_equal(kind, PARLEY_PLUGIN_OK);
	assert_non_null(last_event(&sessions[SUB_B], "producerClosed"));
	json_t *jsep = last_jsep(SUB_B_DOWN, "subscriberOffer");
	assert_non_null(jsep);
	assert_non_null(strstr(json_string_value(json_object_get(jsep, "sdp")), "a=inactive"));
	mark = relayed->len;
	publish_packet(ctx, handles[PUB], 1, 2, true, 0);
	assert_int_equal(relayed->len, mark);

	g_free(consumer_c);
	g_free(audio_id);
	g_free(video_id);
	for (int i = 0; i < N_SESSIONS; i++) {
		g_free(peers[i]);
		assert_int_equal(parley_room_handle_detach(ctx, &sessions[i]), 0);
	}
	fake_ctx_free(ctx);
	assert_int_equal(handle_refs, 0);
}

/* B consumes A's video, A closes it, then B consumes C's video: the m-lines
 * of B's next offer with [media] subscriber_mlines = budget (NULL: default). */
static void run_recycling(const char *budget, size_t expect_mlines, const char *expect_mid1_direction)
{
	if (budget != NULL)
		fake_config_set("media", "subscriber_mlines", budget);
	room_ctx *ctx = fake_ctx_new();
	ctx->sdp.answer = parley_pc_helper_sdp_answer;
	ctx->sdp.offer = parley_pc_helper_sdp_offer;
	ctx->sdp.summary = parley_pc_helper_sdp_summary;
	for (int i = 0; i < N_SESSIONS; i++)
		sessions[i].plugin_handle = parley_room_handle_attach(ctx, &sessions[i]);
	parley_plugin_result_kind kind;
	char *peers[N_SESSIONS] = {0};
	for (int i = PUB; i <= SUB_C; i += (i == PUB ? 1 : 2)) {
		json_t *joined = send_request(ctx, &sessions[i], "{\"request\":\"joinRoom\",\"roomId\":\"rc\"}", NULL);
		peers[i] = g_strdup(json_string_value(json_object_get(joined, "peerId")));
		json_decref(joined);
	}
	json_decref(request_with_jsep(ctx, SUB_B_DOWN, json_pack("{s:s, s:s, s:s}", "request", "attachSubscriber",
	                                                         "roomId", "rc", "peerId", peers[SUB_B]), NULL, &kind));
	assert_int_equal(kind, PARLEY_PLUGIN_OK);
	char *video[2] = {NULL, NULL};
	int publishers[2] = {PUB, SUB_C};
	char *offer = read_sdp("chromium-plain.sdp");
	assert_non_null(offer);
	for (int k = 0; k < 2; k++) {
		request_with_jsep(ctx, publishers[k], json_pack("{s:s}", "request", "produce"),
		                  json_pack("{s:s, s:s}", "type", "offer", "sdp", offer), &kind);
		assert_int_equal(kind, PARLEY_PLUGIN_OK_WAIT);
		json_t *producers = json_object_get(last_event(&sessions[publishers[k]], "produced"), "producers");
		for (size_t i = 0; i < json_array_size(producers); i++)
			if (!g_strcmp0(json_string_value(json_object_get(json_array_get(producers, i), "kind")), "video"))
				video[k] = g_strdup(json_string_value(json_object_get(json_array_get(producers, i),
				                                                      "producerId")));
		assert_non_null(video[k]);
	}
	g_free(offer);
	json_decref(request_with_jsep(ctx, SUB_B, json_pack("{s:s, s:[s], s:b}", "request", "consume", "producerIds",
	                                                    video[0], "paused", false), NULL, &kind));
	assert_int_equal(kind, PARLEY_PLUGIN_OK);
	answer_offer(ctx, SUB_B_DOWN);
	json_decref(request_with_jsep(ctx, PUB, json_pack("{s:s, s:s}", "request", "closeProducer", "producerId",
	                                                  video[0]), NULL, &kind));
	assert_int_equal(kind, PARLEY_PLUGIN_OK);
	answer_offer(ctx, SUB_B_DOWN);   /* the offer with m-line 0 inactive */
	json_decref(request_with_jsep(ctx, SUB_B, json_pack("{s:s, s:[s], s:b}", "request", "consume", "producerIds",
	                                                    video[1], "paused", false), NULL, &kind));
	assert_int_equal(kind, PARLEY_PLUGIN_OK);
	json_t *summary = parley_pc_helper_sdp_summary(json_string_value(json_object_get(
		last_jsep(SUB_B_DOWN, "subscriberOffer"), "sdp")));
	json_t *media = json_object_get(summary, "media");
	assert_int_equal(json_array_size(media), expect_mlines);
	assert_string_equal(json_string_value(json_object_get(json_array_get(media, 0), "direction")),
	                    expect_mid1_direction);
	assert_string_equal(json_string_value(json_object_get(json_array_get(media, expect_mlines - 1), "direction")),
	                    "sendonly");
	json_decref(summary);
	for (int i = 0; i < N_SESSIONS; i++) {
		g_free(peers[i]);
		assert_int_equal(parley_room_handle_detach(ctx, &sessions[i]), 0);
	}
	g_free(video[0]);
	g_free(video[1]);
	fake_ctx_free(ctx);
	assert_int_equal(handle_refs, 0);
}

static void test_mline_recycling(void **state)
{
	(void)state;
	run_recycling(NULL, 2, "inactive");   /* below the budget: a fresh m-line, the old one stays inactive */
	run_recycling("2", 2, "inactive");    /* budget 2, one m-line in use: still a fresh one */
	run_recycling("0", 1, "sendonly");    /* budget 0 (always recycle): the inactive video m-line is reused */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish_subscribe_forward),
		cmocka_unit_test(test_mline_recycling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
