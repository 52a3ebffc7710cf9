/*
 * stats.c — owns the receive-side accounting of parley-loadgen: streams
 * found by the payload trailer, loss/out-of-order/duplicate bookkeeping on
 * the sender's counter (a sliding bit window), corrupt payloads, first
 * packet/keyframe times, and the run-wide delay histogram.
 */
#include "stats.h"

#include <string.h>
#include <glib.h>

#define FINE_STEP_US 50
#define FINE_LIMIT_US 100000
#define COARSE_STEP_US 1000
#define COARSE_LIMIT_US 5000000
#define FINE_BUCKETS (FINE_LIMIT_US / FINE_STEP_US)
#define COARSE_BUCKETS ((COARSE_LIMIT_US - FINE_LIMIT_US) / COARSE_STEP_US)
#define BUCKETS (FINE_BUCKETS + COARSE_BUCKETS + 1)   /* last: overflow */

struct loadgen_histogram {
	uint64_t count;
	uint64_t buckets[BUCKETS];
};

loadgen_histogram *loadgen_stats_histogram_new(void)
{
	return g_new0(loadgen_histogram, 1);
}

void loadgen_stats_histogram_free(loadgen_histogram *h)
{
	g_free(h);
}

void loadgen_stats_histogram_add(loadgen_histogram *h, int64_t v)
{
	size_t i;
	if (v < 0)
		v = 0;
	if (v < FINE_LIMIT_US)
		i = (size_t)(v / FINE_STEP_US);
	else if (v < COARSE_LIMIT_US)
		i = FINE_BUCKETS + (size_t)((v - FINE_LIMIT_US) / COARSE_STEP_US);
	else
		i = BUCKETS - 1;
	h->buckets[i]++;
	h->count++;
}

static int64_t bucket_upper(size_t i)
{
	if (i < FINE_BUCKETS)
		return (int64_t)(i + 1) * FINE_STEP_US;
	if (i < BUCKETS - 1)
		return FINE_LIMIT_US + (int64_t)(i - FINE_BUCKETS + 1) * COARSE_STEP_US;
	return COARSE_LIMIT_US;
}

int64_t loadgen_stats_histogram_percentile(const loadgen_histogram *h, double fraction)
{
	if (h == NULL || h->count == 0)
		return -1;
	uint64_t target = (uint64_t)(fraction * (double)h->count);
	if (target >= h->count)
		target = h->count - 1;
	uint64_t seen = 0;
	for (size_t i = 0; i < BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen > target)
			return bucket_upper(i);
	}
	return COARSE_LIMIT_US;
}

uint64_t loadgen_stats_histogram_count(const loadgen_histogram *h)
{
	return h ? h->count : 0;
}

const loadgen_stream_stats *loadgen_stats_find(const loadgen_stats *s, uint32_t publisher, int kind)
{
	for (unsigned i = 0; i < s->n_streams; i++)
		if (s->streams[i].publisher == publisher && s->streams[i].kind == kind)
			return &s->streams[i];
	return NULL;
}

static loadgen_stream_stats *stream_for(loadgen_stats *s, const loadgen_trailer *t)
{
	loadgen_stream_stats *st = (loadgen_stream_stats *)loadgen_stats_find(s, t->publisher, t->kind);
	if (st != NULL)
		return st;
	if (s->n_streams == LOADGEN_STATS_MAX_STREAMS) {
		s->too_many_streams++;
		return NULL;
	}
	st = &s->streams[s->n_streams++];
	memset(st, 0, sizeof(*st));
	st->publisher = t->publisher;
	st->kind = t->kind;
	st->first_counter = st->highest_counter = t->counter;
	return st;
}

static bool window_test_and_set(loadgen_stream_stats *st, uint32_t counter)
{
	uint32_t bit = counter % LOADGEN_DUP_WINDOW;
	uint64_t mask = 1ull << (bit % 64);
	bool was = st->window[bit / 64] & mask;
	st->window[bit / 64] |= mask;
	return was;
}

static void window_clear(loadgen_stream_stats *st, uint32_t counter)
{
	uint32_t bit = counter % LOADGEN_DUP_WINDOW;
	st->window[bit / 64] &= ~(1ull << (bit % 64));
}

/* Counter bookkeeping: true when the packet is new (not a duplicate). */
static bool account_counter(loadgen_stream_stats *st, uint32_t counter)
{
	if (st->received == 0) {
		window_test_and_set(st, counter);
		return true;
	}
	int64_t ahead = (int64_t)counter - (int64_t)st->highest_counter;
	if (ahead > 0) {
		/* Forget the bits the window slides past. */
		int64_t clear = ahead < LOADGEN_DUP_WINDOW ? ahead : LOADGEN_DUP_WINDOW;
		for (int64_t i = 1; i <= clear; i++)
			window_clear(st, (uint32_t)(counter - (uint32_t)i + 1));
		st->highest_counter = counter;
		window_test_and_set(st, counter);
		return true;
	}
	if (-ahead >= LOADGEN_DUP_WINDOW || counter < st->first_counter) {
		st->too_old++;
		return false;
	}
	if (window_test_and_set(st, counter)) {
		st->duplicates++;
		return false;
	}
	st->out_of_order++;
	return true;
}

void loadgen_stats_packet(loadgen_stats *s, loadgen_histogram *delays, const uint8_t *payload,
                          size_t len, bool is_key, int64_t now_us)
{
	loadgen_trailer t;
	if (loadgen_rtpgen_trailer_read(payload, len, &t) < 0) {
		s->foreign++;
		return;
	}
	loadgen_stream_stats *st = stream_for(s, &t);
	if (st == NULL)
		return;
	bool fresh = account_counter(st, t.counter);
	st->received++;
	if (fresh)
		st->unique++;
	if (!loadgen_rtpgen_payload_intact(payload, len, &t))
		st->corrupt++;
	int64_t delay = now_us - t.send_us;
	st->delay_sum_us += delay;
	if (delay > st->delay_max_us)
		st->delay_max_us = delay;
	if (delays != NULL)
		loadgen_stats_histogram_add(delays, delay);
	if (s->first_packet_us == 0)
		s->first_packet_us = now_us;
	if (is_key && s->first_keyframe_us == 0)
		s->first_keyframe_us = now_us;
}

void loadgen_stats_totals_of(const loadgen_stats *s, int kind, loadgen_stats_totals *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < s->n_streams; i++) {
		const loadgen_stream_stats *st = &s->streams[i];
		if (kind >= 0 && st->kind != kind)
			continue;
		uint64_t expected = st->received ? (uint64_t)(st->highest_counter - st->first_counter) + 1 : 0;
		out->received += st->received;
		out->unique += st->unique;
		out->expected += expected;
		out->lost += expected > st->unique ? expected - st->unique : 0;
		out->out_of_order += st->out_of_order;
		out->duplicates += st->duplicates;
		out->corrupt += st->corrupt;
		out->delay_sum_us += st->delay_sum_us;
		if (st->delay_max_us > out->delay_max_us)
			out->delay_max_us = st->delay_max_us;
	}
}
