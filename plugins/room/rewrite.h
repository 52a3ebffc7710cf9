/*
 * plugins/room/rewrite.h — the room plugin's rewriting context: one per
 * consumer, it maps the publisher's (ssrc, seq, ts) onto one outgoing
 * stream that stays continuous for the subscriber across pauses, simulcast
 * layer switches, dropped temporal layers and sequence wraparound (the RTP
 * header itself is read and written with util/rtp.h). Pure functions: no
 * allocation, no locks, no clock.
 */
#ifndef PARLEY_ROOM_REWRITE_H
#define PARLEY_ROOM_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct room_rewriter {
	uint32_t out_ssrc;
	uint32_t clock_rate;           /* Hz: advances ts across a gap */
	bool started;
	bool rebase;                   /* the next packet starts a new segment */
	uint32_t src_ssrc;
	uint16_t seq_delta;            /* out = in + delta (mod 2^16) */
	uint32_t ts_delta;
	uint64_t span;                 /* input seqs from the segment's first to its highest (unwrapped) */
	uint16_t highest_in_seq;
	uint16_t last_out_seq;
	uint32_t last_out_ts;
	int64_t last_us;               /* arrival of the last forwarded packet */
	uint64_t segments;             /* re-bases so far */
} room_rewriter;

typedef enum room_rewrite_result {
	ROOM_REWRITE_OK = 0,
	ROOM_REWRITE_OLD = 1,          /* older than the current segment: drop it */
} room_rewrite_result;

void parley_room_rewriter_init(room_rewriter *rw, uint32_t out_ssrc, uint32_t clock_rate);
/* The next packet re-bases (resume after pause, layer or source switch). */
void parley_room_rewriter_switch(room_rewriter *rw);
/* Maps one packet: out_seq and out_ts receive the values to send. */
room_rewrite_result parley_room_rewriter_map(room_rewriter *rw, uint32_t ssrc, uint16_t seq, uint32_t ts,
                                             int64_t now_us, uint16_t *out_seq, uint32_t *out_ts);
/* The caller drops this packet (a temporal layer above the target): later
 * packets close the gap so the subscriber sees no loss. */
void parley_room_rewriter_drop(room_rewriter *rw, uint32_t ssrc, uint16_t seq);

#endif
