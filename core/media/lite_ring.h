/*
 * lite_ring.h — the hand-over ring of ICE-lite: datagrams one event loop
 * received for a PeerConnection another loop owns, queued for that owner.
 * One ring per (sender, owner) pair of loops; one producer (the sender's
 * thread) and one consumer (the owner's), no lock: each side advances only
 * its own position, with release stores.
 *
 * A byte ring: each datagram takes its own length plus a 56-byte header
 * (addresses), not a fixed 2 kB slot. Its buffer comes from malloc, not
 * calloc, and the producer starts again at offset 0 whenever the consumer
 * has taken everything, so only about the largest backlog ever queued is
 * written:
 * untouched pages stay out of the process's resident memory, however large
 * the ring is configured.
 *
 * Full: a datagram that does not fit in the free space is not queued
 * (lite_ring_put returns false, the caller counts a drop), as a network
 * drops a packet on a full queue; what was queued is kept intact and
 * delivered in order.
 */
#ifndef PARLEY_MEDIA_LITE_RING_H
#define PARLEY_MEDIA_LITE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "udp_batch.h" /* parley_udp_source */

#define LITE_RING_MIN (16u * 1024)          /* at least 7 of the largest datagrams */
#define LITE_RING_MAX (16u * 1024 * 1024)
#define LITE_RING_DEFAULT (256u * 1024)
#define LITE_RING_RECORD_MAX 2048u          /* the largest datagram queued */

typedef struct lite_ring lite_ring;

/* The capacity a ring asked for `bytes` gets: rounded up to a power of two
 * within [LITE_RING_MIN, LITE_RING_MAX]. */
size_t lite_ring_capacity_for(size_t bytes);
/* capacity in bytes, as lite_ring_capacity_for. NULL when out of memory. */
lite_ring *lite_ring_new(size_t capacity);
void lite_ring_free(lite_ring *ring);
size_t lite_ring_capacity(const lite_ring *ring);

/* Producer: copies one datagram (from an IPv4 or IPv6 address; local may
 * be NULL). False, nothing queued, when the ring lacks room or the
 * datagram is empty, above LITE_RING_RECORD_MAX or its address too long. */
bool lite_ring_put(lite_ring *ring, const struct sockaddr *from, socklen_t from_len, const parley_udp_source *local,
                   const uint8_t *data, size_t length);

/* Consumer: gives each datagram queued so far to fn, oldest first; data is
 * writable and valid during the call only. Returns how many. */
typedef void (*lite_ring_fn)(void *user, const struct sockaddr *from, socklen_t from_len,
                             const parley_udp_source *local, uint8_t *data, size_t length);
unsigned lite_ring_drain(lite_ring *ring, lite_ring_fn fn, void *user);

/* Bytes of the buffer ever written (the producer's high-water offset). */
size_t lite_ring_touched(const lite_ring *ring);

#endif
