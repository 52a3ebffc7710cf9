/*
 * plugins/room/snapshot.c — immutable arrays for the media path. Writers
 * (workers, under the plugin's state lock) build a new array and publish
 * it with one atomic store; the one loop that reads the snapshot frees the
 * arrays retired since its last read before it reads again, which is the
 * moment it provably holds no pointer into them. Readers take no lock
 * unless something was retired (rare: once per change).
 */
#include <string.h>

#include "room.h"

void parley_room_snapshot_init(room_snapshot *s, GDestroyNotify unref)
{
	memset(s, 0, sizeof(*s));
	g_mutex_init(&s->lock);
	s->unref = unref;
}

room_snapshot_items *parley_room_snapshot_items_new(guint n)
{
	room_snapshot_items *items = g_malloc0(sizeof(*items) + n * sizeof(gpointer));
	items->n = n;
	return items;
}

static void items_free(room_snapshot *s, room_snapshot_items *items)
{
	if (items == NULL)
		return;
	for (guint i = 0; i < items->n; i++)
		if (items->items[i] != NULL)
			s->unref(items->items[i]);
	g_free(items);
}

void parley_room_snapshot_reclaim(room_snapshot *s)
{
	g_mutex_lock(&s->lock);
	GSList *retired = s->retired;
	s->retired = NULL;
	g_atomic_int_set(&s->has_retired, 0);
	g_mutex_unlock(&s->lock);
	for (GSList *l = retired; l != NULL; l = l->next)
		items_free(s, l->data);
	g_slist_free(retired);
}

room_snapshot_items *parley_room_snapshot_read(room_snapshot *s)
{
	if (G_UNLIKELY(g_atomic_int_get(&s->has_retired)))
		parley_room_snapshot_reclaim(s);
	return g_atomic_pointer_get(&s->current);
}

void parley_room_snapshot_publish(room_snapshot *s, room_snapshot_items *items)
{
	g_mutex_lock(&s->lock);
	room_snapshot_items *old = g_atomic_pointer_exchange(&s->current, items);
	if (old != NULL) {
		s->retired = g_slist_prepend(s->retired, old);
		g_atomic_int_set(&s->has_retired, 1);
	}
	g_mutex_unlock(&s->lock);
}

GPtrArray *parley_room_snapshot_copy(room_snapshot *s, room_ref_fn ref)
{
	GPtrArray *array = g_ptr_array_new();
	g_mutex_lock(&s->lock);
	room_snapshot_items *items = g_atomic_pointer_get(&s->current);
	for (guint i = 0; items != NULL && i < items->n; i++)
		g_ptr_array_add(array, items->items[i] != NULL ? ref(items->items[i]) : NULL);
	g_mutex_unlock(&s->lock);
	return array;
}

void parley_room_snapshot_publish_array(room_snapshot *s, GPtrArray *array)
{
	room_snapshot_items *items = parley_room_snapshot_items_new(array->len);
	if (array->len > 0)
		memcpy(items->items, array->pdata, array->len * sizeof(gpointer));
	g_ptr_array_free(array, TRUE);
	parley_room_snapshot_publish(s, items);
}

void parley_room_snapshot_clear(room_snapshot *s)
{
	parley_room_snapshot_reclaim(s);
	items_free(s, g_atomic_pointer_exchange(&s->current, NULL));
	g_mutex_clear(&s->lock);
}
