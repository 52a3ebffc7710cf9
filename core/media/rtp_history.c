/*
 * rtp_history.c — the NACK retransmission history of one outgoing stream:
 * a fixed ring of preallocated packet slots indexed by sequence number
 * (seq mod slots). Allocation happens once in parley_rtp_history_new.
 *
 * Complexity: store and get are O(1) plus one copy of the packet on store.
 */
#include "rtp.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SLOTS 32768u

typedef struct slot {
	int64_t time_us;
	uint16_t seq;
	uint16_t len;   /* 0 = empty */
} slot;

struct parley_rtp_history {
	size_t count;     /* power of two */
	size_t slot_size;
	slot *slots;
	uint8_t *data;    /* count * slot_size bytes */
};

parley_rtp_history *parley_rtp_history_new(size_t slots, size_t slot_size)
{
	if (slots == 0 || slots > MAX_SLOTS || slot_size < PARLEY_RTP_HEADER_MIN || slot_size > 65535)
		return NULL;
	size_t n = 1;
	while (n < slots)
		n <<= 1;
	parley_rtp_history *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->count = n;
	h->slot_size = slot_size;
	h->slots = calloc(n, sizeof(slot));
	h->data = malloc(n * slot_size);
	if (!h->slots || !h->data) {
		parley_rtp_history_free(h);
		return NULL;
	}
	return h;
}

void parley_rtp_history_free(parley_rtp_history *h)
{
	if (!h)
		return;
	free(h->slots);
	free(h->data);
	free(h);
}

size_t parley_rtp_history_capacity(const parley_rtp_history *h)
{
	return h ? h->count : 0;
}

int parley_rtp_history_store(parley_rtp_history *h, const uint8_t *pkt, size_t len, int64_t now_us)
{
	if (!h || !pkt || len < PARLEY_RTP_HEADER_MIN)
		return -PARLEY_RTP_EINVAL;
	if (len > h->slot_size)
		return -PARLEY_RTP_ENOSPACE;
	uint16_t seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
	size_t i = seq & (h->count - 1);
	memcpy(h->data + i * h->slot_size, pkt, len);
	h->slots[i].seq = seq;
	h->slots[i].len = (uint16_t)len;
	h->slots[i].time_us = now_us;
	return 0;
}

const uint8_t *parley_rtp_history_get(parley_rtp_history *h, uint16_t seq, int64_t now_us,
	int64_t max_age_us, size_t *len)
{
	if (!h)
		return NULL;
	size_t i = seq & (h->count - 1);
	slot *s = &h->slots[i];
	if (s->len == 0 || s->seq != seq)
		return NULL;
	if (max_age_us > 0 && now_us - s->time_us > max_age_us)
		return NULL;
	if (len)
		*len = s->len;
	return h->data + i * h->slot_size;
}
