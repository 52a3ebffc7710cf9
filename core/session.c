/*
 * session.c — connections, sessions and handles: creation with random ids,
 * reference-counted lifetimes, limits, the idle watchdog, reclaiming a
 * session after its connection closed, and what the client is told when a
 * session or handle ends. See session.h for the locking rules.
 */
#include <string.h>
#include <openssl/rand.h>
#include "session.h"
#include "errors.h"
#include "events.h"
#include "log.h"

#define PARLEY_LOG_MODULE "session"
#define ID_MASK ((UINT64_C(1) << 53) - 1)

static GMutex table_lock;
static GHashTable *sessions; /* &session->id → session (holds a reference) */
static gint handle_count;
static parley_session_settings settings = { .session_timeout = 60 };
static parley_timer *watchdog;
static bool (*media_hangup)(parley_handle *h, const char *reason); /* atomic access */
static void (*media_release)(parley_handle *h);                    /* atomic access */

/* ---- ids and settings ------------------------------------------------- */

uint64_t parley_random_id(void)
{
	uint64_t id = 0;
	while (id == 0) {
		if (RAND_bytes((unsigned char *)&id, sizeof(id)) != 1)
			id = ((uint64_t)g_random_int() << 32) | g_random_int();
		id &= ID_MASK;
	}
	return id;
}

static GHashTable *session_table(void)
{
	if (!sessions)
		sessions = g_hash_table_new(g_int64_hash, g_int64_equal);
	return sessions;
}

void parley_sessions_configure(const parley_session_settings *s)
{
	g_mutex_lock(&table_lock);
	settings = *s;
	g_mutex_unlock(&table_lock);
}

void parley_sessions_settings(parley_session_settings *out)
{
	g_mutex_lock(&table_lock);
	*out = settings;
	g_mutex_unlock(&table_lock);
}

void parley_sessions_set_timeout(unsigned seconds)
{
	g_mutex_lock(&table_lock);
	settings.session_timeout = seconds;
	g_mutex_unlock(&table_lock);
}

void parley_handles_set_hangup(bool (*hangup)(parley_handle *handle, const char *reason))
{
	__atomic_store_n(&media_hangup, hangup, __ATOMIC_RELEASE);
}

void parley_handles_set_release(void (*release)(parley_handle *handle))
{
	__atomic_store_n(&media_release, release, __ATOMIC_RELEASE);
}

/* Ends the handle's media, when it has any (see parley_handles_set_hangup). */
static void hang_up(parley_handle *h, const char *reason)
{
	bool (*hangup)(parley_handle *, const char *) = __atomic_load_n(&media_hangup, __ATOMIC_ACQUIRE);
	if (hangup)
		hangup(h, reason);
}

static gint64 now_us(void)
{
	return g_get_monotonic_time();
}

static void emit_session_event(uint64_t session_id, const char *name, parley_conn *conn)
{
	if (!parley_events_wanted(PARLEY_EVENT_SESSION))
		return;
	json_t *event = json_pack("{ss}", "name", name);
	if (conn && conn->transport) {
		char id[32];
		snprintf(id, sizeof(id), "%p", (void *)conn);
		json_object_set_new(event, "transport",
			json_pack("{ssss}", "transport", conn->transport->package ? conn->transport->package : "",
			          "id", id));
	}
	parley_events_emit(PARLEY_EVENT_SESSION, session_id, 0, event);
	json_decref(event);
}

/* ---- connections --------------------------------------------------------- */

parley_conn *parley_conn_new(const parley_transport *transport, void *data, void (*free_data)(void *))
{
	parley_conn *conn = g_new0(parley_conn, 1);
	conn->transport = transport;
	conn->data = data;
	conn->free_data = free_data;
	conn->refcount = 1;
	return conn;
}

void parley_conn_ref(parley_conn *conn)
{
	if (conn)
		g_atomic_int_inc(&conn->refcount);
}

void parley_conn_unref(parley_conn *conn)
{
	if (!conn || !g_atomic_int_dec_and_test(&conn->refcount))
		return;
	if (conn->free_data)
		conn->free_data(conn->data);
	g_free(conn);
}

int parley_conn_send(parley_conn *conn, void *request_ctx, bool admin, json_t *message)
{
	if (!conn || !conn->transport || !conn->transport->send_message || !message)
		return -1;
	if (!request_ctx && g_atomic_int_get(&conn->closed))
		return -1;
	return conn->transport->send_message(conn, request_ctx, admin, message);
}

void parley_conn_closed(parley_conn *conn)
{
	if (!conn || !g_atomic_int_compare_and_exchange(&conn->closed, 0, 1))
		return;
	GPtrArray *doomed = g_ptr_array_new();
	g_mutex_lock(&table_lock);
	gint64 deadline = settings.reclaim_session_timeout
		? now_us() + (gint64)settings.reclaim_session_timeout * G_USEC_PER_SEC : 0;
	GHashTableIter iter;
	gpointer value;
	g_hash_table_iter_init(&iter, session_table());
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		parley_session *s = value;
		if (s->conn != conn)
			continue;
		if (deadline) {
			s->reclaim_deadline = deadline;
		} else {
			g_atomic_int_inc(&s->refcount);
			g_ptr_array_add(doomed, s);
		}
	}
	g_mutex_unlock(&table_lock);
	for (guint i = 0; i < doomed->len; i++) {
		parley_session *s = g_ptr_array_index(doomed, i);
		PLOG_VERB("session %" G_GUINT64_FORMAT ": connection closed", s->id);
		parley_session_destroy(s, PARLEY_SESSION_END_CONN_GONE);
		parley_session_unref(s);
	}
	g_ptr_array_free(doomed, TRUE);
}

/* ---- sessions ------------------------------------------------------------- */

static int session_create(parley_conn *conn, uint64_t requested_id, bool owned, parley_session **out,
                          char *reason, size_t reason_size)
{
	*out = NULL;
	if (requested_id > ID_MASK) {
		snprintf(reason, reason_size, "Invalid session id (must be below 2^53)");
		return PARLEY_ERROR_INVALID_ELEMENT_TYPE;
	}
	parley_session *s = g_new0(parley_session, 1);
	s->refcount = 2; /* the table's and the caller's */
	s->created = now_us();
	s->last_activity = s->created;
	s->handles = g_hash_table_new(g_int64_hash, g_int64_equal);
	s->owned = owned;

	int code = 0;
	g_mutex_lock(&table_lock);
	GHashTable *table = session_table();
	if (settings.max_sessions && g_hash_table_size(table) >= settings.max_sessions) {
		code = PARLEY_ERROR_UNKNOWN;
		snprintf(reason, reason_size, "Too many sessions (limit [limits] max_sessions = %u)",
		         settings.max_sessions);
	} else if (conn && settings.max_sessions_per_connection &&
	           conn->sessions >= settings.max_sessions_per_connection) {
		code = PARLEY_ERROR_UNKNOWN;
		snprintf(reason, reason_size,
		         "Too many sessions on this connection (limit [limits] max_sessions_per_connection = %u)",
		         settings.max_sessions_per_connection);
	} else if (requested_id && g_hash_table_contains(table, &requested_id)) {
		code = PARLEY_ERROR_SESSION_CONFLICT;
		snprintf(reason, reason_size, "Session ID already in use");
	} else {
		s->id = requested_id;
		while (!s->id || g_hash_table_contains(table, &s->id))
			s->id = parley_random_id();
		g_hash_table_insert(table, &s->id, s);
		if (conn) {
			parley_conn_ref(conn);
			s->conn = conn;
			conn->sessions++;
		}
	}
	g_mutex_unlock(&table_lock);
	if (code) {
		g_hash_table_unref(s->handles);
		g_free(s);
		return code;
	}
	PLOG_VERB("session %" G_GUINT64_FORMAT " created", s->id);
	if (conn && conn->transport && conn->transport->session_created)
		conn->transport->session_created(conn, s->id);
	emit_session_event(s->id, "created", conn);
	*out = s;
	return 0;
}

int parley_session_create(parley_conn *conn, uint64_t requested_id, parley_session **out,
                          char *reason, size_t reason_size)
{
	return session_create(conn, requested_id, false, out, reason, reason_size);
}

int parley_session_create_owned(parley_session **out, char *reason, size_t reason_size)
{
	return session_create(NULL, 0, true, out, reason, reason_size);
}

parley_session *parley_session_find(uint64_t id)
{
	g_mutex_lock(&table_lock);
	parley_session *s = sessions ? g_hash_table_lookup(sessions, &id) : NULL;
	if (s)
		g_atomic_int_inc(&s->refcount);
	g_mutex_unlock(&table_lock);
	return s;
}

void parley_session_ref(parley_session *s)
{
	if (s)
		g_atomic_int_inc(&s->refcount);
}

void parley_session_unref(parley_session *s)
{
	if (!s || !g_atomic_int_dec_and_test(&s->refcount))
		return;
	g_hash_table_unref(s->handles);
	parley_conn_unref(s->conn);
	g_free(s);
}

void parley_session_touch(parley_session *s)
{
	__atomic_store_n(&s->last_activity, now_us(), __ATOMIC_RELAXED);
}

parley_conn *parley_session_conn(parley_session *s)
{
	g_mutex_lock(&table_lock);
	parley_conn *conn = s->conn;
	parley_conn_ref(conn);
	g_mutex_unlock(&table_lock);
	return conn;
}

int parley_session_notify(parley_session *s, json_t *event)
{
	parley_conn *conn = parley_session_conn(s);
	if (!conn)
		return -1;
	int rc = parley_conn_send(conn, NULL, false, event);
	parley_conn_unref(conn);
	return rc;
}

static void send_session_event(parley_session *s, const char *kind)
{
	json_t *event = json_pack("{sssI}", "janus", kind, "session_id", (json_int_t)s->id);
	parley_session_notify(s, event);
	json_decref(event);
}

void parley_session_destroy(parley_session *s, parley_session_end why)
{
	/* Mark it and take it out of the table; collect its handles. */
	GPtrArray *handles = g_ptr_array_new();
	g_mutex_lock(&table_lock);
	if (s->destroyed) {
		g_mutex_unlock(&table_lock);
		g_ptr_array_free(handles, TRUE);
		return;
	}
	s->destroyed = 1;
	bool in_table = sessions && g_hash_table_lookup(sessions, &s->id) == s;
	if (in_table)
		g_hash_table_remove(sessions, &s->id);
	GHashTableIter iter;
	gpointer value;
	g_hash_table_iter_init(&iter, s->handles);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		parley_handle *h = value;
		g_atomic_int_inc(&h->life.refcount);
		g_ptr_array_add(handles, h);
	}
	g_mutex_unlock(&table_lock);

	bool tell_handles = why == PARLEY_SESSION_END_REQUEST || why == PARLEY_SESSION_END_ADMIN ||
	                    why == PARLEY_SESSION_END_SHUTDOWN;
	for (guint i = 0; i < handles->len; i++) {
		parley_handle *h = g_ptr_array_index(handles, i);
		if (why == PARLEY_SESSION_END_SHUTDOWN)
			hang_up(h, "Shutdown");
		parley_handle_destroy(h, tell_handles);
		parley_handle_unref(h);
	}
	g_ptr_array_free(handles, TRUE);
	if (why == PARLEY_SESSION_END_TIMEOUT) {
		PLOG_INFO("session %" G_GUINT64_FORMAT " timed out", s->id);
		send_session_event(s, "timeout");
		emit_session_event(s->id, "timeout", NULL);
	}

	/* Let go of the connection and tell its transport. */
	g_mutex_lock(&table_lock);
	parley_conn *conn = s->conn;
	s->conn = NULL;
	if (conn && conn->sessions)
		conn->sessions--;
	g_mutex_unlock(&table_lock);
	if (conn && conn->transport && conn->transport->session_over)
		conn->transport->session_over(conn, s->id, why == PARLEY_SESSION_END_TIMEOUT, false);
	parley_conn_unref(conn);
	emit_session_event(s->id, "destroyed", NULL);
	PLOG_VERB("session %" G_GUINT64_FORMAT " destroyed", s->id);
	if (in_table)
		parley_session_unref(s); /* the table's reference */
}

int parley_session_claim(parley_session *s, parley_conn *conn, char *reason, size_t reason_size)
{
	g_mutex_lock(&table_lock);
	if (s->destroyed) {
		g_mutex_unlock(&table_lock);
		snprintf(reason, reason_size, "No such session %" G_GUINT64_FORMAT, s->id);
		return PARLEY_ERROR_SESSION_NOT_FOUND;
	}
	parley_conn *old = s->conn;
	if (old == conn) {
		s->reclaim_deadline = 0;
		g_mutex_unlock(&table_lock);
		return 0;
	}
	if (conn && settings.max_sessions_per_connection &&
	    conn->sessions >= settings.max_sessions_per_connection) {
		g_mutex_unlock(&table_lock);
		snprintf(reason, reason_size,
		         "Too many sessions on this connection (limit [limits] max_sessions_per_connection = %u)",
		         settings.max_sessions_per_connection);
		return PARLEY_ERROR_UNKNOWN;
	}
	parley_conn_ref(conn);
	s->conn = conn;
	if (conn)
		conn->sessions++;
	if (old && old->sessions)
		old->sessions--;
	s->reclaim_deadline = 0;
	g_mutex_unlock(&table_lock);
	parley_session_touch(s);
	PLOG_VERB("session %" G_GUINT64_FORMAT " claimed by another connection", s->id);
	if (old && old->transport && old->transport->session_over)
		old->transport->session_over(old, s->id, false, true);
	parley_conn_unref(old);
	if (conn && conn->transport && conn->transport->session_created)
		conn->transport->session_created(conn, s->id);
	return 0;
}

static json_t *ids_of(GHashTable *table)
{
	json_t *list = json_array();
	GHashTableIter iter;
	gpointer key;
	g_hash_table_iter_init(&iter, table);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		json_array_append_new(list, json_integer((json_int_t)*(uint64_t *)key));
	return list;
}

json_t *parley_sessions_list(void)
{
	g_mutex_lock(&table_lock);
	json_t *list = ids_of(session_table());
	g_mutex_unlock(&table_lock);
	return list;
}

json_t *parley_session_handle_ids(parley_session *s)
{
	g_mutex_lock(&table_lock);
	json_t *list = ids_of(s->handles);
	g_mutex_unlock(&table_lock);
	return list;
}

unsigned parley_sessions_count(void)
{
	g_mutex_lock(&table_lock);
	unsigned n = sessions ? g_hash_table_size(sessions) : 0;
	g_mutex_unlock(&table_lock);
	return n;
}

unsigned parley_handles_count(void)
{
	return (unsigned)g_atomic_int_get(&handle_count);
}

/* ---- watchdog ------------------------------------------------------------ */

/* Collects sessions to end (with a reference) and why, under the lock. */
static void collect_expired(GPtrArray *timed_out, GPtrArray *abandoned)
{
	gint64 now = now_us();
	g_mutex_lock(&table_lock);
	gint64 idle_limit = (gint64)settings.session_timeout * G_USEC_PER_SEC;
	GHashTableIter iter;
	gpointer value;
	g_hash_table_iter_init(&iter, session_table());
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		parley_session *s = value;
		if (s->reclaim_deadline && now >= s->reclaim_deadline) {
			g_atomic_int_inc(&s->refcount);
			g_ptr_array_add(abandoned, s);
		} else if (idle_limit && !s->reclaim_deadline && !s->owned &&
		           now - __atomic_load_n(&s->last_activity, __ATOMIC_RELAXED) > idle_limit) {
			g_atomic_int_inc(&s->refcount);
			g_ptr_array_add(timed_out, s);
		}
	}
	g_mutex_unlock(&table_lock);
}

static unsigned end_all(GPtrArray *list, parley_session_end why)
{
	for (guint i = 0; i < list->len; i++) {
		parley_session *s = g_ptr_array_index(list, i);
		parley_session_destroy(s, why);
		parley_session_unref(s);
	}
	unsigned n = list->len;
	g_ptr_array_free(list, TRUE);
	return n;
}

unsigned parley_sessions_watchdog_pass(void)
{
	GPtrArray *timed_out = g_ptr_array_new(), *abandoned = g_ptr_array_new();
	collect_expired(timed_out, abandoned);
	return end_all(timed_out, PARLEY_SESSION_END_TIMEOUT) + end_all(abandoned, PARLEY_SESSION_END_CONN_GONE);
}

static bool watchdog_tick(void *unused)
{
	parley_sessions_watchdog_pass();
	return true;
}

int parley_sessions_start(void)
{
	if (watchdog)
		return 0;
	parley_loop *loop = parley_loops_first();
	if (!loop) {
		PLOG_ERR("no event loop for the session watchdog");
		return -1;
	}
	watchdog = parley_timer_start(loop, 1000, watchdog_tick, NULL, NULL);
	return watchdog ? 0 : -1;
}

void parley_sessions_stop(void)
{
	if (watchdog)
		parley_timer_stop(watchdog);
	watchdog = NULL;
}

void parley_sessions_destroy_all(parley_session_end why)
{
	GPtrArray *all = g_ptr_array_new();
	g_mutex_lock(&table_lock);
	GHashTableIter iter;
	gpointer value;
	g_hash_table_iter_init(&iter, session_table());
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		parley_session *s = value;
		g_atomic_int_inc(&s->refcount);
		g_ptr_array_add(all, s);
	}
	g_mutex_unlock(&table_lock);
	end_all(all, why);
}

/* ---- handles (share the table lock) --------------------------------------- */

static void emit_handle_event(parley_handle *h, const char *name)
{
	if (!parley_events_wanted(PARLEY_EVENT_HANDLE))
		return;
	json_t *event = json_pack("{ssss}", "name", name, "plugin", h->plugin->package);
	if (h->opaque_id)
		json_object_set_new(event, "opaque_id", json_string(h->opaque_id));
	parley_events_emit(PARLEY_EVENT_HANDLE, h->session->id, h->id, event);
	json_decref(event);
}

/* A detached handle gives back its loop slot and leaves its loop group.
 * Under the lock: after any parley_webrtc_share_loop that saw it attached. */
static void release_loop(parley_handle *h)
{
	g_mutex_lock(&h->lock);
	parley_loop *loop = h->loop;
	char *group = g_steal_pointer(&h->loop_group);
	g_mutex_unlock(&h->lock);
	if (group)
		parley_loops_group_leave(group);
	g_free(group);
	if (loop)
		parley_loops_release(loop);
}

static void free_handle(parley_handle *h)
{
	g_free(h->opaque_id);
	json_decref(h->webrtc.candidates);
	g_mutex_clear(&h->lock);
	parley_session_unref(h->session);
	g_free(h);
}

int parley_handle_create(parley_session *s, const parley_plugin *plugin, const char *opaque_id,
                         parley_handle **out, char *reason, size_t reason_size)
{
	*out = NULL;
	parley_handle *h = g_new0(parley_handle, 1);
	h->psession.core_handle = h;
	h->life.refcount = 2; /* the session table's and the caller's */
	h->plugin = plugin;
	h->opaque_id = g_strdup(opaque_id);
	h->created = now_us();
	h->webrtc.candidates = json_array();
	g_mutex_init(&h->lock);
	parley_session_ref(s);
	h->session = s;

	int code = 0;
	g_mutex_lock(&table_lock);
	if (s->destroyed) {
		code = PARLEY_ERROR_SESSION_NOT_FOUND;
		snprintf(reason, reason_size, "No such session %" G_GUINT64_FORMAT, s->id);
	} else if (settings.max_handles_per_session &&
	           g_hash_table_size(s->handles) >= settings.max_handles_per_session) {
		code = PARLEY_ERROR_UNKNOWN;
		snprintf(reason, reason_size, "Too many handles in this session (limit [limits] max_handles_per_session = %u)",
		         settings.max_handles_per_session);
	} else {
		while (!h->id || g_hash_table_contains(s->handles, &h->id))
			h->id = parley_random_id();
		g_hash_table_insert(s->handles, &h->id, h);
	}
	g_mutex_unlock(&table_lock);
	if (code) {
		free_handle(h);
		return code;
	}
	h->loop = parley_loops_pick();
	g_atomic_int_inc(&handle_count);
	int rc = plugin->create_session ? plugin->create_session(&h->psession) : 0;
	if (rc != 0) {
		g_atomic_int_set(&h->life.destroyed, 1);
		g_mutex_lock(&table_lock);
		g_hash_table_remove(s->handles, &h->id);
		g_mutex_unlock(&table_lock);
		release_loop(h);
		g_atomic_int_add(&handle_count, -1);
		snprintf(reason, reason_size, "Couldn't attach to plugin %s: error %d", plugin->package, rc);
		free_handle(h);
		return PARLEY_ERROR_PLUGIN_ATTACH;
	}
	PLOG_VERB("handle %" G_GUINT64_FORMAT " attached to %s in session %" G_GUINT64_FORMAT,
	          h->id, plugin->package, s->id);
	emit_handle_event(h, "attached");
	*out = h;
	return 0;
}

parley_handle *parley_handle_find(parley_session *s, uint64_t id)
{
	g_mutex_lock(&table_lock);
	parley_handle *h = g_hash_table_lookup(s->handles, &id);
	if (h)
		g_atomic_int_inc(&h->life.refcount);
	g_mutex_unlock(&table_lock);
	return h;
}

parley_handle *parley_handle_from_plugin(parley_plugin_session *psession)
{
	return psession ? psession->core_handle : NULL;
}

void parley_handle_ref(parley_handle *h)
{
	if (h)
		g_atomic_int_inc(&h->life.refcount);
}

void parley_handle_unref(parley_handle *h)
{
	if (h && g_atomic_int_dec_and_test(&h->life.refcount))
		free_handle(h);
}

static void send_handle_event(parley_handle *h, json_t *event)
{
	json_object_set_new(event, "session_id", json_integer((json_int_t)h->session->id));
	json_object_set_new(event, "sender", json_integer((json_int_t)h->id));
	parley_session_notify(h->session, event);
	json_decref(event);
}

int parley_handle_destroy(parley_handle *h, bool notify)
{
	/* The PeerConnection ends first, so no media callback follows
	 * destroy_session. */
	if (!g_atomic_int_get(&h->life.destroyed))
		hang_up(h, "Detach");
	if (!g_atomic_int_compare_and_exchange(&h->life.destroyed, 0, 1))
		return 0;
	/* Detached now, so no new pc can start; one the plugin started
	 * during the hangup (an offer pushed from hangup_media) ends here. */
	void (*release)(parley_handle *) = __atomic_load_n(&media_release, __ATOMIC_ACQUIRE);
	if (release)
		release(h);
	g_mutex_lock(&table_lock);
	bool in_table = g_hash_table_lookup(h->session->handles, &h->id) == h;
	if (in_table)
		g_hash_table_remove(h->session->handles, &h->id);
	g_mutex_unlock(&table_lock);
	int rc = h->plugin->destroy_session ? h->plugin->destroy_session(&h->psession) : 0;
	if (rc != 0)
		PLOG_WARN("%s: destroy_session of handle %" G_GUINT64_FORMAT " failed (%d)",
		          h->plugin->package, h->id, rc);
	if (notify)
		send_handle_event(h, json_pack("{ss}", "janus", "detached"));
	emit_handle_event(h, "detached");
	release_loop(h);
	g_atomic_int_add(&handle_count, -1);
	PLOG_VERB("handle %" G_GUINT64_FORMAT " detached", h->id);
	if (in_table)
		parley_handle_unref(h);
	return rc;
}
