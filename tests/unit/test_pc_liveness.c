/*
 * test_pc_liveness.c — a connected PeerConnection judges its peer by what
 * the peer sends (pc_liveness.c): two in-process pcs over 127.0.0.1, each
 * on its own GMainContext so that one can be "frozen" (its context not
 * iterated, as a stopped process). The sender sees its frozen receiver go
 * "disconnected" after disconnect_timeout_ms, "connected" again when it
 * thaws, and ends with "consent expired" once it stays frozen for
 * consent_timeout_ms; /metrics counters move with it. Also: an answer that
 * does not answer our pending offer (m-lines, mids) is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "core/media/pc.h"
#include "core/media/pc_helpers.h"

static const char *const loopback[] = { "127.0.0.1", NULL };

typedef struct end {
	GMainContext *context;
	parley_pc *pc;
	bool up, failed;
	char reason[64];
	unsigned disconnects, reconnects, rtp_in;
} end;

static void cb_up(void *u) { ((end *)u)->up = true; }
static void cb_failed(void *u, const char *reason)
{
	end *e = u;
	e->failed = true;
	g_strlcpy(e->reason, reason, sizeof(e->reason));
}
static void cb_connection(void *u, bool connected)
{
	end *e = u;
	if (connected)
		e->reconnects++;
	else
		e->disconnects++;
}
static void cb_rtp(void *u, parley_rtp_packet *p) { ((end *)u)->rtp_in++; }

static const parley_pc_callbacks callbacks = {
	.webrtc_up = cb_up, .failed = cb_failed, .connection = cb_connection, .incoming_rtp = cb_rtp,
};

static parley_pc_settings settings(void)
{
	parley_pc_settings s = { .ice = { .interfaces = loopback, .connect_timeout_ms = 5000 },
	                         .disconnect_timeout_ms = 1500, .consent_timeout_ms = 4000 };
	return s;
}

static int setup(void **state)
{
	char err[256];
	assert_int_equal(parley_pc_global_setup(NULL, NULL, err, sizeof(err)), 0);
	end *e = g_new0(end, 2);
	for (int k = 0; k < 2; k++) {
		e[k].context = g_main_context_new();
		assert_true(g_main_context_acquire(e[k].context));
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	end *e = *state;
	for (int k = 0; k < 2; k++) {
		if (e[k].pc) {
			parley_pc_close(e[k].pc);
			parley_pc_unref(e[k].pc);
		}
		for (int i = 0; i < 50; i++)
			g_main_context_iteration(e[k].context, FALSE);
		g_main_context_release(e[k].context);
		g_main_context_unref(e[k].context);
	}
	g_free(e);
	return 0;
}

/* One sendonly video m-line from pc 0 to pc 1, or two when `two`. */
static char *plugin_offer(bool two)
{
	json_t *description = json_pack("{s[{ss ss ss ss si si}]}", "media", "mid", "v", "kind", "video", "codec",
	                                 "vp8", "direction", "sendonly", "pt", 96, "ssrc", 4444);
	if (two)
		json_array_append_new(json_object_get(description, "media"),
		                      json_pack("{ss ss ss ss si si}", "mid", "a", "kind", "audio", "codec", "opus",
		                                "direction", "sendonly", "pt", 111, "ssrc", 5555));
	char err[256] = "";
	char *offer = parley_pc_helper_sdp_offer(description, err, sizeof(err));
	assert_non_null(offer);
	json_decref(description);
	return offer;
}

/* Runs both loops (or only pc 0's while pc 1 is frozen) for ms, or until
 * `done` says so (then the ms are only an upper bound: a loaded machine
 * runs the 1 s liveness tick late), pc 0 sending a video packet every 20 ms
 * unless seq is NULL. Returns the ms it ran. */
static gint64 run_until(end *e, bool frozen, int ms, uint16_t *seq, bool (*done)(const end *e))
{
	gint64 start = g_get_monotonic_time();
	gint64 deadline = start + (gint64)ms * 1000;
	gint64 next_send = 0;
	while (g_get_monotonic_time() < deadline && !e[0].failed && !(done && done(e))) {
		if (seq && g_get_monotonic_time() >= next_send && e[0].up) {
			uint8_t packet[120] = { 0x80, 96 };
			packet[2] = (uint8_t)(*seq >> 8);
			packet[3] = (uint8_t)*seq;
			(*seq)++;
			packet[12] = 0x90;
			parley_rtp_packet p = { .buffer = (char *)packet, .length = 100, .mindex = 0, .video = true };
			parley_pc_relay_rtp(e[0].pc, &p);
			next_send = g_get_monotonic_time() + 20000;
		}
		bool busy = g_main_context_iteration(e[0].context, FALSE);
		if (!frozen)
			busy |= g_main_context_iteration(e[1].context, FALSE);
		if (!busy)
			g_usleep(1000);
	}
	return (g_get_monotonic_time() - start) / 1000;
}

static void run(end *e, bool frozen, int ms, uint16_t *seq)
{
	run_until(e, frozen, ms, seq, NULL);
}

/* Freezes pc 1 right after it sends pc 0 a PLI, so that the time since its
 * last datagram is known (its receiver reports come on their own schedule,
 * up to a report interval before the freeze), and runs pc 0 as run_until
 * does. Returns the ms from that last datagram. */
static gint64 freeze_after_last_word(end *e, int ms, uint16_t *seq, bool (*done)(const end *e))
{
	gint64 last_word = g_get_monotonic_time();
	assert_int_equal(parley_pc_send_pli(e[1].pc, -1), 0);
	run_until(e, true, ms, seq, done);
	return (g_get_monotonic_time() - last_word) / 1000;
}

static bool disconnected_once(const end *e)
{
	return e[0].disconnects >= 1;
}

static unsigned rtp_mark;

static bool reconnected_with_media(const end *e)
{
	return e[0].reconnects >= 1 && e[1].rtp_in > rtp_mark + 20;
}

/* pc 0 offers one video m-line, pc 1 answers; both up, no media yet. */
static void connect_pair(end *e)
{
	parley_pc_settings s = settings();
	e[0].pc = parley_pc_new(e[0].context, &s, &callbacks, &e[0]);
	e[1].pc = parley_pc_new(e[1].context, &s, &callbacks, &e[1]);
	char err[256] = "";
	char *plugin = plugin_offer(false);
	char *offer = parley_pc_local_description(e[0].pc, true, plugin, false, err, sizeof(err));
	assert_non_null(offer);
	assert_int_equal(parley_pc_set_remote_description(e[1].pc, true, offer, err, sizeof(err)), 0);
	char *plugin_answer = parley_pc_helper_sdp_answer(offer, NULL, err, sizeof(err));
	char *answer = parley_pc_local_description(e[1].pc, false, plugin_answer, false, err, sizeof(err));
	assert_non_null(answer);
	assert_int_equal(parley_pc_set_remote_description(e[0].pc, false, answer, err, sizeof(err)), 0);
	for (int i = 0; i < 80 && !(e[0].up && e[1].up); i++)
		run(e, false, 100, NULL);
	assert_true(e[0].up && e[1].up);
	g_free(plugin);
	g_free(offer);
	g_free(plugin_answer);
	g_free(answer);
}

static void frozen_peer(void **state)
{
	end *e = *state;
	guint64 disconnected_before = parley_pc_event_count(PARLEY_PC_EVENT_DISCONNECTED);
	guint64 recovered_before = parley_pc_event_count(PARLEY_PC_EVENT_RECOVERED);
	guint64 expired_before = parley_pc_event_count(PARLEY_PC_EVENT_CONSENT_EXPIRED);
	connect_pair(e);
	uint16_t seq = 0;
	/* media flows; pc 1 answers with receiver reports: connected */
	run(e, false, 2500, &seq);
	assert_true(e[1].rtp_in > 20);
	assert_int_equal(e[0].disconnects, 0);
	json_t *info = parley_pc_info(e[0].pc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(info, "connection"), "state")),
	                    "connected");
	json_decref(info);

	/* frozen: disconnected 1.5 s after the last datagram from pc 1 (not
	 * before), still alive */
	gint64 quiet_ms = freeze_after_last_word(e, 10000, &seq, disconnected_once);
	assert_true(quiet_ms >= 1500);
	assert_int_equal(e[0].disconnects, 1);
	assert_false(e[0].failed);
	info = parley_pc_info(e[0].pc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(info, "connection"), "state")),
	                    "disconnected");
	json_decref(info);

	/* thawed: its reports come back, connected again, media resumes */
	rtp_mark = e[1].rtp_in;
	run_until(e, false, 10000, &seq, reconnected_with_media);
	assert_int_equal(e[0].reconnects, 1);
	assert_false(e[0].failed);
	assert_true(e[1].rtp_in > rtp_mark + 20);
	assert_int_equal(parley_pc_event_count(PARLEY_PC_EVENT_DISCONNECTED), disconnected_before + 1);
	assert_int_equal(parley_pc_event_count(PARLEY_PC_EVENT_RECOVERED), recovered_before + 1);

	/* frozen for good: consent expires 4 s after pc 1's last datagram, not
	 * before (the upper bound is the loop's: a loaded machine runs the tick
	 * late) */
	gint64 lasted_ms = freeze_after_last_word(e, 15000, &seq, NULL);
	assert_true(e[0].failed);
	assert_string_equal(e[0].reason, "consent expired");
	assert_true(lasted_ms >= 4000);
	assert_int_equal(e[0].disconnects, 2);
	assert_int_equal(parley_pc_event_count(PARLEY_PC_EVENT_CONSENT_EXPIRED), expired_before + 1);
	assert_false(e[1].failed);
}

/* A pc that sends nothing and receives nothing owes nothing: no verdict. */
static void idle_peer(void **state)
{
	end *e = *state;
	connect_pair(e);
	/* pc 1 frozen, pc 0 sends no media: 5 s of silence change nothing */
	run(e, true, 5000, NULL);
	assert_int_equal(e[0].disconnects, 0);
	assert_false(e[0].failed);
}

/* An answer must answer our pending offer. */
static void answer_matches_offer(void **state)
{
	end *e = *state;
	parley_pc_settings s = settings();
	e[0].pc = parley_pc_new(e[0].context, &s, &callbacks, &e[0]);
	e[1].pc = parley_pc_new(e[1].context, &s, &callbacks, &e[1]);
	char err[256] = "";
	char *two = plugin_offer(true);
	char *offer = parley_pc_local_description(e[0].pc, true, two, false, err, sizeof(err));
	assert_non_null(offer);
	/* an answer to some other (one m-line) offer */
	parley_pc *other = parley_pc_new(e[0].context, &s, &callbacks, &e[0]);
	char *one = plugin_offer(false);
	char *other_offer = parley_pc_local_description(other, true, one, false, err, sizeof(err));
	assert_int_equal(parley_pc_set_remote_description(e[1].pc, true, other_offer, err, sizeof(err)), 0);
	char *plugin_answer = parley_pc_helper_sdp_answer(other_offer, NULL, err, sizeof(err));
	char *wrong = parley_pc_local_description(e[1].pc, false, plugin_answer, false, err, sizeof(err));
	assert_non_null(wrong);
	assert_int_equal(parley_pc_set_remote_description(e[0].pc, false, wrong, err, sizeof(err)), PARLEY_PC_ERR_STATE);
	assert_non_null(strstr(err, "m-lines"));
	/* the offer is still pending: its own answer is taken, and taken again
	 * (a late answer to a replaced offer of the same shape may have come
	 * first); a mismatching one still is not */
	parley_pc *answerer = parley_pc_new(e[1].context, &s, &callbacks, &e[1]);
	assert_int_equal(parley_pc_set_remote_description(answerer, true, offer, err, sizeof(err)), 0);
	char *plugin_right = parley_pc_helper_sdp_answer(offer, NULL, err, sizeof(err));
	char *right = parley_pc_local_description(answerer, false, plugin_right, false, err, sizeof(err));
	assert_int_equal(parley_pc_set_remote_description(e[0].pc, false, right, err, sizeof(err)), 0);
	assert_int_equal(parley_pc_set_remote_description(e[0].pc, false, right, err, sizeof(err)), 0);
	assert_int_equal(parley_pc_set_remote_description(e[0].pc, false, wrong, err, sizeof(err)), PARLEY_PC_ERR_STATE);
	/* once we answered a remote offer, an answer has nothing to answer */
	assert_int_equal(parley_pc_set_remote_description(answerer, false, right, err, sizeof(err)), PARLEY_PC_ERR_STATE);
	assert_non_null(strstr(err, "no offer is pending"));
	parley_pc_close(other);
	parley_pc_unref(other);
	parley_pc_close(answerer);
	parley_pc_unref(answerer);
	g_free(two);
	g_free(one);
	g_free(offer);
	g_free(other_offer);
	g_free(plugin_answer);
	g_free(wrong);
	g_free(plugin_right);
	g_free(right);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(answer_matches_offer, setup, teardown),
		cmocka_unit_test_setup_teardown(idle_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(frozen_peer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
