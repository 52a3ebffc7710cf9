/*
 * tests/unit/test_room_mediasoup.c — the room plugin's requests from
 * mediasoup-client apps, through the request table with a recording core
 * whose parameters API and companion handles are fakes that remember what
 * they were asked on which handle: the send transport on the client's own
 * handle and the receive transport on one companion handle per peer;
 * connect by transportId; produce (a producer like any other: newProducer
 * to the others, simulcast layers from its encodings) and consume (the
 * producer's codec asked of params_send, the consumer paused until
 * resumeConsumer, forwarded packets carrying the consumer's payload type,
 * SSRC and extension ids); streams closed on the core when a producer
 * closes, the companion handle and the send pc ended with the peer; the
 * consumer events (consumerPaused/Resumed/Closed) and pauseConsumer; a
 * producer made paused; the reconnect window (the socket's handles end in
 * either order, the same peerId joins again on a new socket and makes new
 * transports, or the window ends with peerLeft); the seed's requests and
 * event members; the refusals and their codes; a core without the
 * parameters API.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "test_room_core.h"

enum { A = 0, B, N_CLIENTS };
#define MAX_COMPANIONS 4
static parley_plugin_session clients[N_CLIENTS];
static parley_plugin_session companions[MAX_COMPANIONS];
static parley_plugin_session spare;   /* a client's next socket */
static int n_companions;
static room_ctx *test_ctx;
static char refusal[256];

/* What the fake core was asked: "<call> <session>" lines ("A", "B", "cN" for companions). */
static GPtrArray *calls;
static int next_in_mindex, next_out_mindex;

static const char *name_of(parley_plugin_session *s)
{
	static const char *const names[] = {"A", "B", "c0", "c1", "c2", "c3"};
	if (s == &spare)
		return "S";
	for (int i = 0; i < N_CLIENTS; i++)
		if (s == &clients[i])
			return names[i];
	for (int i = 0; i < MAX_COMPANIONS; i++)
		if (s == &companions[i])
			return names[N_CLIENTS + i];
	return "?";
}

static void called(const char *what, parley_plugin_session *s, int mindex)
{
	g_ptr_array_add(calls, mindex >= 0 ? g_strdup_printf("%s %s %d", what, name_of(s), mindex)
	                                   : g_strdup_printf("%s %s", what, name_of(s)));
}

static bool was_called(const char *line)
{
	for (guint i = 0; i < calls->len; i++)
		if (strcmp(calls->pdata[i], line) == 0)
			return true;
	return false;
}

static parley_plugin_session *fake_companion(parley_plugin_session *parent, parley_plugin_error *error)
{
	if (n_companions == MAX_COMPANIONS) {
		parley_plugin_error_set(error, 490, "too many handles");
		return NULL;
	}
	parley_plugin_session *s = &companions[n_companions++];
	s->plugin_handle = parley_room_handle_attach(test_ctx, s);   /* the core runs create_session */
	called("companion of", parent, -1);
	return s;
}

static json_t *fake_create_transport(parley_plugin_session *s, parley_plugin_error *error)
{
	(void)error;
	called("transport", s, -1);
	return json_pack("{s:{s:s, s:s, s:b}, s:[{s:s, s:i}], s:{s:s, s:[{s:s, s:s}]}}", "iceParameters",
	                 "usernameFragment", "ufrag", "password", "pwd", "iceLite", true, "iceCandidates", "ip",
	                 "127.0.0.1", "port", 20000, "dtlsParameters", "role", "auto", "fingerprints", "algorithm",
	                 "sha-256", "value", "AA");
}

static int fake_connect(parley_plugin_session *s, json_t *dtls, parley_plugin_error *error)
{
	(void)error;
	assert_non_null(json_object_get(dtls, "fingerprints"));
	called("connect", s, -1);
	return 0;
}

static json_t *fake_restart(parley_plugin_session *s, parley_plugin_error *error)
{
	(void)error;
	called("restart", s, -1);
	return json_pack("{s:s, s:s}", "usernameFragment", "u2", "password", "p2");
}

static int fake_receive(parley_plugin_session *s, const char *kind, json_t *rtp, int *mindex,
                        parley_plugin_error *error)
{
	if (json_object_get(rtp, "refuse") != NULL)
		return parley_plugin_error_set(error, PARLEY_PLUGIN_ERROR_INVALID_ELEMENT, "rtpParameters.refuse: no");
	*mindex = next_in_mindex++;
	called(kind, s, *mindex);
	return 0;
}

static json_t *fake_send(parley_plugin_session *s, json_t *options, parley_plugin_error *error)
{
	(void)error;
	int mindex = next_out_mindex++;
	bool audio = strcmp(json_string_value(json_object_get(options, "kind")), "audio") == 0;
	const char *mime = json_string_value(json_object_get(json_array_get(json_object_get(options, "codecs"), 0),
	                                                     "mimeType"));
	char *line = g_strdup_printf("send %s", mime);
	called(line, s, mindex);
	g_free(line);
	char mid[8];
	g_snprintf(mid, sizeof(mid), "%d", mindex);
	json_t *extensions = audio ? json_pack("[{s:s, s:i}, {s:s, s:i}]", "uri", "urn:ietf:params:rtp-hdrext:sdes:mid",
	                                       "id", 1, "uri", "urn:ietf:params:rtp-hdrext:ssrc-audio-level", "id", 10)
	                           : json_pack("[{s:s, s:i}]", "uri", "urn:ietf:params:rtp-hdrext:sdes:mid", "id", 1);
	return json_pack("{s:i, s:{s:s, s:[{s:s, s:i, s:i}], s:o, s:[{s:i}]}}", "mindex", mindex, "rtpParameters",
	                 "mid", mid, "codecs", "mimeType", mime, "payloadType", audio ? 100 : 101, "clockRate",
	                 audio ? 48000 : 90000, "headerExtensions", extensions, "encodings", "ssrc", 5000 + mindex);
}

static int fake_close(parley_plugin_session *s, int mindex, parley_plugin_error *error)
{
	(void)error;
	called("close", s, mindex);
	return 0;
}

static json_t *fake_caps(void)
{
	return json_pack("{s:[{s:s, s:s, s:i}, {s:s, s:s, s:i}, {s:s, s:s, s:i, s:{s:i}}, {s:s, s:s, s:i},"
	                 " {s:s, s:s, s:i, s:{s:i}}], s:[]}", "codecs",
	                 "kind", "audio", "mimeType", "audio/opus", "preferredPayloadType", 100,
	                 "kind", "video", "mimeType", "video/VP8", "preferredPayloadType", 101,
	                 "kind", "video", "mimeType", "video/rtx", "preferredPayloadType", 102, "parameters", "apt", 101,
	                 "kind", "video", "mimeType", "video/VP9", "preferredPayloadType", 103,
	                 "kind", "video", "mimeType", "video/rtx", "preferredPayloadType", 104, "parameters", "apt", 103,
	                 "headerExtensions");
}

static void fake_end_session(parley_plugin_session *s)
{
	called("end", s, -1);
	parley_room_handle_detach(test_ctx, s);   /* the core runs destroy_session */
}

static int fake_close_pc(parley_plugin_session *s)
{
	called("close_pc", s, -1);
	return 0;
}

static const parley_plugin_core msc_core = {
	RECORDING_CORE_FIELDS,
	.relay_rtp = fake_relay_rtp,
	.send_pli = fake_send_pli,
	.send_remb = fake_send_remb,
	.end_session = fake_end_session,
	.close_pc = fake_close_pc,
	.params_create_transport = fake_create_transport,
	.params_connect_transport = fake_connect,
	.params_restart_ice = fake_restart,
	.params_receive = fake_receive,
	.params_send = fake_send,
	.params_close = fake_close,
	.params_rtp_capabilities = fake_caps,
	.handle_companion = fake_companion,
};

/* One request: 0 (answer in *content when wanted) or the refusal's code. */
static int request(parley_plugin_session *s, json_t *body, json_t **content)
{
	parley_plugin_result result;
	parley_room_handle_request(test_ctx, s, "tx", body, NULL, &result);
	json_decref(body);
	refusal[0] = '\0';
	if (result.kind == PARLEY_PLUGIN_ERROR) {
		g_strlcpy(refusal, result.text, sizeof(refusal));
		return atoi(result.text);
	}
	assert_int_equal(result.kind, PARLEY_PLUGIN_OK);
	if (content != NULL)
		*content = result.content;
	else
		json_decref(result.content);
	return 0;
}

static room_ctx *setup_room(const parley_plugin_core *core)
{
	room_ctx *ctx = fake_ctx_new();
	ctx->core = core;
	test_ctx = ctx;
	calls = g_ptr_array_new_with_free_func(g_free);
	n_companions = next_in_mindex = next_out_mindex = 0;
	for (int i = 0; i < N_CLIENTS; i++) {
		clients[i].plugin_handle = parley_room_handle_attach(ctx, &clients[i]);
		assert_int_equal(request(&clients[i], json_pack("{s:s, s:s}", "request", "joinRoom", "roomId", "ms"), NULL), 0);
	}
	return ctx;
}

static void teardown_room(room_ctx *ctx)
{
	fake_ctx_free(ctx);
	assert_int_equal(handle_refs, 0);
	g_ptr_array_free(calls, TRUE);
}

/* createWebRtcTransport on `s`: the transport's id (g_free). */
static char *transport(parley_plugin_session *s, const char *direction)
{
	json_t *answer = NULL;
	assert_int_equal(request(s, json_pack("{s:s, s:s, s:s}", "request", "createWebRtcTransport", "roomId", "ms",
	                                      "direction", direction), &answer), 0);
	assert_non_null(json_object_get(answer, "iceParameters"));
	assert_non_null(json_object_get(answer, "iceCandidates"));
	assert_non_null(json_object_get(answer, "dtlsParameters"));
	char *id = g_strdup(json_string_value(json_object_get(answer, "id")));
	assert_non_null(id);
	json_decref(answer);
	return id;
}

static json_t *rtp_parameters(bool audio, int encodings)
{
	json_t *list = json_array();
	for (int i = 0; i < encodings; i++) {
		char rid[4];
		g_snprintf(rid, sizeof(rid), "r%d", i);
		json_array_append_new(list, encodings > 1 ? json_pack("{s:s}", "rid", rid) : json_pack("{s:i}", "ssrc", 1111));
	}
	return json_pack("{s:s, s:[{s:s, s:i, s:i, s:{}}], s:[{s:s, s:i}], s:o}", "mid", audio ? "0" : "1", "codecs",
	                 "mimeType", audio ? "audio/opus" : "video/VP8", "payloadType", audio ? 100 : 101, "clockRate",
	                 audio ? 48000 : 90000, "parameters", "headerExtensions", "uri",
	                 "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time", "id", 4, "encodings", list);
}

/* produce on `s`'s transport `id`: the producer id (g_free). */
static char *produce(parley_plugin_session *s, const char *id, bool audio, int encodings)
{
	json_t *answer = NULL;
	assert_int_equal(request(s, json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s}}", "request", "produce", "roomId", "ms",
	                                      "transportId", id, "kind", audio ? "audio" : "video", "rtpParameters",
	                                      rtp_parameters(audio, encodings), "appData", "source",
	                                      audio ? "mic" : "camera"), &answer), 0);
	char *producer = g_strdup(json_string_value(json_object_get(answer, "producerId")));
	assert_string_equal(producer, json_string_value(json_object_get(answer, "id")));
	json_decref(answer);
	return producer;
}

static json_t *consume_body(const char *producer)
{
	return json_pack("{s:s, s:s, s:s, s:{s:[]}}", "request", "consume", "roomId", "ms", "producerId", producer,
	                 "rtpCapabilities", "codecs");
}

static void test_transports_map_to_handles(void **state)
{
	(void)state;
	fake_config_set("media", "video_codecs", "vp8");
	room_ctx *ctx = setup_room(&msc_core);
	json_t *caps = NULL;
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s}", "request", "getRouterRtpCapabilities", "roomId",
	                                                "ms"), &caps), 0);
	/* the room's codecs only ([media] video_codecs = vp8 here), RTX with its codec */
	json_t *codecs = json_object_get(json_object_get(caps, "rtpCapabilities"), "codecs");
	assert_int_equal(json_array_size(codecs), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(codecs, 1), "mimeType")), "video/VP8");
	assert_string_equal(json_string_value(json_object_get(json_array_get(codecs, 2), "mimeType")), "video/rtx");
	json_decref(caps);

	char *send = transport(&clients[A], "send");
	assert_true(was_called("transport A"));
	char *recv = transport(&clients[A], "recv");
	assert_true(was_called("companion of A"));
	assert_true(was_called("transport c0"));
	assert_string_not_equal(send, recv);
	g_mutex_lock(&ctx->lock);
	room_handle *main = parley_room_handle_lookup_locked(ctx, &clients[A]);
	room_handle *sub = parley_room_handle_lookup_locked(ctx, &companions[0]);
	assert_ptr_equal(main->peer->subscriber, sub);
	assert_int_equal(sub->role, ROOM_ROLE_SUBSCRIBER);
	assert_true(sub->params && sub->companion && main->params);
	g_mutex_unlock(&ctx->lock);

	/* one of each per peer */
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s}", "request", "createWebRtcTransport", "direction",
	                                                "recv"), NULL), ROOM_ERR_CONFLICT);
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s}", "request", "createWebRtcTransport", "direction",
	                                                "send"), NULL), ROOM_ERR_CONFLICT);
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s}", "request", "createWebRtcTransport", "direction",
	                                                "both"), NULL), ROOM_ERR_INVALID);
	assert_int_equal(n_companions, 1);

	/* connect and restart by transportId reach the right handle */
	json_t *dtls = json_pack("{s:s, s:[{s:s, s:s}]}", "role", "client", "fingerprints", "algorithm", "sha-256",
	                         "value", "BB");
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:O}", "request", "connectWebRtcTransport",
	                                                "transportId", recv, "dtlsParameters", dtls), NULL), 0);
	assert_true(was_called("connect c0"));
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:O}", "request", "connectWebRtcTransport",
	                                                "transportId", send, "dtlsParameters", dtls), NULL), 0);
	assert_true(was_called("connect A"));
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:O}", "request", "connectWebRtcTransport",
	                                                "transportId", "nope", "dtlsParameters", dtls), NULL),
	                 ROOM_ERR_NOT_FOUND);
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s}", "request", "connectWebRtcTransport",
	                                                "transportId", send), NULL), ROOM_ERR_INVALID);
	/* B cannot use A's transport */
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s, s:O}", "request", "connectWebRtcTransport",
	                                                "transportId", send, "dtlsParameters", dtls), NULL),
	                 ROOM_ERR_NOT_FOUND);
	json_t *ice = NULL;
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s}", "request", "restartIce", "transportId", recv), &ice),
	                 0);
	assert_true(was_called("restart c0"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(ice, "iceParameters"),
	                                                      "usernameFragment")), "u2");
	json_decref(ice);
	json_decref(dtls);

	/* the peer leaves: the companion ends, the send transport's pc closes */
	assert_int_equal(request(&clients[A], json_pack("{s:s}", "request", "leaveRoom"), NULL), 0);
	assert_true(was_called("end c0"));
	assert_true(was_called("close_pc A"));
	g_mutex_lock(&ctx->lock);
	assert_null(parley_room_handle_lookup_locked(ctx, &companions[0]));
	assert_false(parley_room_handle_lookup_locked(ctx, &clients[A])->params);
	g_mutex_unlock(&ctx->lock);
	g_free(send);
	g_free(recv);
	teardown_room(ctx);
}

static void test_produce_and_consume(void **state)
{
	(void)state;
	room_ctx *ctx = setup_room(&msc_core);
	char *a_send = transport(&clients[A], "send");
	char *a_recv = transport(&clients[A], "recv");
	char *b_recv = transport(&clients[B], "recv");
	char *audio = produce(&clients[A], a_send, true, 1);
	char *video = produce(&clients[A], a_send, false, 3);
	assert_true(was_called("audio A 0"));
	assert_true(was_called("video A 1"));
	/* producers like any other: newProducer to the others, not to A */
	json_t *announced = last_event(&clients[B], "newProducer");
	assert_string_equal(json_string_value(json_object_get(announced, "producerId")), video);
	assert_string_equal(json_string_value(json_object_get(json_object_get(announced, "metadata"), "source")), "camera");
	assert_int_equal(events_to(&clients[A], "newProducer"), 0);
	g_mutex_lock(&ctx->lock);
	room_producer *pv = parley_room_producer_lookup_locked(ctx, video);
	assert_int_equal(pv->layers, 3);
	assert_int_equal(pv->mindex, 1);
	assert_string_equal(pv->codec.name, "VP8");
	assert_int_equal(pv->out_pt, 96);   /* towards SDP subscribers */
	g_mutex_unlock(&ctx->lock);
	/* produce needs the send transport */
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:s, s:o}", "request", "produce", "transportId",
	                                                a_recv, "kind", "audio", "rtpParameters",
	                                                rtp_parameters(true, 1)), NULL), ROOM_ERR_INVALID);
	/* the core's refusal keeps its code and names the member */
	json_t *bad = rtp_parameters(true, 1);
	json_object_set_new(bad, "refuse", json_true());
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:s, s:o}", "request", "produce", "transportId",
	                                                a_send, "kind", "audio", "rtpParameters", bad), NULL),
	                 PARLEY_PLUGIN_ERROR_INVALID_ELEMENT);
	assert_non_null(strstr(refusal, "rtpParameters.refuse"));

	/* B consumes both: the producer's codec is asked for, on B's companion */
	json_t *consumed = NULL;
	assert_int_equal(request(&clients[B], consume_body(video), &consumed), 0);
	assert_true(was_called("send video/VP8 c1 0"));
	assert_string_equal(json_string_value(json_object_get(consumed, "type")), "simulcast");
	assert_string_equal(json_string_value(json_object_get(consumed, "kind")), "video");
	assert_false(json_is_true(json_object_get(consumed, "producerPaused")));
	assert_non_null(json_object_get(json_object_get(consumed, "rtpParameters"), "encodings"));
	json_decref(consumed);
	assert_int_equal(request(&clients[B], consume_body(audio), &consumed), 0);
	assert_true(was_called("send audio/opus c1 1"));
	char *consumer = g_strdup(json_string_value(json_object_get(consumed, "id")));
	json_decref(consumed);

	/* paused until resumeConsumer; then a packet carries the consumer's pt, SSRC and ids */
	uint8_t packet[64] = {0x90, 100, 0, 1, 0, 0, 0, 10, 0, 0, 0x11, 0x11, 0xBE, 0xDE, 0, 1, 0x42, 1, 2, 3};
	memset(packet + 20, 0xAA, 20);
	parley_rtp_packet in = {.buffer = (char *)packet, .length = 40, .mindex = 0, .audio_level = 30};
	room_handle *a_main = clients[A].plugin_handle;
	parley_room_incoming_rtp(ctx, a_main, &in);
	assert_int_equal(relayed->len, 0);
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s}", "request", "resumeConsumer", "consumerId", consumer),
	                         NULL), 0);
	parley_room_incoming_rtp(ctx, a_main, &in);
	assert_int_equal(relayed->len, 1);
	relayed_packet *out = &g_array_index(relayed, relayed_packet, 0);
	assert_ptr_equal(out->session, &companions[1]);
	assert_int_equal(out->mindex, 1);
	assert_int_equal(out->data[1] & 0x7f, 100);
	assert_int_equal(((uint32_t)out->data[8] << 24 | (uint32_t)out->data[9] << 16 | (uint32_t)out->data[10] << 8 |
	                  out->data[11]), 5001);
	/* one-byte extensions: mid (id 1, "1"), audio level (id 10); no abs-send-time (not declared) */
	assert_int_equal(out->data[12], 0xBE);
	assert_int_equal(out->data[16], 0x10);
	assert_int_equal(out->data[17], '1');
	assert_int_equal(out->data[18], 0xA0);
	assert_int_equal(out->data[19], 30);

	/* the SFU service's name for setPreferredLayers */
	char *video_consumer = NULL;
	g_mutex_lock(&ctx->lock);
	room_peer *b = ((room_handle *)clients[B].plugin_handle)->peer;
	for (guint i = 0; i < b->consumers->len; i++)
		if (((room_consumer *)b->consumers->pdata[i])->producer == parley_room_producer_lookup_locked(ctx, video))
			video_consumer = g_strdup(((room_consumer *)b->consumers->pdata[i])->id);
	g_mutex_unlock(&ctx->lock);
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s, s:i, s:i}", "request", "setConsumerPreferredLayers",
	                                                "consumerId", video_consumer, "spatialLayer", 1, "temporalLayer",
	                                                0), NULL), 0);
	g_mutex_lock(&ctx->lock);
	assert_int_equal(parley_room_consumer_lookup_locked(ctx, video_consumer)->preferred_layer, 1);
	g_mutex_unlock(&ctx->lock);

	/* closing the producer closes its stream on A and B's consumer stream */
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s}", "request", "closeProducer", "producerId", video),
	                         NULL), 0);
	assert_true(was_called("close A 1"));
	assert_true(was_called("close c1 0"));
	assert_non_null(last_event(&clients[B], "producerClosed"));

	/* A's socket goes: its receive transport's companion ends, its place is kept */
	parley_room_handle_detach(ctx, &clients[A]);
	assert_null(last_event(&clients[B], "peerLeft"));
	assert_true(was_called("end c0"));
	g_free(a_send);
	g_free(a_recv);
	g_free(b_recv);
	g_free(audio);
	g_free(video);
	g_free(consumer);
	g_free(video_consumer);
	teardown_room(ctx);
}

static void test_refusals(void **state)
{
	(void)state;
	room_ctx *ctx = setup_room(&msc_core);
	char *a_send = transport(&clients[A], "send");
	char *audio = produce(&clients[A], a_send, true, 1);
	/* consume before a receive transport */
	assert_int_equal(request(&clients[B], consume_body(audio), NULL), ROOM_ERR_NOT_JOINED);
	char *b_recv = transport(&clients[B], "recv");
	assert_int_equal(request(&clients[B], consume_body("nosuchproducer"), NULL), ROOM_ERR_NOT_FOUND);
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s, s:s}", "request", "consume", "producerId", audio,
	                                                "rtpCapabilities", "x"), NULL), ROOM_ERR_INVALID);
	/* bad produce members */
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:s, s:o}", "request", "produce", "transportId",
	                                                a_send, "kind", "data", "rtpParameters",
	                                                rtp_parameters(true, 1)), NULL), ROOM_ERR_INVALID);
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:s, s:{}}", "request", "produce", "transportId",
	                                                a_send, "kind", "audio", "rtpParameters"), NULL),
	                 ROOM_ERR_INVALID);
	/* another room */
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:s}", "request", "createWebRtcTransport", "roomId",
	                                                "other", "direction", "send"), NULL), ROOM_ERR_NOT_JOINED);
	/* refusals also reach the client as an error event */
	json_t *error = last_event(&clients[A], "error");
	assert_int_equal(json_integer_value(json_object_get(error, "code")), ROOM_ERR_NOT_JOINED);
	assert_string_equal(json_string_value(json_object_get(error, "request")), "createWebRtcTransport");
	/* a handle in no room */
	parley_plugin_session loner = {0};
	loner.plugin_handle = parley_room_handle_attach(ctx, &loner);
	assert_int_equal(request(&loner, json_pack("{s:s, s:s}", "request", "createWebRtcTransport", "direction", "send"),
	                         NULL), ROOM_ERR_NOT_JOINED);
	parley_room_handle_detach(ctx, &loner);
	/* SDP requests on mediasoup transports are refused */
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s}", "request", "consume", "producerId", audio), NULL),
	                 ROOM_ERR_CONFLICT);
	parley_plugin_result result;
	json_t *body = json_pack("{s:s}", "request", "produce");
	json_t *jsep = json_pack("{s:s, s:s}", "type", "offer", "sdp", "v=0\r\n");
	parley_room_handle_request(ctx, &clients[A], "tx", body, jsep, &result);
	assert_int_equal(result.kind, PARLEY_PLUGIN_ERROR);
	assert_int_equal(atoi(result.text), ROOM_ERR_CONFLICT);
	json_decref(body);
	json_decref(jsep);
	/* the SDP requests of the same names are untouched: no rtpParameters, no jsep */
	assert_int_equal(request(&clients[A], json_pack("{s:s}", "request", "produce"), NULL), ROOM_ERR_INVALID);
	assert_non_null(strstr(refusal, "jsep"));
	g_free(a_send);
	g_free(b_recv);
	g_free(audio);
	teardown_room(ctx);
}

/* The consumer of `producer` that `s`'s peer holds: its id (g_free). */
static char *consumer_of(parley_plugin_session *s, const char *producer)
{
	char *id = NULL;
	g_mutex_lock(&test_ctx->lock);
	room_peer *peer = ((room_handle *)s->plugin_handle)->peer;
	for (guint i = 0; peer != NULL && i < peer->consumers->len; i++) {
		room_consumer *c = peer->consumers->pdata[i];
		if (strcmp(c->producer->id, producer) == 0)
			id = g_strdup(c->id);
	}
	g_mutex_unlock(&test_ctx->lock);
	assert_non_null(id);
	return id;
}

/* A consumer event names the consumer, its producer and the producer's peer. */
static void assert_consumer_event(parley_plugin_session *s, const char *name, const char *consumer,
                                  const char *producer, const char *peer_id)
{
	json_t *event = last_event(s, name);
	assert_non_null(event);
	assert_string_equal(json_string_value(json_object_get(event, "consumerId")), consumer);
	assert_string_equal(json_string_value(json_object_get(event, "producerId")), producer);
	assert_string_equal(json_string_value(json_object_get(event, "peerId")), peer_id);
}

static const char *peer_id_of(parley_plugin_session *s)
{
	return ((room_handle *)s->plugin_handle)->peer->id;
}

/* A packet (a VP8 keyframe, 160x120) from `s`'s producer at m-line `mindex`
 * through the media path: how many went out. */
static guint forward_one(parley_plugin_session *s, int mindex)
{
	static uint16_t seq = 7;
	seq++;
	uint8_t packet[40] = {0x80, 101, (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0,
	                      0x22, 0x22, 0x10, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0xa0, 0x00, 0x78, 0x00};
	parley_rtp_packet in = {.buffer = (char *)packet, .length = sizeof(packet), .mindex = mindex};
	guint before = relayed->len;
	parley_room_incoming_rtp(test_ctx, s->plugin_handle, &in);
	return relayed->len - before;
}

static void test_consumer_events_and_pause(void **state)
{
	(void)state;
	room_ctx *ctx = setup_room(&msc_core);
	char *a_send = transport(&clients[A], "send");
	char *b_recv = transport(&clients[B], "recv");
	char *video = produce(&clients[A], a_send, false, 1);
	json_t *consumed = NULL;
	assert_int_equal(request(&clients[B], consume_body(video), &consumed), 0);
	json_decref(consumed);
	char *consumer = consumer_of(&clients[B], video);
	const char *a_id = peer_id_of(&clients[A]);
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s, s:s}", "request", "resumeConsumer", "roomId", "ms",
	                                                "consumerId", consumer), NULL), 0);
	assert_int_equal(forward_one(&clients[A], 0), 1);

	/* the consuming peer pauses its consumer: nothing is forwarded to it; a keyframe on resume */
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s, s:s}", "request", "pauseConsumer", "roomId", "ms",
	                                                "consumerId", consumer), NULL), 0);
	assert_int_equal(forward_one(&clients[A], 0), 0);
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s}", "request", "pauseConsumer", "consumerId", consumer),
	                         NULL), ROOM_ERR_NOT_FOUND);   /* not A's consumer */
	int plis = plis_sent;
	fake_now_ms += 5000;
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s, s:s}", "request", "resumeConsumer", "roomId", "ms",
	                                                "consumerId", consumer), NULL), 0);
	assert_int_equal(plis_sent, plis + 1);
	assert_int_equal(forward_one(&clients[A], 0), 1);

	/* the producer pauses and resumes: producerPaused to everyone, consumerPaused to its consumers */
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:s}", "request", "pauseProducer", "roomId", "ms",
	                                                "producerId", video), NULL), 0);
	assert_non_null(last_event(&clients[B], "producerPaused"));
	assert_consumer_event(&clients[B], "consumerPaused", consumer, video, a_id);
	assert_int_equal(events_to(&clients[A], "consumerPaused"), 0);
	assert_int_equal(forward_one(&clients[A], 0), 0);
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:s}", "request", "resumeProducer", "roomId", "ms",
	                                                "producerId", video), NULL), 0);
	json_t *resumed = last_event(&clients[B], "producerResumed");
	assert_string_equal(json_string_value(json_object_get(resumed, "producerId")), video);
	assert_string_equal(json_string_value(json_object_get(resumed, "peerId")), a_id);
	assert_consumer_event(&clients[B], "consumerResumed", consumer, video, a_id);
	assert_int_equal(forward_one(&clients[A], 0), 1);

	/* the producer closes: producerClosed and consumerClosed, the consumer is gone */
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:s}", "request", "closeProducer", "roomId", "ms",
	                                                "producerId", video), NULL), 0);
	assert_non_null(last_event(&clients[B], "producerClosed"));
	assert_consumer_event(&clients[B], "consumerClosed", consumer, video, a_id);
	assert_int_equal(events_to(&clients[B], "consumerClosed"), 1);
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s}", "request", "resumeConsumer", "consumerId", consumer),
	                         NULL), ROOM_ERR_NOT_FOUND);
	g_free(a_send);
	g_free(b_recv);
	g_free(video);
	g_free(consumer);
	teardown_room(ctx);
}

static void test_produce_paused(void **state)
{
	(void)state;
	room_ctx *ctx = setup_room(&msc_core);
	char *a_send = transport(&clients[A], "send");
	char *b_recv = transport(&clients[B], "recv");
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:s, s:o, s:s}", "request", "produce", "transportId",
	                                                a_send, "kind", "video", "rtpParameters",
	                                                rtp_parameters(false, 1), "paused", "yes"), NULL),
	                 ROOM_ERR_INVALID);
	assert_non_null(strstr(refusal, "paused"));
	json_t *answer = NULL;
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s, s:s, s:s, s:o, s:b}", "request", "produce", "roomId",
	                                                "ms", "transportId", a_send, "kind", "video", "rtpParameters",
	                                                rtp_parameters(false, 1), "paused", true), &answer), 0);
	char *video = g_strdup(json_string_value(json_object_get(answer, "producerId")));
	json_decref(answer);
	json_t *announced = last_event(&clients[B], "newProducer");
	assert_true(json_is_true(json_object_get(announced, "paused")));
	json_t *listed = NULL;
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s}", "request", "getProducers", "roomId", "ms"), &listed),
	                 0);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(listed, "producers"), 0), "paused")));
	json_decref(listed);
	json_t *consumed = NULL;
	assert_int_equal(request(&clients[B], consume_body(video), &consumed), 0);
	assert_true(json_is_true(json_object_get(consumed, "producerPaused")));
	char *consumer = g_strdup(json_string_value(json_object_get(consumed, "consumerId")));
	json_decref(consumed);
	/* resumed by its consumer, still paused by its producer: nothing goes out */
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s}", "request", "resumeConsumer", "consumerId", consumer),
	                         NULL), 0);
	assert_int_equal(forward_one(&clients[A], 0), 0);
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s}", "request", "resumeProducer", "producerId", video),
	                         NULL), 0);
	assert_consumer_event(&clients[B], "consumerResumed", consumer, video, peer_id_of(&clients[A]));
	assert_int_equal(forward_one(&clients[A], 0), 1);
	/* a producer made without paused starts running, and says so */
	char *audio = produce(&clients[A], a_send, true, 1);
	assert_false(json_is_true(json_object_get(last_event(&clients[B], "newProducer"), "paused")));
	assert_non_null(json_object_get(last_event(&clients[B], "newProducer"), "paused"));
	g_free(a_send);
	g_free(b_recv);
	g_free(video);
	g_free(audio);
	g_free(consumer);
	teardown_room(ctx);
}

/* A's socket dies: the core ends both handles of its session (in `companion_first` order). */
static void socket_dies(parley_plugin_session *client, parley_plugin_session *companion, bool companion_first)
{
	if (companion_first)
		parley_room_handle_detach(test_ctx, companion);
	parley_room_handle_detach(test_ctx, client);
	parley_room_handle_detach(test_ctx, companion);   /* gone already, or now */
}

static void reconnect_within_window(bool companion_first)
{
	room_ctx *ctx = setup_room(&msc_core);
	char *a_send = transport(&clients[A], "send");
	char *a_recv = transport(&clients[A], "recv");
	char *b_send = transport(&clients[B], "send");
	char *b_recv = transport(&clients[B], "recv");
	char *a_video = produce(&clients[A], a_send, false, 1);
	char *b_audio = produce(&clients[B], b_send, true, 1);
	json_t *consumed = NULL;
	assert_int_equal(request(&clients[B], consume_body(a_video), &consumed), 0);
	json_decref(consumed);
	assert_int_equal(request(&clients[A], consume_body(b_audio), &consumed), 0);
	json_decref(consumed);
	char *b_consumer = consumer_of(&clients[B], a_video);
	char *a_id = g_strdup(peer_id_of(&clients[A]));
	unsigned joined_before = events_to(&clients[B], "peerJoined");

	socket_dies(&clients[A], &companions[0], companion_first);
	/* A's producers close for the others; A's place stays (connected: false) */
	assert_non_null(last_event(&clients[B], "producerClosed"));
	assert_consumer_event(&clients[B], "consumerClosed", b_consumer, a_video, a_id);
	assert_null(last_event(&clients[B], "peerLeft"));
	assert_true(was_called("close A 0"));   /* A's producer stream on its (gone) send transport */
	json_t *info = NULL;
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s}", "request", "getRoomInfo", "roomId", "ms"), &info), 0);
	assert_int_equal(json_integer_value(json_object_get(info, "peerCount")), 2);
	json_decref(info);
	json_t *listed = NULL;
	assert_int_equal(request(&clients[B], json_pack("{s:s}", "request", "getProducers"), &listed), 0);
	assert_int_equal(json_array_size(json_object_get(listed, "producers")), 0);
	json_decref(listed);
	g_mutex_lock(&ctx->lock);
	room_peer *b = ((room_handle *)clients[B].plugin_handle)->peer;
	assert_int_equal(b->consumers->len, 0);
	room_peer *a = g_hash_table_lookup(parley_room_lookup_locked(ctx, "ms")->peers, a_id);
	assert_non_null(a);
	assert_null(a->main);
	assert_null(a->subscriber);
	assert_int_equal(a->consumers->len, 0);
	assert_int_equal(a->producers->len, 0);
	g_mutex_unlock(&ctx->lock);

	/* 20 s later A joins again from a new socket with its peerId */
	fake_now_ms += 20000;
	assert_int_equal(parley_room_sweep(ctx, fake_now_ms), 0);
	spare.plugin_handle = parley_room_handle_attach(ctx, &spare);
	json_t *back = NULL;
	assert_int_equal(request(&spare, json_pack("{s:s, s:s, s:s}", "request", "joinRoom", "roomId", "ms", "peerId",
	                                           a_id), &back), 0);
	assert_true(json_is_true(json_object_get(back, "reconnected")));
	assert_string_equal(json_string_value(json_object_get(back, "peerId")), a_id);
	assert_int_equal(json_array_size(json_object_get(back, "peers")), 1);
	json_decref(back);
	assert_int_equal(events_to(&clients[B], "peerJoined"), joined_before);   /* it never left */
	assert_null(last_event(&clients[B], "peerLeft"));
	/* new transports (a new companion), produce again, consume B again */
	char *send2 = transport(&spare, "send");
	char *recv2 = transport(&spare, "recv");
	assert_true(was_called("companion of S"));
	char *video2 = produce(&spare, send2, false, 1);
	assert_string_equal(json_string_value(json_object_get(last_event(&clients[B], "newProducer"), "producerId")),
	                    video2);
	assert_int_equal(request(&spare, consume_body(b_audio), &consumed), 0);
	json_decref(consumed);
	assert_int_equal(request(&clients[B], consume_body(video2), &consumed), 0);
	json_decref(consumed);
	/* media flows both ways again */
	char *to_b = consumer_of(&clients[B], video2);
	char *to_a = consumer_of(&spare, b_audio);
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s}", "request", "resumeConsumer", "consumerId", to_b),
	                         NULL), 0);
	assert_int_equal(request(&spare, json_pack("{s:s, s:s}", "request", "resumeConsumer", "consumerId", to_a), NULL),
	                 0);
	assert_int_equal(forward_one(&spare, 2), 1);   /* the fake core's third stream in */
	assert_ptr_equal(g_array_index(relayed, relayed_packet, relayed->len - 1).session, &companions[1]);
	assert_int_equal(forward_one(&clients[B], 1), 1);
	assert_ptr_equal(g_array_index(relayed, relayed_packet, relayed->len - 1).session, &companions[2]);
	/* long after: A is still in (the window counts from the drop only) */
	fake_now_ms += 40000;
	assert_int_equal(request(&spare, json_pack("{s:s}", "request", "heartbeat"), NULL), 0);
	assert_int_equal(request(&clients[B], json_pack("{s:s}", "request", "heartbeat"), NULL), 0);
	assert_int_equal(parley_room_sweep(ctx, fake_now_ms), 0);
	assert_null(last_event(&clients[B], "peerLeft"));
	parley_room_handle_detach(ctx, &spare);
	g_free(a_send);
	g_free(a_recv);
	g_free(b_send);
	g_free(b_recv);
	g_free(a_video);
	g_free(b_audio);
	g_free(b_consumer);
	g_free(a_id);
	g_free(send2);
	g_free(recv2);
	g_free(video2);
	g_free(to_b);
	g_free(to_a);
	teardown_room(ctx);
}

static void test_reconnect_main_first(void **state)
{
	(void)state;
	reconnect_within_window(false);
}

static void test_reconnect_companion_first(void **state)
{
	(void)state;
	reconnect_within_window(true);
}

static void test_reconnect_window_ends(void **state)
{
	(void)state;
	room_ctx *ctx = setup_room(&msc_core);
	char *a_send = transport(&clients[A], "send");
	char *a_recv = transport(&clients[A], "recv");
	char *a_id = g_strdup(peer_id_of(&clients[A]));
	socket_dies(&clients[A], &companions[0], false);
	fake_now_ms += 29000;
	assert_int_equal(request(&clients[B], json_pack("{s:s}", "request", "heartbeat"), NULL), 0);
	assert_int_equal(parley_room_sweep(ctx, fake_now_ms), 0);
	fake_now_ms += 1000;
	assert_int_equal(parley_room_sweep(ctx, fake_now_ms), 1);
	json_t *left = last_event(&clients[B], "peerLeft");
	assert_non_null(left);
	assert_string_equal(json_string_value(json_object_get(left, "peerId")), a_id);
	assert_string_equal(json_string_value(json_object_get(left, "reason")), "disconnected");
	/* the peerId is a new peer now */
	spare.plugin_handle = parley_room_handle_attach(ctx, &spare);
	json_t *late = NULL;
	assert_int_equal(request(&spare, json_pack("{s:s, s:s, s:s}", "request", "joinRoom", "roomId", "ms", "peerId",
	                                           a_id), &late), 0);
	assert_false(json_is_true(json_object_get(late, "reconnected")));
	json_decref(late);
	parley_room_handle_detach(ctx, &spare);
	g_free(a_send);
	g_free(a_recv);
	g_free(a_id);
	teardown_room(ctx);
}

static void test_rejoin_from_another_socket(void **state)
{
	(void)state;
	room_ctx *ctx = setup_room(&msc_core);
	char *a_send = transport(&clients[A], "send");
	char *a_recv = transport(&clients[A], "recv");
	char *video = produce(&clients[A], a_send, false, 1);
	char *a_id = g_strdup(peer_id_of(&clients[A]));
	/* the old socket is not noticed gone yet: the new one takes the place */
	spare.plugin_handle = parley_room_handle_attach(ctx, &spare);
	json_t *back = NULL;
	assert_int_equal(request(&spare, json_pack("{s:s, s:s, s:s}", "request", "joinRoom", "roomId", "ms", "peerId",
	                                           a_id), &back), 0);
	assert_true(json_is_true(json_object_get(back, "reconnected")));
	json_decref(back);
	assert_true(was_called("close_pc A"));   /* the old send transport */
	assert_true(was_called("end c0"));       /* the old receive transport */
	assert_non_null(last_event(&clients[B], "producerClosed"));
	assert_null(last_event(&clients[B], "peerLeft"));
	assert_int_equal(json_integer_value(json_object_get(last_event(&clients[A], "error"), "code")), ROOM_ERR_CONFLICT);
	g_mutex_lock(&ctx->lock);
	room_handle *old = parley_room_handle_lookup_locked(ctx, &clients[A]);
	assert_null(old->peer);
	assert_false(old->params);
	g_mutex_unlock(&ctx->lock);
	char *send2 = transport(&spare, "send");
	char *recv2 = transport(&spare, "recv");
	/* the old socket's requests no longer reach the peer; its end changes nothing */
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s}", "request", "createWebRtcTransport", "direction",
	                                                "send"), NULL), ROOM_ERR_NOT_JOINED);
	parley_room_handle_detach(ctx, &clients[A]);
	g_mutex_lock(&ctx->lock);
	room_peer *a = ((room_handle *)spare.plugin_handle)->peer;
	assert_non_null(a);
	assert_ptr_equal(a->main, spare.plugin_handle);
	assert_non_null(a->subscriber);
	g_mutex_unlock(&ctx->lock);
	/* an explicit leaveRoom leaves at once */
	assert_int_equal(request(&spare, json_pack("{s:s, s:s}", "request", "leaveRoom", "roomId", "ms"), NULL), 0);
	json_t *left = last_event(&clients[B], "peerLeft");
	assert_string_equal(json_string_value(json_object_get(left, "peerId")), a_id);
	assert_string_equal(json_string_value(json_object_get(left, "reason")), "left");
	parley_room_handle_detach(ctx, &spare);
	g_free(a_send);
	g_free(a_recv);
	g_free(video);
	g_free(a_id);
	g_free(send2);
	g_free(recv2);
	teardown_room(ctx);
}

/* The seed's requests and events with the mediasoup flow: their members. */
static void test_seed_requests(void **state)
{
	(void)state;
	room_ctx *ctx = setup_room(&msc_core);
	char *a_send = transport(&clients[A], "send");
	char *audio = produce(&clients[A], a_send, true, 1);
	json_t *announced = last_event(&clients[B], "newProducer");
	assert_string_equal(json_string_value(json_object_get(announced, "peerId")), peer_id_of(&clients[A]));
	assert_string_equal(json_string_value(json_object_get(announced, "kind")), "audio");
	assert_true(json_is_object(json_object_get(announced, "metadata")));
	json_t *answer = NULL;
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s}", "request", "getProducers", "roomId", "ms"), &answer),
	                 0);
	json_t *first = json_array_get(json_object_get(answer, "producers"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "producerId")), audio);
	assert_string_equal(json_string_value(json_object_get(first, "peerId")), peer_id_of(&clients[A]));
	assert_string_equal(json_string_value(json_object_get(first, "kind")), "audio");
	assert_string_equal(json_string_value(json_object_get(json_object_get(first, "metadata"), "source")), "mic");
	json_decref(answer);
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s}", "request", "getRoomInfo", "roomId", "ms"), &answer),
	                 0);
	assert_int_equal(json_integer_value(json_object_get(answer, "peerCount")), 2);
	assert_int_equal(json_array_size(json_object_get(answer, "peers")), 2);
	json_decref(answer);
	assert_int_equal(request(&clients[A], json_pack("{s:s}", "request", "heartbeat"), &answer), 0);
	assert_true(json_is_true(json_object_get(answer, "success")));
	json_decref(answer);
	/* createRoom tells its creator roomCreated {roomId} */
	spare.plugin_handle = parley_room_handle_attach(ctx, &spare);
	assert_int_equal(request(&spare, json_pack("{s:s, s:{s:s}}", "request", "createRoom", "metadata", "name", "x"),
	                         &answer), 0);
	assert_string_equal(json_string_value(json_object_get(last_event(&spare, "roomCreated"), "roomId")),
	                    json_string_value(json_object_get(answer, "roomId")));
	assert_non_null(json_object_get(answer, "peerId"));
	json_decref(answer);
	parley_room_handle_detach(ctx, &spare);
	/* closeProducer of another's producer is refused; leaveRoom: peerLeft {peerId} */
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s}", "request", "closeProducer", "producerId", audio),
	                         NULL), ROOM_ERR_NOT_FOUND);
	const char *b_id = peer_id_of(&clients[B]);
	char *b_copy = g_strdup(b_id);
	assert_int_equal(request(&clients[B], json_pack("{s:s, s:s}", "request", "leaveRoom", "roomId", "ms"), NULL), 0);
	assert_string_equal(json_string_value(json_object_get(last_event(&clients[A], "peerLeft"), "peerId")), b_copy);
	g_free(b_copy);
	g_free(a_send);
	g_free(audio);
	teardown_room(ctx);
}

static void test_core_without_parameters(void **state)
{
	(void)state;
	room_ctx *ctx = setup_room(&fake_core);
	assert_int_equal(request(&clients[A], json_pack("{s:s, s:s}", "request", "createWebRtcTransport", "direction",
	                                                "send"), NULL), ROOM_ERR_UNAVAILABLE);
	assert_int_equal(request(&clients[A], json_pack("{s:s}", "request", "getRouterRtpCapabilities"), NULL),
	                 ROOM_ERR_UNAVAILABLE);
	teardown_room(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transports_map_to_handles),
		cmocka_unit_test(test_produce_and_consume),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_consumer_events_and_pause),
		cmocka_unit_test(test_produce_paused),
		cmocka_unit_test(test_reconnect_main_first),
		cmocka_unit_test(test_reconnect_companion_first),
		cmocka_unit_test(test_reconnect_window_ends),
		cmocka_unit_test(test_rejoin_from_another_socket),
		cmocka_unit_test(test_seed_requests),
		cmocka_unit_test(test_core_without_parameters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
