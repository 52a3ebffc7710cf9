/*
 * test_webrtc_data.c — the data channel ABI's versioning (core/webrtc_data.c):
 * a plugin built with data_ready (its struct_size covers it) gets the
 * whole parley_data_packet — protocol, size past 65535, the channel's
 * reliability — and data_ready events; a plugin built before (a vtable cut
 * where data_ready starts) gets only what it knows: `length`, no message
 * over 65535 bytes, no data_ready; and relay_data reads the appended
 * members only from the former (an invalid reliability in them is refused
 * for a current plugin, never read for an older one). The channel layer's
 * codes come out as the ABI's PARLEY_DATA_ERR_*.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "core/webrtc_data.h"
#include "core/media/dtls.h"

static unsigned messages, events;
static size_t last_size;
static uint16_t last_length;
static char last_protocol[32];
static parley_data_reliability last_reliability;
static parley_data_event last_event;

static void incoming_data(parley_plugin_session *session, parley_data_packet *packet)
{
	messages++;
	last_length = packet->length;
	last_size = packet->size;   /* read for both: an older plugin would not, but the core fills it */
	g_strlcpy(last_protocol, packet->protocol ? packet->protocol : "", sizeof(last_protocol));
	last_reliability = packet->reliability;
}

static void data_ready(parley_plugin_session *session, const parley_data_channel *channel, parley_data_event event)
{
	events++;
	last_event = event;
}

static parley_plugin current = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = "parley.plugin.current",
	.incoming_data = incoming_data,
	.data_ready = data_ready,
};

/* Built before data_ready: its vtable ends where data_ready starts. */
static parley_plugin older = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = offsetof(parley_plugin, data_ready),
	.package = "parley.plugin.older",
	.incoming_data = incoming_data,
	.data_ready = data_ready,   /* beyond its struct_size: must never be called */
};

static void handle_for(parley_handle *h, const parley_plugin *plugin)
{
	memset(h, 0, sizeof(*h));
	h->id = 42;
	h->plugin = plugin;
	h->psession.core_handle = h;
}

static const parley_dc_channel_view channel = {
	.stream = 0, .label = "chat", .protocol = "json", .ordered = false,
	.reliability = PARLEY_DCEP_PARTIAL_REXMIT, .reliability_parameter = 3,
};

static void incoming_by_layout(void **state)
{
	parley_handle h;
	uint8_t *big = g_malloc0(70000);
	messages = events = 0;

	handle_for(&h, &current);
	parley_webrtc_data_message(&h, &channel, true, big, 70000);
	assert_int_equal(messages, 1);
	assert_int_equal(last_size, 70000);
	assert_int_equal(last_length, 65535);
	assert_string_equal(last_protocol, "json");
	assert_int_equal(last_reliability, PARLEY_DATA_MAX_RETRANSMITS);
	parley_webrtc_data_channel(&h, &channel, PARLEY_DC_EVENT_OPEN);
	parley_webrtc_data_channel(&h, NULL, PARLEY_DC_EVENT_WRITABLE);
	assert_int_equal(events, 2);
	assert_int_equal(last_event, PARLEY_DATA_WRITABLE);

	handle_for(&h, &older);
	parley_webrtc_data_message(&h, &channel, true, big, 70000);
	assert_int_equal(messages, 1);   /* dropped: its 16-bit length cannot say the size */
	parley_webrtc_data_message(&h, &channel, false, big, 100);
	assert_int_equal(messages, 2);
	assert_int_equal(last_length, 100);
	parley_webrtc_data_channel(&h, &channel, PARLEY_DC_EVENT_OPEN);
	assert_int_equal(events, 2);     /* no data_ready for it */
	parley_webrtc_data_stats stats;
	parley_webrtc_data_get_stats(&stats);
	assert_int_equal(stats.too_large_for_plugin, 1);

	/* a destroyed handle's plugin hears nothing */
	handle_for(&h, &current);
	h.life.destroyed = 1;
	parley_webrtc_data_message(&h, &channel, true, big, 10);
	parley_webrtc_data_channel(&h, &channel, PARLEY_DC_EVENT_CLOSED);
	assert_int_equal(messages, 2);
	assert_int_equal(events, 2);
	g_free(big);
}

typedef struct relay_call {
	parley_handle *h;
	parley_pc *pc;
	parley_data_packet *packet;
	int rc;
} relay_call;

static gpointer relay_elsewhere(gpointer data)
{
	relay_call *call = data;
	call->rc = parley_webrtc_data_relay(call->h, call->pc, call->packet);
	return NULL;
}

static void relay_by_layout(void **state)
{
	char err[256];
	assert_int_equal(parley_pc_global_setup(NULL, NULL, err, sizeof(err)), 0);
	GMainContext *context = g_main_context_new();
	assert_true(g_main_context_acquire(context));
	parley_pc_settings settings = { 0 };
	parley_pc_callbacks callbacks = { 0 };
	parley_pc *pc = parley_pc_new(context, &settings, &callbacks, NULL);
	parley_handle h;
	char text[] = "hello";
	/* members past `binary` hold what a current plugin may not send */
	parley_data_packet packet = { .buffer = text, .length = 5, .label = "chat", .size = 5,
	                              .reliability = (parley_data_reliability)99 };

	handle_for(&h, &current);
	assert_int_equal(parley_webrtc_data_relay(&h, pc, &packet), PARLEY_DATA_ERR_INVALID);
	assert_int_equal(parley_webrtc_data_relay(&h, NULL, &packet), PARLEY_DATA_ERR_NOT_CONNECTED);
	packet.reliability = PARLEY_DATA_RELIABLE;
	/* on the pc's loop (this thread owns its context): no data channel negotiated */
	assert_int_equal(parley_webrtc_data_relay(&h, pc, &packet), PARLEY_DATA_ERR_NOT_CONNECTED);
	/* from another thread the size is checked before queueing: `size` */
	packet.size = 300000;   /* over the default maximum */
	relay_call call = { &h, pc, &packet };
	g_thread_join(g_thread_new("relay", relay_elsewhere, &call));
	assert_int_equal(call.rc, PARLEY_DATA_ERR_TOO_LARGE);

	/* an older plugin: the appended members are never read (its 5-byte
	 * `length` is queued; `size` and the bad reliability are not seen) */
	handle_for(&h, &older);
	packet.reliability = (parley_data_reliability)99;
	assert_int_equal(parley_webrtc_data_relay(&h, pc, &packet), PARLEY_DATA_ERR_NOT_CONNECTED);
	g_thread_join(g_thread_new("relay", relay_elsewhere, &call));
	assert_int_equal(call.rc, 0);
	assert_int_equal(parley_webrtc_data_close(&h, pc, "chat"), PARLEY_DATA_ERR_NOT_CONNECTED);

	parley_pc_close(pc);
	parley_pc_unref(pc);
	for (int i = 0; i < 20; i++)
		g_main_context_iteration(context, FALSE);
	g_main_context_release(context);
	g_main_context_unref(context);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(incoming_by_layout),
		cmocka_unit_test(relay_by_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
