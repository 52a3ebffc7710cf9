/*
 * datachannel.c — owns the channel table of one SCTP association: a slot
 * per stream id (PARLEY_DC_MAX_STREAMS), each NULL or a channel from its
 * DCEP OPEN until both directions of its stream are reset; the DCEP
 * exchange both ways; what a message is sent with (PPID, order, partial
 * reliability); the reassembly buffer for messages SCTP hands over in
 * pieces; size limits both ways; counters per channel, per association
 * and for the process. Nothing here blocks, locks or knows a thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "datachannel.h"

/* A DCEP message is a header and two strings of at most PARLEY_DC_MAX_LABEL. */
#define DCEP_LIMIT (PARLEY_DCEP_OPEN_HEADER + 2 * PARLEY_DC_MAX_LABEL)
/* DATA_CHANNEL_OPEN priority "normal" (RFC 8831 §6.4). */
#define PRIORITY_NORMAL 256
/* A reassembly buffer grown past this is given back after its message. */
#define PARTIAL_KEEP 65536

typedef struct dc_channel {
	parley_dc_channel_view view;  /* label/protocol point at the two strings below */
	char *label, *protocol;
	bool acked;                   /* ours: the peer's ACK (or data) came; the peer's: we answered */
	bool closed;                  /* CLOSED was reported: nothing more is sent or delivered */
	bool reset_requested;         /* we asked to reset our outgoing stream */
	bool reset_out, reset_in;     /* each direction of the stream is reset */
	uint64_t order;               /* when it was opened: "the oldest" is the lowest */
	uint64_t messages_in, bytes_in, messages_out, bytes_out;
} dc_channel;

struct parley_dc {
	parley_dc_settings settings;
	size_t max_in;                /* ours */
	int64_t remote_max;           /* the peer's: 0 = no limit */
	parley_dc_transport transport;
	void *transport_data;
	parley_dc_callbacks cb;
	void *user_data;
	bool up;
	unsigned depth;               /* > 0 inside a call that may run callbacks */
	bool free_requested;          /* freed from a callback: released when the call returns */
	bool blocked;                 /* a send was refused BUSY: report WRITABLE when room comes back */
	dc_channel *streams[PARLEY_DC_MAX_STREAMS];
	uint64_t next_order;
	/* a message arriving in pieces */
	bool partial;
	bool discarding;              /* ... over the limit: dropped as it comes */
	uint16_t partial_stream;
	uint32_t partial_ppid;
	uint8_t *buffer;
	size_t buffer_length, buffer_capacity, partial_seen;
	parley_dc_counters counters;
};

/* ---- process totals (relaxed atomics: one add per event) ---- */

static parley_dc_counters totals;
static uint64_t open_channels;

#define COUNT(dc, field, n)                                                                \
	do {                                                                               \
		(dc)->counters.field += (n);                                               \
		__atomic_add_fetch(&totals.field, (n), __ATOMIC_RELAXED);                   \
	} while (0)

void parley_dc_get_totals(parley_dc_counters *out)
{
	const uint64_t *src = (const uint64_t *)&totals;
	uint64_t *dst = (uint64_t *)out;
	for (size_t i = 0; i < sizeof(totals) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

uint64_t parley_dc_open_channels(void)
{
	return __atomic_load_n(&open_channels, __ATOMIC_RELAXED);
}

void parley_dc_get_counters(const parley_dc *dc, parley_dc_counters *counters)
{
	*counters = dc->counters;
}

const char *parley_dc_strerror(int code)
{
	static const char *const names[] = {
		[0] = "ok", [1] = "no such channel", [2] = "message too large", [3] = "send buffer full",
		[4] = "invalid label, protocol or reliability", [5] = "no free stream id",
		[6] = "the SCTP association is not up", [7] = "SCTP refused the message",
	};
	unsigned i = (unsigned)(-code);
	return i < G_N_ELEMENTS(names) ? names[i] : "unknown error";
}

/* ---- lifetime ---- */

parley_dc *parley_dc_new(const parley_dc_settings *settings, const parley_dc_transport *transport,
                         void *transport_data, const parley_dc_callbacks *callbacks, void *user_data)
{
	if (!settings || !transport || !transport->send || !transport->reset || !callbacks)
		return NULL;
	parley_dc *dc = g_new0(parley_dc, 1);
	dc->settings = *settings;
	dc->max_in = settings->max_message_size ? settings->max_message_size : PARLEY_DC_DEFAULT_MAX_MESSAGE;
	if (dc->max_in > PARLEY_DC_LIMIT_MAX_MESSAGE)
		dc->max_in = PARLEY_DC_LIMIT_MAX_MESSAGE;
	dc->remote_max = PARLEY_DC_REMOTE_DEFAULT_MAX_MESSAGE;
	dc->transport = *transport;
	dc->transport_data = transport_data;
	dc->cb = *callbacks;
	dc->user_data = user_data;
	return dc;
}

static void channel_free(dc_channel *ch)
{
	g_free(ch->label);
	g_free(ch->protocol);
	g_free(ch);
}

static void release(parley_dc *dc)
{
	for (size_t s = 0; s < PARLEY_DC_MAX_STREAMS; s++) {
		if (!dc->streams[s])
			continue;
		if (!dc->streams[s]->closed)
			__atomic_sub_fetch(&open_channels, 1, __ATOMIC_RELAXED);
		channel_free(dc->streams[s]);
	}
	g_free(dc->buffer);
	g_free(dc);
}

/* Calls that may run callbacks are bracketed: a callback may free the
 * layer; it is released when the outermost call returns, and nothing is
 * sent or reported meanwhile. */
static void enter(parley_dc *dc)
{
	dc->depth++;
}

static void leave(parley_dc *dc)
{
	if (--dc->depth == 0 && dc->free_requested)
		release(dc);
}

static bool alive(const parley_dc *dc)
{
	return !dc->free_requested;
}

void parley_dc_free(parley_dc *dc)
{
	if (!dc)
		return;
	dc->free_requested = true;
	if (dc->depth == 0)
		release(dc);
}

void parley_dc_set_remote_max_message_size(parley_dc *dc, int64_t size)
{
	dc->remote_max = size < 0 ? PARLEY_DC_REMOTE_DEFAULT_MAX_MESSAGE : size;
}

size_t parley_dc_max_send_size(const parley_dc *dc)
{
	if (dc->remote_max > 0 && (uint64_t)dc->remote_max < dc->max_in)
		return (size_t)dc->remote_max;
	return dc->max_in;
}

/* ---- refusals ---- */

__attribute__((format(printf, 7, 8)))
static void refuse(parley_dc *dc, bool incoming, int code, uint16_t stream, const dc_channel *ch, size_t size,
                   const char *format, ...)
{
	if (!dc->cb.refused || !alive(dc))
		return;
	char reason[256];
	va_list args;
	va_start(args, format);
	vsnprintf(reason, sizeof(reason), format, args);
	va_end(args);
	parley_dc_refusal r = { .incoming = incoming, .code = code, .stream = stream,
	                        .label = ch ? ch->label : NULL, .size = size, .reason = reason };
	dc->cb.refused(dc->user_data, &r);
}

/* ---- channels ---- */

static dc_channel *channel_new(parley_dc *dc, uint16_t stream, const char *label, size_t label_length,
                               const char *protocol, size_t protocol_length, bool ordered,
                               parley_dcep_reliability reliability, uint32_t parameter, bool ours)
{
	dc_channel *ch = g_new0(dc_channel, 1);
	ch->label = g_strndup(label ? label : "", label_length);
	ch->protocol = g_strndup(protocol ? protocol : "", protocol_length);
	ch->order = dc->next_order++;
	ch->view = (parley_dc_channel_view){
		.stream = stream, .label = ch->label, .protocol = ch->protocol, .ordered = ordered,
		.reliability = reliability, .reliability_parameter = parameter, .ours = ours,
	};
	dc->streams[stream] = ch;
	__atomic_add_fetch(&open_channels, 1, __ATOMIC_RELAXED);
	return ch;
}

/* Reports CLOSED once; the channel sends and delivers nothing more. */
static void channel_closed(parley_dc *dc, dc_channel *ch)
{
	if (ch->closed)
		return;
	ch->closed = true;
	__atomic_sub_fetch(&open_channels, 1, __ATOMIC_RELAXED);
	COUNT(dc, closed, 1);
	if (dc->cb.channel && alive(dc))
		dc->cb.channel(dc->user_data, &ch->view, PARLEY_DC_EVENT_CLOSED);
}

/* Frees the slot once both directions of its stream are reset. */
static void channel_release_if_done(parley_dc *dc, uint16_t stream)
{
	dc_channel *ch = dc->streams[stream];
	if (ch && ch->reset_out && ch->reset_in) {
		dc->streams[stream] = NULL;
		channel_free(ch);
	}
}

static void request_reset(parley_dc *dc, dc_channel *ch)
{
	if (ch->reset_requested)
		return;
	ch->reset_requested = true;
	if (dc->up && alive(dc))
		dc->transport.reset(dc->transport_data, ch->view.stream);
}

/* The oldest open channel labelled `label` (any label when NULL). */
static dc_channel *find_open(parley_dc *dc, const char *label)
{
	dc_channel *best = NULL;
	for (size_t s = 0; s < PARLEY_DC_MAX_STREAMS; s++) {
		dc_channel *ch = dc->streams[s];
		if (!ch || ch->closed || (label && strcmp(ch->label, label) != 0))
			continue;
		if (!best || ch->order < best->order)
			best = ch;
	}
	return best;
}

/* ---- sending ---- */

static int send_raw(parley_dc *dc, uint16_t stream, uint32_t ppid, const parley_dc_send_options *options,
                    const uint8_t *data, size_t length)
{
	if (!alive(dc))
		return PARLEY_DC_ERR_CLOSED;
	int rc = dc->transport.send(dc->transport_data, stream, ppid, options, data, length);
	if (rc == PARLEY_DC_ERR_BUSY) {
		dc->blocked = true;
		COUNT(dc, busy, 1);
	}
	return rc;
}

/* DCEP goes reliable and ordered (RFC 8832 §6). */
static int send_dcep(parley_dc *dc, uint16_t stream, const uint8_t *data, size_t length)
{
	static const parley_dc_send_options reliable = { .reliability = PARLEY_DCEP_RELIABLE };
	return send_raw(dc, stream, PARLEY_PPID_DCEP, &reliable, data, length);
}

static bool label_ok(const char *text, size_t *length)
{
	*length = text ? strlen(text) : 0;
	return *length <= PARLEY_DC_MAX_LABEL && (!text || g_utf8_validate(text, (gssize)*length, NULL));
}

/* A channel of ours on the lowest free stream id of our parity, its OPEN
 * sent; NULL with *rc and a reason otherwise. */
static dc_channel *open_channel(parley_dc *dc, const char *label, const parley_dc_open_options *options, int *rc,
                                char *reason, size_t reason_size)
{
	static const parley_dc_open_options defaults = { .reliability = PARLEY_DCEP_RELIABLE };
	const parley_dc_open_options *o = options ? options : &defaults;
	size_t label_length, protocol_length;
	if (!label_ok(label, &label_length) || !label_ok(o->protocol, &protocol_length) ||
	    (unsigned)o->reliability > PARLEY_DCEP_PARTIAL_TIMED) {
		*rc = PARLEY_DC_ERR_INVALID;
		snprintf(reason, reason_size, "a label and protocol are UTF-8 of at most %d bytes, the reliability "
		         "reliable, max retransmits or max packet lifetime", PARLEY_DC_MAX_LABEL);
		return NULL;
	}
	unsigned first = dc->settings.dtls_client ? 0 : 1;
	unsigned stream = first;
	while (stream < PARLEY_DC_MAX_STREAMS && dc->streams[stream])
		stream += 2;
	if (stream >= PARLEY_DC_MAX_STREAMS) {
		*rc = PARLEY_DC_ERR_LIMIT;
		snprintf(reason, reason_size, "every %s stream id below %d is in use", first ? "odd" : "even",
		         PARLEY_DC_MAX_STREAMS);
		return NULL;
	}
	parley_dcep_open open = {
		.ordered = !o->unordered, .reliability = o->reliability,
		.reliability_parameter = o->reliability == PARLEY_DCEP_RELIABLE ? 0 : o->reliability_parameter,
		.priority = PRIORITY_NORMAL, .label = label, .label_length = (uint16_t)label_length,
		.protocol = o->protocol, .protocol_length = (uint16_t)protocol_length,
	};
	uint8_t message[DCEP_LIMIT];
	size_t size = parley_dcep_write_open(&open, message, sizeof(message));
	*rc = size ? send_dcep(dc, (uint16_t)stream, message, size) : PARLEY_DC_ERR_INVALID;
	if (*rc) {
		snprintf(reason, reason_size, "DATA_CHANNEL_OPEN not sent: %s", parley_dc_strerror(*rc));
		return NULL;
	}
	COUNT(dc, opened, 1);
	return channel_new(dc, (uint16_t)stream, label, label_length, o->protocol, protocol_length, open.ordered,
	                   open.reliability, open.reliability_parameter, true);
}

static int send_on(parley_dc *dc, dc_channel *ch, bool binary, const uint8_t *data, size_t length)
{
	static const uint8_t empty_payload = 0;   /* an empty message is one zero byte (RFC 8831 §6.6) */
	parley_dc_send_options options = {
		/* Ours stays ordered until the peer acknowledged it (RFC 8832 §6). */
		.unordered = !ch->view.ordered && (ch->acked || !ch->view.ours),
		.reliability = ch->view.reliability,
		.reliability_parameter = ch->view.reliability_parameter,
	};
	bool empty = length == 0;
	int rc = send_raw(dc, ch->view.stream, parley_dcep_ppid_for(binary, empty), &options,
	                  empty ? &empty_payload : data, empty ? 1 : length);
	if (rc == 0) {
		ch->messages_out++;
		ch->bytes_out += length;
		COUNT(dc, messages_out, 1);
		COUNT(dc, bytes_out, length);
	}
	return rc;
}

static int dc_send(parley_dc *dc, const char *label, const parley_dc_open_options *open, bool binary,
                   const uint8_t *data, size_t length, char *reason, size_t reason_size)
{
	char scratch[256];
	if (!reason || !reason_size) {
		reason = scratch;
		reason_size = sizeof(scratch);
	}
	reason[0] = '\0';
	if (!dc->up) {
		snprintf(reason, reason_size, "%s", parley_dc_strerror(PARLEY_DC_ERR_CLOSED));
		return PARLEY_DC_ERR_CLOSED;
	}
	if (length && !data)
		return PARLEY_DC_ERR_INVALID;
	dc_channel *ch = find_open(dc, label);
	size_t max = parley_dc_max_send_size(dc);
	if (length > max) {
		COUNT(dc, too_large_out, 1);
		snprintf(reason, reason_size, "a message of %zu bytes is over the maximum message size (%zu: ours %zu, "
		         "the peer's %s%" G_GINT64_FORMAT ")", length, max, dc->max_in,
		         dc->remote_max ? "" : "unlimited ", dc->remote_max);
		refuse(dc, false, PARLEY_DC_ERR_TOO_LARGE, ch ? ch->view.stream : 0, ch, length, "%s", reason);
		return PARLEY_DC_ERR_TOO_LARGE;
	}
	if (!ch) {
		int rc = PARLEY_DC_ERR_NO_CHANNEL;
		if (!label) {
			snprintf(reason, reason_size, "no channel is open");
			return rc;
		}
		ch = open_channel(dc, label, open, &rc, reason, reason_size);
		if (!ch)
			return rc;
	}
	int rc = send_on(dc, ch, binary, data, length);
	if (rc)
		snprintf(reason, reason_size, "%s", parley_dc_strerror(rc));
	return rc;
}

int parley_dc_send(parley_dc *dc, const char *label, const parley_dc_open_options *open, bool binary,
                   const uint8_t *data, size_t length, char *reason, size_t reason_size)
{
	enter(dc);
	int rc = dc_send(dc, label, open, binary, data, length, reason, reason_size);
	leave(dc);
	return rc;
}

static int dc_close(parley_dc *dc, const char *label)
{
	int rc = PARLEY_DC_ERR_NO_CHANNEL;
	for (size_t s = 0; s < PARLEY_DC_MAX_STREAMS; s++) {
		dc_channel *ch = dc->streams[s];
		if (!ch || ch->closed || (label && strcmp(ch->label, label) != 0))
			continue;
		rc = 0;
		request_reset(dc, ch);
		channel_closed(dc, ch);
	}
	return rc;
}

int parley_dc_close(parley_dc *dc, const char *label)
{
	enter(dc);
	int rc = dc_close(dc, label);
	leave(dc);
	return rc;
}

/* ---- receiving ---- */

/* The peer's OPEN. Its stream id should have the peer's parity (RFC 8832
 * §6: the DTLS client opens even ids, the server odd), but any free id is
 * taken: aiortc 1.4 picks its parity by ICE role, not DTLS role, so as
 * offerer (controlling, yet DTLS client) it opens odd ids. Ours keep the
 * RFC's parity and skip ids in use, so the two cannot meet on one id
 * except by opening it at the same moment (then the later OPEN is
 * refused: "which a channel uses"). Counted as wrong_parity. */
static void handle_open(parley_dc *dc, uint16_t stream, const parley_dcep_open *open)
{
	bool peer_parity = (stream & 1) == (dc->settings.dtls_client ? 1 : 0);
	if (dc->streams[stream]) {
		COUNT(dc, dcep_errors, 1);
		refuse(dc, true, PARLEY_DC_ERR_INVALID, stream, dc->streams[stream], 0,
		       "DATA_CHANNEL_OPEN on stream %u, which a channel uses", stream);
		return;
	}
	if (open->label_length > PARLEY_DC_MAX_LABEL || open->protocol_length > PARLEY_DC_MAX_LABEL) {
		/* Reset the stream: the peer's channel closes instead of waiting. */
		COUNT(dc, dcep_errors, 1);
		refuse(dc, true, PARLEY_DC_ERR_INVALID, stream, NULL, 0, "DATA_CHANNEL_OPEN on stream %u has a label or "
		       "protocol over %d bytes", stream, PARLEY_DC_MAX_LABEL);
		if (alive(dc))
			dc->transport.reset(dc->transport_data, stream);
		return;
	}
	if (!peer_parity)
		COUNT(dc, wrong_parity, 1);
	dc_channel *ch = channel_new(dc, stream, open->label, open->label_length, open->protocol,
	                             open->protocol_length, open->ordered, open->reliability,
	                             open->reliability_parameter, false);
	uint8_t ack[1];
	send_dcep(dc, stream, ack, parley_dcep_write_ack(ack, sizeof(ack)));
	ch->acked = true;
	COUNT(dc, opened, 1);
	if (dc->cb.channel && alive(dc))
		dc->cb.channel(dc->user_data, &ch->view, PARLEY_DC_EVENT_OPEN);
}

static void acknowledged(parley_dc *dc, dc_channel *ch)
{
	ch->acked = true;
	if (dc->cb.channel && alive(dc))
		dc->cb.channel(dc->user_data, &ch->view, PARLEY_DC_EVENT_OPEN);
}

static void handle_dcep(parley_dc *dc, uint16_t stream, const uint8_t *data, size_t length)
{
	parley_dcep_message message;
	char reason[160];
	int rc = parley_dcep_parse(data, length, &message, reason, sizeof(reason));
	if (rc) {
		COUNT(dc, dcep_errors, 1);
		refuse(dc, true, rc, stream, dc->streams[stream], length, "DCEP on stream %u: %s", stream, reason);
		if (!dc->streams[stream] && length && data[0] == PARLEY_DCEP_OPEN && alive(dc))
			dc->transport.reset(dc->transport_data, stream);
		return;
	}
	if (message.type == PARLEY_DCEP_OPEN) {
		handle_open(dc, stream, &message.open);
		return;
	}
	dc_channel *ch = dc->streams[stream];
	if (!ch || !ch->view.ours || ch->acked || ch->closed) {
		COUNT(dc, dcep_errors, 1);
		refuse(dc, true, PARLEY_DCEP_ERR_TYPE, stream, ch, length,
		       "DATA_CHANNEL_ACK on stream %u, where no OPEN of ours waits", stream);
		return;
	}
	acknowledged(dc, ch);
}

/* One whole message. */
static void handle_message(parley_dc *dc, uint16_t stream, uint32_t ppid, uint8_t *data, size_t length)
{
	if (stream >= PARLEY_DC_MAX_STREAMS) {
		COUNT(dc, unknown_stream, 1);
		refuse(dc, true, PARLEY_DC_ERR_NO_CHANNEL, stream, NULL, length, "a message on stream %u, over our %d",
		       stream, PARLEY_DC_MAX_STREAMS);
		return;
	}
	if (ppid == PARLEY_PPID_DCEP) {
		handle_dcep(dc, stream, data, length);
		return;
	}
	bool binary, empty;
	dc_channel *ch = dc->streams[stream];
	if (parley_dcep_ppid_kind(ppid, &binary, &empty) != 0) {
		COUNT(dc, bad_ppid, 1);
		refuse(dc, true, PARLEY_DC_ERR_INVALID, stream, ch, length, "PPID %u on stream %u is not a data "
		       "channel message (51, 53, 56, 57)", ppid, stream);
		return;
	}
	if (!ch || ch->closed) {
		COUNT(dc, unknown_stream, 1);
		refuse(dc, true, PARLEY_DC_ERR_NO_CHANNEL, stream, ch, length, "a message on stream %u, where no "
		       "channel is open", stream);
		return;
	}
	if (ch->view.ours && !ch->acked)
		acknowledged(dc, ch);   /* data before the ACK acknowledges (RFC 8832 §6) */
	if (empty)
		length = 0;
	if (length > dc->max_in) {
		COUNT(dc, too_large_in, 1);
		refuse(dc, true, PARLEY_DC_ERR_TOO_LARGE, stream, ch, length, "a message of %zu bytes on \"%s\" is over "
		       "our maximum message size (%zu)", length, ch->label, dc->max_in);
		return;
	}
	ch->messages_in++;
	ch->bytes_in += length;
	COUNT(dc, messages_in, 1);
	COUNT(dc, bytes_in, length);
	if (dc->cb.message && alive(dc))
		dc->cb.message(dc->user_data, &ch->view, binary, data, length);
}

static void partial_reset(parley_dc *dc)
{
	dc->partial = dc->discarding = false;
	dc->buffer_length = dc->partial_seen = 0;
	if (dc->buffer_capacity > PARTIAL_KEEP) {
		g_free(dc->buffer);
		dc->buffer = NULL;
		dc->buffer_capacity = 0;
	}
}

static size_t limit_for(const parley_dc *dc, uint32_t ppid)
{
	return ppid == PARLEY_PPID_DCEP ? DCEP_LIMIT : dc->max_in;
}

/* The message being gathered grew past its limit: drop it as it comes. */
static void start_discarding(parley_dc *dc)
{
	dc_channel *ch = dc->partial_stream < PARLEY_DC_MAX_STREAMS ? dc->streams[dc->partial_stream] : NULL;
	dc->discarding = true;
	dc->buffer_length = 0;
	if (dc->partial_ppid == PARLEY_PPID_DCEP)
		COUNT(dc, dcep_errors, 1);
	else
		COUNT(dc, too_large_in, 1);
	refuse(dc, true, PARLEY_DC_ERR_TOO_LARGE, dc->partial_stream, ch, dc->partial_seen,
	       "a message on stream %u passed %zu bytes, over our maximum message size (%zu): dropped",
	       dc->partial_stream, limit_for(dc, dc->partial_ppid), limit_for(dc, dc->partial_ppid));
}

static void gather(parley_dc *dc, const uint8_t *data, size_t length)
{
	dc->partial_seen += length;
	if (dc->discarding)
		return;
	if (dc->partial_seen > limit_for(dc, dc->partial_ppid)) {
		start_discarding(dc);
		return;
	}
	if (dc->buffer_length + length > dc->buffer_capacity) {
		size_t capacity = dc->buffer_capacity ? dc->buffer_capacity : 4096;
		while (capacity < dc->buffer_length + length)
			capacity *= 2;
		dc->buffer = g_realloc(dc->buffer, capacity);
		dc->buffer_capacity = capacity;
	}
	if (length)
		memcpy(dc->buffer + dc->buffer_length, data, length);
	dc->buffer_length += length;
}

static void dc_incoming(parley_dc *dc, uint16_t stream, uint32_t ppid, bool complete, uint8_t *data, size_t length)
{
	if (length && !data)
		return;
	if (dc->partial && (stream != dc->partial_stream || ppid != dc->partial_ppid))
		partial_reset(dc);   /* SCTP moved on: what was gathered will not complete */
	if (!dc->partial && complete) {
		handle_message(dc, stream, ppid, data, length);
		return;
	}
	if (!dc->partial) {
		dc->partial = true;
		dc->partial_stream = stream;
		dc->partial_ppid = ppid;
	}
	gather(dc, data, length);
	if (!complete)
		return;
	if (!dc->discarding)
		handle_message(dc, stream, ppid, dc->buffer, dc->buffer_length);
	partial_reset(dc);
}

void parley_dc_incoming(parley_dc *dc, uint16_t stream, uint32_t ppid, bool complete, uint8_t *data, size_t length)
{
	enter(dc);
	dc_incoming(dc, stream, ppid, complete, data, length);
	leave(dc);
}

void parley_dc_partial_aborted(parley_dc *dc)
{
	partial_reset(dc);
}

/* ---- notifications ---- */

static void stream_reset(parley_dc *dc, uint16_t stream, bool incoming)
{
	dc_channel *ch = dc->streams[stream];
	if (!ch)
		return;
	if (incoming) {
		/* The peer closed it: close ours too (RFC 8831 §6.7). */
		ch->reset_in = true;
		channel_closed(dc, ch);
		request_reset(dc, ch);
	} else {
		ch->reset_out = true;
	}
	channel_release_if_done(dc, stream);
}

static void dc_streams_reset(parley_dc *dc, const uint16_t *streams, size_t n, bool incoming)
{
	if (n == 0) {  /* every stream */
		for (size_t s = 0; s < PARLEY_DC_MAX_STREAMS; s++)
			stream_reset(dc, (uint16_t)s, incoming);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (streams[i] < PARLEY_DC_MAX_STREAMS)
			stream_reset(dc, streams[i], incoming);
}

void parley_dc_streams_reset(parley_dc *dc, const uint16_t *streams, size_t n, bool incoming)
{
	enter(dc);
	dc_streams_reset(dc, streams, n, incoming);
	leave(dc);
}

static void dc_association(parley_dc *dc, bool up)
{
	if (up == dc->up)
		return;
	dc->up = up;
	if (up) {
		if (dc->cb.channel && alive(dc))
			dc->cb.channel(dc->user_data, NULL, PARLEY_DC_EVENT_WRITABLE);
		return;
	}
	partial_reset(dc);
	for (size_t s = 0; s < PARLEY_DC_MAX_STREAMS; s++) {
		dc_channel *ch = dc->streams[s];
		if (!ch)
			continue;
		channel_closed(dc, ch);
		dc->streams[s] = NULL;
		channel_free(ch);
	}
}

void parley_dc_association(parley_dc *dc, bool up)
{
	enter(dc);
	dc_association(dc, up);
	leave(dc);
}

static void dc_writable(parley_dc *dc)
{
	if (!dc->blocked || !dc->up)
		return;
	dc->blocked = false;
	if (dc->cb.channel && alive(dc))
		dc->cb.channel(dc->user_data, NULL, PARLEY_DC_EVENT_WRITABLE);
}

void parley_dc_writable(parley_dc *dc)
{
	enter(dc);
	dc_writable(dc);
	leave(dc);
}

/* ---- admin ---- */

static const char *reliability_name(parley_dcep_reliability r)
{
	return r == PARLEY_DCEP_PARTIAL_REXMIT ? "max-retransmits" : r == PARLEY_DCEP_PARTIAL_TIMED
		? "max-packet-life-time" : "reliable";
}

json_t *parley_dc_info(const parley_dc *dc)
{
	json_t *channels = json_array();
	for (size_t s = 0; s < PARLEY_DC_MAX_STREAMS; s++) {
		const dc_channel *ch = dc->streams[s];
		if (!ch)
			continue;
		const char *state = !ch->closed ? (ch->acked ? "open" : "opening") : "closing";
		json_t *c = json_pack("{sI ss ss sb ss sb ss sI sI sI sI}", "id", (json_int_t)s, "label", ch->label,
		                      "protocol", ch->protocol, "ordered", ch->view.ordered, "reliability",
		                      reliability_name(ch->view.reliability), "ours", ch->view.ours, "state", state,
		                      "messages-in", (json_int_t)ch->messages_in, "bytes-in", (json_int_t)ch->bytes_in,
		                      "messages-out", (json_int_t)ch->messages_out, "bytes-out", (json_int_t)ch->bytes_out);
		if (ch->view.reliability != PARLEY_DCEP_RELIABLE)
			json_object_set_new(c, "reliability-parameter", json_integer(ch->view.reliability_parameter));
		json_array_append_new(channels, c);
	}
	const parley_dc_counters *n = &dc->counters;
	return json_pack("{sb sI sI so s{sI sI sI sI sI sI sI sI sI sI sI sI sI}}", "up", dc->up,
	                 "max-message-size", (json_int_t)dc->max_in,
	                 "remote-max-message-size", (json_int_t)dc->remote_max, "channels", channels,
	                 "counters", "messages-in", (json_int_t)n->messages_in, "bytes-in", (json_int_t)n->bytes_in,
	                 "messages-out", (json_int_t)n->messages_out, "bytes-out", (json_int_t)n->bytes_out,
	                 "opened", (json_int_t)n->opened, "closed", (json_int_t)n->closed,
	                 "too-large-in", (json_int_t)n->too_large_in, "too-large-out", (json_int_t)n->too_large_out,
	                 "busy", (json_int_t)n->busy, "dcep-errors", (json_int_t)n->dcep_errors,
	                 "bad-ppid", (json_int_t)n->bad_ppid, "unknown-stream", (json_int_t)n->unknown_stream,
	                 "wrong-parity", (json_int_t)n->wrong_parity);
}
