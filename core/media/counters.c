/*
 * counters.c — the per-thread media counter blocks (see counters.h). The
 * list of blocks only grows (one per thread that ever counted); its lock is
 * taken when a thread counts for the first time and when /metrics reads.
 */
#include <string.h>
#include <glib.h>
#include "counters.h"

const uint64_t parley_media_rtt_bounds_us[PARLEY_MC_RTT_BUCKETS - 1] = {
	10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
};
/* 0, 1 %, 2 %, 5 %, 10 %, 20 %, 50 % of 256 */
const unsigned parley_media_loss_bounds[PARLEY_MC_LOSS_BUCKETS - 1] = { 0, 2, 5, 12, 25, 51, 128 };

typedef struct block {
	parley_media_totals t;
	struct block *next;
} block;

static GMutex blocks_lock;
static block *blocks;
static __thread block *mine;

static block *local_block(void)
{
	if (G_LIKELY(mine))
		return mine;
	block *b = g_new0(block, 1);   /* kept for the process: /metrics adds it up */
	g_mutex_lock(&blocks_lock);
	b->next = blocks;
	blocks = b;
	g_mutex_unlock(&blocks_lock);
	mine = b;
	return b;
}

static inline void add(uint64_t *slot, uint64_t n)
{
	__atomic_store_n(slot, *slot + n, __ATOMIC_RELAXED);
}

void parley_media_count(parley_media_counter counter, uint64_t n)
{
	if ((unsigned)counter < PARLEY_MC_COUNT)
		add(&local_block()->t.counts[counter], n);
}

void parley_media_observe_rtt(int64_t rtt_us)
{
	if (rtt_us < 0)
		return;
	block *b = local_block();
	unsigned i = 0;
	while (i < PARLEY_MC_RTT_BUCKETS - 1 && (uint64_t)rtt_us > parley_media_rtt_bounds_us[i])
		i++;
	add(&b->t.rtt[i], 1);
	add(&b->t.rtt_sum_us, (uint64_t)rtt_us);
}

void parley_media_observe_loss(parley_media_loss_side side, unsigned fraction256)
{
	if ((unsigned)side > 1)
		return;
	block *b = local_block();
	unsigned i = 0;
	while (i < PARLEY_MC_LOSS_BUCKETS - 1 && fraction256 > parley_media_loss_bounds[i])
		i++;
	add(&b->t.loss[side][i], 1);
	add(&b->t.loss_sum256[side], fraction256 > 255 ? 255 : fraction256);
}

static uint64_t load(const uint64_t *slot)
{
	return __atomic_load_n(slot, __ATOMIC_RELAXED);
}

void parley_media_totals_get(parley_media_totals *out)
{
	memset(out, 0, sizeof(*out));
	g_mutex_lock(&blocks_lock);
	for (const block *b = blocks; b; b = b->next) {
		for (int i = 0; i < PARLEY_MC_COUNT; i++)
			out->counts[i] += load(&b->t.counts[i]);
		for (int i = 0; i < PARLEY_MC_RTT_BUCKETS; i++)
			out->rtt[i] += load(&b->t.rtt[i]);
		out->rtt_sum_us += load(&b->t.rtt_sum_us);
		for (int side = 0; side < 2; side++) {
			for (int i = 0; i < PARLEY_MC_LOSS_BUCKETS; i++)
				out->loss[side][i] += load(&b->t.loss[side][i]);
			out->loss_sum256[side] += load(&b->t.loss_sum256[side]);
		}
	}
	g_mutex_unlock(&blocks_lock);
}
