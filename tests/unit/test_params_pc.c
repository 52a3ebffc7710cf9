/*
 * test_params_pc.c — a PeerConnection set up only through the parameters
 * API (core/media/params_session.c) on the ICE-lite transport, against a
 * client PeerConnection (libnice, full ICE, controlling) set up through SDP
 * the test builds from the server's parameters, as mediasoup-client does
 * on its side: a remote answer with a=ice-lite, the ufrag, password,
 * candidates and fingerprint of the transport, and one m-line per declared
 * stream. ICE and DTLS connect; the client's video reaches the server's
 * incoming_rtp on the declared stream (its mindex, mid and SSRC); the
 * server's declared outgoing audio reaches the client with the SSRC the
 * server announced; the receive-transport flow (the client answers an
 * offer built from the server's consumers and is the DTLS server: role
 * "server" makes the server the DTLS client); simulcast layers known by
 * rid only, kept across a
 * renegotiation; pause, close, slot reuse, ICE restart and the
 * refusals of a transport that is not ICE-lite or already connected.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "core/media/dtls.h"
#include "core/media/lite.h"
#include "core/media/params.h"
#include "core/media/pc.h"
#include "core/media/pc_helpers.h"

static const char *const loopback[] = { "127.0.0.1", NULL };

typedef struct end {
	GMainContext *context;
	parley_pc *pc;
	bool up, failed;
	unsigned rtp_in;
	int last_mindex;
	uint32_t last_ssrc;
	bool last_video;
} end;

typedef struct fixture {
	end e[2]; /* 0: the client (SDP), 1: the server (parameters) */
} fixture;

/* The simulcast layer the core gave each SSRC's last packet. */
typedef struct layer_seen {
	uint32_t ssrc;
	int layer;
} layer_seen;
static layer_seen layers[4];

static void note_layer(uint32_t ssrc, int layer)
{
	for (size_t i = 0; i < G_N_ELEMENTS(layers); i++)
		if (layers[i].ssrc == ssrc || !layers[i].ssrc) {
			layers[i] = (layer_seen){ ssrc, layer };
			return;
		}
}

static int layer_of(uint32_t ssrc)
{
	for (size_t i = 0; i < G_N_ELEMENTS(layers); i++)
		if (layers[i].ssrc == ssrc)
			return layers[i].layer;
	return -1;
}

static void cb_up(void *u)
{
	((end *)u)->up = true;
}

static void cb_failed(void *u, const char *reason)
{
	((end *)u)->failed = true;
}

static void cb_rtp(void *u, parley_rtp_packet *p)
{
	end *e = u;
	const uint8_t *b = (const uint8_t *)p->buffer;
	e->rtp_in++;
	e->last_mindex = p->mindex;
	e->last_video = p->video;
	e->last_ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
	note_layer(e->last_ssrc, p->simulcast_layer);
}

static const parley_pc_callbacks callbacks = { .webrtc_up = cb_up, .failed = cb_failed, .incoming_rtp = cb_rtp };

static int setup(void **state)
{
	char err[256];
	assert_int_equal(parley_pc_global_setup(NULL, NULL, err, sizeof(err)), 0);
	fixture *f = g_new0(fixture, 1);
	GMainContext *contexts[2];
	for (int k = 0; k < 2; k++) {
		contexts[k] = f->e[k].context = g_main_context_new();
		assert_true(g_main_context_acquire(contexts[k]));
	}
	parley_lite_config config = { .interfaces = loopback, .consent_timeout_ms = 30000 };
	GError *error = NULL;
	assert_int_equal(parley_lite_start(contexts, 2, &config, &error), 0);
	parley_pc_settings client = { .ice = { .interfaces = loopback, .connect_timeout_ms = 5000 },
		                      .consent_timeout_ms = 60000 };
	parley_pc_settings server = client;
	server.ice.lite = true;
	f->e[0].pc = parley_pc_new(contexts[0], &client, &callbacks, &f->e[0]);
	f->e[1].pc = parley_pc_new(contexts[1], &server, &callbacks, &f->e[1]);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	for (int k = 0; k < 2; k++) {
		parley_pc_close(f->e[k].pc);
		parley_pc_unref(f->e[k].pc);
		for (int i = 0; i < 50; i++)
			g_main_context_iteration(f->e[k].context, FALSE);
	}
	parley_lite_stop();
	for (int k = 0; k < 2; k++) {
		while (g_main_context_iteration(f->e[k].context, FALSE))
			;
		g_main_context_release(f->e[k].context);
		g_main_context_unref(f->e[k].context);
	}
	g_free(f);
	return 0;
}

static void spin(fixture *f, int ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
	while (g_get_monotonic_time() < deadline) {
		bool busy = g_main_context_iteration(f->e[0].context, FALSE);
		busy |= g_main_context_iteration(f->e[1].context, FALSE);
		if (!busy)
			g_usleep(1000);
	}
}

/* Sends `count` packets from `from` on `mindex` with `pt`, 20 ms apart, spinning both loops. */
static int send_rtp(fixture *f, end *from, int mindex, uint8_t pt, bool video, int count)
{
	static uint16_t seq;
	int sent = 0;
	for (int i = 0; i < count; i++) {
		uint8_t packet[120] = { 0x80, pt };
		packet[2] = (uint8_t)(seq >> 8);
		packet[3] = (uint8_t)seq++;
		packet[11] = 9; /* rewritten to the announced SSRC */
		parley_rtp_packet p = {
			.buffer = (char *)packet, .length = 100, .mindex = (uint8_t)mindex, .video = video
		};
		sent += parley_pc_relay_rtp(from->pc, &p) == 0;
		spin(f, 20);
	}
	return sent;
}

static json_t *parse(const char *text)
{
	json_error_t error;
	json_t *json = json_loads(text, JSON_DECODE_ANY, &error);
	if (!json)
		fail_msg("bad JSON in the test: %s", error.text);
	return json;
}

/* ---- what the client builds from the server's parameters ---- */

static void put_codecs(GString *sdp, json_t *rtp)
{
	size_t i;
	json_t *c;
	json_array_foreach (json_object_get(rtp, "codecs"), i, c) {
		int pt = (int)json_integer_value(json_object_get(c, "payloadType"));
		const char *mime = json_string_value(json_object_get(c, "mimeType"));
		json_t *channels = json_object_get(c, "channels");
		g_string_append_printf(sdp, "a=rtpmap:%d %s/%d", pt, strchr(mime, '/') + 1,
		                       (int)json_integer_value(json_object_get(c, "clockRate")));
		if (channels)
			g_string_append_printf(sdp, "/%d", (int)json_integer_value(channels));
		g_string_append(sdp, "\r\n");
		const char *key;
		json_t *value;
		bool first = true;
		json_object_foreach (json_object_get(c, "parameters"), key, value) {
			g_string_append_printf(sdp, first ? "a=fmtp:%d " : ";", pt);
			if (json_is_integer(value))
				g_string_append_printf(sdp, "%s=%d", key, (int)json_integer_value(value));
			else
				g_string_append_printf(sdp, "%s=%s", key, json_string_value(value));
			first = false;
		}
		if (!first)
			g_string_append(sdp, "\r\n");
	}
}

/* One m-line of a description of the server: `setup` is passive in the
 * answer to the client's offer (send transport), actpass in an offer the
 * client answers (receive transport), as mediasoup-client writes them. */
static void put_media(GString *sdp, json_t *transport, const char *kind, json_t *rtp, const char *direction,
                      const char *setup)
{
	json_t *ice = json_object_get(transport, "iceParameters");
	json_t *fp = json_array_get(json_object_get(json_object_get(transport, "dtlsParameters"), "fingerprints"), 0);
	g_string_append_printf(sdp, "m=%s 9 UDP/TLS/RTP/SAVPF", kind);
	size_t i;
	json_t *c;
	json_array_foreach (json_object_get(rtp, "codecs"), i, c)
		g_string_append_printf(sdp, " %d", (int)json_integer_value(json_object_get(c, "payloadType")));
	g_string_append_printf(sdp, "\r\nc=IN IP4 127.0.0.1\r\na=mid:%s\r\na=%s\r\n",
	                       json_string_value(json_object_get(rtp, "mid")), direction);
	g_string_append_printf(sdp, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:%s %s\r\na=setup:%s\r\n",
	                       json_string_value(json_object_get(ice, "usernameFragment")),
	                       json_string_value(json_object_get(ice, "password")),
	                       json_string_value(json_object_get(fp, "algorithm")),
	                       json_string_value(json_object_get(fp, "value")), setup);
	g_string_append(sdp, "a=rtcp-mux\r\na=rtcp-rsize\r\n");
	put_codecs(sdp, rtp);
	json_array_foreach (json_object_get(rtp, "headerExtensions"), i, c)
		g_string_append_printf(sdp, "a=extmap:%d %s\r\n", (int)json_integer_value(json_object_get(c, "id")),
		                       json_string_value(json_object_get(c, "uri")));
	json_array_foreach (json_object_get(transport, "iceCandidates"), i, c)
		g_string_append_printf(sdp, "a=candidate:%s 1 %s %" JSON_INTEGER_FORMAT " %s %d typ %s\r\n",
		                       json_string_value(json_object_get(c, "foundation")),
		                       json_string_value(json_object_get(c, "protocol")),
		                       json_integer_value(json_object_get(c, "priority")),
		                       json_string_value(json_object_get(c, "ip")),
		                       (int)json_integer_value(json_object_get(c, "port")),
		                       json_string_value(json_object_get(c, "type")));
	g_string_append(sdp, "a=end-of-candidates\r\n");
	const char *cname = json_string_value(json_object_get(json_object_get(rtp, "rtcp"), "cname"));
	json_array_foreach (json_object_get(rtp, "encodings"), i, c) {
		json_t *rtx = json_object_get(json_object_get(c, "rtx"), "ssrc");
		json_int_t ssrc = json_integer_value(json_object_get(c, "ssrc"));
		if (!strcmp(direction, "sendonly") && rtx)
			g_string_append_printf(sdp,
			                       "a=ssrc-group:FID %" JSON_INTEGER_FORMAT " %" JSON_INTEGER_FORMAT "\r\n",
			                       ssrc, json_integer_value(rtx));
		if (!strcmp(direction, "sendonly"))
			g_string_append_printf(sdp, "a=ssrc:%" JSON_INTEGER_FORMAT " cname:%s\r\n", ssrc, cname);
		if (!strcmp(direction, "sendonly") && rtx)
			g_string_append_printf(sdp, "a=ssrc:%" JSON_INTEGER_FORMAT " cname:%s\r\n",
			                       json_integer_value(rtx), cname);
	}
}

/* The client's offer: video it sends (mid 0: VP8 96 + RTX 97, SSRC 4444 +
 * 4445) and audio it receives (mid 1: opus at the router's 100). */
static char *client_offer(end *client)
{
	json_t *description = parse(
		"{\"media\": [{\"mid\": \"0\", \"kind\": \"video\", \"direction\": \"sendonly\", \"codec\": \"vp8\", \"pt\": 96,"
		" \"rtx_pt\": 97, \"ssrc\": 4444, \"rtx_ssrc\": 4445, \"msid\": \"s v\", \"extensions\": [{\"id\": 1, \"uri\":"
		" \"urn:ietf:params:rtp-hdrext:sdes:mid\"}]}, {\"mid\": \"1\", \"kind\": \"audio\", \"direction\": \"recvonly\","
		" \"codec\": \"opus\", \"pt\": 100, \"extensions\": [{\"id\": 1, \"uri\": \"urn:ietf:params:rtp-hdrext:sdes:mid\"}]}]}");
	char err[256] = "";
	char *plugin = parley_pc_helper_sdp_offer(description, err, sizeof(err));
	json_decref(description);
	assert_non_null(plugin);
	char *offer = parley_pc_local_description(client->pc, true, plugin, false, err, sizeof(err));
	g_free(plugin);
	assert_non_null(offer);
	return offer;
}

/* The client's dtlsParameters: role client, its certificate's fingerprint. */
static json_t *client_dtls(const char *offer)
{
	const char *line = strstr(offer, "a=fingerprint:sha-256 ");
	assert_non_null(line);
	line += strlen("a=fingerprint:sha-256 ");
	char value[200];
	snprintf(value, sizeof(value), "%.*s", (int)strcspn(line, "\r\n"), line);
	return json_pack("{ss s[{ss ss}]}", "role", "client", "fingerprints", "algorithm", "sha-256", "value", value);
}

static const char produced_video[] =
	"{\"mid\": \"0\", \"codecs\": [{\"mimeType\": \"video/VP8\", \"payloadType\": 96, \"clockRate\": 90000,"
	" \"rtcpFeedback\": [{\"type\": \"nack\"}, {\"type\": \"nack\", \"parameter\": \"pli\"}]}, {\"mimeType\":"
	" \"video/rtx\", \"payloadType\": 97, \"clockRate\": 90000, \"parameters\": {\"apt\": 96}}],"
	" \"headerExtensions\": [{\"uri\": \"urn:ietf:params:rtp-hdrext:sdes:mid\", \"id\": 1}],"
	" \"encodings\": [{\"ssrc\": 4444, \"rtx\": {\"ssrc\": 4445}}], \"rtcp\": {\"cname\": \"client\"}}";

static const char consumer_caps[] =
	"{\"kind\": \"audio\", \"rtpCapabilities\": {\"codecs\": [{\"kind\": \"audio\", \"mimeType\": \"audio/opus\","
	" \"preferredPayloadType\": 100, \"clockRate\": 48000, \"channels\": 2}], \"headerExtensions\": [{\"kind\":"
	" \"audio\", \"uri\": \"urn:ietf:params:rtp-hdrext:sdes:mid\", \"preferredId\": 1}]}}";

/* Server created and declared, client connected: the consumer's params in *consumer. */
static void connect_both(fixture *f, json_t **transport_out, json_t **consumer)
{
	end *client = &f->e[0], *server = &f->e[1];
	char err[512] = "";
	json_t *transport = NULL;
	assert_int_equal(parley_params_open(server->pc, &transport, err, sizeof(err)), 0);
	json_t *ice = json_object_get(transport, "iceParameters");
	assert_true(json_is_true(json_object_get(ice, "iceLite")));
	assert_true(strlen(json_string_value(json_object_get(ice, "usernameFragment"))) >= 4);
	json_t *candidate = json_array_get(json_object_get(transport, "iceCandidates"), 0);
	assert_non_null(candidate);
	assert_string_equal(json_string_value(json_object_get(candidate, "ip")), "127.0.0.1");
	assert_string_equal(json_string_value(json_object_get(candidate, "address")), "127.0.0.1");
	assert_int_equal(json_integer_value(json_object_get(candidate, "port")), parley_lite_port());
	assert_string_equal(json_string_value(json_object_get(candidate, "protocol")), "udp");
	assert_string_equal(json_string_value(json_object_get(candidate, "type")), "host");
	json_t *dtls = json_object_get(transport, "dtlsParameters");
	assert_string_equal(json_string_value(json_object_get(dtls, "role")), "auto");
	json_t *fp = json_array_get(json_object_get(dtls, "fingerprints"), 0);
	assert_string_equal(json_string_value(json_object_get(fp, "algorithm")), "sha-256");
	assert_string_equal(json_string_value(json_object_get(fp, "value")), parley_dtls_certificate_fingerprint());
	json_t *again = NULL;
	assert_int_equal(parley_params_open(server->pc, &again, err, sizeof(err)), PARLEY_PC_ERR_STATE);
	assert_null(again);

	char *offer = client_offer(client);
	json_t *client_dtls_parameters = client_dtls(offer);
	assert_int_equal(parley_params_connect(server->pc, client_dtls_parameters, err, sizeof(err)), 0);
	assert_int_equal(parley_params_connect(server->pc, client_dtls_parameters, err, sizeof(err)),
	                 PARLEY_PC_ERR_STATE);
	json_decref(client_dtls_parameters);

	json_t *produced = parse(produced_video);
	int mindex = -1;
	assert_int_equal(parley_params_receive(server->pc, "video", produced, &mindex, err, sizeof(err)), 0);
	assert_int_equal(mindex, 0);
	/* the same SSRC or mid again is refused, and leaves the pc as it was */
	assert_int_equal(parley_params_receive(server->pc, "video", produced, &mindex, err, sizeof(err)),
	                 PARLEY_PC_ERR_INVALID);
	assert_non_null(strstr(err, "SSRC 4444 is another stream's"));
	json_t *moved = json_deep_copy(produced);
	json_object_set_new(moved, "encodings", parse("[{\"ssrc\": 5555}]"));
	assert_int_equal(parley_params_receive(server->pc, "video", moved, &mindex, err, sizeof(err)),
	                 PARLEY_PC_ERR_INVALID);
	assert_non_null(strstr(err, "\"0\" is in use"));
	json_decref(moved);
	json_t *options = parse(consumer_caps);
	assert_int_equal(parley_params_send(server->pc, options, consumer, err, sizeof(err)), 0);
	json_decref(options);
	assert_int_equal(json_integer_value(json_object_get(*consumer, "mindex")), 1);
	json_t *rtp = json_object_get(*consumer, "rtpParameters");
	assert_string_equal(json_string_value(json_object_get(rtp, "mid")), "1");
	json_t *codec = json_array_get(json_object_get(rtp, "codecs"), 0);
	assert_string_equal(json_string_value(json_object_get(codec, "mimeType")), "audio/opus");
	assert_int_equal(json_integer_value(json_object_get(codec, "payloadType")), 100);
	assert_int_equal(json_integer_value(json_object_get(codec, "channels")), 2);
	assert_true(json_integer_value(json_object_get(json_array_get(json_object_get(rtp, "encodings"), 0), "ssrc")) >
	            0);

	GString *answer = g_string_new("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n"
	                               "a=group:BUNDLE 0 1\r\n");
	put_media(answer, transport, "video", produced, "recvonly", "passive");
	put_media(answer, transport, "audio", rtp, "sendonly", "passive");
	assert_int_equal(parley_pc_set_remote_description(client->pc, false, answer->str, err, sizeof(err)), 0);
	g_string_free(answer, TRUE);
	json_decref(produced);
	g_free(offer);
	for (int i = 0; i < 80 && !(client->up && server->up); i++)
		spin(f, 100);
	assert_true(client->up && server->up);
	*transport_out = transport;
}

static void media_both_ways(void **state)
{
	fixture *f = *state;
	end *client = &f->e[0], *server = &f->e[1];
	json_t *transport = NULL, *consumer = NULL;
	connect_both(f, &transport, &consumer);

	/* the client's video reaches the server's declared stream */
	assert_int_equal(send_rtp(f, client, 0, 96, true, 20), 20);
	assert_true(server->rtp_in >= 15);
	assert_int_equal(server->last_mindex, 0);
	assert_int_equal(server->last_ssrc, 4444);
	assert_true(server->last_video);
	json_t *info = parley_pc_info(server->pc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(info, "dtls"), "dtls-role")), "passive");
	assert_string_equal(json_string_value(json_object_get(info, "ice-role")), "controlled");
	json_t *stream = json_array_get(json_object_get(info, "streams"), 0);
	assert_string_equal(json_string_value(json_object_get(stream, "mid")), "0");
	json_decref(info);

	/* the server's declared audio reaches the client with the announced SSRC */
	json_t *rtp = json_object_get(consumer, "rtpParameters");
	uint32_t ssrc = (uint32_t)json_integer_value(
		json_object_get(json_array_get(json_object_get(rtp, "encodings"), 0), "ssrc"));
	assert_int_equal(send_rtp(f, server, 1, 100, false, 20), 20);
	assert_true(client->rtp_in >= 15);
	assert_int_equal(client->last_mindex, 1);
	assert_int_equal(client->last_ssrc, ssrc);

	/* what params_send returned is the caller's: changing it changes nothing here */
	json_object_set_new(json_object_get(consumer, "rtpParameters"), "codecs", json_integer(5));
	rtp = NULL;

	/* paused, the outgoing stream sends nothing; resumed, it sends again */
	char err[512] = "";
	assert_int_equal(parley_params_pause(server->pc, 1, true, err, sizeof(err)), 0);
	assert_int_equal(send_rtp(f, server, 1, 100, false, 3), 0);
	assert_int_equal(parley_params_pause(server->pc, 1, false, err, sizeof(err)), 0);
	assert_int_equal(send_rtp(f, server, 1, 100, false, 3), 3);

	/* a new ICE ufrag; the connection keeps working on the old one */
	const char *old_ufrag = json_string_value(
		json_object_get(json_object_get(transport, "iceParameters"), "usernameFragment"));
	json_t *restarted = NULL;
	assert_int_equal(parley_params_restart_ice(server->pc, &restarted, err, sizeof(err)), 0);
	assert_string_not_equal(json_string_value(json_object_get(restarted, "usernameFragment")), old_ufrag);
	assert_true(json_is_true(json_object_get(restarted, "iceLite")));
	json_decref(restarted);
	unsigned before = server->rtp_in;
	send_rtp(f, client, 0, 96, true, 10);
	assert_true(server->rtp_in > before);

	/* closed, the incoming stream reaches the plugin no more; its index is reused */
	assert_int_equal(parley_params_close(server->pc, 0, err, sizeof(err)), 0);
	assert_int_equal(parley_params_close(server->pc, 0, err, sizeof(err)), PARLEY_PC_ERR_INVALID);
	assert_int_equal(parley_params_pause(server->pc, 7, true, err, sizeof(err)), PARLEY_PC_ERR_INVALID);
	before = server->rtp_in;
	send_rtp(f, client, 0, 96, true, 5);
	assert_int_equal(server->rtp_in, before);
	json_t *options = parse(consumer_caps), *second = NULL;
	assert_int_equal(parley_params_send(server->pc, options, &second, err, sizeof(err)), 0);
	assert_int_equal(json_integer_value(json_object_get(second, "mindex")), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(second, "rtpParameters"), "mid")), "2");
	json_decref(second);
	json_decref(options);
	assert_false(client->failed || server->failed);
	json_decref(consumer);
	json_decref(transport);
}

/* One VP8 packet of `ssrc`, with the mid (id 1) and rid (id 2) extensions
 * when `rid` is set, sent by the client on m-line 0. */
static int send_layer(fixture *f, uint32_t ssrc, const char *rid, uint16_t seq)
{
	uint8_t packet[120] = { rid ? 0x90 : 0x80, 96, (uint8_t)(seq >> 8), (uint8_t)seq };
	packet[8] = (uint8_t)(ssrc >> 24);
	packet[9] = (uint8_t)(ssrc >> 16);
	packet[10] = (uint8_t)(ssrc >> 8);
	packet[11] = (uint8_t)ssrc;
	if (rid) {
		/* one-byte header: mid "0" (id 1), rid (id 2), padded to 8 bytes */
		const uint8_t ext[] = { 0xbe, 0xde, 0x00, 0x02, 0x10, '0', 0x21, (uint8_t)rid[0], (uint8_t)rid[1],
			                0,    0,    0 };
		memcpy(packet + 12, ext, sizeof(ext));
	}
	parley_rtp_packet p = { .buffer = (char *)packet, .length = 100, .mindex = 0, .video = true };
	int rc = parley_pc_relay_rtp(f->e[0].pc, &p);
	spin(f, 10);
	return rc;
}

static void simulcast_by_rid(void **state)
{
	fixture *f = *state;
	end *client = &f->e[0], *server = &f->e[1];
	memset(layers, 0, sizeof(layers));
	char err[512] = "";
	json_t *transport = NULL;
	assert_int_equal(parley_params_open(server->pc, &transport, err, sizeof(err)), 0);
	/* the client announces no SSRC: its layers are known by rid */
	json_t *description = parse(
		"{\"media\": [{\"mid\": \"0\", \"kind\": \"video\", \"direction\": \"sendonly\", \"codec\": \"vp8\", \"pt\": 96,"
		" \"extensions\": [{\"id\": 1, \"uri\": \"urn:ietf:params:rtp-hdrext:sdes:mid\"}, {\"id\": 2, \"uri\":"
		" \"urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\"}]}]}");
	char *plugin = parley_pc_helper_sdp_offer(description, err, sizeof(err));
	json_decref(description);
	char *offer = parley_pc_local_description(client->pc, true, plugin, false, err, sizeof(err));
	assert_non_null(offer);
	json_t *dtls = client_dtls(offer);
	assert_int_equal(parley_params_connect(server->pc, dtls, err, sizeof(err)), 0);
	json_t *produced = parse(
		"{\"mid\": \"0\", \"codecs\": [{\"mimeType\": \"video/VP8\", \"payloadType\": 96, \"clockRate\": 90000}],"
		" \"headerExtensions\": [{\"uri\": \"urn:ietf:params:rtp-hdrext:sdes:mid\", \"id\": 1}, {\"uri\":"
		" \"urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\", \"id\": 2}],"
		" \"encodings\": [{\"rid\": \"lo\"}, {\"rid\": \"hi\", \"scalabilityMode\": \"L1T3\"}]}");
	int mindex = -1;
	assert_int_equal(parley_params_receive(server->pc, "video", produced, &mindex, err, sizeof(err)), 0);
	GString *answer = g_string_new("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n"
	                               "a=group:BUNDLE 0\r\n");
	put_media(answer, transport, "video", produced, "recvonly", "passive");
	assert_int_equal(parley_pc_set_remote_description(client->pc, false, answer->str, err, sizeof(err)), 0);
	for (int i = 0; i < 80 && !(client->up && server->up); i++)
		spin(f, 100);
	assert_true(client->up && server->up);

	/* each SSRC is learnt from its rid: its simulcast layer is the encoding's rank */
	uint16_t seq = 0;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(send_layer(f, 7000, "hi", seq), 0);
		assert_int_equal(send_layer(f, 8000, "lo", seq++), 0);
	}
	spin(f, 100);
	assert_true(server->rtp_in >= 15);
	assert_int_equal(layer_of(7000), 1);
	assert_int_equal(layer_of(8000), 0);

	/* another stream declared renegotiates; the learnt layers stay, so
	 * packets without the extensions still arrive on their layer */
	json_t *options = parse(consumer_caps), *consumer = NULL;
	assert_int_equal(parley_params_send(server->pc, options, &consumer, err, sizeof(err)), 0);
	memset(layers, 0, sizeof(layers));
	unsigned before = server->rtp_in;
	for (int i = 0; i < 10; i++) {
		send_layer(f, 7000, NULL, seq);
		send_layer(f, 8000, NULL, seq++);
	}
	spin(f, 100);
	assert_true(server->rtp_in >= before + 15);
	assert_int_equal(server->last_mindex, 0);
	assert_int_equal(layer_of(7000), 1);
	assert_int_equal(layer_of(8000), 0);
	json_decref(consumer);
	json_decref(options);
	g_string_free(answer, TRUE);
	json_decref(produced);
	json_decref(dtls);
	g_free(offer);
	g_free(plugin);
	json_decref(transport);
}

/* The client's fingerprint in a description it wrote. */
static json_t *dtls_of(const char *sdp, const char *role)
{
	json_t *dtls = client_dtls(sdp);
	json_object_set_new(dtls, "role", json_string(role));
	return dtls;
}

static const char consumer_video_caps[] =
	"{\"kind\": \"video\", \"rtpCapabilities\": {\"codecs\": [{\"kind\": \"video\", \"mimeType\": \"video/VP8\","
	" \"clockRate\": 90000, \"rtcpFeedback\": [{\"type\": \"nack\"}, {\"type\": \"nack\", \"parameter\": \"pli\"}]},"
	" {\"kind\": \"video\", \"mimeType\": \"video/rtx\", \"clockRate\": 90000}], \"headerExtensions\": [{\"kind\":"
	" \"video\", \"uri\": \"urn:ietf:params:rtp-hdrext:sdes:mid\", \"preferredId\": 1}]}}";

/* mediasoup-client's receive transport: the client answers an offer built
 * from the server's parameters (consumers only), takes the DTLS server
 * side, and says role "server": the server is the DTLS client. */
static void receive_transport_server_offers(void **state)
{
	fixture *f = *state;
	end *client = &f->e[0], *server = &f->e[1];
	char err[512] = "";
	json_t *transport = NULL, *audio = NULL, *video = NULL;
	assert_int_equal(parley_params_open(server->pc, &transport, err, sizeof(err)), 0);
	json_t *options = parse(consumer_caps);
	assert_int_equal(parley_params_send(server->pc, options, &audio, err, sizeof(err)), 0);
	json_decref(options);
	options = parse(consumer_video_caps);
	assert_int_equal(parley_params_send(server->pc, options, &video, err, sizeof(err)), 0);
	json_decref(options);
	json_t *audio_rtp = json_object_get(audio, "rtpParameters"),
	       *video_rtp = json_object_get(video, "rtpParameters");
	assert_string_equal(json_string_value(json_object_get(video_rtp, "mid")), "1");
	assert_int_equal(json_array_size(json_object_get(video_rtp, "codecs")), 2);

	GString *offer = g_string_new("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n"
	                              "a=group:BUNDLE 0 1\r\n");
	put_media(offer, transport, "audio", audio_rtp, "sendonly", "actpass");
	put_media(offer, transport, "video", video_rtp, "sendonly", "actpass");
	assert_int_equal(parley_pc_set_remote_description(client->pc, true, offer->str, err, sizeof(err)), 0);
	char *plugin = parley_pc_helper_sdp_answer(offer->str, NULL, err, sizeof(err));
	assert_non_null(plugin);
	char *answer = parley_pc_local_description(client->pc, false, plugin, false, err, sizeof(err));
	assert_non_null(answer);
	assert_non_null(strstr(answer, "a=setup:passive"));
	json_t *dtls = dtls_of(answer, "server");
	assert_int_equal(parley_params_connect(server->pc, dtls, err, sizeof(err)), 0);
	for (int i = 0; i < 80 && !(client->up && server->up); i++)
		spin(f, 100);
	assert_true(client->up && server->up);
	json_t *info = parley_pc_info(server->pc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(info, "dtls"), "dtls-role")), "active");
	json_decref(info);

	json_t *video_encoding = json_array_get(json_object_get(video_rtp, "encodings"), 0);
	assert_int_equal(send_rtp(f, server, 1, 101, true, 15), 15);
	assert_true(client->rtp_in >= 10);
	assert_int_equal(client->last_mindex, 1);
	assert_int_equal(client->last_ssrc, (uint32_t)json_integer_value(json_object_get(video_encoding, "ssrc")));
	unsigned before = client->rtp_in;
	assert_int_equal(send_rtp(f, server, 0, 100, false, 15), 15);
	assert_true(client->rtp_in >= before + 10);
	assert_int_equal(client->last_mindex, 0);
	assert_false(client->failed || server->failed);
	json_decref(dtls);
	g_free(answer);
	g_free(plugin);
	g_string_free(offer, TRUE);
	json_decref(video);
	json_decref(audio);
	json_decref(transport);
}

static void refusals(void **state)
{
	fixture *f = *state;
	char err[512] = "";
	json_t *out = NULL, *caps = parse(consumer_caps), *produced = parse(produced_video);
	int mindex = -1;
	/* nothing before the transport */
	assert_int_equal(parley_params_receive(f->e[1].pc, "video", produced, &mindex, err, sizeof(err)),
	                 PARLEY_PC_ERR_STATE);
	assert_int_equal(parley_params_send(f->e[1].pc, caps, &out, err, sizeof(err)), PARLEY_PC_ERR_STATE);
	assert_int_equal(parley_params_connect(f->e[1].pc, caps, err, sizeof(err)), PARLEY_PC_ERR_STATE);
	assert_int_equal(parley_params_restart_ice(f->e[1].pc, &out, err, sizeof(err)), PARLEY_PC_ERR_STATE);
	/* a pc that is not on the ICE-lite transport */
	assert_int_equal(parley_params_open(f->e[0].pc, &out, err, sizeof(err)), PARLEY_PC_ERR_STATE);
	assert_non_null(strstr(err, "ice_lite"));
	assert_int_equal(parley_params_open(f->e[1].pc, &out, err, sizeof(err)), 0);
	json_decref(out);
	/* bad DTLS parameters, kinds and options */
	static const char *const bad_dtls[] = {
		"[]",
		"{\"role\": \"both\", \"fingerprints\": []}",
		"{\"role\": \"client\"}",
		"{\"fingerprints\": []}",
		"{\"fingerprints\": [{\"algorithm\": \"md5\", \"value\": \"AB\"}]}",
		"{\"fingerprints\": [{\"algorithm\": \"sha-256\", \"value\": \"AB:CD\"}]}",
		"{\"fingerprints\": [{\"algorithm\": \"sha-256\"}]}",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad_dtls); i++) {
		json_t *dtls = parse(bad_dtls[i]);
		int rc = parley_params_connect(f->e[1].pc, dtls, err, sizeof(err));
		if (rc != PARLEY_PC_ERR_INVALID && rc != PARLEY_PC_ERR_MISSING)
			fail_msg("dtls case %zu: %d %s", i, rc, err);
		json_decref(dtls);
	}
	assert_int_equal(parley_params_receive(f->e[1].pc, "data", produced, &mindex, err, sizeof(err)),
	                 PARLEY_PC_ERR_INVALID);
	assert_int_equal(parley_params_receive(f->e[1].pc, NULL, produced, &mindex, err, sizeof(err)),
	                 PARLEY_PC_ERR_MISSING);
	assert_int_equal(parley_params_receive(f->e[1].pc, "audio", produced, &mindex, err, sizeof(err)),
	                 PARLEY_PC_ERR_INVALID);
	assert_non_null(strstr(err, "mimeType"));
	json_object_set_new(caps, "paused", json_string("yes"));
	assert_int_equal(parley_params_send(f->e[1].pc, caps, &out, err, sizeof(err)), PARLEY_PC_ERR_INVALID);
	json_object_del(caps, "paused");
	json_object_del(caps, "rtpCapabilities");
	assert_int_equal(parley_params_send(f->e[1].pc, caps, &out, err, sizeof(err)), PARLEY_PC_ERR_MISSING);
	assert_null(out);
	/* streams up to the limit, then a refusal */
	json_t *full = parse(consumer_caps);
	int rc = 0;
	for (int i = 0; i <= PARLEY_SDP_MAX_MEDIA && rc == 0; i++) {
		rc = parley_params_send(f->e[1].pc, full, &out, err, sizeof(err));
		json_decref(out);
		out = NULL;
		if (rc == 0)
			assert_true(i < PARLEY_SDP_MAX_MEDIA);
	}
	assert_int_equal(rc, PARLEY_PC_ERR_LIMIT);
	assert_non_null(strstr(err, "streams per transport"));
	json_decref(full);
	json_decref(caps);
	json_decref(produced);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(media_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(simulcast_by_rid, setup, teardown),
		cmocka_unit_test_setup_teardown(receive_transport_server_offers, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
