/*
 * sctp_table.c — owns the id → association map usrsctp's callbacks are
 * resolved through (a GHashTable keyed by the id itself). Ids come from
 * GLib's random generator, 64 bits wide, so an id freed and a stale
 * callback carrying it would meet a new association only by a one in 2^64
 * chance; an id in use is never handed out twice.
 */
#include <glib.h>
#include "sctp_table.h"

struct parley_sctp_table {
	GHashTable *ids;   /* GUINT_TO_POINTER-style keys: the id as a pointer-sized integer */
};

parley_sctp_table *parley_sctp_table_new(void)
{
	parley_sctp_table *table = g_new0(parley_sctp_table, 1);
	table->ids = g_hash_table_new(g_direct_hash, g_direct_equal);
	return table;
}

void parley_sctp_table_free(parley_sctp_table *table)
{
	if (!table)
		return;
	g_hash_table_destroy(table->ids);
	g_free(table);
}

static uintptr_t random_id(void)
{
	uint64_t high = g_random_int(), low = g_random_int();
	return (uintptr_t)((high << 32) | low);
}

uintptr_t parley_sctp_table_add(parley_sctp_table *table, void *value)
{
	uintptr_t id;
	do
		id = random_id();
	while (id == 0 || g_hash_table_contains(table->ids, (gconstpointer)id));
	g_hash_table_insert(table->ids, (gpointer)id, value);
	return id;
}

void *parley_sctp_table_lookup(const parley_sctp_table *table, uintptr_t id)
{
	return id ? g_hash_table_lookup(table->ids, (gconstpointer)id) : NULL;
}

bool parley_sctp_table_remove(parley_sctp_table *table, uintptr_t id)
{
	return g_hash_table_remove(table->ids, (gconstpointer)id);
}

size_t parley_sctp_table_size(const parley_sctp_table *table)
{
	return g_hash_table_size(table->ids);
}
