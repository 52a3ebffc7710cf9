/*
 * stats.h — what parley-loadgen measures. Per receiving peer and stream
 * (publisher id + kind, from the payload trailer): packets, unique packets,
 * loss (gaps in the sender's counter), out-of-order, duplicates, corrupt
 * payloads, one-way delay; per peer: join request → first packet and →
 * first keyframe. One run-wide delay histogram gives p50/p99 without
 * keeping every sample. The summary is one JSON object (new reference) and
 * a human table.
 */
#ifndef PARLEY_LOADGEN_STATS_H
#define PARLEY_LOADGEN_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "rtpgen.h"

#define LOADGEN_STATS_MAX_STREAMS 64     /* streams per receiver: a 32-peer mesh */
#define LOADGEN_DUP_WINDOW 1024          /* counters remembered for duplicate detection */

typedef struct loadgen_stream_stats {
	uint32_t publisher;
	uint8_t kind;
	uint32_t first_counter, highest_counter;
	uint64_t received;            /* every packet with our trailer */
	uint64_t unique;
	uint64_t out_of_order;        /* counter below the highest seen */
	uint64_t duplicates;
	uint64_t too_old;             /* older than the duplicate window: not counted as unique */
	uint64_t corrupt;             /* pattern mismatch */
	uint64_t window[LOADGEN_DUP_WINDOW / 64];
	int64_t delay_sum_us, delay_max_us;
} loadgen_stream_stats;

typedef struct loadgen_stats {
	int64_t join_us;              /* join/subscribe request sent; 0 = not a receiver */
	int64_t first_packet_us, first_keyframe_us;
	loadgen_stream_stats streams[LOADGEN_STATS_MAX_STREAMS];
	unsigned n_streams;
	uint64_t foreign;             /* RTP without our trailer */
	uint64_t too_many_streams;
	uint64_t undecryptable, rtcp;
} loadgen_stats;

/* Delay histogram: 50 µs buckets up to 100 ms, 1 ms buckets up to 5 s. */
typedef struct loadgen_histogram loadgen_histogram;
loadgen_histogram *loadgen_stats_histogram_new(void);
void loadgen_stats_histogram_free(loadgen_histogram *h);
void loadgen_stats_histogram_add(loadgen_histogram *h, int64_t value_us);
/* Value below which `fraction` (0..1) of the samples fall; -1 if empty. */
int64_t loadgen_stats_histogram_percentile(const loadgen_histogram *h, double fraction);
uint64_t loadgen_stats_histogram_count(const loadgen_histogram *h);

/* One decrypted RTP payload with our trailer (video: is_key from the VP8
 * payload itself). Records delay into `delays` (may be NULL). */
void loadgen_stats_packet(loadgen_stats *s, loadgen_histogram *delays, const uint8_t *payload,
                          size_t len, bool is_key, int64_t now_us);
/* Stream totals over all streams of one peer. */
typedef struct loadgen_stats_totals {
	uint64_t received, unique, expected, lost, out_of_order, duplicates, corrupt;
	int64_t delay_sum_us, delay_max_us;
} loadgen_stats_totals;
void loadgen_stats_totals_of(const loadgen_stats *s, int kind, loadgen_stats_totals *out);
const loadgen_stream_stats *loadgen_stats_find(const loadgen_stats *s, uint32_t publisher, int kind);

#endif
