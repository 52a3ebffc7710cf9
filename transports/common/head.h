/*
 * transports/common/head.h — the verdict on a request head before any of it
 * is acted on, shared by the HTTP and WebSocket transports: its size against
 * the configured limit (431), its Content-Length headers (one value, or
 * several equal ones; anything else 400), Content-Length with
 * Transfer-Encoding (400, the request-smuggling shape) and a chunked or
 * otherwise transfer-coded body (411: bodies need a Content-Length), and the
 * Sec-WebSocket-Version of an upgrade (426 unless 13).
 *
 * Pure code: no lws call, no allocation (unit-tested in
 * tests/unit/test_tx_head.c). The lws side that gathers the facts is
 * parley_tx_head_read in exchange.c.
 */
#ifndef PARLEY_TRANSPORT_HEAD_H
#define PARLEY_TRANSPORT_HEAD_H

#include <stdbool.h>
#include <stddef.h>

#define PARLEY_TX_HEAD_HIDDEN __attribute__((visibility("hidden")))

/* At most this many Content-Length headers are looked at (more: 400). */
#define PARLEY_TX_HEAD_MAX_LENGTHS 4

/* What a head says (strings borrowed). */
typedef struct parley_tx_head {
	size_t size;                                           /* bytes of the head */
	const char *content_lengths[PARLEY_TX_HEAD_MAX_LENGTHS]; /* each Content-Length header */
	size_t content_length_count;                           /* how many came (may exceed the array) */
	bool transfer_encoding;                                /* a Transfer-Encoding header came */
	bool upgrade;                                          /* a WebSocket upgrade */
	const char *websocket_version;                         /* Sec-WebSocket-Version, or NULL */
} parley_tx_head;

/* 0 when the head is acceptable (*content_length: its value, -1 when no
 * Content-Length came), else the HTTP status to answer (400, 411, 426 or
 * 431) with the reason written into `reason`. */
PARLEY_TX_HEAD_HIDDEN int parley_tx_head_check(const parley_tx_head *head, size_t max_head, long *content_length,
                                               char *reason, size_t reason_size);

/* One Content-Length value: 1*DIGIT, optional surrounding blanks, commas
 * separating equal repeats ("5, 5"). -1 when not a valid length or the
 * repeats differ. */
PARLEY_TX_HEAD_HIDDEN long parley_tx_head_length_value(const char *text);

#endif
