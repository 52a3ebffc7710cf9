/*
 * counters.h — process-wide media figures for /metrics without a shared
 * cache line per packet: each thread that touches media (the event loops,
 * a plugin relaying from another loop) counts into a block of its own,
 * made on its first count and kept for the process; /metrics adds the
 * blocks up. A block has one writer (its thread), so a count is a plain
 * add published with a relaxed store, and readers load relaxed.
 *
 * Counted: RTP packets and bytes in (after SRTP, payload-bearing) and out
 * (every protected RTP sent), packets plugins relayed, retransmissions,
 * NACKs and PLIs/FIRs in and out; histograms of RTT (each RTCP receiver
 * report with LSR) and of the fraction lost per report (the peer's reports
 * on what we send, ours on what we receive).
 */
#ifndef PARLEY_MEDIA_COUNTERS_H
#define PARLEY_MEDIA_COUNTERS_H

#include <stdint.h>

typedef enum parley_media_counter {
	PARLEY_MC_PACKETS_IN,
	PARLEY_MC_BYTES_IN,
	PARLEY_MC_PACKETS_OUT,
	PARLEY_MC_BYTES_OUT,
	PARLEY_MC_FORWARDED,
	PARLEY_MC_RETRANSMITTED,
	PARLEY_MC_NACKS_IN,
	PARLEY_MC_NACKS_OUT,
	PARLEY_MC_PLIS_IN,
	PARLEY_MC_PLIS_OUT,
	PARLEY_MC_COUNT
} parley_media_counter;

/* RTT histogram bounds (µs) and fraction-lost bounds (in 1/256, as RTCP
 * carries it); each has one more bucket, +Inf. */
#define PARLEY_MC_RTT_BUCKETS 9
#define PARLEY_MC_LOSS_BUCKETS 8
extern const uint64_t parley_media_rtt_bounds_us[PARLEY_MC_RTT_BUCKETS - 1];
extern const unsigned parley_media_loss_bounds[PARLEY_MC_LOSS_BUCKETS - 1];

typedef enum parley_media_loss_side {
	PARLEY_MC_LOSS_IN = 0,   /* what we did not receive (our reports) */
	PARLEY_MC_LOSS_OUT = 1,  /* what the peer did not receive (its reports) */
} parley_media_loss_side;

typedef struct parley_media_totals {
	uint64_t counts[PARLEY_MC_COUNT];
	uint64_t rtt[PARLEY_MC_RTT_BUCKETS];  /* per bucket, not cumulative */
	uint64_t rtt_sum_us;
	uint64_t loss[2][PARLEY_MC_LOSS_BUCKETS];
	uint64_t loss_sum256[2];              /* sum of fractions, in 1/256 */
} parley_media_totals;

void parley_media_count(parley_media_counter counter, uint64_t n);
void parley_media_observe_rtt(int64_t rtt_us);
void parley_media_observe_loss(parley_media_loss_side side, unsigned fraction256);
/* The sum of every thread's block. */
void parley_media_totals_get(parley_media_totals *out);

#endif
