/*
 * test_pc.c — PeerConnection unit tests: negotiation against captured
 * Chromium offers (our answer carries our ICE credentials, fingerprint,
 * setup, BUNDLE and candidates), error paths (invalid SDP, answer without
 * offer), the plugin SDP helpers, and two in-process pcs (one offers with
 * the helpers, the other answers) connecting over 127.0.0.1 with ICE + DTLS
 * and exchanging RTP both ways; a 100-m-line subscriber offer built by the
 * helper, answered, and RTP relayed to its 100th stream.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "core/media/pc.h"
#include "core/media/pc_helpers.h"
#include "core/media/dtls.h"
#include "core/media/sdp.h"

static const char *const loopback[] = { "127.0.0.1", NULL };

typedef struct end {
	parley_pc *pc;
	bool up, failed;
	unsigned rtp_in, candidates;
	bool completed;
	uint32_t last_ssrc;
	int last_mindex;
} end;

static void cb_candidate(void *u, const char *mid, int mline, const char *c)
{
	end *e = u;
	if (c)
		e->candidates++;
	else
		e->completed = true;
}
static void cb_up(void *u) { ((end *)u)->up = true; }
static void cb_failed(void *u, const char *reason) { ((end *)u)->failed = true; }
static void cb_rtp(void *u, parley_rtp_packet *p)
{
	end *e = u;
	e->rtp_in++;
	e->last_mindex = p->mindex;
	e->last_ssrc = ((uint32_t)(uint8_t)p->buffer[8] << 24) | ((uint32_t)(uint8_t)p->buffer[9] << 16) |
	               ((uint32_t)(uint8_t)p->buffer[10] << 8) | (uint8_t)p->buffer[11];
}

static const parley_pc_callbacks callbacks = {
	.local_candidate = cb_candidate, .webrtc_up = cb_up, .failed = cb_failed, .incoming_rtp = cb_rtp,
};

static parley_pc_settings settings(void)
{
	parley_pc_settings s = { .ice = { .interfaces = loopback, .connect_timeout_ms = 5000 } };
	return s;
}

static char *read_data(const char *name)
{
	const char *src = getenv("PARLEY_SRCDIR");
	char *path = g_strdup_printf("%s/tests/unit/data/sdp/%s", src ? src : "..", name);
	char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		fail_msg("cannot read %s", path);
	g_free(path);
	return text;
}

static int setup(void **state)
{
	char err[256];
	assert_int_equal(parley_pc_global_setup(NULL, NULL, err, sizeof(err)), 0);
	GMainContext *context = g_main_context_new();
	assert_true(g_main_context_acquire(context));
	*state = context;
	return 0;
}

static int teardown(void **state)
{
	GMainContext *context = *state;
	for (int i = 0; i < 50; i++)
		g_main_context_iteration(context, FALSE);
	g_main_context_release(context);
	g_main_context_unref(context);
	return 0;
}

static void pump(GMainContext *context, bool (*done)(void *), void *data, int max_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)max_ms * 1000;
	while (!done(data) && g_get_monotonic_time() < deadline)
		if (!g_main_context_iteration(context, FALSE))
			g_usleep(1000);
}

/* Fails naming the first of `needles` that `text` lacks. */
static void assert_contains(const char *text, const char *const *needles, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strstr(text, needles[i]))
			fail_msg("no \"%s\" in:\n%s", needles[i], text);
}

static void answer_chromium(void **state, const char *file)
{
	GMainContext *context = *state;
	parley_pc_settings s = settings();
	end e = { 0 };
	e.pc = parley_pc_new(context, &s, &callbacks, &e);
	char *offer = read_data(file);
	char err[256] = "";
	assert_int_equal(parley_pc_set_remote_description(e.pc, true, offer, err, sizeof(err)), 0);
	char *plugin_answer = parley_pc_helper_sdp_answer(offer, NULL, err, sizeof(err));
	assert_non_null(plugin_answer);
	assert_null(strstr(plugin_answer, "a=ice-ufrag"));
	char *answer = parley_pc_local_description(e.pc, false, plugin_answer, false, err, sizeof(err));
	assert_non_null(answer);
	const char *const expected[] = {
		"a=ice-ufrag:",    "a=ice-pwd:",     parley_dtls_certificate_fingerprint(),
		"a=setup:passive", "a=group:BUNDLE", "a=rtcp-mux",
		"a=candidate:",    " 127.0.0.1 ",    "a=end-of-candidates",
	};
	assert_contains(answer, expected, G_N_ELEMENTS(expected));
	/* The answer is itself valid SDP with our credentials. */
	json_t *summary = parley_pc_helper_sdp_summary(answer);
	assert_non_null(json_object_get(summary, "ice_ufrag"));
	assert_true(json_array_size(json_object_get(summary, "media")) >= 2);
	json_decref(summary);
	parley_pc_replay_candidates(e.pc);
	assert_true(e.candidates >= 1);
	assert_true(e.completed);
	parley_pc_close(e.pc);
	parley_pc_unref(e.pc);
	g_free(answer);
	g_free(plugin_answer);
	g_free(offer);
}

static void chromium_plain(void **state) { answer_chromium(state, "chromium-plain.sdp"); }
static void chromium_simulcast(void **state) { answer_chromium(state, "chromium-simulcast.sdp"); }

static void bad_descriptions(void **state)
{
	GMainContext *context = *state;
	parley_pc_settings s = settings();
	end e = { 0 };
	e.pc = parley_pc_new(context, &s, &callbacks, &e);
	char err[256] = "";
	assert_int_equal(parley_pc_set_remote_description(e.pc, true, "v=0\r\nbogus\r\n", err, sizeof(err)),
	                 PARLEY_PC_ERR_SDP);
	assert_true(err[0] != '\0');
	char *offer = read_data("chromium-plain.sdp");
	assert_int_equal(parley_pc_set_remote_description(e.pc, false, offer, err, sizeof(err)), PARLEY_PC_ERR_STATE);
	/* No fingerprint: refused with a reason. */
	GString *broken = g_string_new(offer);
	char *fp = strstr(broken->str, "a=fingerprint:");
	while (fp) {
		char *eol = strstr(fp, "\r\n");
		g_string_erase(broken, fp - broken->str, eol - fp + 2);
		fp = strstr(broken->str, "a=fingerprint:");
	}
	assert_int_equal(parley_pc_set_remote_description(e.pc, true, broken->str, err, sizeof(err)), PARLEY_PC_ERR_SDP);
	assert_non_null(strstr(err, "fingerprint"));
	g_string_free(broken, TRUE);
	g_free(offer);
	parley_pc_close(e.pc);
	parley_pc_unref(e.pc);
}

static void helpers(void **state)
{
	char err[256] = "";
	json_t *empty = json_pack("{s[]}", "media");
	assert_null(parley_pc_helper_sdp_offer(empty, err, sizeof(err)));
	json_decref(empty);
	json_t *bad = json_pack("{s[{ss ss}]}", "media", "mid", "0", "kind", "audio");
	assert_null(parley_pc_helper_sdp_offer(bad, err, sizeof(err)));
	assert_non_null(strstr(err, "pt"));
	json_decref(bad);
	json_t *summary = parley_pc_helper_sdp_summary("garbage");
	assert_non_null(json_object_get(summary, "error"));
	json_decref(summary);
	char *offer = read_data("chromium-plain.sdp");
	json_t *opts = json_pack("{s{s[s]} sb}", "audio", "codecs", "opus", "video", 0);
	char *answer = parley_pc_helper_sdp_answer(offer, opts, err, sizeof(err));
	assert_non_null(answer);
	assert_non_null(strstr(answer, "opus/48000"));
	assert_null(strstr(answer, "VP8/90000"));
	assert_non_null(strstr(answer, "a=inactive"));
	g_free(answer);
	json_decref(opts);
	g_free(offer);
}

static bool both_up(void *data)
{
	end *e = data;
	return (e[0].up && e[1].up) || e[0].failed || e[1].failed;
}

static bool both_got_rtp(void *data)
{
	end *e = data;
	return e[0].rtp_in >= 5 && e[1].rtp_in >= 5;
}

/* Two pcs and the descriptions they exchanged (g_malloc, freed by
 * pair_close): pc 0 offers what the plugin asked for, pc 1 answers. */
typedef struct pc_pair {
	end e[2];
	char *plugin_offer, *offer, *plugin_answer, *answer;
} pc_pair;

/* Negotiates `description` (borrowed) between two new pcs, then runs the
 * loop until both are up or one failed. */
static void pair_connect(GMainContext *context, pc_pair *pair, json_t *description)
{
	parley_pc_settings s = settings();
	char err[256] = "";
	end *e = pair->e;
	e[0].pc = parley_pc_new(context, &s, &callbacks, &e[0]);
	e[1].pc = parley_pc_new(context, &s, &callbacks, &e[1]);
	pair->plugin_offer = parley_pc_helper_sdp_offer(description, err, sizeof(err));
	assert_non_null(pair->plugin_offer);
	pair->offer = parley_pc_local_description(e[0].pc, true, pair->plugin_offer, false, err, sizeof(err));
	assert_non_null(pair->offer);
	assert_int_equal(parley_pc_set_remote_description(e[1].pc, true, pair->offer, err, sizeof(err)), 0);
	pair->plugin_answer = parley_pc_helper_sdp_answer(pair->offer, NULL, err, sizeof(err));
	assert_non_null(pair->plugin_answer);
	pair->answer = parley_pc_local_description(e[1].pc, false, pair->plugin_answer, false, err, sizeof(err));
	assert_non_null(pair->answer);
	assert_int_equal(parley_pc_set_remote_description(e[0].pc, false, pair->answer, err, sizeof(err)), 0);
	pump(context, both_up, e, 8000);
}

static void pair_close(pc_pair *pair)
{
	for (int k = 0; k < 2; k++) {
		parley_pc_close(pair->e[k].pc);
		parley_pc_unref(pair->e[k].pc);
	}
	g_free(pair->answer);
	g_free(pair->plugin_answer);
	g_free(pair->offer);
	g_free(pair->plugin_offer);
}

static void two_pcs(void **state)
{
	GMainContext *context = *state;
	json_t *description = json_pack("{s[{ss ss ss si si si} {ss ss ss si si si si}]}", "media",
		"mid", "a", "kind", "audio", "codec", "opus", "pt", 111, "ssrc", 1111, "direction", 0,
		"mid", "v", "kind", "video", "codec", "vp8", "pt", 96, "rtx_pt", 97, "ssrc", 2222, "rtx_ssrc", 2223);
	json_object_set_new(json_array_get(json_object_get(description, "media"), 0), "direction",
	                    json_string("sendrecv"));
	json_object_set_new(json_array_get(json_object_get(description, "media"), 1), "direction",
	                    json_string("sendrecv"));
	json_object_set_new(json_array_get(json_object_get(description, "media"), 1), "extensions",
	                    json_pack("[s]", "urn:ietf:params:rtp-hdrext:sdes:mid"));
	pc_pair pair = { 0 };
	end *e = pair.e;
	pair_connect(context, &pair, description);
	assert_non_null(strstr(pair.offer, "a=setup:actpass"));
	assert_false(e[0].failed);
	assert_false(e[1].failed);
	assert_true(e[0].up && e[1].up);

	uint8_t packet[200];
	for (int i = 0; i < 30 && !both_got_rtp(e); i++) {
		for (int k = 0; k < 2; k++) {
			memset(packet, 0, sizeof(packet));
			packet[0] = 0x80;
			packet[1] = 96;
			packet[2] = 0;
			packet[3] = (uint8_t)i;
			packet[8] = 0xAB; /* the pc rewrites the SSRC to the announced one */
			packet[12] = 0x90; /* VP8 descriptor-ish payload */
			parley_rtp_packet p = { .buffer = (char *)packet, .length = 100, .mindex = 1, .video = true };
			assert_int_equal(parley_pc_relay_rtp(e[k].pc, &p), 0);
		}
		for (int j = 0; j < 20; j++)
			g_main_context_iteration(context, FALSE);
		g_usleep(5000);
	}
	pump(context, both_got_rtp, e, 2000);
	assert_true(e[0].rtp_in >= 5);
	assert_true(e[1].rtp_in >= 5);
	assert_int_equal(e[1].last_ssrc, 2222); /* what pc 0 announced */
	json_t *info = parley_pc_info(e[0].pc);
	/* Janus's shape: "ice" and "dtls" objects, "media" by mid */
	json_t *ice = json_object_get(info, "ice");
	assert_true(g_str_equal(json_string_value(json_object_get(ice, "state")), "connected") ||
	            g_str_equal(json_string_value(json_object_get(ice, "state")), "ready"));
	assert_non_null(strstr(json_string_value(json_object_get(ice, "selected-pair")), " <-> 127.0.0.1:"));
	assert_true(json_array_size(json_object_get(ice, "local-candidates")) >= 1);
	assert_null(strstr(json_string_value(json_array_get(json_object_get(ice, "local-candidates"), 0)), "candidate:"));
	assert_true(json_integer_value(json_object_get(ice, "connected")) > 0);
	json_t *dtls = json_object_get(info, "dtls");
	assert_string_equal(json_string_value(json_object_get(dtls, "dtls-state")), "connected");
	assert_true(json_is_true(json_object_get(dtls, "valid")));
	assert_true(g_str_has_prefix(json_string_value(json_object_get(dtls, "srtp-profile")), "SRTP_A"));
	assert_string_equal(json_string_value(json_object_get(dtls, "remote-fingerprint-hash")), "sha-256");
	assert_non_null(json_string_value(json_object_get(dtls, "fingerprint")));
	assert_true(json_integer_value(json_object_get(dtls, "connected")) >=
	            json_integer_value(json_object_get(dtls, "handshake-started")));
	json_t *media = json_object_get(info, "media");
	assert_int_equal(json_object_size(media), 2);
	json_t *medium;
	const char *mid;
	json_object_foreach(media, mid, medium) {
		assert_string_equal(json_string_value(json_object_get(medium, "mid")), mid);
		assert_true(json_is_object(json_object_get(medium, "direction")));
		assert_true(json_integer_value(json_object_get(json_object_get(medium, "ssrc"), "ssrc")) > 0);
		assert_true(json_is_object(json_object_get(json_object_get(medium, "stats"), "out")));
	}
	json_t *streams = json_object_get(info, "streams");
	assert_int_equal(json_array_size(streams), 2);
	assert_true(json_integer_value(json_object_get(json_array_get(streams, 1), "packets-out")) >= 5);
	const char *mid1 = json_string_value(json_object_get(json_array_get(streams, 1), "mid"));
	assert_true(json_integer_value(json_object_get(json_object_get(json_object_get(json_object_get(media, mid1),
	            "stats"), "out"), "packets")) >= 5);
	json_decref(info);
	/* and what Janus shows beside it */
	info = parley_pc_handle_info(e[0].pc);
	json_t *flags = json_object_get(info, "flags");
	assert_true(json_is_true(json_object_get(flags, "negotiated")));
	assert_true(json_is_true(json_object_get(flags, "ready")));
	assert_true(json_is_true(json_object_get(flags, "has-audio")));
	json_t *sdps = json_object_get(info, "sdps");
	assert_string_equal(json_string_value(json_object_get(sdps, "profile")), "UDP/TLS/RTP/SAVPF");
	assert_non_null(strstr(json_string_value(json_object_get(sdps, "local")), "v=0"));
	assert_non_null(strstr(json_string_value(json_object_get(sdps, "remote")), "v=0"));
	assert_non_null(json_string_value(json_object_get(info, "ice-mode")));
	json_decref(info);
	pair_close(&pair);
	json_decref(description);
}

/* A subscriber-style offer: n sendonly m-lines, odd ones video. */
static json_t *subscriber_description(size_t n)
{
	json_t *media = json_array();
	for (size_t i = 0; i < n; i++) {
		char mid[8];
		snprintf(mid, sizeof(mid), "%zu", i);
		bool video = i % 2 == 1;
		json_t *m = json_pack("{ss ss ss ss si si ss}", "mid", mid, "kind", video ? "video" : "audio",
		                      "direction", "sendonly", "codec", video ? "VP8" : "opus", "pt", video ? 96 : 111,
		                      "ssrc", (json_int_t)(10000 + i), "msid", "peer track");
		json_object_set_new(m, "extensions", json_pack("[{si ss}]", "id", 1, "uri",
		                                               "urn:ietf:params:rtp-hdrext:sdes:mid"));
		json_array_append_new(media, m);
	}
	return json_pack("{so}", "media", media);
}

static bool got_rtp(void *data)
{
	return ((end *)data)->rtp_in >= 5;
}

static void hundred_mlines(void **state)
{
	GMainContext *context = *state;
	char err[256] = "";
	/* limits: 129 m-lines and 9 codecs are refused with a reason */
	json_t *big = subscriber_description(PARLEY_SDP_MAX_MEDIA + 1);
	assert_null(parley_pc_helper_sdp_offer(big, err, sizeof(err)));
	assert_non_null(strstr(err, "1..128"));
	json_decref(big);
	json_t *codecs = json_array();
	for (int i = 0; i < 9; i++)
		json_array_append_new(codecs, json_pack("{ss si}", "name", "VP8", "pt", 96 + i));
	json_t *many = json_pack("{s[{ss ss so}]}", "media", "mid", "0", "kind", "video", "codecs", codecs);
	assert_null(parley_pc_helper_sdp_offer(many, err, sizeof(err)));
	assert_non_null(strstr(err, "at most 8"));
	json_decref(many);

	json_t *description = subscriber_description(100);
	pc_pair pair = { 0 };
	end *e = pair.e;
	pair_connect(context, &pair, description);
	json_t *summary = parley_pc_helper_sdp_summary(pair.answer);
	assert_int_equal(json_array_size(json_object_get(summary, "media")), 100);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(summary, "media"), 99),
	                                                      "direction")), "recvonly");
	json_decref(summary);
	assert_true(e[0].up && e[1].up);

	uint8_t packet[200];
	for (int i = 0; i < 30 && !got_rtp(&e[1]); i++) {
		memset(packet, 0, sizeof(packet));
		packet[0] = 0x80;
		packet[1] = 96;
		packet[3] = (uint8_t)i;
		packet[8] = 0xCD;
		packet[12] = 0x90;
		parley_rtp_packet p = { .buffer = (char *)packet, .length = 100, .mindex = 99, .video = true };
		assert_int_equal(parley_pc_relay_rtp(e[0].pc, &p), 0);
		for (int j = 0; j < 20; j++)
			g_main_context_iteration(context, FALSE);
		g_usleep(5000);
	}
	pump(context, got_rtp, &e[1], 2000);
	assert_true(e[1].rtp_in >= 5);
	assert_int_equal(e[1].last_mindex, 99);
	assert_int_equal(e[1].last_ssrc, 10099);
	json_t *info = parley_pc_info(e[0].pc);
	json_t *streams = json_object_get(info, "streams");
	assert_int_equal(json_array_size(streams), 100);
	assert_true(json_integer_value(json_object_get(json_array_get(streams, 99), "packets-out")) >= 5);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(streams, 98), "packets-out")), 0);
	json_decref(info);
	pair_close(&pair);
	json_decref(description);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(chromium_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(chromium_simulcast, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_descriptions, setup, teardown),
		cmocka_unit_test_setup_teardown(helpers, setup, teardown),
		cmocka_unit_test_setup_teardown(two_pcs, setup, teardown),
		cmocka_unit_test_setup_teardown(hundred_mlines, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
