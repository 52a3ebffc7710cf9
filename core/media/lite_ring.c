/*
 * lite_ring.c — owns the hand-over ring between two ICE-lite loops (see
 * lite_ring.h for the why): a power-of-two byte buffer holding records
 * back to back, positions that only grow (unsigned, modulo 2^32, which
 * the capacity divides), and a record never split across the end of the
 * buffer: where one does not fit, the producer leaves a record of size 0
 * ("the rest of this lap is empty") and writes at offset 0 of the next lap.
 *
 * When the ring is empty the producer also moves to offset 0 of the next
 * lap, so that a consumer keeping up makes it write the same first few
 * records' bytes again and again. That jump is noted in the ring (reset_at,
 * reset_pending), not in the buffer: a marker there would have to survive
 * until the consumer read it, leaving only the bytes before it usable.
 * Only the producer sets it, when it saw the consumer at the tail (so the
 * consumer is not reading it); only the consumer clears it, as it jumps,
 * before giving the bytes back (so the producer sees it cleared at the
 * latest when it sees the new head). Until the consumer has jumped, the
 * producer counts the free space from the lap start, not the old head.
 *
 * Producer: reads head (acquire), writes the record, then publishes tail
 * (release). Consumer: reads tail (acquire), hands each record out, then
 * gives its bytes back by publishing head (release). Nothing is allocated
 * after lite_ring_new.
 */
#include "lite_ring.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

typedef union ring_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
} ring_addr;

/* The header of a record; the datagram follows it. */
typedef struct ring_record {
	uint32_t size;     /* bytes the record takes, header included, a multiple of 8; 0 = lap ends here */
	uint16_t length;   /* datagram bytes */
	uint16_t from_len;
	parley_udp_source local;
	ring_addr from;
} ring_record;

struct lite_ring {
	/* Each side's position on its own cache line: no false sharing. */
	_Alignas(64) unsigned head; /* written by the consumer */
	_Alignas(64) unsigned tail; /* written by the producer */
	unsigned reset_at;          /* with reset_pending: the consumer goes from there to the next lap */
	int reset_pending;
	size_t touched;             /* producer's */
	size_t capacity;            /* power of two */
	uint8_t *buf;
};

#define ALIGN8(n) (((n) + 7u) & ~(size_t)7u)

size_t lite_ring_capacity_for(size_t bytes)
{
	size_t n = LITE_RING_MIN;
	while (n < bytes && n < LITE_RING_MAX)
		n <<= 1;
	return n;
}

lite_ring *lite_ring_new(size_t capacity)
{
	size_t n = lite_ring_capacity_for(capacity);
	lite_ring *ring = aligned_alloc(64, sizeof(*ring)); /* a multiple of 64: its alignment */
	if (!ring)
		return NULL;
	memset(ring, 0, sizeof(*ring));
	ring->capacity = n;
	ring->buf = malloc(n); /* not zeroed: pages never written stay out of RSS */
	if (!ring->buf) {
		free(ring);
		return NULL;
	}
	return ring;
}

void lite_ring_free(lite_ring *ring)
{
	if (!ring)
		return;
	free(ring->buf);
	free(ring);
}

size_t lite_ring_capacity(const lite_ring *ring)
{
	return ring ? ring->capacity : 0;
}

size_t lite_ring_touched(const lite_ring *ring)
{
	return ring ? ring->touched : 0;
}

bool lite_ring_put(lite_ring *ring, const struct sockaddr *from, socklen_t from_len, const parley_udp_source *local,
                   const uint8_t *data, size_t length)
{
	if (!ring || !from || !data || length == 0 || length > LITE_RING_RECORD_MAX || from_len > sizeof(ring_addr))
		return false;
	size_t cap = ring->capacity;
	size_t need = ALIGN8(sizeof(ring_record) + length);
	unsigned tail = ring->tail;
	unsigned head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
	unsigned start = head; /* where the bytes in use begin */
	if (__atomic_load_n(&ring->reset_pending, __ATOMIC_RELAXED) &&
	    head == __atomic_load_n(&ring->reset_at, __ATOMIC_RELAXED))
		start = head + (unsigned)(cap - (head & (cap - 1))); /* the consumer will jump to the lap start */
	size_t used = tail - start;
	size_t off = tail & (cap - 1);
	if (used == 0 && off != 0 && head == tail) {
		/* Empty: back to the start, so only the backlog's bytes are ever written. */
		__atomic_store_n(&ring->reset_at, tail, __ATOMIC_RELAXED);
		__atomic_store_n(&ring->reset_pending, 1, __ATOMIC_RELAXED);
		tail += (unsigned)(cap - off);
		off = 0;
	}
	size_t skip = off + need > cap ? cap - off : 0; /* does not fit before the end */
	if (used + skip + need > cap)
		return false;
	if (skip) {
		/* off and cap are multiples of 8: the marker's 4 bytes fit. */
		((ring_record *)(ring->buf + off))->size = 0;
		tail += (unsigned)skip;
		off = 0;
	}
	ring_record *r = (ring_record *)(ring->buf + off);
	r->size = (uint32_t)need;
	r->length = (uint16_t)length;
	r->from_len = (uint16_t)from_len;
	memcpy(&r->from, from, from_len);
	if (local)
		r->local = *local;
	else
		memset(&r->local, 0, sizeof(r->local));
	memcpy((uint8_t *)(r + 1), data, length);
	if (off + need > ring->touched)
		ring->touched = off + need;
	__atomic_store_n(&ring->tail, tail + (unsigned)need, __ATOMIC_RELEASE);
	return true;
}

unsigned lite_ring_drain(lite_ring *ring, lite_ring_fn fn, void *user)
{
	if (!ring)
		return 0;
	size_t cap = ring->capacity;
	unsigned head = ring->head;
	unsigned tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
	unsigned n = 0;
	while (head != tail) {
		size_t off = head & (cap - 1);
		ring_record *r = (ring_record *)(ring->buf + off);
		if (__atomic_load_n(&ring->reset_pending, __ATOMIC_RELAXED) &&
		    head == __atomic_load_n(&ring->reset_at, __ATOMIC_RELAXED)) {
			__atomic_store_n(&ring->reset_pending, 0, __ATOMIC_RELAXED);
			head += (unsigned)(cap - off);
		} else if (r->size == 0) {
			head += (unsigned)(cap - off);
		} else {
			if (fn)
				fn(user, &r->from.sa, r->from_len, &r->local, (uint8_t *)(r + 1), r->length);
			head += r->size;
			n++;
		}
		__atomic_store_n(&ring->head, head, __ATOMIC_RELEASE);
	}
	return n;
}
