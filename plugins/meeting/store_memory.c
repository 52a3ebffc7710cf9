/*
 * plugins/meeting/store_memory.c — the in-memory participant store: one
 * GHashTable of meetings (room id → table of user id → record) and one of
 * peers (peer id → record), both under one mutex. Signaling only, never on
 * the media path, so one lock for the plugin is enough.
 */
#include <string.h>

#include "store.h"

typedef struct memory_store {
	parley_meeting_store base;
	GMutex lock;
	GHashTable *rooms; /* room id (owned) → GHashTable user id → record (owned) */
	GHashTable *peers; /* peer id (borrowed from the record) → record (borrowed) */
	uint64_t next_seq; /* insertion order, the tie-break of equal join times */
} memory_store;

/* A stored record: the participant plus its insertion number. */
typedef struct memory_record {
	parley_meeting_participant p; /* first: a record is also a participant */
	uint64_t seq;
} memory_record;

parley_meeting_participant *parley_meeting_participant_copy(const parley_meeting_participant *p)
{
	parley_meeting_participant *c = g_new0(parley_meeting_participant, 1);
	*c = *p;
	c->room_id = g_strdup(p->room_id);
	c->user_id = g_strdup(p->user_id);
	c->user_name = g_strdup(p->user_name);
	c->user_picture = g_strdup(p->user_picture);
	c->user_email = g_strdup(p->user_email);
	c->peer_id = g_strdup(p->peer_id);
	return c;
}

void parley_meeting_participant_free(parley_meeting_participant *p)
{
	if (p == NULL)
		return;
	g_free(p->room_id);
	g_free(p->user_id);
	g_free(p->user_name);
	g_free(p->user_picture);
	g_free(p->user_email);
	g_free(p->peer_id);
	g_free(p);
}

static void participant_destroy(gpointer data)
{
	parley_meeting_participant_free(data);
}

static memory_store *as_memory(parley_meeting_store *store)
{
	return (memory_store *)store;
}

/* Drops the record (room, user) with the lock held; true when it existed.
 * The ids may point into the record being dropped: they are copied first. */
static bool remove_locked(memory_store *m, const char *room_id_in, const char *user_id_in)
{
	g_autofree char *room_id = g_strdup(room_id_in);
	g_autofree char *user_id = g_strdup(user_id_in);
	GHashTable *users = g_hash_table_lookup(m->rooms, room_id);
	if (users == NULL)
		return false;
	parley_meeting_participant *p = g_hash_table_lookup(users, user_id);
	if (p == NULL)
		return false;
	if (p->peer_id != NULL && g_hash_table_lookup(m->peers, p->peer_id) == p)
		g_hash_table_remove(m->peers, p->peer_id);
	g_hash_table_remove(users, user_id);
	if (g_hash_table_size(users) == 0)
		g_hash_table_remove(m->rooms, room_id);
	return true;
}

static int memory_add(parley_meeting_store *store, const parley_meeting_participant *p)
{
	memory_store *m = as_memory(store);
	if (p == NULL || p->room_id == NULL || p->user_id == NULL)
		return -1;
	memory_record *record = g_new0(memory_record, 1);
	parley_meeting_participant *tmp = parley_meeting_participant_copy(p);
	record->p = *tmp;
	g_free(tmp); /* the strings now belong to the record */
	parley_meeting_participant *copy = &record->p;
	g_mutex_lock(&m->lock);
	record->seq = m->next_seq++;
	remove_locked(m, p->room_id, p->user_id);
	if (p->peer_id != NULL) {
		parley_meeting_participant *old = g_hash_table_lookup(m->peers, p->peer_id);
		if (old != NULL)
			remove_locked(m, old->room_id, old->user_id);
	}
	GHashTable *users = g_hash_table_lookup(m->rooms, p->room_id);
	if (users == NULL) {
		users = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, participant_destroy);
		g_hash_table_insert(m->rooms, g_strdup(p->room_id), users);
	}
	g_hash_table_insert(users, copy->user_id, copy);
	if (copy->peer_id != NULL)
		g_hash_table_insert(m->peers, copy->peer_id, copy);
	g_mutex_unlock(&m->lock);
	return 0;
}

static int memory_remove(parley_meeting_store *store, const char *room_id, const char *user_id)
{
	memory_store *m = as_memory(store);
	if (room_id == NULL || user_id == NULL)
		return -1;
	g_mutex_lock(&m->lock);
	bool removed = remove_locked(m, room_id, user_id);
	g_mutex_unlock(&m->lock);
	return removed ? 0 : -1;
}

static parley_meeting_participant *lookup_locked(memory_store *m, const char *room_id, const char *user_id)
{
	GHashTable *users = g_hash_table_lookup(m->rooms, room_id);
	return users != NULL ? g_hash_table_lookup(users, user_id) : NULL;
}

static parley_meeting_participant *memory_get(parley_meeting_store *store, const char *room_id,
                                              const char *user_id)
{
	memory_store *m = as_memory(store);
	if (room_id == NULL || user_id == NULL)
		return NULL;
	g_mutex_lock(&m->lock);
	parley_meeting_participant *p = lookup_locked(m, room_id, user_id);
	parley_meeting_participant *copy = p != NULL ? parley_meeting_participant_copy(p) : NULL;
	g_mutex_unlock(&m->lock);
	return copy;
}

static parley_meeting_participant *memory_get_by_peer(parley_meeting_store *store, const char *peer_id)
{
	memory_store *m = as_memory(store);
	if (peer_id == NULL)
		return NULL;
	g_mutex_lock(&m->lock);
	parley_meeting_participant *p = g_hash_table_lookup(m->peers, peer_id);
	parley_meeting_participant *copy = p != NULL ? parley_meeting_participant_copy(p) : NULL;
	g_mutex_unlock(&m->lock);
	return copy;
}

static gint by_join_time(gconstpointer a, gconstpointer b)
{
	const memory_record *ra = *(memory_record *const *)a;
	const memory_record *rb = *(memory_record *const *)b;
	if (ra->p.joined_at != rb->p.joined_at)
		return ra->p.joined_at < rb->p.joined_at ? -1 : 1;
	return ra->seq < rb->seq ? -1 : ra->seq > rb->seq ? 1 : 0;
}

/* The records of `room_id` with `presence`, borrowed: the caller holds
 * m->lock while it uses them and frees the array. */
static GPtrArray *records_locked(memory_store *m, const char *room_id, parley_meeting_presence presence)
{
	GPtrArray *records = g_ptr_array_new();
	GHashTable *users = g_hash_table_lookup(m->rooms, room_id);
	if (users != NULL) {
		GHashTableIter it;
		gpointer value;
		g_hash_table_iter_init(&it, users);
		while (g_hash_table_iter_next(&it, NULL, &value))
			if (((memory_record *)value)->p.presence == presence)
				g_ptr_array_add(records, value);
	}
	return records;
}

static GPtrArray *memory_list(parley_meeting_store *store, const char *room_id,
                              parley_meeting_presence presence)
{
	memory_store *m = as_memory(store);
	GPtrArray *out = g_ptr_array_new_with_free_func(participant_destroy);
	if (room_id == NULL)
		return out;
	g_mutex_lock(&m->lock);
	GPtrArray *records = records_locked(m, room_id, presence); /* sorted then copied */
	g_ptr_array_sort(records, by_join_time);
	for (guint i = 0; i < records->len; i++)
		g_ptr_array_add(out, parley_meeting_participant_copy(records->pdata[i]));
	g_mutex_unlock(&m->lock);
	g_ptr_array_free(records, TRUE);
	return out;
}

static int memory_update_flags(parley_meeting_store *store, const char *room_id, const char *user_id,
                               unsigned mask, unsigned values)
{
	memory_store *m = as_memory(store);
	if (room_id == NULL || user_id == NULL)
		return -1;
	g_mutex_lock(&m->lock);
	parley_meeting_participant *p = lookup_locked(m, room_id, user_id);
	if (p != NULL) {
		if (mask & PARLEY_MEETING_FLAG_AUDIO)
			p->audio = (values & PARLEY_MEETING_FLAG_AUDIO) != 0;
		if (mask & PARLEY_MEETING_FLAG_VIDEO)
			p->video = (values & PARLEY_MEETING_FLAG_VIDEO) != 0;
		if (mask & PARLEY_MEETING_FLAG_SCREEN)
			p->screen = (values & PARLEY_MEETING_FLAG_SCREEN) != 0;
	}
	g_mutex_unlock(&m->lock);
	return p != NULL ? 0 : -1;
}

static int memory_set_presence(parley_meeting_store *store, const char *room_id, const char *user_id,
                               parley_meeting_presence presence)
{
	memory_store *m = as_memory(store);
	if (room_id == NULL || user_id == NULL)
		return -1;
	g_mutex_lock(&m->lock);
	parley_meeting_participant *p = lookup_locked(m, room_id, user_id);
	if (p != NULL)
		p->presence = presence;
	g_mutex_unlock(&m->lock);
	return p != NULL ? 0 : -1;
}

static unsigned memory_count(parley_meeting_store *store, const char *room_id,
                             parley_meeting_presence presence)
{
	memory_store *m = as_memory(store);
	if (room_id == NULL)
		return 0;
	g_mutex_lock(&m->lock);
	GPtrArray *records = records_locked(m, room_id, presence);
	g_mutex_unlock(&m->lock);
	unsigned n = records->len;
	g_ptr_array_free(records, TRUE);
	return n;
}

static unsigned memory_clear_room(parley_meeting_store *store, const char *room_id)
{
	memory_store *m = as_memory(store);
	unsigned n = 0;
	if (room_id == NULL)
		return 0;
	g_mutex_lock(&m->lock);
	GHashTable *users = g_hash_table_lookup(m->rooms, room_id);
	if (users != NULL) {
		GHashTableIter it;
		gpointer value;
		g_hash_table_iter_init(&it, users);
		while (g_hash_table_iter_next(&it, NULL, &value)) {
			parley_meeting_participant *p = value;
			if (p->peer_id != NULL && g_hash_table_lookup(m->peers, p->peer_id) == p)
				g_hash_table_remove(m->peers, p->peer_id);
			n++;
		}
		g_hash_table_remove(m->rooms, room_id);
	}
	g_mutex_unlock(&m->lock);
	return n;
}

static void memory_destroy(parley_meeting_store *store)
{
	memory_store *m = as_memory(store);
	if (m == NULL)
		return;
	g_hash_table_destroy(m->peers);
	g_hash_table_destroy(m->rooms);
	g_mutex_clear(&m->lock);
	g_free(m);
}

static const parley_meeting_store_ops memory_ops = {
	.name = "memory",
	.add = memory_add,
	.remove = memory_remove,
	.get = memory_get,
	.get_by_peer = memory_get_by_peer,
	.list = memory_list,
	.update_flags = memory_update_flags,
	.set_presence = memory_set_presence,
	.count = memory_count,
	.clear_room = memory_clear_room,
	.destroy = memory_destroy,
};

parley_meeting_store *parley_meeting_store_memory_new(void)
{
	memory_store *m = g_new0(memory_store, 1);
	m->base.ops = &memory_ops;
	g_mutex_init(&m->lock);
	m->rooms = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                 (GDestroyNotify)g_hash_table_destroy);
	m->peers = g_hash_table_new(g_str_hash, g_str_equal);
	return &m->base;
}
