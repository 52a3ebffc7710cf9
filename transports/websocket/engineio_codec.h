/*
 * transports/websocket/engineio_codec.h — the Engine.IO protocol 4 wire
 * format, without any I/O: packet types, one packet, the long-polling
 * payload (packets joined by the record separator 0x1e), the handshake
 * query (EIO, transport, sid), the open packet, and the server's error
 * codes with their HTTP answers. Only text packets: a binary packet
 * ("b" + base64 in a payload, or a binary WebSocket frame) is refused.
 *
 * Pure functions, any thread. Strings returned are g_malloc'ed (g_free).
 */
#ifndef PARLEY_ENGINEIO_CODEC_H
#define PARLEY_ENGINEIO_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#define PARLEY_EIO_SEPARATOR '\x1e'
#define PARLEY_EIO_SID_LENGTH 20

typedef enum parley_eio_type {
	PARLEY_EIO_OPEN = 0,
	PARLEY_EIO_CLOSE = 1,
	PARLEY_EIO_PING = 2,
	PARLEY_EIO_PONG = 3,
	PARLEY_EIO_MESSAGE = 4,
	PARLEY_EIO_UPGRADE = 5,
	PARLEY_EIO_NOOP = 6,
} parley_eio_type;

/* One decoded packet: `data` points into the decoded text (not copied). */
typedef struct parley_eio_packet {
	parley_eio_type type;
	const char *data;
	size_t length;
} parley_eio_packet;

typedef enum parley_eio_decode_status {
	PARLEY_EIO_DECODE_OK = 0,
	PARLEY_EIO_DECODE_EMPTY,    /* a packet without even a type */
	PARLEY_EIO_DECODE_BAD_TYPE, /* not a digit 0..6 */
	PARLEY_EIO_DECODE_BINARY,   /* "b..." (base64 binary): not supported */
	PARLEY_EIO_DECODE_TOO_MANY, /* more packets than the caller allows */
} parley_eio_decode_status;

/* The reference server's error codes (HTTP 400 unless said otherwise). */
typedef enum parley_eio_error {
	PARLEY_EIO_ERR_UNKNOWN_TRANSPORT = 0,    /* "Transport unknown" */
	PARLEY_EIO_ERR_UNKNOWN_SID = 1,          /* "Session ID unknown" */
	PARLEY_EIO_ERR_BAD_HANDSHAKE_METHOD = 2, /* "Bad handshake method" */
	PARLEY_EIO_ERR_BAD_REQUEST = 3,          /* "Bad request" */
	PARLEY_EIO_ERR_FORBIDDEN = 4,            /* "Forbidden" (HTTP 403) */
	PARLEY_EIO_ERR_UNSUPPORTED_VERSION = 5,  /* "Unsupported protocol version" */
} parley_eio_error;

typedef enum parley_eio_transport {
	PARLEY_EIO_TRANSPORT_NONE = 0,
	PARLEY_EIO_TRANSPORT_POLLING,
	PARLEY_EIO_TRANSPORT_WEBSOCKET,
} parley_eio_transport;

/* The query of an Engine.IO request. */
typedef struct parley_eio_query {
	char eio[8]; /* "4" expected; "" when absent */
	parley_eio_transport transport;
	char transport_name[16];              /* as sent, truncated */
	char sid[PARLEY_EIO_SID_LENGTH + 12]; /* "" when absent */
	bool sid_too_long;
} parley_eio_query;

/* Decodes one packet (a WebSocket message, or one payload item). */
parley_eio_decode_status parley_eio_decode_packet(const char *text, size_t length, parley_eio_packet *packet);
/* Splits a long-polling payload into at most `max` packets. On success
 * *count is the number of packets filled (a payload has at least one). */
parley_eio_decode_status parley_eio_decode_payload(const char *text, size_t length, parley_eio_packet *packets,
                                                   size_t max, size_t *count);
/* Appends one encoded packet to `out` ("<type><data>"). */
void parley_eio_encode_packet(GString *out, parley_eio_type type, const char *data, size_t length);
/* Appends one packet to a payload under construction (adds the separator
 * when `out` already holds a packet). */
void parley_eio_payload_append(GString *out, const char *packet, size_t length);

/* Parses "EIO=4&transport=polling&sid=...&t=..." (NULL = empty). Unknown
 * keys are ignored; values are not url-decoded (none of ours needs it). */
void parley_eio_query_parse(const char *query, parley_eio_query *out);
/* The error code for a handshake/request, or -1 when acceptable:
 * transport known, EIO 4, and (without sid) a GET. */
int parley_eio_query_check(const parley_eio_query *query, bool is_get);

const char *parley_eio_error_message(parley_eio_error code);
int parley_eio_error_http_status(parley_eio_error code);
/* {"code":N,"message":"..."} (g_free). */
char *parley_eio_error_body(parley_eio_error code);

/* The open packet's JSON text (without the leading '0'), g_free. */
char *parley_eio_open_json(const char *sid, long ping_interval, long ping_timeout, long max_payload,
                           bool offer_websocket);
/* A fresh random session id of PARLEY_EIO_SID_LENGTH URL-safe characters. */
void parley_eio_new_sid(char sid[PARLEY_EIO_SID_LENGTH + 1]);

#endif
