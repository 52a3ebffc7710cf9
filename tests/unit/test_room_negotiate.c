/*
 * tests/unit/test_room_negotiate.c — the subscriber's renegotiation in
 * every order a client and the network can produce, through the request
 * table with a recording core, a fake clock and fake SDP helpers (an offer
 * is one "m=" line per slot with its mid and direction; the summary reads
 * those back): answers with and without a version, changes while an offer
 * waits, stale answers after a restartIce, duplicate and mismatching
 * answers, the subscriber's pc ending (consumers and m-lines kept, nothing
 * offered or forwarded until restartIce, which offers all of them on a new
 * pc), ICE restarts on a live pc, the offer timeout, and the connection
 * counters (connection_state, hangups, restarts) in getRoomInfo.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "test_room_core.h"

enum { PUB1 = 0, PUB2, SUB, SUB_DOWN, LONER, N_SESSIONS };
static parley_plugin_session sessions[N_SESSIONS];
static char *peer_ids[N_SESSIONS];
static char *producer_ids[N_SESSIONS][2];   /* [publisher][0 audio, 1 video] */
static char refusal[256];                   /* text of the last refused request */

/* ---- fake SDP helpers ---- */

static char *fake_sdp_offer(json_t *description, char *error, size_t error_size)
{
	json_t *media = json_object_get(description, "media");
	if (!json_is_array(media) || json_array_size(media) == 0) {
		g_strlcpy(error, "no media", error_size);
		return NULL;
	}
	GString *sdp = g_string_new("v=0\r\n");
	g_string_append_printf(sdp, "o=- %s %" JSON_INTEGER_FORMAT " IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n",
	                       json_string_value(json_object_get(description, "session_id")),
	                       json_integer_value(json_object_get(description, "version")));
	size_t i;
	json_t *m;
	json_array_foreach(media, i, m) {
		json_t *codec = json_array_get(json_object_get(m, "codecs"), 0);
		g_string_append_printf(sdp, "m=%s 9 UDP/TLS/RTP/SAVPF %d\r\na=mid:%s\r\na=%s\r\n",
		                       json_string_value(json_object_get(m, "kind")),
		                       (int)json_integer_value(json_object_get(codec, "pt")),
		                       json_string_value(json_object_get(m, "mid")),
		                       json_string_value(json_object_get(m, "direction")));
	}
	return g_string_free(sdp, FALSE);
}

static json_t *fake_sdp_summary(const char *sdp)
{
	if (sdp == NULL)
		return NULL;
	if (strncmp(sdp, "v=0", 3) != 0)
		return json_pack("{s:s}", "error", "not SDP");
	json_t *media = json_array();
	json_t *current = NULL;
	gchar **lines = g_strsplit(sdp, "\r\n", -1);
	for (gchar **l = lines; *l != NULL; l++) {
		if (g_str_has_prefix(*l, "m=")) {
			gchar **words = g_strsplit(*l + 2, " ", 2);
			current = json_pack("{s:s, s:s, s:s}", "type", words[0], "mid", "", "direction", "sendrecv");
			json_array_append_new(media, current);
			g_strfreev(words);
		} else if (current != NULL && g_str_has_prefix(*l, "a=mid:")) {
			json_object_set_new(current, "mid", json_string(*l + 6));
		} else if (current != NULL && (strcmp(*l, "a=sendonly") == 0 || strcmp(*l, "a=recvonly") == 0 ||
		                               strcmp(*l, "a=inactive") == 0 || strcmp(*l, "a=sendrecv") == 0)) {
			json_object_set_new(current, "direction", json_string(*l + 2));
		}
	}
	g_strfreev(lines);
	return json_pack("{s:o}", "media", media);
}

/* ---- the room: two publishers (audio + video each) and a subscriber ---- */

static room_handle *handle_of(room_ctx *ctx, int who)
{
	g_mutex_lock(&ctx->lock);
	room_handle *h = parley_room_handle_lookup_locked(ctx, &sessions[who]);
	g_mutex_unlock(&ctx->lock);
	return h;
}

static void add_producers(room_ctx *ctx, int who)
{
	g_mutex_lock(&ctx->lock);
	room_peer *peer = parley_room_handle_lookup_locked(ctx, &sessions[who])->peer;
	for (int k = 0; k < 2; k++) {
		room_producer *p = parley_room_producer_new(ctx, peer, k == 0 ? ROOM_KIND_AUDIO : ROOM_KIND_VIDEO, k,
		                                            k == 0 ? "0" : "1");
		g_strlcpy(p->codec.name, k == 0 ? "opus" : "VP8", sizeof(p->codec.name));
		p->codec.codec = k == 0 ? PARLEY_UTIL_KEYFRAME_OTHER : PARLEY_UTIL_KEYFRAME_VP8;
		p->codec.clock_rate = k == 0 ? 48000 : 90000;
		p->out_pt = k == 0 ? 111 : 96;
		g_strlcpy(p->source, k == 0 ? "mic" : "camera", sizeof(p->source));
		producer_ids[who][k] = g_strdup(p->id);
	}
	parley_room_publish_producer_snapshot_locked(ctx, peer->main, peer);
	g_mutex_unlock(&ctx->lock);
}

static room_ctx *room_new(void)
{
	room_ctx *ctx = fake_ctx_new();
	ctx->sdp.offer = fake_sdp_offer;
	ctx->sdp.summary = fake_sdp_summary;
	for (int i = 0; i < N_SESSIONS; i++)
		sessions[i].plugin_handle = parley_room_handle_attach(ctx, &sessions[i]);
	for (int i = PUB1; i <= SUB; i++) {
		json_t *joined = send_request(ctx, &sessions[i], "{\"request\":\"joinRoom\",\"roomId\":\"neg\"}", NULL);
		assert_non_null(joined);
		peer_ids[i] = g_strdup(json_string_value(json_object_get(joined, "peerId")));
		json_decref(joined);
	}
	char text[160];
	g_snprintf(text, sizeof(text), "{\"request\":\"attachSubscriber\",\"roomId\":\"neg\",\"peerId\":\"%s\"}",
	           peer_ids[SUB]);
	json_decref(send_request(ctx, &sessions[SUB_DOWN], text, NULL));
	assert_int_equal(handle_of(ctx, SUB_DOWN)->role, ROOM_ROLE_SUBSCRIBER);
	add_producers(ctx, PUB1);
	add_producers(ctx, PUB2);
	return ctx;
}

static void room_free(room_ctx *ctx)
{
	fake_ctx_free(ctx);
	assert_int_equal(handle_refs, 0);
	for (int i = 0; i < N_SESSIONS; i++) {
		g_free(peer_ids[i]);
		peer_ids[i] = NULL;
		for (int k = 0; k < 2; k++) {
			g_free(producer_ids[i][k]);
			producer_ids[i][k] = NULL;
		}
	}
}

/* SUB consumes the given producers (unpaused); how many consumers it got. */
static size_t consume(room_ctx *ctx, const char *first, const char *second)
{
	json_t *body = json_pack("{s:s, s:[s], s:b}", "request", "consume", "producerIds", first, "paused", false);
	if (second != NULL)
		json_array_append_new(json_object_get(body, "producerIds"), json_string(second));
	parley_plugin_result result;
	parley_room_handle_request(ctx, &sessions[SUB], "tx", body, NULL, &result);
	json_decref(body);
	assert_int_equal(result.kind, PARLEY_PLUGIN_OK);
	size_t n = json_array_size(json_object_get(result.content, "consumers"));
	json_decref(result.content);
	return n;
}

/* The id of SUB's consumer of `producer_id` (g_free). */
static char *consumer_of(room_ctx *ctx, const char *producer_id)
{
	room_peer *peer = handle_of(ctx, SUB)->peer;
	char *id = NULL;
	g_mutex_lock(&ctx->lock);
	for (guint i = 0; i < peer->consumers->len; i++) {
		room_consumer *c = peer->consumers->pdata[i];
		if (strcmp(c->producer->id, producer_id) == 0)
			id = g_strdup(c->id);
	}
	g_mutex_unlock(&ctx->lock);
	assert_non_null(id);
	return id;
}

/* One request on `who`: 0 when accepted (answer in *content if wanted),
 * else the refusal's code (its text in `refusal`). */
static int request(room_ctx *ctx, int who, json_t *body, json_t *jsep, json_t **content)
{
	parley_plugin_result result;
	parley_room_handle_request(ctx, &sessions[who], "tx", body, jsep, &result);
	json_decref(body);
	json_decref(jsep);
	refusal[0] = '\0';
	if (result.kind == PARLEY_PLUGIN_ERROR) {
		g_strlcpy(refusal, result.text, sizeof(refusal));
		return atoi(result.text);
	}
	if (content != NULL)
		*content = result.content;
	else
		json_decref(result.content);
	return 0;
}

static unsigned offers(void)
{
	return events_to(&sessions[SUB_DOWN], "subscriberOffer");
}

static json_t *last_offer(void)
{
	return last_event(&sessions[SUB_DOWN], "subscriberOffer");
}

static json_t *last_offer_jsep(void)
{
	for (guint i = recorded->len; i > 0; i--) {
		recorded_event *e = recorded->pdata[i - 1];
		if (e->session == &sessions[SUB_DOWN] && g_strcmp0(e->name, "subscriberOffer") == 0)
			return e->jsep;
	}
	return NULL;
}

static json_int_t last_offer_version(void)
{
	return json_integer_value(json_object_get(last_offer(), "version"));
}

static size_t last_offer_mlines(void)
{
	json_t *summary = fake_sdp_summary(json_string_value(json_object_get(last_offer_jsep(), "sdp")));
	size_t n = json_array_size(json_object_get(summary, "media"));
	json_decref(summary);
	return n;
}

/* The answer a browser would give to the last offer. */
static char *answer_sdp(void)
{
	const char *offer = json_string_value(json_object_get(last_offer_jsep(), "sdp"));
	assert_non_null(offer);
	gchar **parts = g_strsplit(offer, "a=sendonly", -1);
	char *answer = g_strjoinv("a=recvonly", parts);
	g_strfreev(parts);
	return answer;
}

/* subscriberAnswer with `sdp` (NULL = the browser's answer to the last
 * offer) and `version` (-1 = none): 0 or the refusal's code. */
static int answer(room_ctx *ctx, json_int_t version, const char *sdp)
{
	char *text = sdp == NULL ? answer_sdp() : g_strdup(sdp);
	json_t *body = json_pack("{s:s}", "request", "subscriberAnswer");
	if (version >= 0)
		json_object_set_new(body, "version", json_integer(version));
	json_t *content = NULL;
	int code = request(ctx, SUB_DOWN, body, json_pack("{s:s, s:s}", "type", "answer", "sdp", text), &content);
	g_free(text);
	if (code == 0) {
		assert_true(json_is_true(json_object_get(content, "success")));
		json_decref(content);
	}
	return code;
}

static int restart_ice(room_ctx *ctx, int who, bool *offered)
{
	json_t *content = NULL;
	int code = request(ctx, who, json_pack("{s:s}", "request", "restartIce"), NULL, &content);
	if (code == 0) {
		*offered = json_is_true(json_object_get(content, "offered"));
		json_decref(content);
	}
	return code;
}

/* ---- tests ---- */

static void test_offer_answer_and_duplicates(void **state)
{
	(void)state;
	room_ctx *ctx = room_new();
	assert_int_equal(consume(ctx, producer_ids[PUB1][0], NULL), 1);
	assert_int_equal(offers(), 1);
	assert_int_equal(last_offer_version(), 1);
	assert_int_equal(last_offer_mlines(), 1);
	assert_int_equal(json_array_size(json_object_get(last_offer(), "consumers")), 1);
	assert_null(json_object_get(last_offer(), "restart"));
	assert_null(json_object_get(last_offer_jsep(), "restart"));
	assert_true(handle_of(ctx, SUB_DOWN)->offer_pending);
	/* the answer names its offer */
	json_t *content = NULL;
	char *sdp = answer_sdp();
	assert_int_equal(request(ctx, SUB_DOWN, json_pack("{s:s, s:i}", "request", "subscriberAnswer", "version", 1),
	                         json_pack("{s:s, s:s}", "type", "answer", "sdp", sdp), &content), 0);
	assert_int_equal(json_integer_value(json_object_get(content, "version")), 1);
	json_decref(content);
	assert_false(handle_of(ctx, SUB_DOWN)->offer_pending);
	assert_int_equal(offers(), 1);
	/* the same answer again, with and without its version: nothing is outstanding */
	assert_int_equal(answer(ctx, 1, sdp), ROOM_ERR_CONFLICT);
	assert_non_null(strstr(refusal, "no subscriber offer is waiting"));
	assert_int_equal(json_integer_value(json_object_get(last_event(&sessions[SUB_DOWN], "error"), "code")),
	                 ROOM_ERR_CONFLICT);
	assert_int_equal(answer(ctx, -1, sdp), ROOM_ERR_CONFLICT);
	/* a version that is not an integer */
	assert_int_equal(request(ctx, SUB_DOWN, json_pack("{s:s, s:s}", "request", "subscriberAnswer", "version", "1"),
	                         json_pack("{s:s, s:s}", "type", "answer", "sdp", sdp), NULL), ROOM_ERR_INVALID);
	g_free(sdp);
	assert_int_equal(offers(), 1);
	room_free(ctx);
}

static void test_changes_while_an_offer_waits(void **state)
{
	(void)state;
	room_ctx *ctx = room_new();
	consume(ctx, producer_ids[PUB1][0], NULL);
	assert_int_equal(offers(), 1);
	char *first = answer_sdp();
	/* a new consumer while offer 1 waits: batched */
	consume(ctx, producer_ids[PUB1][1], NULL);
	consume(ctx, producer_ids[PUB2][0], NULL);
	assert_int_equal(offers(), 1);
	assert_true(handle_of(ctx, SUB_DOWN)->offer_again);
	assert_int_equal(answer(ctx, 1, first), 0);
	g_free(first);
	/* offer 2 carries all three */
	assert_int_equal(offers(), 2);
	assert_int_equal(last_offer_version(), 2);
	assert_int_equal(last_offer_mlines(), 3);
	assert_int_equal(json_array_size(json_object_get(last_offer(), "consumers")), 3);
	assert_false(handle_of(ctx, SUB_DOWN)->offer_again);
	/* answered without a version: taken as the outstanding one */
	assert_int_equal(answer(ctx, -1, NULL), 0);
	assert_false(handle_of(ctx, SUB_DOWN)->offer_pending);
	assert_int_equal(offers(), 2);
	/* a closed consumer: its m-line goes inactive in offer 3 */
	char *id = consumer_of(ctx, producer_ids[PUB1][0]);
	assert_int_equal(request(ctx, SUB, json_pack("{s:s, s:s}", "request", "closeConsumer", "consumerId", id), NULL,
	                         NULL), 0);
	g_free(id);
	assert_int_equal(offers(), 3);
	assert_int_equal(last_offer_mlines(), 3);
	assert_non_null(strstr(json_string_value(json_object_get(last_offer_jsep(), "sdp")), "a=inactive"));
	assert_int_equal(answer(ctx, 3, NULL), 0);
	room_free(ctx);
}

static void test_stale_answer_after_restart(void **state)
{
	(void)state;
	room_ctx *ctx = room_new();
	consume(ctx, producer_ids[PUB1][0], producer_ids[PUB1][1]);
	assert_int_equal(offers(), 1);
	char *answer1 = answer_sdp();
	/* restartIce while offer 1 waits: offer 2 replaces it, with new ICE credentials */
	bool offered = false;
	assert_int_equal(restart_ice(ctx, SUB_DOWN, &offered), 0);
	assert_true(offered);
	assert_int_equal(offers(), 2);
	assert_int_equal(last_offer_version(), 2);
	assert_int_equal(last_offer_mlines(), 2);
	assert_true(json_is_true(json_object_get(last_offer(), "restart")));
	assert_true(json_is_true(json_object_get(last_offer_jsep(), "restart")));
	/* the answer to offer 1 is stale */
	assert_int_equal(answer(ctx, 1, answer1), ROOM_ERR_STALE);
	assert_non_null(strstr(refusal, "stale answer to offer 1, offer 2 is outstanding"));
	json_t *error = last_event(&sessions[SUB_DOWN], "error");
	assert_int_equal(json_integer_value(json_object_get(error, "code")), ROOM_ERR_STALE);
	assert_string_equal(json_string_value(json_object_get(error, "request")), "subscriberAnswer");
	assert_true(handle_of(ctx, SUB_DOWN)->offer_pending);
	/* an offer never sent */
	assert_int_equal(answer(ctx, 7, NULL), ROOM_ERR_INVALID);
	assert_non_null(strstr(refusal, "no offer 7 was sent"));
	/* offer 2 is still answerable */
	assert_int_equal(answer(ctx, 2, NULL), 0);
	assert_false(handle_of(ctx, SUB_DOWN)->offer_pending);
	assert_int_equal(offers(), 2);
	/* again: a stale answer went through the core; the offer stays (the core
	 * takes the answer to it as well), no new offer churns the client */
	assert_int_equal(restart_ice(ctx, SUB_DOWN, &offered), 0);
	assert_int_equal(last_offer_version(), 3);
	assert_int_equal(answer(ctx, 2, answer1), ROOM_ERR_STALE);
	assert_false(handle_of(ctx, SUB_DOWN)->offer_spoiled);
	parley_room_sweep(ctx, fake_now_ms);
	assert_int_equal(offers(), 3);
	assert_int_equal(answer(ctx, 3, NULL), 0);
	assert_false(handle_of(ctx, SUB_DOWN)->offer_pending);
	g_free(answer1);
	json_t *info = send_request(ctx, &sessions[SUB], "{\"request\":\"getRoomInfo\"}", NULL);
	json_t *peers = json_object_get(info, "peers");
	json_t *me = NULL;
	size_t i;
	json_t *p;
	json_array_foreach(peers, i, p) {
		if (strcmp(json_string_value(json_object_get(p, "peerId")), peer_ids[SUB]) == 0)
			me = p;
	}
	assert_non_null(me);
	json_t *sub = json_object_get(json_object_get(me, "connection"), "subscriber");
	assert_int_equal(json_integer_value(json_object_get(sub, "restarts")), 2);
	assert_int_equal(json_integer_value(json_object_get(sub, "pcLosses")), 0);
	json_decref(info);
	room_free(ctx);
}

static void test_mismatching_answers(void **state)
{
	(void)state;
	room_ctx *ctx = room_new();
	consume(ctx, producer_ids[PUB1][0], producer_ids[PUB1][1]);
	assert_int_equal(offers(), 1);
	static const char *const wrong[] = {
		"v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n",
		"v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=recvonly\r\n"
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n",
		"v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=recvonly\r\n"
		"m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:2\r\na=recvonly\r\n",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(wrong); i++) {
		assert_int_equal(answer(ctx, 1, wrong[i]), ROOM_ERR_MEDIA);
		assert_non_null(strstr(refusal, "the answer does not match offer 1 (m-lines)"));
		assert_true(handle_of(ctx, SUB_DOWN)->offer_pending);
	}
	assert_int_equal(answer(ctx, 1, "not sdp at all"), ROOM_ERR_MEDIA);
	assert_non_null(strstr(refusal, "not valid SDP"));
	assert_int_equal(offers(), 1);
	/* still waiting: the right answer is taken */
	assert_int_equal(answer(ctx, 1, NULL), 0);
	assert_false(handle_of(ctx, SUB_DOWN)->offer_pending);
	assert_false(handle_of(ctx, SUB_DOWN)->offer_spoiled);
	room_free(ctx);
}

/* An opus packet from PUB1 on m-line 0. */
static void publish_audio(room_ctx *ctx)
{
	static uint16_t seq = 100;
	uint8_t buf[16] = {0x80, 111, (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, 0x10, 0, 0, 0, 0x12, 0x34, 0xaa, 0xbb};
	seq++;
	parley_rtp_packet packet = {.buffer = (char *)buf, .length = 14, .mindex = 0, .audio_level = -1};
	parley_room_incoming_rtp(ctx, handle_of(ctx, PUB1), &packet);
}

static unsigned relayed_to_subscriber(void)
{
	unsigned n = 0;
	for (guint i = 0; i < relayed->len; i++)
		if (g_array_index(relayed, relayed_packet, i).session == &sessions[SUB_DOWN])
			n++;
	return n;
}

static void publish_video(room_ctx *ctx, bool keyframe)
{
	static uint16_t seq = 500;
	/* VP8: payload descriptor (S=1), frame tag (P=0: keyframe), start code, 320x240 */
	uint8_t buf[30] = {0x80, 96, (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, 0x20, 0, 0, 0, 0x56, 0x78,
	                   0x10, keyframe ? 0x00 : 0x01, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00};
	seq++;
	parley_rtp_packet packet = {.buffer = (char *)buf, .length = 30, .mindex = 1, .video = true, .audio_level = -1};
	parley_room_incoming_rtp(ctx, handle_of(ctx, PUB1), &packet);
}

/* After an answer: a keyframe request at once, and one more a second later
 * (a client that starts its receiver after answering lost the first). */
static void test_keyframe_again_after_an_answer(void **state)
{
	(void)state;
	room_ctx *ctx = room_new();
	consume(ctx, producer_ids[PUB1][1], NULL);
	fake_now_ms += 5000;   /* past the publisher's PLI interval */
	int before = plis_sent;
	assert_int_equal(answer(ctx, 1, NULL), 0);
	assert_int_equal(plis_sent, before + 1);
	/* the keyframe passes (the client may drop it), then delta frames flow */
	fake_now_ms += 100;
	publish_video(ctx, true);
	fake_now_ms += 500;
	publish_video(ctx, false);
	assert_int_equal(plis_sent, before + 1);
	fake_now_ms += 500;
	publish_video(ctx, false);
	assert_int_equal(plis_sent, before + 2);
	fake_now_ms += 2000;
	publish_video(ctx, false);
	assert_int_equal(plis_sent, before + 2);   /* once, not every second */
	room_free(ctx);
}

static void test_pc_lost_then_restart(void **state)
{
	(void)state;
	room_ctx *ctx = room_new();
	consume(ctx, producer_ids[PUB1][0], producer_ids[PUB1][1]);
	assert_int_equal(answer(ctx, 1, NULL), 0);
	publish_audio(ctx);
	assert_int_equal(relayed_to_subscriber(), 1);
	/* the subscriber's pc ends (ICE failure, DTLS alert, client hangup) */
	parley_room_connection_ended(ctx, &sessions[SUB_DOWN]);
	room_handle *down = handle_of(ctx, SUB_DOWN);
	assert_true(down->pc_lost);
	assert_false(down->offer_pending);
	assert_int_equal(down->slots->len, 2);
	assert_int_equal(handle_of(ctx, SUB)->peer->consumers->len, 2);
	assert_int_equal(offers(), 1);
	/* nothing goes to the dead pc */
	publish_audio(ctx);
	assert_int_equal(relayed_to_subscriber(), 1);
	/* a new consumer meanwhile: it gets its m-line but no offer goes out */
	assert_int_equal(consume(ctx, producer_ids[PUB2][0], NULL), 1);
	assert_int_equal(down->slots->len, 3);
	assert_int_equal(offers(), 1);
	/* the late answer to offer 1 (the core would refuse it already) */
	assert_int_equal(answer(ctx, 1, NULL), ROOM_ERR_CONFLICT);
	/* the client made a new RTCPeerConnection: every m-line, old and new, on a new pc */
	bool offered = false;
	assert_int_equal(restart_ice(ctx, SUB_DOWN, &offered), 0);
	assert_true(offered);
	assert_false(down->pc_lost);
	assert_int_equal(offers(), 2);
	assert_int_equal(last_offer_version(), 2);
	assert_int_equal(last_offer_mlines(), 3);
	assert_int_equal(json_array_size(json_object_get(last_offer(), "consumers")), 3);
	assert_true(json_is_true(json_object_get(last_offer(), "restart")));
	assert_null(json_object_get(last_offer_jsep(), "restart"));   /* a fresh pc, not an ICE restart */
	char *sdp = g_strdup(json_string_value(json_object_get(last_offer_jsep(), "sdp")));
	assert_non_null(strstr(sdp, "a=mid:0\r\n"));
	assert_non_null(strstr(sdp, "a=mid:1\r\n"));
	assert_non_null(strstr(sdp, "a=mid:2\r\n"));
	g_free(sdp);
	publish_audio(ctx);
	assert_int_equal(relayed_to_subscriber(), 2);
	assert_int_equal(answer(ctx, 2, NULL), 0);
	parley_room_connection_up(ctx, &sessions[SUB_DOWN]);
	/* later changes are offered again as usual */
	consume(ctx, producer_ids[PUB2][1], NULL);
	assert_int_equal(offers(), 3);
	assert_int_equal(last_offer_mlines(), 4);
	json_t *info = send_request(ctx, &sessions[SUB], "{\"request\":\"getRoomInfo\"}", NULL);
	json_t *me = NULL;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(info, "peers"), i, p) {
		if (strcmp(json_string_value(json_object_get(p, "peerId")), peer_ids[SUB]) == 0)
			me = p;
	}
	json_t *sub = json_object_get(json_object_get(me, "connection"), "subscriber");
	assert_int_equal(json_integer_value(json_object_get(sub, "pcLosses")), 1);
	assert_int_equal(json_integer_value(json_object_get(sub, "restarts")), 1);
	assert_string_equal(json_string_value(json_object_get(sub, "state")), "connected");
	json_decref(info);
	room_free(ctx);
}

static void test_restart_on_a_live_pc(void **state)
{
	(void)state;
	room_ctx *ctx = room_new();
	bool offered = true;
	/* nothing consumed yet: nothing to offer */
	assert_int_equal(restart_ice(ctx, SUB_DOWN, &offered), 0);
	assert_false(offered);
	assert_int_equal(offers(), 0);
	/* only on the subscriber handle */
	assert_int_equal(restart_ice(ctx, SUB, &offered), ROOM_ERR_NOT_JOINED);
	assert_int_equal(restart_ice(ctx, LONER, &offered), ROOM_ERR_NOT_JOINED);
	consume(ctx, producer_ids[PUB1][0], NULL);
	assert_int_equal(answer(ctx, 1, NULL), 0);
	assert_int_equal(restart_ice(ctx, SUB_DOWN, &offered), 0);
	assert_true(offered);
	assert_int_equal(offers(), 2);
	assert_int_equal(last_offer_version(), 2);
	assert_int_equal(last_offer_mlines(), 1);
	assert_true(json_is_true(json_object_get(last_offer_jsep(), "restart")));
	assert_true(json_is_true(json_object_get(last_offer(), "restart")));
	assert_int_equal(answer(ctx, 2, NULL), 0);
	assert_false(handle_of(ctx, SUB_DOWN)->offer_pending);
	room_free(ctx);
}

static void test_offer_timeout(void **state)
{
	(void)state;
	fake_config_set("general", "offer_timeout", "12");
	room_ctx *ctx = room_new();
	assert_int_equal(ctx->cfg.offer_timeout_ms, 12000);
	consume(ctx, producer_ids[PUB1][0], NULL);
	assert_int_equal(offers(), 1);
	char *answer1 = answer_sdp();
	/* the client never answers; a change inside the timeout waits */
	fake_now_ms += 11000;
	consume(ctx, producer_ids[PUB1][1], NULL);
	assert_int_equal(offers(), 1);
	parley_room_sweep(ctx, fake_now_ms);
	assert_int_equal(offers(), 1);
	/* past it, the sweep replaces offer 1 since a change waits */
	fake_now_ms += 2000;
	parley_room_sweep(ctx, fake_now_ms);
	assert_int_equal(offers(), 2);
	assert_int_equal(last_offer_version(), 2);
	assert_int_equal(last_offer_mlines(), 2);
	assert_int_equal(answer(ctx, 1, answer1), ROOM_ERR_STALE);
	assert_int_equal(answer(ctx, 2, NULL), 0);
	g_free(answer1);
	/* offer 3 waits; a change inside the timeout waits with it, the next one past it replaces it at once */
	consume(ctx, producer_ids[PUB2][0], NULL);
	assert_int_equal(offers(), 3);
	fake_now_ms += 11000;
	consume(ctx, producer_ids[PUB2][1], NULL);
	assert_int_equal(offers(), 3);
	fake_now_ms += 2000;
	char *id = consumer_of(ctx, producer_ids[PUB1][0]);
	assert_int_equal(request(ctx, SUB, json_pack("{s:s, s:s}", "request", "closeConsumer", "consumerId", id), NULL,
	                         NULL), 0);
	g_free(id);
	assert_int_equal(offers(), 4);
	assert_int_equal(last_offer_version(), 4);
	assert_int_equal(last_offer_mlines(), 4);
	/* unanswered and nothing waiting: the sweep leaves it; restartIce replaces it */
	fake_now_ms += 13000;
	parley_room_sweep(ctx, fake_now_ms);
	assert_int_equal(offers(), 4);
	bool offered = false;
	assert_int_equal(restart_ice(ctx, SUB_DOWN, &offered), 0);
	assert_int_equal(offers(), 5);
	assert_int_equal(last_offer_version(), 5);
	assert_int_equal(answer(ctx, 5, NULL), 0);
	room_free(ctx);
}

static json_t *connection_of(json_t *info, const char *peer_id, const char *side)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(info, "peers"), i, p) {
		if (strcmp(json_string_value(json_object_get(p, "peerId")), peer_id) == 0)
			return json_object_get(json_object_get(p, "connection"), side);
	}
	return NULL;
}

static void test_connection_counters(void **state)
{
	(void)state;
	room_ctx *ctx = room_new();
	consume(ctx, producer_ids[PUB1][0], NULL);
	assert_int_equal(answer(ctx, 1, NULL), 0);
	parley_room_connection_up(ctx, &sessions[SUB]);
	parley_room_connection_up(ctx, &sessions[SUB_DOWN]);
	forget_events();
	static const parley_connection_state subscriber_states[] = {
		PARLEY_CONNECTION_DISCONNECTED, PARLEY_CONNECTION_DISCONNECTED, PARLEY_CONNECTION_CONNECTED,
		PARLEY_CONNECTION_CONNECTED, PARLEY_CONNECTION_DISCONNECTED, PARLEY_CONNECTION_CONNECTED,
	};
	for (size_t i = 0; i < G_N_ELEMENTS(subscriber_states); i++)
		parley_room_connection_changed(ctx, &sessions[SUB_DOWN], subscriber_states[i]);
	parley_room_connection_changed(ctx, &sessions[SUB], PARLEY_CONNECTION_DISCONNECTED);
	parley_room_connection_changed(ctx, &sessions[LONER], PARLEY_CONNECTION_DISCONNECTED);   /* in no room */
	/* the main handle hears about both pcs */
	assert_int_equal(events_to(&sessions[SUB], "connectionState"), 5);
	json_t *last = last_event(&sessions[SUB], "connectionState");
	assert_string_equal(json_string_value(json_object_get(last, "handle")), "publisher");
	assert_string_equal(json_string_value(json_object_get(last, "state")), "disconnected");
	assert_int_equal(events_to(&sessions[SUB_DOWN], "connectionState"), 0);
	json_t *info = send_request(ctx, &sessions[SUB], "{\"request\":\"getRoomInfo\"}", NULL);
	json_t *sub = connection_of(info, peer_ids[SUB], "subscriber");
	json_t *pub = connection_of(info, peer_ids[SUB], "publisher");
	assert_non_null(sub);
	assert_non_null(pub);
	assert_int_equal(json_integer_value(json_object_get(sub, "disconnects")), 2);
	assert_int_equal(json_integer_value(json_object_get(sub, "recoveries")), 2);
	assert_string_equal(json_string_value(json_object_get(sub, "state")), "connected");
	assert_int_equal(json_integer_value(json_object_get(pub, "disconnects")), 1);
	assert_int_equal(json_integer_value(json_object_get(pub, "recoveries")), 0);
	assert_string_equal(json_string_value(json_object_get(pub, "state")), "disconnected");
	assert_string_equal(json_string_value(json_object_get(connection_of(info, peer_ids[PUB1], "publisher"),
	                                                      "state")), "new");
	json_decref(info);
	/* pcs ending: counted; the publisher's streams close, the subscriber's stay */
	parley_room_connection_ended(ctx, &sessions[SUB_DOWN]);
	parley_room_connection_ended(ctx, &sessions[PUB1]);
	assert_int_equal(events_to(&sessions[SUB], "producerClosed"), 2);
	info = send_request(ctx, &sessions[SUB], "{\"request\":\"getRoomInfo\"}", NULL);
	sub = connection_of(info, peer_ids[SUB], "subscriber");
	assert_int_equal(json_integer_value(json_object_get(sub, "pcLosses")), 1);
	assert_string_equal(json_string_value(json_object_get(sub, "state")), "closed");
	pub = connection_of(info, peer_ids[PUB1], "publisher");
	assert_int_equal(json_integer_value(json_object_get(pub, "pcLosses")), 1);
	assert_string_equal(json_string_value(json_object_get(pub, "state")), "closed");
	json_decref(info);
	/* the admin view has them too */
	json_t *body = json_pack("{s:s, s:s}", "request", "info", "roomId", "neg");
	info = parley_room_handle_admin(ctx, body);
	assert_int_equal(json_integer_value(json_object_get(connection_of(info, peer_ids[SUB], "subscriber"),
	                                                    "disconnects")), 2);
	json_decref(info);
	json_decref(body);
	room_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offer_answer_and_duplicates),
		cmocka_unit_test(test_changes_while_an_offer_waits),
		cmocka_unit_test(test_stale_answer_after_restart),
		cmocka_unit_test(test_mismatching_answers),
		cmocka_unit_test(test_pc_lost_then_restart),
		cmocka_unit_test(test_keyframe_again_after_an_answer),
		cmocka_unit_test(test_restart_on_a_live_pc),
		cmocka_unit_test(test_offer_timeout),
		cmocka_unit_test(test_connection_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
