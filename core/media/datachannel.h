/*
 * datachannel.h — the data channels of one SCTP association (RFC 8831,
 * RFC 8832): the channel table by stream id and label, DCEP open/ack,
 * stream ids by DTLS role (client even, server odd; the peer's are taken
 * on any free id), the PPIDs of text,
 * binary and empty messages, reassembly of messages SCTP hands over in
 * pieces, the maximum message size both ways, and closing by stream reset
 * (RFC 8831 §6.7).
 *
 * It knows nothing of usrsctp: it sends through a parley_dc_transport
 * (sctp.c in the gateway, a recording double in tests and the fuzzer) and
 * is told what SCTP delivers through parley_dc_incoming and the
 * notification functions below. Single-threaded: a parley_dc lives on its
 * PeerConnection's loop and every function runs there; callbacks run
 * synchronously from the call that caused them.
 *
 * Ownership: labels and protocols passed in are borrowed (copied when a
 * channel keeps them); data passed in is borrowed for the call; the
 * channel views handed to callbacks are valid during the callback.
 */
#ifndef PARLEY_MEDIA_DATACHANNEL_H
#define PARLEY_MEDIA_DATACHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "dcep.h"

/* SCTP streams each way (our INIT asks for as many): channel stream ids
 * are below it, so at most half of them are opened by each side. */
#define PARLEY_DC_MAX_STREAMS 1024
/* Longest label and longest protocol accepted (bytes). */
#define PARLEY_DC_MAX_LABEL 1024
/* The default maximum message size (a=max-message-size, [media]
 * sctp_max_message_size) and the largest one that may be configured. */
#define PARLEY_DC_DEFAULT_MAX_MESSAGE 262144
#define PARLEY_DC_LIMIT_MAX_MESSAGE (16 * 1024 * 1024)
/* A peer's a=max-message-size when it writes none (RFC 8841 §6). */
#define PARLEY_DC_REMOTE_DEFAULT_MAX_MESSAGE 65536

typedef enum parley_dc_error {
	PARLEY_DC_OK = 0,
	PARLEY_DC_ERR_NO_CHANNEL = -1, /* no channel by that label, and none can be opened (no label) */
	PARLEY_DC_ERR_TOO_LARGE = -2,  /* over our or the peer's maximum message size */
	PARLEY_DC_ERR_BUSY = -3,       /* the SCTP send buffer is full: wait for WRITABLE */
	PARLEY_DC_ERR_INVALID = -4,    /* a bad label, protocol or reliability */
	PARLEY_DC_ERR_LIMIT = -5,      /* no free stream id of our parity */
	PARLEY_DC_ERR_CLOSED = -6,     /* the association is not up (yet, or any more) */
	PARLEY_DC_ERR_SEND = -7,       /* SCTP refused the message */
} parley_dc_error;
const char *parley_dc_strerror(int code);

/* How one message is sent (the channel's reliability). */
typedef struct parley_dc_send_options {
	bool unordered;
	parley_dcep_reliability reliability;
	uint32_t reliability_parameter;   /* retransmissions, or lifetime in ms */
} parley_dc_send_options;

/* What the layer sends through. Each returns 0 or a parley_dc_error
 * (BUSY when the send buffer is full). */
typedef struct parley_dc_transport {
	int (*send)(void *transport, uint16_t stream, uint32_t ppid, const parley_dc_send_options *options,
	            const uint8_t *data, size_t length);
	/* Resets our outgoing stream (RFC 6525); completion comes back as
	 * parley_dc_streams_reset(..., incoming = false). */
	int (*reset)(void *transport, uint16_t stream);
} parley_dc_transport;

/* One channel as callbacks see it. */
typedef struct parley_dc_channel_view {
	uint16_t stream;
	const char *label;
	const char *protocol;
	bool ordered;
	parley_dcep_reliability reliability;
	uint32_t reliability_parameter;
	bool ours;                        /* we opened it */
} parley_dc_channel_view;

typedef enum parley_dc_event {
	PARLEY_DC_EVENT_OPEN,      /* a channel is open: the peer's once we acked, ours once acked */
	PARLEY_DC_EVENT_CLOSED,    /* a channel closed (by either side, or the association went down) */
	PARLEY_DC_EVENT_WRITABLE,  /* no channel: the association is up, or the send buffer has room again */
} parley_dc_event;

/* A message or a DCEP request refused, either way: for the owner's log
 * and counters. */
typedef struct parley_dc_refusal {
	bool incoming;             /* from the peer (true) or from us */
	int code;                  /* parley_dc_error, or a parley_dcep_error for DCEP */
	uint16_t stream;
	const char *label;         /* NULL when no channel is known */
	size_t size;               /* the message's size (as far as it was seen) */
	const char *reason;
} parley_dc_refusal;

typedef struct parley_dc_callbacks {
	/* A whole message. `data` is the layer's buffer (writable, valid
	 * during the call); an empty message has length 0. */
	void (*message)(void *user_data, const parley_dc_channel_view *channel, bool binary, uint8_t *data,
	                size_t length);
	/* OPEN and CLOSED with the channel, WRITABLE with NULL. */
	void (*channel)(void *user_data, const parley_dc_channel_view *channel, parley_dc_event event);
	void (*refused)(void *user_data, const parley_dc_refusal *refusal);
} parley_dc_callbacks;

typedef struct parley_dc_settings {
	bool dtls_client;          /* our DTLS role: client opens even stream ids, server odd */
	size_t max_message_size;   /* what we receive and send at most; 0 = PARLEY_DC_DEFAULT_MAX_MESSAGE */
} parley_dc_settings;

typedef struct parley_dc parley_dc;

parley_dc *parley_dc_new(const parley_dc_settings *settings, const parley_dc_transport *transport,
                         void *transport_data, const parley_dc_callbacks *callbacks, void *user_data);
/* Frees every channel (no callback). */
void parley_dc_free(parley_dc *dc);

/* The peer's a=max-message-size: -1 when it wrote none (64 KiB then), 0
 * for no limit. What we send is bounded by it and by ours. */
void parley_dc_set_remote_max_message_size(parley_dc *dc, int64_t size);
/* The largest message we send now (the smaller of ours and the peer's). */
size_t parley_dc_max_send_size(const parley_dc *dc);

/* ---- from SCTP ---- */

/* The association came up (true: channels may be opened; WRITABLE is
 * reported) or went down (every channel is CLOSED). */
void parley_dc_association(parley_dc *dc, bool up);
/* A piece of a message on `stream` with `ppid` (host order); `complete`
 * marks its last piece. Pieces of one message arrive in order and are
 * not interleaved with another message's. `data` is the caller's and
 * writable during the call. */
void parley_dc_incoming(parley_dc *dc, uint16_t stream, uint32_t ppid, bool complete, uint8_t *data,
                        size_t length);
/* SCTP gave up a message handed over in pieces (partial delivery
 * aborted): what was gathered is dropped. */
void parley_dc_partial_aborted(parley_dc *dc);
/* Streams reset: incoming = the peer reset its outgoing streams (it closes
 * those channels: we reset ours in turn); otherwise our own reset of
 * outgoing streams completed. */
void parley_dc_streams_reset(parley_dc *dc, const uint16_t *streams, size_t n, bool incoming);
/* The send buffer has room again after a BUSY. */
void parley_dc_writable(parley_dc *dc);

/* ---- from the owner ---- */

/* Options of a channel parley_dc_send opens (ignored for an open one). */
typedef struct parley_dc_open_options {
	const char *protocol;      /* NULL = "" */
	bool unordered;
	parley_dcep_reliability reliability;
	uint32_t reliability_parameter;
} parley_dc_open_options;

/* Sends one message on the oldest open channel labelled `label` (NULL:
 * the oldest open channel); a label with no channel opens one (DCEP OPEN
 * on a free stream id of our parity, with `open` — NULL: reliable,
 * ordered), and the message follows it, ordered until the peer's ACK.
 * 0 or a parley_dc_error with a reason. */
int parley_dc_send(parley_dc *dc, const char *label, const parley_dc_open_options *open, bool binary,
                   const uint8_t *data, size_t length, char *reason, size_t reason_size);
/* Closes every open channel labelled `label` (stream reset); CLOSED is
 * reported for each. 0, or PARLEY_DC_ERR_NO_CHANNEL. */
int parley_dc_close(parley_dc *dc, const char *label);

/* ---- state ---- */

typedef struct parley_dc_counters {
	uint64_t messages_in, bytes_in, messages_out, bytes_out;
	uint64_t opened, closed;            /* channels */
	uint64_t too_large_in, too_large_out, busy, dcep_errors, bad_ppid, unknown_stream;
	uint64_t wrong_parity;              /* peer OPENs on our parity (accepted) */
} parley_dc_counters;

/* This association's counters. */
void parley_dc_get_counters(const parley_dc *dc, parley_dc_counters *counters);
/* Every association's since the process started (relaxed atomics). */
void parley_dc_get_totals(parley_dc_counters *counters);
/* Open channels now, every association. */
uint64_t parley_dc_open_channels(void);
/* For admin handle_info: {"up", "max-message-size", "remote-max-message-size", "channels": [{"id",
 * "label", "protocol", "ordered", "reliability", "ours", "state", "messages-in", ...}], counters}
 * (a new reference). */
json_t *parley_dc_info(const parley_dc *dc);

#endif
