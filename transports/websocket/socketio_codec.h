/*
 * transports/websocket/socketio_codec.h — the Socket.IO protocol 5 packet
 * format (socket.io-client v4), without any I/O:
 *   <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
 * Types CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR; the binary types
 * (BINARY_EVENT, BINARY_ACK) are recognised only to be refused.
 *
 * Pure functions, any thread. A decoded packet owns its namespace string
 * and its payload (parley_sio_packet_clear releases them).
 */
#ifndef PARLEY_SOCKETIO_CODEC_H
#define PARLEY_SOCKETIO_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include <jansson.h>

/* Ack ids are non-negative integers below 2^53 (JavaScript numbers). */
#define PARLEY_SIO_MAX_ACK_ID ((int64_t)9007199254740991LL)
#define PARLEY_SIO_MAX_NAMESPACE 256

typedef enum parley_sio_type {
	PARLEY_SIO_CONNECT = 0,
	PARLEY_SIO_DISCONNECT = 1,
	PARLEY_SIO_EVENT = 2,
	PARLEY_SIO_ACK = 3,
	PARLEY_SIO_CONNECT_ERROR = 4,
	PARLEY_SIO_BINARY_EVENT = 5,
	PARLEY_SIO_BINARY_ACK = 6,
} parley_sio_type;

typedef struct parley_sio_packet {
	parley_sio_type type;
	char *nsp;      /* g_malloc: "/" when the packet names none */
	int64_t ack_id; /* -1 when absent */
	json_t *data;   /* new reference, or NULL when absent */
} parley_sio_packet;

typedef enum parley_sio_decode_status {
	PARLEY_SIO_DECODE_OK = 0,
	PARLEY_SIO_DECODE_EMPTY,
	PARLEY_SIO_DECODE_BAD_TYPE,
	PARLEY_SIO_DECODE_BINARY,        /* binary event/ack: not supported */
	PARLEY_SIO_DECODE_BAD_NAMESPACE, /* unterminated or too long */
	PARLEY_SIO_DECODE_BAD_ACK_ID,    /* too large */
	PARLEY_SIO_DECODE_BAD_JSON,
	PARLEY_SIO_DECODE_BAD_PAYLOAD, /* JSON of the wrong shape for the type */
} parley_sio_decode_status;

/* Decodes one packet (the data of an Engine.IO message). On failure
 * nothing is left allocated in `packet`. */
parley_sio_decode_status parley_sio_decode(const char *text, size_t length, parley_sio_packet *packet);
void parley_sio_packet_clear(parley_sio_packet *packet);
/* A short English description of a decode status. */
const char *parley_sio_decode_error(parley_sio_decode_status status);

/* Encodes a packet (data borrowed, may be NULL; nsp NULL = "/"; ack_id -1
 * = none). Returns a g_malloc'ed string, *length set; NULL when the JSON
 * cannot be serialized. */
char *parley_sio_encode(parley_sio_type type, const char *nsp, int64_t ack_id, json_t *data, size_t *length);

#endif
