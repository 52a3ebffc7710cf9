/*
 * rtp_history.c — the NACK retransmission history of one outgoing stream.
 *
 * Layout: a byte ring (one contiguous buffer holding the stored packets back
 * to back) plus a small index of entries seq → (position, length, arrival
 * time), the index slot being seq mod its size. The ring is allocated once,
 * in parley_rtp_history_new / _new_for; get never allocates, and neither
 * takes a lock (the caller's stream lock already covers them).
 *
 * The index of a history made by _new_for grows with the stream's real
 * packet rate: it starts at INDEX_START slots and doubles (up to the size
 * nack_buffer_ms × the kind's packet-rate ceiling gives) when a store would
 * reuse a slot whose packet is still in the ring and younger than the
 * history's age, i.e. when the index, not the ring, would lose a packet a
 * receiver may still ask for. A stream at a steady rate stops growing after
 * its first second or so (log2 steps, each one allocation and one rehash of
 * the entries), so store does not allocate in steady state; when growing
 * fails for lack of memory the smaller index keeps working. A 500 kbit/s
 * video stream (~50 packets/s, 300 ms age) keeps 32 or 64 slots (0.4–0.8 kB)
 * where sizing for the ceiling took 1024 (12 kB, zeroed, so resident).
 *
 * Why a byte ring rather than fixed packet slots: packets range from ~60
 * bytes (Opus) to ~1200 (video), so fixed 1600-byte slots waste most of
 * their memory, and a slot count cannot follow a time budget. The ring is
 * sized from nack_buffer_ms × a per-kind rate ceiling (audio: 50 packets/s of
 * at most 1 kB; video: the maximum bitrate), with a floor and a ceiling.
 *
 * Positions are absolute byte counts (uint64_t): a lap of the ring starts at
 * a multiple of the ring size. A packet never straddles the end of the ring;
 * when it does not fit, the writer starts the next lap at offset 0. An entry
 * whose bytes may have been overwritten (write position − entry position >
 * ring size) or whose index slot was reused by a later seq simply misses.
 *
 * Resident memory: the writer also starts a new lap early once the oldest
 * bytes of the current lap are older than the history's age, since nothing
 * there will be asked for any more. So only about "actual bitrate × age" of
 * the ring is ever written, and pages beyond that are never touched (the
 * ring comes from malloc, not calloc). The age follows the path's round
 * trip (parley_rtp_history_follow_rtt): a receiver asks again for a missing
 * packet about once per RTT and gives up after some ten tries (WebRTC's NACK
 * requester), so 10 × RTT + 100 ms is all a retransmission can still serve;
 * never less than 300 ms, never more than nack_buffer_ms, which also sizes
 * the ring and the index. On a LAN that keeps 300 ms of a stream resident
 * where a fixed age would keep the whole nack_buffer_ms.
 *
 * Index entries are 12 bytes: arrival time in ms and ring position, both
 * modulo 2^32 (see get for why that is exact).
 *
 * Complexity: store and get are O(1) (a store that grows the index is
 * O(index), a handful of times per stream); store copies the packet once.
 */
#include "rtp.h"

#include <stdlib.h>
#include <string.h>
#include <glib.h> /* MIN, MAX */

#define MAX_SLOTS 32768u
#define MAX_RING_BYTES (64u * 1024 * 1024)

/* Sizing policy of parley_rtp_history_new_for. */
#define AUDIO_PPS 50u                  /* Opus at 20 ms */
#define AUDIO_INDEX_PPS 100u           /* room for 10 ms packetisation */
#define AUDIO_MAX_PACKET 1024u
#define VIDEO_DEFAULT_BPS 5000000u     /* used when no maximum bitrate is given */
#define VIDEO_INDEX_PPS 1000u          /* ~5 Mbit/s of 600-byte packets */
#define RING_FLOOR (32u * 1024)
#define RING_CEILING (16u * 1024 * 1024)
#define INDEX_FLOOR 64u
#define INDEX_START 32u                /* slots a _new_for index starts with */

/* Retention age policy of parley_rtp_history_follow_rtt. */
#define AGE_FLOOR_MS 300u
#define AGE_RTT_TRIES 10u
#define AGE_SLACK_MS 100u

typedef struct entry {
	uint32_t time_ms; /* arrival time in ms, modulo 2^32 */
	uint32_t pos;     /* absolute byte position of the first byte, modulo 2^32 */
	uint16_t seq;
	uint16_t len;     /* 0 = empty */
} entry;

struct parley_rtp_history {
	size_t count;          /* index slots, power of two */
	size_t max_count;      /* what the index may grow to (= count: never grows) */
	size_t ring_size;      /* bytes */
	int64_t wrap_age_us;   /* start a new lap once its first bytes are this old; 0 = only when full */
	int64_t max_age_us;    /* the most wrap_age_us may follow the RTT up to (new_for) */
	uint64_t write_pos;    /* absolute position of the next byte written */
	int64_t lap_start_us;  /* arrival time of the first packet of the current lap */
	entry *index;
	uint8_t *ring;
};

static parley_rtp_history *history_create(size_t slots, size_t ring_bytes, int64_t wrap_age_us)
{
	if (slots == 0 || slots > MAX_SLOTS || ring_bytes < PARLEY_UTIL_RTP_HEADER_MIN || ring_bytes > MAX_RING_BYTES)
		return NULL;
	size_t n = 1;
	while (n < slots)
		n <<= 1;
	parley_rtp_history *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->count = n;
	h->max_count = n;
	h->ring_size = ring_bytes;
	h->wrap_age_us = wrap_age_us > 0 ? wrap_age_us : 0;
	h->index = calloc(n, sizeof(entry));
	h->ring = malloc(ring_bytes); /* untouched pages stay out of RSS */
	if (!h->index || !h->ring) {
		parley_rtp_history_free(h);
		return NULL;
	}
	return h;
}

parley_rtp_history *parley_rtp_history_new(size_t slots, size_t ring_bytes)
{
	return history_create(slots, ring_bytes, 0);
}

static size_t clamp_size(uint64_t v, size_t lo, size_t hi)
{
	return v < lo ? lo : v > hi ? hi : (size_t)v;
}

parley_rtp_history *parley_rtp_history_new_for(bool video, unsigned nack_buffer_ms, unsigned max_bitrate_bps)
{
	if (nack_buffer_ms == 0)
		return NULL;
	uint64_t ms = nack_buffer_ms;
	uint64_t bytes_per_s = video ? (max_bitrate_bps ? max_bitrate_bps : VIDEO_DEFAULT_BPS) / 8u
	                             : (uint64_t)AUDIO_PPS * AUDIO_MAX_PACKET;
	uint64_t pps = video ? VIDEO_INDEX_PPS : AUDIO_INDEX_PPS;
	size_t ring = clamp_size(bytes_per_s * ms / 1000u, RING_FLOOR, RING_CEILING);
	size_t slots = clamp_size(pps * ms / 1000u, INDEX_FLOOR, MAX_SLOTS);
	/* Until the first RTT is known the age is its floor. */
	parley_rtp_history *h = history_create(MIN(slots, INDEX_START), ring, (int64_t)MIN(ms, AGE_FLOOR_MS) * 1000);
	if (!h)
		return NULL;
	h->max_age_us = (int64_t)ms * 1000;
	while (h->max_count < slots)
		h->max_count <<= 1;
	return h;
}

void parley_rtp_history_follow_rtt(parley_rtp_history *h, int64_t rtt_us)
{
	if (!h || h->max_age_us == 0 || rtt_us < 0)
		return;
	int64_t age = MIN(rtt_us, h->max_age_us) * AGE_RTT_TRIES + AGE_SLACK_MS * 1000;
	age = MAX(age, (int64_t)AGE_FLOOR_MS * 1000);
	h->wrap_age_us = MIN(age, h->max_age_us);
}

int64_t parley_rtp_history_age_us(const parley_rtp_history *h)
{
	return h ? h->wrap_age_us : 0;
}

void parley_rtp_history_free(parley_rtp_history *h)
{
	if (!h)
		return;
	free(h->index);
	free(h->ring);
	free(h);
}

size_t parley_rtp_history_capacity(const parley_rtp_history *h)
{
	return h ? h->count : 0;
}

size_t parley_rtp_history_max_capacity(const parley_rtp_history *h)
{
	return h ? h->max_count : 0;
}

/* True when e (about to be replaced by another seq) could still be served:
 * its bytes are in the ring and it is younger than the history's age. */
static bool entry_wanted(const parley_rtp_history *h, const entry *e, int64_t now_us)
{
	if (e->len == 0 || (uint32_t)h->write_pos - e->pos > h->ring_size)
		return false;
	return h->wrap_age_us == 0 || (uint32_t)(now_us / 1000) - e->time_ms < (uint64_t)h->wrap_age_us / 1000;
}

/* Doubles the index, moving every entry to its slot in the larger one.
 * Entries held distinct seq mod count, so they stay distinct mod 2 count. */
static void grow_index(parley_rtp_history *h)
{
	size_t n = h->count * 2;
	entry *index = calloc(n, sizeof(entry));
	if (!index)
		return; /* keep the smaller index */
	for (size_t i = 0; i < h->count; i++)
		if (h->index[i].len)
			index[h->index[i].seq & (n - 1)] = h->index[i];
	free(h->index);
	h->index = index;
	h->count = n;
}

size_t parley_rtp_history_ring_bytes(const parley_rtp_history *h)
{
	return h ? h->ring_size : 0;
}

/* Moves the write position to offset 0 of the next lap. */
static void next_lap(parley_rtp_history *h, int64_t now_us)
{
	uint64_t off = h->write_pos % h->ring_size;
	if (off)
		h->write_pos += h->ring_size - off;
	h->lap_start_us = now_us;
}

int parley_rtp_history_store(parley_rtp_history *h, const uint8_t *pkt, size_t len, int64_t now_us)
{
	if (!h || !pkt || len < PARLEY_UTIL_RTP_HEADER_MIN)
		return -PARLEY_UTIL_RTP_EINVAL;
	if (len > h->ring_size || len > UINT16_MAX)
		return -PARLEY_UTIL_RTP_ENOSPACE;
	uint64_t off = h->write_pos % h->ring_size;
	if (off == 0)
		h->lap_start_us = now_us;
	else if (off + len > h->ring_size || (h->wrap_age_us && now_us - h->lap_start_us > h->wrap_age_us))
		next_lap(h, now_us);
	off = h->write_pos % h->ring_size;
	memcpy(h->ring + off, pkt, len);
	uint16_t seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
	entry *e = &h->index[seq & (h->count - 1)];
	if (h->count < h->max_count && e->seq != seq && entry_wanted(h, e, now_us)) {
		grow_index(h);
		e = &h->index[seq & (h->count - 1)];
	}
	e->seq = seq;
	e->len = (uint16_t)len;
	e->pos = (uint32_t)h->write_pos;
	e->time_ms = (uint32_t)(now_us / 1000);
	h->write_pos += len;
	return 0;
}

const uint8_t *parley_rtp_history_get(parley_rtp_history *h, uint16_t seq, int64_t now_us,
	int64_t max_age_us, size_t *len)
{
	if (!h)
		return NULL;
	const entry *e = &h->index[seq & (h->count - 1)];
	if (e->len == 0 || e->seq != seq)
		return NULL;
	/* The current lap has overwritten [lap start, write_pos); anything a full
	 * ring or more behind the writer is gone. Modulo 2^32 this distance is
	 * exact: an entry lives until its slot is reused, at most `count` (≤ 2^15)
	 * packets of ≤ 2^16 bytes later, so the writer is < 2^31 bytes ahead. */
	uint32_t behind = (uint32_t)h->write_pos - e->pos;
	if (behind > h->ring_size)
		return NULL;
	if (max_age_us > 0 && (uint32_t)(now_us / 1000) - e->time_ms > (uint64_t)max_age_us / 1000)
		return NULL;
	if (len)
		*len = e->len;
	return h->ring + (h->write_pos - behind) % h->ring_size;
}
