/*
 * test_pc_data.c — data channels on PeerConnections (core/media/pc_data.c):
 *  - the m=application line: our answer to a captured Chromium offer
 *    (audio, video and data in one BUNDLE) says "UDP/DTLS/SCTP
 *    webrtc-datachannel" with a=sctp-port, our a=max-message-size and no
 *    a=rtcp-mux; a plugin that does not accept data rejects the line
 *    (port 0); a legacy data-only offer ("DTLS/SCTP 5000" + a=sctpmap, as
 *    aiortc writes it) is accepted (no rtcp-mux asked of it) and answered
 *    in the same form;
 *  - two pcs in-process, one offering audio + video + data with the
 *    plugin helper, the other answering with "data": true, over ICE, DTLS
 *    and SCTP on 127.0.0.1: RTP flows beside the data; the offerer (DTLS
 *    client) opens a channel, messages go both ways, text, binary and
 *    empty, at the configured maximum size; one over it is refused by the
 *    sender; a message relayed from another thread is queued and sent on
 *    the loop; closing is seen by both; handle_info shows the channels.
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

#define MAX_MESSAGE 4096

static const char *const loopback[] = { "127.0.0.1", NULL };

typedef struct end {
	parley_pc *pc;
	bool up, failed, writable;
	unsigned rtp_in;
	GPtrArray *messages;   /* "label|t|payload" */
	GPtrArray *events;     /* "open:label" ... */
	unsigned refused;
} end;

static void cb_up(void *u) { ((end *)u)->up = true; }
static void cb_failed(void *u, const char *reason) { ((end *)u)->failed = true; }
static void cb_rtp(void *u, parley_rtp_packet *p) { ((end *)u)->rtp_in++; }

static void cb_data_message(void *u, const parley_dc_channel_view *ch, bool binary, uint8_t *data, size_t length)
{
	end *e = u;
	g_ptr_array_add(e->messages, g_strdup_printf("%s|%c|%zu|%.*s", ch->label, binary ? 'b' : 't', length,
	                                             (int)MIN(length, 16), (const char *)data));
}

static void cb_data_channel(void *u, const parley_dc_channel_view *ch, parley_dc_event event)
{
	end *e = u;
	static const char *const names[] = { "open", "closed", "writable" };
	if (!ch)
		e->writable = true;
	g_ptr_array_add(e->events, ch ? g_strdup_printf("%s:%s", names[event], ch->label) : g_strdup(names[event]));
}

static void cb_data_refused(void *u, const parley_dc_refusal *r)
{
	((end *)u)->refused++;
}

static const parley_pc_callbacks callbacks = {
	.webrtc_up = cb_up, .failed = cb_failed, .incoming_rtp = cb_rtp, .data_message = cb_data_message,
	.data_channel = cb_data_channel, .data_refused = cb_data_refused,
};

static parley_pc_settings settings(void)
{
	parley_pc_settings s = { .ice = { .interfaces = loopback, .connect_timeout_ms = 5000 },
	                         .sctp_max_message_size = MAX_MESSAGE };
	return s;
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

static void end_init(end *e, GMainContext *context)
{
	parley_pc_settings s = settings();
	memset(e, 0, sizeof(*e));
	e->pc = parley_pc_new(context, &s, &callbacks, e);
	e->messages = g_ptr_array_new_with_free_func(g_free);
	e->events = g_ptr_array_new_with_free_func(g_free);
}

static void end_close(end *e)
{
	parley_pc_close(e->pc);
	parley_pc_unref(e->pc);
	g_ptr_array_free(e->messages, TRUE);
	g_ptr_array_free(e->events, TRUE);
}

static void pump(GMainContext *context, bool (*done)(void *), void *data, int max_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)max_ms * 1000;
	while (!done(data) && g_get_monotonic_time() < deadline)
		if (!g_main_context_iteration(context, FALSE))
			g_usleep(1000);
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

/* The m-section of `sdp` starting with `m_line` (up to the next m=). */
static char *section(const char *sdp, const char *m_line)
{
	const char *start = strstr(sdp, m_line);
	if (!start)
		fail_msg("no \"%s\" in:\n%s", m_line, sdp);
	const char *next = strstr(start + 2, "\r\nm=");
	return g_strndup(start, next ? (size_t)(next - start) : strlen(start));
}

static void assert_contains(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("no \"%s\" in:\n%s", needle, text);
}

static void answer_chromium(void **state)
{
	GMainContext *context = *state;
	end e;
	end_init(&e, context);
	char *offer = read_data("chromium-datachannel.sdp");
	char err[256] = "";
	assert_int_equal(parley_pc_set_remote_description(e.pc, true, offer, err, sizeof(err)), 0);
	json_t *options = json_pack("{sb}", "data", 1);
	char *plugin_answer = parley_pc_helper_sdp_answer(offer, options, err, sizeof(err));
	assert_non_null(plugin_answer);
	char *answer = parley_pc_local_description(e.pc, false, plugin_answer, false, err, sizeof(err));
	assert_non_null(answer);
	assert_contains(answer, "a=group:BUNDLE 0 1 2\r\n");
	char *data = section(answer, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n");
	assert_contains(data, "a=sctp-port:5000\r\n");
	assert_contains(data, "a=max-message-size:" G_STRINGIFY(MAX_MESSAGE) "\r\n");
	assert_contains(data, "a=mid:2\r\n");
	assert_contains(data, "a=setup:passive\r\n");
	assert_null(strstr(data, "a=rtcp-mux"));
	assert_true(parley_pc_has_data(e.pc));
	g_free(data);
	g_free(answer);
	g_free(plugin_answer);
	end_close(&e);

	/* a plugin that takes no data rejects the line */
	end_init(&e, context);
	assert_int_equal(parley_pc_set_remote_description(e.pc, true, offer, err, sizeof(err)), 0);
	plugin_answer = parley_pc_helper_sdp_answer(offer, NULL, err, sizeof(err));
	answer = parley_pc_local_description(e.pc, false, plugin_answer, false, err, sizeof(err));
	assert_non_null(answer);
	assert_contains(answer, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n");
	assert_contains(answer, "a=group:BUNDLE 0 1\r\n");
	assert_false(parley_pc_has_data(e.pc));
	g_free(answer);
	g_free(plugin_answer);
	end_close(&e);
	json_decref(options);
	g_free(offer);
}

/* A data-only offer in the legacy form aiortc writes. */
static const char legacy_offer[] =
	"v=0\r\n"
	"o=- 3900000000 3900000000 IN IP4 0.0.0.0\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0\r\n"
	"a=msid-semantic:WMS *\r\n"
	"m=application 40000 DTLS/SCTP 5000\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"a=mid:0\r\n"
	"a=sctpmap:5000 webrtc-datachannel 65535\r\n"
	"a=max-message-size:65536\r\n"
	"a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host\r\n"
	"a=end-of-candidates\r\n"
	"a=ice-ufrag:abcd\r\n"
	"a=ice-pwd:0123456789abcdef01234567\r\n"
	"a=fingerprint:sha-256 BA:A2:0E:34:B5:C1:AB:86:54:76:61:30:22:DA:9D:47:AA:F3:0E:3F:12:42:FE:65:04:28:EE:C9:F3:EF:C0:19\r\n"
	"a=setup:actpass\r\n";

static void answer_legacy(void **state)
{
	GMainContext *context = *state;
	end e;
	end_init(&e, context);
	char err[256] = "";
	assert_int_equal(parley_pc_set_remote_description(e.pc, true, legacy_offer, err, sizeof(err)), 0);
	json_t *options = json_pack("{sb}", "data", 1);
	char *plugin_answer = parley_pc_helper_sdp_answer(legacy_offer, options, err, sizeof(err));
	assert_non_null(plugin_answer);
	char *answer = parley_pc_local_description(e.pc, false, plugin_answer, false, err, sizeof(err));
	assert_non_null(answer);
	char *data = section(answer, "m=application 9 DTLS/SCTP 5000\r\n");
	assert_contains(data, "a=sctpmap:5000 webrtc-datachannel 1024\r\n");
	assert_contains(data, "a=max-message-size:" G_STRINGIFY(MAX_MESSAGE) "\r\n");
	assert_null(strstr(data, "a=sctp-port"));
	assert_null(strstr(data, "a=rtcp-mux"));
	assert_true(parley_pc_has_data(e.pc));
	json_t *info = parley_pc_info(e.pc);
	json_t *d = json_object_get(info, "data");
	assert_true(json_is_true(json_object_get(d, "negotiated")));
	assert_int_equal(json_integer_value(json_object_get(d, "remote-port")), 5000);
	json_decref(info);
	g_free(data);
	g_free(answer);
	g_free(plugin_answer);
	json_decref(options);
	end_close(&e);
}

/* ---- two pcs ---- */

typedef struct pair {
	end e[2];
} pair;

static bool both_up(void *data)
{
	end *e = data;
	return (e[0].up && e[1].up) || e[0].failed || e[1].failed;
}

static bool both_writable(void *data)
{
	end *e = data;
	return (e[0].writable && e[1].writable) || e[0].failed || e[1].failed;
}

static bool both_rtp(void *data)
{
	end *e = data;
	return e[0].rtp_in >= 3 && e[1].rtp_in >= 3;
}

typedef struct wanted {
	end *e;
	guint messages;
	const char *event;
} wanted;

static bool has(GPtrArray *a, const char *s)
{
	for (guint i = 0; i < a->len; i++)
		if (!strcmp(g_ptr_array_index(a, i), s))
			return true;
	return false;
}

static bool got(void *data)
{
	wanted *w = data;
	return w->e->messages->len >= w->messages && (!w->event || has(w->e->events, w->event));
}

static void wait_for(GMainContext *context, end *e, guint messages, const char *event)
{
	wanted w = { e, messages, event };
	pump(context, got, &w, 10000);
	if (!got(&w))
		fail_msg("%u messages of %u, event %s %s", e->messages->len, messages, event ? event : "-",
		         event && !has(e->events, event) ? "missing" : "seen");
}

static const char *message_at(end *e, guint i)
{
	assert_true(i < e->messages->len);
	return g_ptr_array_index(e->messages, i);
}

typedef struct thread_send {
	parley_pc *pc;
	int rc;
} thread_send;

static gpointer send_from_thread(gpointer data)
{
	thread_send *t = data;
	char reason[256];
	t->rc = parley_pc_relay_data(t->pc, "chat", NULL, false, (const uint8_t *)"from a thread", 13, reason,
	                             sizeof(reason));
	return NULL;
}

static void two_pcs(void **state)
{
	GMainContext *context = *state;
	pair p;
	end *e = p.e;
	end_init(&e[0], context);
	end_init(&e[1], context);
	json_t *description = json_pack("{s[{ss ss ss si si ss} {ss ss ss si si ss} {ss ss}]}", "media",
		"mid", "a", "kind", "audio", "codec", "opus", "pt", 111, "ssrc", 1111, "direction", "sendrecv",
		"mid", "v", "kind", "video", "codec", "vp8", "pt", 96, "ssrc", 2222, "direction", "sendrecv",
		"mid", "d", "kind", "application");
	char err[256] = "";
	char *plugin_offer = parley_pc_helper_sdp_offer(description, err, sizeof(err));
	assert_non_null(plugin_offer);
	char *offer = parley_pc_local_description(e[0].pc, true, plugin_offer, false, err, sizeof(err));
	assert_non_null(offer);
	assert_contains(offer, "a=group:BUNDLE a v d\r\n");
	assert_contains(offer, "a=max-message-size:" G_STRINGIFY(MAX_MESSAGE) "\r\n");
	assert_int_equal(parley_pc_set_remote_description(e[1].pc, true, offer, err, sizeof(err)), 0);
	json_t *options = json_pack("{sb}", "data", 1);
	char *plugin_answer = parley_pc_helper_sdp_answer(offer, options, err, sizeof(err));
	char *answer = parley_pc_local_description(e[1].pc, false, plugin_answer, false, err, sizeof(err));
	assert_non_null(answer);
	assert_int_equal(parley_pc_set_remote_description(e[0].pc, false, answer, err, sizeof(err)), 0);
	pump(context, both_up, e, 8000);
	assert_true(e[0].up && e[1].up);
	pump(context, both_writable, e, 8000);
	assert_true(e[0].writable && e[1].writable);

	/* RTP beside the data, in the same BUNDLE transport */
	uint8_t packet[120];
	for (int i = 0; i < 40 && !both_rtp(e); i++) {
		for (int k = 0; k < 2; k++) {
			memset(packet, 0, sizeof(packet));
			packet[0] = 0x80;
			packet[1] = 111;
			packet[3] = (uint8_t)i;
			parley_rtp_packet rtp = { .buffer = (char *)packet, .length = 60, .mindex = 0 };
			parley_pc_relay_rtp(e[k].pc, &rtp);
		}
		for (int j = 0; j < 20; j++)
			g_main_context_iteration(context, FALSE);
		g_usleep(5000);
	}
	assert_true(both_rtp(e));

	/* the offerer is the DTLS client: its channel takes stream 0 */
	char reason[256] = "";
	assert_int_equal(parley_pc_send_data(e[0].pc, "chat", NULL, false, (const uint8_t *)"hello", 5, reason,
	                                     sizeof(reason)), 0);
	wait_for(context, &e[1], 1, "open:chat");
	assert_string_equal(message_at(&e[1], 0), "chat|t|5|hello");
	wait_for(context, &e[0], 0, "open:chat");
	assert_int_equal(parley_pc_send_data(e[1].pc, "chat", NULL, true, (const uint8_t *)"\x01\x02\x03", 3, reason,
	                                     sizeof(reason)), 0);
	assert_int_equal(parley_pc_send_data(e[1].pc, "chat", NULL, true, NULL, 0, reason, sizeof(reason)), 0);
	assert_int_equal(parley_pc_send_data(e[1].pc, "chat", NULL, false, (const uint8_t *)"", 0, reason,
	                                     sizeof(reason)), 0);
	wait_for(context, &e[0], 3, NULL);
	assert_string_equal(message_at(&e[0], 0), "chat|b|3|\x01\x02\x03");
	assert_string_equal(message_at(&e[0], 1), "chat|b|0|");
	assert_string_equal(message_at(&e[0], 2), "chat|t|0|");

	/* the maximum size exactly, then one byte over (refused by the sender) */
	uint8_t *big = g_malloc(MAX_MESSAGE + 1);
	memset(big, 'm', MAX_MESSAGE + 1);
	assert_int_equal(parley_pc_send_data(e[0].pc, "chat", NULL, true, big, MAX_MESSAGE, reason, sizeof(reason)), 0);
	assert_int_equal(parley_pc_send_data(e[0].pc, "chat", NULL, true, big, MAX_MESSAGE + 1, reason, sizeof(reason)),
	                 PARLEY_DC_ERR_TOO_LARGE);
	assert_contains(reason, "over the maximum message size");
	assert_int_equal(e[0].refused, 1);
	wait_for(context, &e[1], 2, NULL);
	assert_string_equal(message_at(&e[1], 1), "chat|b|" G_STRINGIFY(MAX_MESSAGE) "|mmmmmmmmmmmmmmmm");
	g_free(big);

	/* from another thread: queued, sent on the loop */
	thread_send t = { .pc = e[0].pc, .rc = -99 };
	GThread *thread = g_thread_new("relay", send_from_thread, &t);
	g_thread_join(thread);
	assert_int_equal(t.rc, 0);
	wait_for(context, &e[1], 3, NULL);
	assert_string_equal(message_at(&e[1], 2), "chat|t|13|from a thread");

	json_t *info = parley_pc_info(e[1].pc);
	json_t *data = json_object_get(info, "data");
	assert_true(json_is_true(json_object_get(data, "up")));
	json_t *channel = json_array_get(json_object_get(data, "channels"), 0);
	assert_string_equal(json_string_value(json_object_get(channel, "label")), "chat");
	assert_int_equal(json_integer_value(json_object_get(channel, "id")), 0);
	assert_int_equal(json_integer_value(json_object_get(channel, "messages-in")), 3);
	json_decref(info);

	/* closing by the answerer: both see it */
	assert_int_equal(parley_pc_close_data(e[1].pc, "chat"), 0);
	wait_for(context, &e[1], 0, "closed:chat");
	wait_for(context, &e[0], 0, "closed:chat");

	end_close(&e[0]);
	end_close(&e[1]);
	g_free(plugin_offer);
	g_free(offer);
	g_free(plugin_answer);
	g_free(answer);
	json_decref(options);
	json_decref(description);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(answer_chromium, setup, teardown),
		cmocka_unit_test_setup_teardown(answer_legacy, setup, teardown),
		cmocka_unit_test_setup_teardown(two_pcs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
