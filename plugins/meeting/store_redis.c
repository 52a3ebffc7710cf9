/*
 * plugins/meeting/store_redis.c — the participant store of cluster mode.
 *
 * Redis holds the truth shared by every instance:
 *   <prefix>meeting:<roomId>:participants   hash, field userId → JSON record
 *       {roomId,userId,userName,userPicture?,userEmail?,peerId,presence,
 *        audio,video,screen,joinedAt,instance}
 *   <prefix>instance:<id>:participants      set of "roomId\tuserId" records
 *       carrying that instance id (what the reaper and reconciliation walk)
 * Every write is one Lua script, so a record and its instance set change
 * together and the capacity check of a join is atomic across instances.
 *
 * The instance of a record is the first PARLEY_MEETING_INSTANCE_ID_LEN
 * characters of its peer id (cluster mode makes peer ids that way), so a
 * record added here for a peer of another instance (a host admitting a
 * waiting user) still names the instance that holds the connection.
 *
 * A mirror of the records on this instance's own peers answers get_by_peer
 * (checked against Redis when it is reachable) and is what reconciliation
 * writes back after Redis comes back. Used only from the cluster thread.
 */
#include <string.h>

#include "cluster.h"

typedef struct redis_store {
	parley_meeting_store base;
	parley_meeting_redis *r;   /* borrowed: the cluster owns it */
	GHashTable *local;         /* "room\tuser" (owned) → record (owned) on a local peer */
} redis_store;

/* KEYS[1] hash, KEYS[2] instance set of the new record; ARGV user, json,
 * cap (0 none), member, prefix. 1 added, 0 full. */
static const char add_script[] =
	"local old = redis.call('HGET', KEYS[1], ARGV[1])\n"
	"local cap = tonumber(ARGV[3])\n"
	"if cap > 0 then\n"
	"  local n = 0\n"
	"  for _, v in ipairs(redis.call('HVALS', KEYS[1])) do\n"
	"    local r = cjson.decode(v)\n"
	"    if r.presence == 0 and r.userId ~= ARGV[1] then n = n + 1 end\n"
	"  end\n"
	"  if n >= cap then return 0 end\n"
	"end\n"
	"if old then\n"
	"  local o = cjson.decode(old)\n"
	"  if o.instance then redis.call('SREM', ARGV[5] .. 'instance:' .. o.instance .. ':participants', ARGV[4]) end\n"
	"end\n"
	"redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
	"redis.call('SADD', KEYS[2], ARGV[4])\n"
	"return 1\n";

/* KEYS[1] hash; ARGV user, member, prefix, only-instance ("" = any).
 * The removed record's JSON, or false. */
static const char remove_script[] =
	"local old = redis.call('HGET', KEYS[1], ARGV[1])\n"
	"if not old then return false end\n"
	"local o = cjson.decode(old)\n"
	"if ARGV[4] ~= '' and o.instance ~= ARGV[4] then return false end\n"
	"redis.call('HDEL', KEYS[1], ARGV[1])\n"
	"if o.instance then redis.call('SREM', ARGV[3] .. 'instance:' .. o.instance .. ':participants', ARGV[2]) end\n"
	"return old\n";

/* KEYS[1] hash; ARGV user, mask, values, presence (-1 = keep). 1 or 0. */
static const char update_script[] =
	"local old = redis.call('HGET', KEYS[1], ARGV[1])\n"
	"if not old then return 0 end\n"
	"local o = cjson.decode(old)\n"
	"local mask, values = tonumber(ARGV[2]), tonumber(ARGV[3])\n"
	"local names = { 'audio', 'video', 'screen' }\n"
	"for i, name in ipairs(names) do\n"
	"  local bit = 2 ^ (i - 1)\n"
	"  if math.floor(mask / bit) % 2 == 1 then o[name] = math.floor(values / bit) % 2 == 1 end\n"
	"end\n"
	"if tonumber(ARGV[4]) >= 0 then o.presence = tonumber(ARGV[4]) end\n"
	"redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(o))\n"
	"return 1\n";

/* KEYS[1] hash; ARGV room, prefix. How many records were removed. */
static const char clear_script[] =
	"local all = redis.call('HGETALL', KEYS[1])\n"
	"local n = 0\n"
	"for i = 1, #all, 2 do\n"
	"  local o = cjson.decode(all[i + 1])\n"
	"  if o.instance then redis.call('SREM', ARGV[2] .. 'instance:' .. o.instance .. ':participants', ARGV[1] .. '\\t' .. all[i]) end\n"
	"  n = n + 1\n"
	"end\n"
	"redis.call('DEL', KEYS[1])\n"
	"return n\n";

static redis_store *as_redis(parley_meeting_store *store)
{
	return (redis_store *)store;
}

static char *member_of(const char *room_id, const char *user_id)
{
	return g_strdup_printf("%s\t%s", room_id, user_id);
}

static char *hash_key(redis_store *s, const char *room_id)
{
	return parley_meeting_redis_key(s->r, "meeting:%s:participants", room_id);
}

/* The instance id a peer id starts with (into out), false when too short. */
static bool instance_of_peer(const char *peer_id, char out[PARLEY_MEETING_INSTANCE_ID_LEN + 1])
{
	if (peer_id == NULL || strlen(peer_id) < PARLEY_MEETING_INSTANCE_ID_LEN)
		return false;
	memcpy(out, peer_id, PARLEY_MEETING_INSTANCE_ID_LEN);
	out[PARLEY_MEETING_INSTANCE_ID_LEN] = '\0';
	return true;
}

static bool is_local(redis_store *s, const char *peer_id)
{
	char inst[PARLEY_MEETING_INSTANCE_ID_LEN + 1];
	return instance_of_peer(peer_id, inst) && strcmp(inst, s->r->instance) == 0;
}

/* JSON text of a record (g_free). */
static char *record_encode(const parley_meeting_participant *p)
{
	char inst[PARLEY_MEETING_INSTANCE_ID_LEN + 1] = "";
	instance_of_peer(p->peer_id, inst);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:b, s:b, s:b, s:I, s:s}", /* new, dropped below */
	                      "roomId", p->room_id, "userId", p->user_id,
	                      "userName", p->user_name != NULL ? p->user_name : p->user_id,
	                      "peerId", p->peer_id != NULL ? p->peer_id : "",
	                      "presence", (int)p->presence, "audio", p->audio, "video", p->video,
	                      "screen", p->screen, "joinedAt", (json_int_t)p->joined_at, "instance", inst);
	if (j == NULL)
		return NULL;
	if (p->user_picture != NULL)
		json_object_set_new(j, "userPicture", json_string(p->user_picture));
	if (p->user_email != NULL)
		json_object_set_new(j, "userEmail", json_string(p->user_email));
	char *text = json_dumps(j, JSON_COMPACT); /* malloc'ed, copied below */
	json_decref(j);
	char *out = g_strdup(text);
	free(text);
	return out;
}

static const char *opt_string(json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

/* A new record from its JSON text, or NULL when malformed. */
static parley_meeting_participant *record_decode(const char *text, size_t length)
{
	json_t *j = json_loadb(text, length, 0, NULL); /* new, dropped below */
	if (!json_is_object(j) || opt_string(j, "roomId") == NULL || opt_string(j, "userId") == NULL) {
		json_decref(j);
		return NULL;
	}
	parley_meeting_participant *p = g_new0(parley_meeting_participant, 1);
	p->room_id = g_strdup(opt_string(j, "roomId"));
	p->user_id = g_strdup(opt_string(j, "userId"));
	p->user_name = g_strdup(opt_string(j, "userName") != NULL ? opt_string(j, "userName") : p->user_id);
	p->user_picture = g_strdup(opt_string(j, "userPicture"));
	p->user_email = g_strdup(opt_string(j, "userEmail"));
	p->peer_id = g_strdup(opt_string(j, "peerId") != NULL ? opt_string(j, "peerId") : "");
	p->presence = json_integer_value(json_object_get(j, "presence")) == 1 ?
	              PARLEY_MEETING_WAITING : PARLEY_MEETING_JOINED;
	p->audio = json_is_true(json_object_get(j, "audio"));
	p->video = json_is_true(json_object_get(j, "video"));
	p->screen = json_is_true(json_object_get(j, "screen"));
	p->joined_at = json_integer_value(json_object_get(j, "joinedAt"));
	json_decref(j);
	return p;
}

static void mirror_put(redis_store *s, const parley_meeting_participant *p)
{
	/* one record per local peer */
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, s->local);
	while (g_hash_table_iter_next(&it, NULL, &value))
		if (strcmp(((parley_meeting_participant *)value)->peer_id, p->peer_id) == 0)
			g_hash_table_iter_remove(&it);
	g_hash_table_replace(s->local, member_of(p->room_id, p->user_id), parley_meeting_participant_copy(p));
}

static void mirror_drop(redis_store *s, const char *room_id, const char *user_id)
{
	char *member = member_of(room_id, user_id);
	g_hash_table_remove(s->local, member);
	g_free(member);
}

/* Runs remove_script; the removed record (new) or NULL. *failed is set
 * when Redis could not be asked. */
static parley_meeting_participant *remove_in_redis(redis_store *s, const char *room_id, const char *user_id,
                                                   const char *only_instance, bool *failed)
{
	char *key = hash_key(s, room_id);
	char *member = member_of(room_id, user_id);
	redisReply *reply = parley_meeting_redis_command(s->r, "EVAL %s 1 %s %s %s %s %s", remove_script, key,
	                                                 user_id, member, s->r->prefix,
	                                                 only_instance != NULL ? only_instance : "");
	parley_meeting_participant *old = NULL;
	if (failed != NULL)
		*failed = reply == NULL;
	if (reply != NULL && reply->type == REDIS_REPLY_STRING)
		old = record_decode(reply->str, reply->len);
	if (reply != NULL)
		freeReplyObject(reply);
	g_free(member);
	g_free(key);
	return old;
}

/* Runs add_script for `p`: 0 added, 1 full, -1 error. */
static int add_in_redis(redis_store *s, const parley_meeting_participant *p, int cap)
{
	char inst[PARLEY_MEETING_INSTANCE_ID_LEN + 1];
	if (!instance_of_peer(p->peer_id, inst))
		return -1;
	char *json = record_encode(p);
	char *key = hash_key(s, p->room_id);
	char *set = parley_meeting_redis_key(s->r, "instance:%s:participants", inst);
	char *member = member_of(p->room_id, p->user_id);
	char capacity[16];
	g_snprintf(capacity, sizeof(capacity), "%d", cap > 0 ? cap : 0);
	redisReply *reply = json == NULL ? NULL :
	                    parley_meeting_redis_command(s->r, "EVAL %s 2 %s %s %s %s %s %s %s", add_script, key,
	                                                 set, p->user_id, json, capacity, member, s->r->prefix);
	int rc = reply == NULL || reply->type != REDIS_REPLY_INTEGER ? -1 : reply->integer == 1 ? 0 : 1;
	if (reply != NULL)
		freeReplyObject(reply);
	g_free(member);
	g_free(set);
	g_free(key);
	g_free(json);
	return rc;
}

int parley_meeting_store_redis_add_capped(parley_meeting_store *store, const parley_meeting_participant *p,
                                          int max)
{
	redis_store *s = as_redis(store);
	if (p == NULL || p->room_id == NULL || p->user_id == NULL || p->peer_id == NULL)
		return -1;
	bool local = is_local(s, p->peer_id);
	/* the same connection elsewhere leaves that place first */
	if (local) {
		GHashTableIter it;
		gpointer value;
		parley_meeting_participant *before = NULL;
		g_hash_table_iter_init(&it, s->local);
		while (before == NULL && g_hash_table_iter_next(&it, NULL, &value))
			if (strcmp(((parley_meeting_participant *)value)->peer_id, p->peer_id) == 0)
				before = value;
		if (before != NULL && (strcmp(before->room_id, p->room_id) != 0 ||
		                       strcmp(before->user_id, p->user_id) != 0)) {
			parley_meeting_participant *old = remove_in_redis(s, before->room_id, before->user_id, NULL, NULL);
			parley_meeting_participant_free(old);
		}
	}
	int rc = add_in_redis(s, p, max);
	if (rc == 0 || (rc < 0 && local)) {
		/* kept locally even when Redis is down: reconciliation writes it */
		mirror_drop(s, p->room_id, p->user_id);
		if (local)
			mirror_put(s, p);
	}
	return rc;
}

static int redis_add(parley_meeting_store *store, const parley_meeting_participant *p)
{
	return parley_meeting_store_redis_add_capped(store, p, 0) == 0 ? 0 : -1;
}

static int redis_remove(parley_meeting_store *store, const char *room_id, const char *user_id)
{
	redis_store *s = as_redis(store);
	if (room_id == NULL || user_id == NULL)
		return -1;
	bool failed = false;
	parley_meeting_participant *old = remove_in_redis(s, room_id, user_id, NULL, &failed);
	char *member = member_of(room_id, user_id);
	bool was_local = g_hash_table_remove(s->local, member);
	g_free(member);
	int rc = old != NULL || (failed && was_local) ? 0 : -1;
	parley_meeting_participant_free(old);
	return rc;
}

static parley_meeting_participant *redis_get(parley_meeting_store *store, const char *room_id,
                                             const char *user_id)
{
	redis_store *s = as_redis(store);
	if (room_id == NULL || user_id == NULL)
		return NULL;
	char *key = hash_key(s, room_id);
	redisReply *reply = parley_meeting_redis_command(s->r, "HGET %s %s", key, user_id);
	g_free(key);
	parley_meeting_participant *p = NULL;
	if (reply != NULL && reply->type == REDIS_REPLY_STRING)
		p = record_decode(reply->str, reply->len);
	if (reply != NULL)
		freeReplyObject(reply);
	return p;
}

static parley_meeting_participant *redis_get_by_peer(parley_meeting_store *store, const char *peer_id)
{
	redis_store *s = as_redis(store);
	if (peer_id == NULL)
		return NULL;
	GHashTableIter it;
	gpointer value;
	parley_meeting_participant *mine = NULL;
	g_hash_table_iter_init(&it, s->local);
	while (mine == NULL && g_hash_table_iter_next(&it, NULL, &value))
		if (strcmp(((parley_meeting_participant *)value)->peer_id, peer_id) == 0)
			mine = value;
	if (mine == NULL)
		return NULL;
	if (!parley_meeting_redis_is_up(s->r))
		return parley_meeting_participant_copy(mine); /* what this instance knows */
	parley_meeting_participant *fresh = redis_get(store, mine->room_id, mine->user_id);
	if (fresh == NULL && !parley_meeting_redis_is_up(s->r))
		return parley_meeting_participant_copy(mine);
	if (fresh == NULL || strcmp(fresh->peer_id, peer_id) != 0) {
		/* removed or replaced by another instance */
		mirror_drop(s, mine->room_id, mine->user_id);
		parley_meeting_participant_free(fresh);
		return NULL;
	}
	mirror_put(s, fresh);
	return fresh;
}

static gint by_join_time(gconstpointer a, gconstpointer b)
{
	const parley_meeting_participant *pa = *(parley_meeting_participant *const *)a;
	const parley_meeting_participant *pb = *(parley_meeting_participant *const *)b;
	if (pa->joined_at != pb->joined_at)
		return pa->joined_at < pb->joined_at ? -1 : 1;
	return strcmp(pa->user_id, pb->user_id);
}

static GPtrArray *redis_list(parley_meeting_store *store, const char *room_id, parley_meeting_presence presence)
{
	redis_store *s = as_redis(store);
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)parley_meeting_participant_free);
	if (room_id == NULL)
		return out;
	char *key = hash_key(s, room_id);
	redisReply *reply = parley_meeting_redis_command(s->r, "HVALS %s", key);
	g_free(key);
	if (reply != NULL && reply->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i < reply->elements; i++) {
			redisReply *e = reply->element[i];
			parley_meeting_participant *p = e->type == REDIS_REPLY_STRING ? record_decode(e->str, e->len) : NULL;
			if (p != NULL && p->presence == presence)
				g_ptr_array_add(out, p);
			else
				parley_meeting_participant_free(p);
		}
	}
	if (reply != NULL)
		freeReplyObject(reply);
	g_ptr_array_sort(out, by_join_time);
	return out;
}

/* update_script for (room, user): 0 or -1. */
static int update_in_redis(redis_store *s, const char *room_id, const char *user_id, unsigned mask,
                           unsigned values, int presence)
{
	char *key = hash_key(s, room_id);
	redisReply *reply = parley_meeting_redis_command(s->r, "EVAL %s 1 %s %s %u %u %d", update_script, key,
	                                                 user_id, mask, values, presence);
	g_free(key);
	int rc = reply != NULL && reply->type == REDIS_REPLY_INTEGER && reply->integer == 1 ? 0 : -1;
	if (reply != NULL)
		freeReplyObject(reply);
	char *member = member_of(room_id, user_id);
	parley_meeting_participant *mine = g_hash_table_lookup(s->local, member);
	g_free(member);
	if (mine != NULL) {
		if (mask & PARLEY_MEETING_FLAG_AUDIO)
			mine->audio = (values & PARLEY_MEETING_FLAG_AUDIO) != 0;
		if (mask & PARLEY_MEETING_FLAG_VIDEO)
			mine->video = (values & PARLEY_MEETING_FLAG_VIDEO) != 0;
		if (mask & PARLEY_MEETING_FLAG_SCREEN)
			mine->screen = (values & PARLEY_MEETING_FLAG_SCREEN) != 0;
		if (presence >= 0)
			mine->presence = (parley_meeting_presence)presence;
	}
	return rc;
}

static int redis_update_flags(parley_meeting_store *store, const char *room_id, const char *user_id,
                              unsigned mask, unsigned values)
{
	if (room_id == NULL || user_id == NULL)
		return -1;
	return update_in_redis(as_redis(store), room_id, user_id, mask & 7u, values & 7u, -1);
}

static int redis_set_presence(parley_meeting_store *store, const char *room_id, const char *user_id,
                              parley_meeting_presence presence)
{
	if (room_id == NULL || user_id == NULL)
		return -1;
	return update_in_redis(as_redis(store), room_id, user_id, 0, 0, (int)presence);
}

static unsigned redis_count(parley_meeting_store *store, const char *room_id, parley_meeting_presence presence)
{
	GPtrArray *list = redis_list(store, room_id, presence);
	unsigned n = list->len;
	g_ptr_array_unref(list);
	return n;
}

static unsigned redis_clear_room(parley_meeting_store *store, const char *room_id)
{
	redis_store *s = as_redis(store);
	if (room_id == NULL)
		return 0;
	char *key = hash_key(s, room_id);
	redisReply *reply = parley_meeting_redis_command(s->r, "EVAL %s 1 %s %s %s", clear_script, key, room_id,
	                                                 s->r->prefix);
	g_free(key);
	unsigned n = reply != NULL && reply->type == REDIS_REPLY_INTEGER ? (unsigned)reply->integer : 0;
	if (reply != NULL)
		freeReplyObject(reply);
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, s->local);
	while (g_hash_table_iter_next(&it, NULL, &value))
		if (strcmp(((parley_meeting_participant *)value)->room_id, room_id) == 0)
			g_hash_table_iter_remove(&it);
	return n;
}

static void redis_destroy(parley_meeting_store *store)
{
	redis_store *s = as_redis(store);
	if (s == NULL)
		return;
	g_hash_table_destroy(s->local);
	g_free(s);
}

GPtrArray *parley_meeting_store_redis_local_rooms(parley_meeting_store *store)
{
	redis_store *s = as_redis(store);
	GPtrArray *rooms = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, s->local);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const char *room = ((parley_meeting_participant *)value)->room_id;
		bool seen = false;
		for (guint i = 0; i < rooms->len && !seen; i++)
			seen = strcmp(rooms->pdata[i], room) == 0;
		if (!seen)
			g_ptr_array_add(rooms, g_strdup(room));
	}
	return rooms;
}

/* Members of the set <prefix>instance:<id>:participants (new array), or NULL. */
static GPtrArray *instance_members(redis_store *s, const char *instance)
{
	char *set = parley_meeting_redis_key(s->r, "instance:%s:participants", instance);
	redisReply *reply = parley_meeting_redis_command(s->r, "SMEMBERS %s", set);
	g_free(set);
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
		if (reply != NULL)
			freeReplyObject(reply);
		return NULL;
	}
	GPtrArray *members = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < reply->elements; i++)
		if (reply->element[i]->type == REDIS_REPLY_STRING)
			g_ptr_array_add(members, g_strndup(reply->element[i]->str, reply->element[i]->len));
	freeReplyObject(reply);
	return members;
}

/* Removes the records of `members` still owned by `instance`; copies of
 * the removed ones into gone. How many, or -1. */
static int remove_members(redis_store *s, GPtrArray *members, const char *instance, GHashTable *keep,
                          GPtrArray *gone)
{
	int removed = 0;
	for (guint i = 0; i < members->len; i++) {
		const char *member = members->pdata[i];
		const char *tab = strchr(member, '\t');
		if (tab == NULL || (keep != NULL && g_hash_table_contains(keep, member)))
			continue;
		char *room = g_strndup(member, (gsize)(tab - member));
		bool failed = false;
		parley_meeting_participant *old = remove_in_redis(s, room, tab + 1, instance, &failed);
		g_free(room);
		if (failed)
			return -1;
		if (old == NULL)
			continue;
		removed++;
		if (gone != NULL)
			g_ptr_array_add(gone, old);
		else
			parley_meeting_participant_free(old);
	}
	return removed;
}

int parley_meeting_store_redis_reconcile(parley_meeting_store *store, GPtrArray *gone)
{
	redis_store *s = as_redis(store);
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, s->local);
	while (g_hash_table_iter_next(&it, NULL, &value))
		if (add_in_redis(s, value, 0) < 0)
			return -1;
	GPtrArray *members = instance_members(s, s->r->instance);
	if (members == NULL)
		return -1;
	int rc = remove_members(s, members, s->r->instance, s->local, gone);
	g_ptr_array_unref(members);
	return rc < 0 ? -1 : 0;
}

int parley_meeting_store_redis_reap(parley_meeting_store *store, const char *instance, GPtrArray *gone)
{
	redis_store *s = as_redis(store);
	if (instance == NULL || strcmp(instance, s->r->instance) == 0)
		return -1;
	GPtrArray *members = instance_members(s, instance);
	if (members == NULL)
		return -1;
	int rc = remove_members(s, members, instance, NULL, gone);
	g_ptr_array_unref(members);
	if (rc >= 0) {
		char *set = parley_meeting_redis_key(s->r, "instance:%s:participants", instance);
		redisReply *reply = parley_meeting_redis_command(s->r, "DEL %s", set);
		if (reply != NULL)
			freeReplyObject(reply);
		g_free(set);
	}
	return rc;
}

static const parley_meeting_store_ops redis_ops = {
	.name = "redis",
	.add = redis_add,
	.remove = redis_remove,
	.get = redis_get,
	.get_by_peer = redis_get_by_peer,
	.list = redis_list,
	.update_flags = redis_update_flags,
	.set_presence = redis_set_presence,
	.count = redis_count,
	.clear_room = redis_clear_room,
	.destroy = redis_destroy,
};

parley_meeting_store *parley_meeting_store_redis_new(parley_meeting_redis *r)
{
	redis_store *s = g_new0(redis_store, 1);
	s->base.ops = &redis_ops;
	s->r = r;
	s->local = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	                                 (GDestroyNotify)parley_meeting_participant_free);
	return &s->base;
}
