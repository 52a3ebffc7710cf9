/*
 * transports/common/throttle.h — failed credential checks (API secret,
 * admin secret, tokens) counted per source address, shared by the HTTP and
 * WebSocket transports: the first `free_failures` cost nothing, each one
 * after blocks the address for base_ms, doubling per further failure up to
 * max_ms; a blocked address is answered 429 without reaching the core.
 * The count starts afresh a minute after the last failure (not on a
 * success: a request that needs no credentials would clear it). At most PARLEY_TX_THROTTLE_MAX_ADDRESSES are
 * remembered (when full, those neither blocked nor failing lately are
 * dropped first, then the whole table).
 *
 * Pure code on GLib: times are passed in (monotonic µs), no lws call
 * (unit-tested in tests/unit/test_tx_throttle.c). Thread-safe (one mutex).
 */
#ifndef PARLEY_TRANSPORT_THROTTLE_H
#define PARLEY_TRANSPORT_THROTTLE_H

#include <stdbool.h>
#include <glib.h>

#define PARLEY_TX_THROTTLE_HIDDEN __attribute__((visibility("hidden")))
#define PARLEY_TX_THROTTLE_MAX_ADDRESSES 65536

typedef struct parley_tx_throttle parley_tx_throttle;

/* free_failures 0 means every failure blocks; base_ms 0 turns throttling off. */
PARLEY_TX_THROTTLE_HIDDEN parley_tx_throttle *parley_tx_throttle_new(unsigned free_failures, long base_ms,
                                                                     long max_ms);
PARLEY_TX_THROTTLE_HIDDEN void parley_tx_throttle_free(parley_tx_throttle *throttle);
/* Milliseconds `address` stays blocked at `now` (0: not blocked). */
PARLEY_TX_THROTTLE_HIDDEN long parley_tx_throttle_blocked_ms(parley_tx_throttle *throttle, const char *address,
                                                             gint64 now);
/* Records one failed check; returns the address's failures in a row and
 * sets *blocked_ms to how long it is now blocked (0: not yet). */
PARLEY_TX_THROTTLE_HIDDEN unsigned parley_tx_throttle_failed(parley_tx_throttle *throttle, const char *address,
                                                             gint64 now, long *blocked_ms);

#endif
