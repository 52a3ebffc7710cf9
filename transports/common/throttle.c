/*
 * transports/common/throttle.c — failed credential checks per source
 * address, with a doubling block (see throttle.h).
 */
#include "throttle.h"

typedef struct address_record {
	unsigned failures;     /* in a row */
	gint64 blocked_until;  /* monotonic µs */
	gint64 last_failure;   /* monotonic µs */
} address_record;

struct parley_tx_throttle {
	GMutex lock;
	GHashTable *addresses; /* char * → address_record */
	unsigned free_failures;
	gint64 base_us, max_us;
};

/* Failures in a row: one more than this after the last, with no block
 * running, starts the count afresh (and such an address is the first to go
 * when the table is full). A passed check does not reset the count: an
 * unauthenticated request that passes would otherwise clear it. */
#define FORGET_AFTER_US (60 * G_USEC_PER_SEC)

parley_tx_throttle *parley_tx_throttle_new(unsigned free_failures, long base_ms, long max_ms)
{
	parley_tx_throttle *throttle = g_new0(parley_tx_throttle, 1);
	g_mutex_init(&throttle->lock);
	throttle->addresses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	throttle->free_failures = free_failures;
	throttle->base_us = (gint64)base_ms * 1000;
	throttle->max_us = (gint64)(max_ms > base_ms ? max_ms : base_ms) * 1000;
	return throttle;
}

void parley_tx_throttle_free(parley_tx_throttle *throttle)
{
	if (throttle == NULL)
		return;
	g_hash_table_destroy(throttle->addresses);
	g_mutex_clear(&throttle->lock);
	g_free(throttle);
}

static long remaining_ms(gint64 until, gint64 now)
{
	return until > now ? (long)((until - now + 999) / 1000) : 0;
}

long parley_tx_throttle_blocked_ms(parley_tx_throttle *throttle, const char *address, gint64 now)
{
	if (throttle == NULL || throttle->base_us == 0 || address == NULL)
		return 0;
	g_mutex_lock(&throttle->lock);
	address_record *record = g_hash_table_lookup(throttle->addresses, address);
	long blocked = record != NULL ? remaining_ms(record->blocked_until, now) : 0;
	g_mutex_unlock(&throttle->lock);
	return blocked;
}

static gboolean is_stale(gpointer key, gpointer value, gpointer data)
{
	const address_record *record = value;
	gint64 now = *(const gint64 *)data;
	return record->blocked_until <= now && now - record->last_failure > FORGET_AFTER_US;
}

/* Under lock: room for one more address. */
static void make_room(parley_tx_throttle *throttle, gint64 now)
{
	if (g_hash_table_size(throttle->addresses) < PARLEY_TX_THROTTLE_MAX_ADDRESSES)
		return;
	g_hash_table_foreach_remove(throttle->addresses, is_stale, &now);
	if (g_hash_table_size(throttle->addresses) >= PARLEY_TX_THROTTLE_MAX_ADDRESSES)
		g_hash_table_remove_all(throttle->addresses);
}

unsigned parley_tx_throttle_failed(parley_tx_throttle *throttle, const char *address, gint64 now, long *blocked_ms)
{
	*blocked_ms = 0;
	if (throttle == NULL || throttle->base_us == 0 || address == NULL)
		return 0;
	g_mutex_lock(&throttle->lock);
	address_record *record = g_hash_table_lookup(throttle->addresses, address);
	if (record == NULL) {
		make_room(throttle, now);
		record = g_new0(address_record, 1);
		g_hash_table_insert(throttle->addresses, g_strdup(address), record);
	}
	if (record->failures > 0 && record->blocked_until <= now && now - record->last_failure > FORGET_AFTER_US)
		record->failures = 0;
	record->failures++;
	record->last_failure = now;
	if (record->failures > throttle->free_failures) {
		unsigned doublings = record->failures - throttle->free_failures - 1;
		gint64 block = throttle->base_us;
		for (unsigned i = 0; i < doublings && block < throttle->max_us; i++)
			block *= 2;
		if (block > throttle->max_us)
			block = throttle->max_us;
		record->blocked_until = now + block;
		*blocked_ms = remaining_ms(record->blocked_until, now);
	}
	unsigned failures = record->failures;
	g_mutex_unlock(&throttle->lock);
	return failures;
}
