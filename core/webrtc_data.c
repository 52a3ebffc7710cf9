/*
 * webrtc_data.c — owns the translation between a PeerConnection's data
 * channels (core/media/pc_data.c) and the plugin ABI: whole messages to
 * incoming_data (a plugin built before data_ready gets the old packet
 * layout's meaning, and no message over 65535 bytes), channel events to
 * data_ready, relay_data's packet (read in the layout the plugin was built
 * with) to parley_pc_relay_data, close_data on the handle's loop, the
 * refusals' log lines (a burst per second at WARN, the rest at VERB, so a
 * misbehaving peer cannot flood the log) and the process counters.
 */
#include <stdio.h>
#include <string.h>
#include "webrtc_data.h"
#include "log.h"

#define PARLEY_LOG_MODULE "webrtc"
#define LOG_BURST 20   /* refusals logged at WARN per second; the rest at VERB */

static parley_webrtc_data_stats stats;

void parley_webrtc_data_get_stats(parley_webrtc_data_stats *out)
{
	out->refused_in = __atomic_load_n(&stats.refused_in, __ATOMIC_RELAXED);
	out->refused_out = __atomic_load_n(&stats.refused_out, __ATOMIC_RELAXED);
	out->too_large_for_plugin = __atomic_load_n(&stats.too_large_for_plugin, __ATOMIC_RELAXED);
}

static void count(uint64_t *counter)
{
	__atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}

/* WARN for the first LOG_BURST refusals of each second, VERB after. */
static parley_log_level refusal_level(void)
{
	static gint64 window;
	static gint in_window;
	gint64 second = g_get_monotonic_time() / G_USEC_PER_SEC;
	gint64 seen = __atomic_load_n(&window, __ATOMIC_RELAXED);
	if (seen != second && __atomic_compare_exchange_n(&window, &seen, second, false, __ATOMIC_RELAXED,
	                                                  __ATOMIC_RELAXED))
		g_atomic_int_set(&in_window, 0);
	return g_atomic_int_add(&in_window, 1) < LOG_BURST ? PARLEY_LOG_WARN : PARLEY_LOG_VERB;
}

static bool alive(parley_handle *h)
{
	return !g_atomic_int_get(&h->life.destroyed);
}

/* A plugin built with data_ready knows the appended packet members. */
static bool current_layout(const parley_plugin *plugin)
{
	return PARLEY_PLUGIN_COVERS(plugin, data_ready);
}

static parley_data_reliability abi_reliability(parley_dcep_reliability r)
{
	return r == PARLEY_DCEP_PARTIAL_REXMIT ? PARLEY_DATA_MAX_RETRANSMITS
		: r == PARLEY_DCEP_PARTIAL_TIMED ? PARLEY_DATA_MAX_PACKET_LIFETIME : PARLEY_DATA_RELIABLE;
}

static parley_dcep_reliability dc_reliability(parley_data_reliability r)
{
	return r == PARLEY_DATA_MAX_RETRANSMITS ? PARLEY_DCEP_PARTIAL_REXMIT
		: r == PARLEY_DATA_MAX_PACKET_LIFETIME ? PARLEY_DCEP_PARTIAL_TIMED : PARLEY_DCEP_RELIABLE;
}

/* The channel layer's codes as the ABI's. */
static int abi_error(int rc)
{
	static const int codes[] = {
		[-PARLEY_DC_OK] = 0,
		[-PARLEY_DC_ERR_NO_CHANNEL] = PARLEY_DATA_ERR_NO_CHANNEL,
		[-PARLEY_DC_ERR_TOO_LARGE] = PARLEY_DATA_ERR_TOO_LARGE,
		[-PARLEY_DC_ERR_BUSY] = PARLEY_DATA_ERR_BUSY,
		[-PARLEY_DC_ERR_INVALID] = PARLEY_DATA_ERR_INVALID,
		[-PARLEY_DC_ERR_LIMIT] = PARLEY_DATA_ERR_LIMIT,
		[-PARLEY_DC_ERR_CLOSED] = PARLEY_DATA_ERR_NOT_CONNECTED,
		[-PARLEY_DC_ERR_SEND] = PARLEY_DATA_ERR_SEND,
	};
	unsigned i = (unsigned)(-rc);
	return i < G_N_ELEMENTS(codes) ? codes[i] : PARLEY_DATA_ERR_SEND;
}

/* ---- from the PeerConnection (the handle's loop) ---- */

void parley_webrtc_data_message(void *user_data, const parley_dc_channel_view *channel, bool binary, uint8_t *data,
                                size_t length)
{
	static char empty[1];
	parley_handle *h = user_data;
	if (!alive(h) || !h->plugin->incoming_data)
		return;
	if (!current_layout(h->plugin) && length > UINT16_MAX) {
		count(&stats.too_large_for_plugin);
		parley_log(refusal_level(), PARLEY_LOG_MODULE, "handle %" G_GUINT64_FORMAT ": a %zu-byte message on data "
		           "channel \"%s\" dropped: %s was built before data_ready and reads 16-bit lengths",
		           h->id, length, channel->label, h->plugin->package);
		return;
	}
	parley_data_packet packet = {
		.buffer = data ? (char *)data : empty,
		.length = (uint16_t)MIN(length, UINT16_MAX),
		.label = channel->label,
		.binary = binary,
		.protocol = channel->protocol,
		.size = length,
		.unordered = !channel->ordered,
		.reliability = abi_reliability(channel->reliability),
		.reliability_value = channel->reliability_parameter,
	};
	h->plugin->incoming_data(&h->psession, &packet);
}

void parley_webrtc_data_channel(void *user_data, const parley_dc_channel_view *channel, parley_dc_event event)
{
	static const char *const names[] = { "open", "closed", "writable" };
	parley_handle *h = user_data;
	if (channel)
		PLOG_VERB("handle %" G_GUINT64_FORMAT ": data channel \"%s\" (stream %u, %s) %s", h->id, channel->label,
		          channel->stream, channel->ours ? "ours" : "the peer's", names[event]);
	void (*ready)(parley_plugin_session *, const parley_data_channel *, parley_data_event) =
		PARLEY_PLUGIN_FIELD(h->plugin, data_ready);
	if (!alive(h) || !ready)
		return;
	parley_data_channel c = { 0 };
	if (channel)
		c = (parley_data_channel){
			.label = channel->label, .protocol = channel->protocol, .unordered = !channel->ordered,
			.reliability = abi_reliability(channel->reliability),
			.reliability_value = channel->reliability_parameter, .opened_here = channel->ours,
		};
	parley_data_event e = event == PARLEY_DC_EVENT_OPEN ? PARLEY_DATA_OPEN
		: event == PARLEY_DC_EVENT_CLOSED ? PARLEY_DATA_CLOSED : PARLEY_DATA_WRITABLE;
	ready(&h->psession, channel ? &c : NULL, e);
}

void parley_webrtc_data_refused(void *user_data, const parley_dc_refusal *refusal)
{
	parley_handle *h = user_data;
	count(refusal->incoming ? &stats.refused_in : &stats.refused_out);
	parley_log(refusal_level(), PARLEY_LOG_MODULE, "handle %" G_GUINT64_FORMAT ": data channel %s%s%s refused %s: %s",
	           h->id, refusal->label ? "\"" : "", refusal->label ? refusal->label : "(none)",
	           refusal->label ? "\"" : "", refusal->incoming ? "from the peer" : "from the plugin", refusal->reason);
}

/* ---- from the plugin (any thread) ---- */

int parley_webrtc_data_relay(parley_handle *h, parley_pc *pc, parley_data_packet *packet)
{
	if (!h || !pc)
		return PARLEY_DATA_ERR_NOT_CONNECTED;
	bool current = current_layout(h->plugin);
	size_t size = !packet ? 0 : current ? packet->size : packet->length;
	if (!packet || (size && !packet->buffer) || (current && (unsigned)packet->reliability > PARLEY_DATA_MAX_PACKET_LIFETIME)) {
		count(&stats.refused_out);
		return PARLEY_DATA_ERR_INVALID;
	}
	parley_dc_open_options open = { .reliability = PARLEY_DCEP_RELIABLE };
	if (current)
		open = (parley_dc_open_options){
			.protocol = packet->protocol, .unordered = packet->unordered,
			.reliability = dc_reliability(packet->reliability), .reliability_parameter = packet->reliability_value,
		};
	char reason[320] = "";
	int rc = parley_pc_relay_data(pc, packet->label, &open, packet->binary, (const uint8_t *)packet->buffer, size,
	                              reason, sizeof(reason));
	/* On the loop, the channel layer reported a message over the size
	 * already (data_refused); a full buffer is flow control, not an error. */
	bool reported = rc == PARLEY_DC_ERR_TOO_LARGE && g_main_context_is_owner(parley_pc_context(pc));
	if (rc && rc != PARLEY_DC_ERR_BUSY && !reported) {
		count(&stats.refused_out);
		parley_log(refusal_level(), PARLEY_LOG_MODULE, "handle %" G_GUINT64_FORMAT ": relay_data to \"%s\" refused: %s",
		           h->id, packet->label ? packet->label : "(oldest channel)", reason);
	}
	return abi_error(rc);
}

typedef struct close_call {
	parley_pc *pc;
	const char *label;
	int rc;
} close_call;

static void run_close(void *data)
{
	close_call *call = data;
	call->rc = parley_pc_close_data(call->pc, call->label);
}

int parley_webrtc_data_close(parley_handle *h, parley_pc *pc, const char *label)
{
	if (!h || !pc)
		return PARLEY_DATA_ERR_NOT_CONNECTED;
	close_call call = { .pc = pc, .label = label };
	parley_pc_invoke(pc, run_close, &call);
	return abi_error(call.rc);
}
