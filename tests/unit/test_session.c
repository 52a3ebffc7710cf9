/*
 * test_session.c — sessions and handles: creation, lookup and reference
 * counts, requested ids and conflicts, limits, handle attach/detach through
 * a plugin vtable, the idle watchdog (one pass and the real 1 s timer),
 * claim, and a closed connection with and without reclaim time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "core/session.h"
#include "core/errors.h"
#include "core/loops.h"
#include "core/webrtc.h"

/* ---- a transport that records what the core sends ---------------------------- */

typedef struct record {
	parley_conn *conn;
	json_t *message;      /* sent messages (a reference) */
	uint64_t session_id;  /* session_over / session_created */
	bool over, timeout, claimed, created;
} record;

static GMutex rec_lock;
static GPtrArray *records;

static void record_free(gpointer p)
{
	record *r = p;
	json_decref(r->message);
	g_free(r);
}

static void add_record(record r)
{
	g_mutex_lock(&rec_lock);
	g_ptr_array_add(records, g_memdup2(&r, sizeof(r)));
	g_mutex_unlock(&rec_lock);
}

static int rec_send(parley_conn *conn, void *ctx, bool admin, json_t *message)
{
	add_record((record){ .conn = conn, .message = json_incref(message) });
	return 0;
}

static void rec_created(parley_conn *conn, uint64_t id)
{
	add_record((record){ .conn = conn, .session_id = id, .created = true });
}

static void rec_over(parley_conn *conn, uint64_t id, bool timeout, bool claimed)
{
	add_record((record){ .conn = conn, .session_id = id, .over = true, .timeout = timeout, .claimed = claimed });
}

static const parley_transport recorder = {
	.api_version = PARLEY_TRANSPORT_API_VERSION,
	.struct_size = sizeof(parley_transport),
	.package = "parley.transport.recorder",
	.send_message = rec_send,
	.session_created = rec_created,
	.session_over = rec_over,
};

/* Messages with "janus" == kind sent to conn; returns how many. */
static unsigned count_sent(parley_conn *conn, const char *kind, uint64_t session_id)
{
	unsigned n = 0;
	g_mutex_lock(&rec_lock);
	for (guint i = 0; i < records->len; i++) {
		record *r = g_ptr_array_index(records, i);
		if (r->conn != conn || !r->message)
			continue;
		const char *k = json_string_value(json_object_get(r->message, "janus"));
		json_int_t sid = json_integer_value(json_object_get(r->message, "session_id"));
		if (k && strcmp(k, kind) == 0 && (!session_id || (uint64_t)sid == session_id))
			n++;
	}
	g_mutex_unlock(&rec_lock);
	return n;
}

static const record *find_over(parley_conn *conn, uint64_t session_id)
{
	const record *found = NULL;
	g_mutex_lock(&rec_lock);
	for (guint i = 0; i < records->len && !found; i++) {
		record *r = g_ptr_array_index(records, i);
		if (r->over && r->conn == conn && r->session_id == session_id)
			found = r;
	}
	g_mutex_unlock(&rec_lock);
	return found;
}

/* ---- a plugin that counts its sessions ----------------------------------------- */

static gint created, destroyed;
static bool refuse_next;

static int plug_create(parley_plugin_session *s)
{
	if (refuse_next) {
		refuse_next = false;
		return 7;
	}
	assert_non_null(s->core_handle);
	g_atomic_int_inc(&created);
	return 0;
}

static int plug_destroy(parley_plugin_session *s)
{
	g_atomic_int_inc(&destroyed);
	return 0;
}

static const parley_plugin counter_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = "parley.plugin.counter",
	.create_session = plug_create,
	.destroy_session = plug_destroy,
};

/* ---- fixtures --------------------------------------------------------------------- */

static void configure(unsigned timeout, unsigned reclaim, unsigned max, unsigned per_conn, unsigned handles)
{
	parley_session_settings s = {
		.session_timeout = timeout, .reclaim_session_timeout = reclaim, .max_sessions = max,
		.max_sessions_per_connection = per_conn, .max_handles_per_session = handles,
		.max_candidates_per_handle = 4,
	};
	parley_sessions_configure(&s);
}

static int group_setup(void **state)
{
	records = g_ptr_array_new_with_free_func(record_free);
	return parley_loops_start(1);
}

static int group_teardown(void **state)
{
	parley_sessions_destroy_all(PARLEY_SESSION_END_REQUEST);
	parley_loops_stop();
	g_ptr_array_free(records, TRUE);
	return 0;
}

static int test_setup(void **state)
{
	parley_sessions_destroy_all(PARLEY_SESSION_END_REQUEST);
	g_mutex_lock(&rec_lock);
	g_ptr_array_set_size(records, 0);
	g_mutex_unlock(&rec_lock);
	configure(60, 0, 0, 0, 0);
	created = destroyed = 0;
	return 0;
}

static parley_session *new_session(parley_conn *conn)
{
	char reason[256];
	parley_session *s = NULL;
	assert_int_equal(parley_session_create(conn, 0, &s, reason, sizeof(reason)), 0);
	assert_non_null(s);
	return s;
}

/* ---- tests -------------------------------------------------------------------------- */

static void create_find_and_refcount(void **state)
{
	parley_conn *conn = parley_conn_new(&recorder, NULL, NULL);
	parley_session *a = new_session(conn), *b = new_session(conn);
	assert_true(a->id != 0 && b->id != 0 && a->id != b->id);
	assert_true(a->id < (UINT64_C(1) << 53));
	assert_int_equal(parley_sessions_count(), 2);
	assert_int_equal(conn->sessions, 2);

	parley_session *found = parley_session_find(a->id);
	assert_ptr_equal(found, a);
	parley_session_unref(found);
	assert_null(parley_session_find(a->id + 1 == b->id ? a->id + 2 : a->id + 1));

	json_t *ids = parley_sessions_list();
	assert_int_equal(json_array_size(ids), 2);
	json_decref(ids);

	/* Destroy while the caller still holds a reference: gone from the table,
	 * memory still valid until the last unref. */
	uint64_t id = a->id;
	parley_session_destroy(a, PARLEY_SESSION_END_REQUEST);
	assert_null(parley_session_find(id));
	assert_int_equal(a->id, id);
	assert_true(a->destroyed);
	parley_session_destroy(a, PARLEY_SESSION_END_REQUEST); /* twice is harmless */
	const record *over = find_over(conn, id);
	assert_non_null(over);
	assert_false(over->timeout);
	assert_int_equal(conn->sessions, 1);
	parley_session_unref(a);
	parley_session_unref(b);
	parley_conn_unref(conn);
}

static void requested_id_and_conflict(void **state)
{
	char reason[256];
	parley_session *s = NULL, *t = NULL;
	assert_int_equal(parley_session_create(NULL, 4242, &s, reason, sizeof(reason)), 0);
	assert_int_equal(s->id, 4242);
	assert_int_equal(parley_session_create(NULL, 4242, &t, reason, sizeof(reason)), PARLEY_ERROR_SESSION_CONFLICT);
	assert_null(t);
	assert_int_equal(parley_session_create(NULL, UINT64_C(1) << 60, &t, reason, sizeof(reason)),
	                 PARLEY_ERROR_INVALID_ELEMENT_TYPE);
	parley_session_unref(s);
}

static void limits_are_enforced(void **state)
{
	char reason[256];
	parley_session *s = NULL;
	parley_conn *one = parley_conn_new(&recorder, NULL, NULL), *two = parley_conn_new(&recorder, NULL, NULL);

	configure(60, 0, 2, 0, 0);
	parley_session *a = new_session(one), *b = new_session(two);
	assert_int_equal(parley_session_create(one, 0, &s, reason, sizeof(reason)), PARLEY_ERROR_UNKNOWN);
	assert_non_null(strstr(reason, "max_sessions"));
	parley_session_destroy(b, PARLEY_SESSION_END_REQUEST);
	parley_session_unref(b);

	configure(60, 0, 0, 1, 1);
	assert_int_equal(parley_session_create(one, 0, &s, reason, sizeof(reason)), PARLEY_ERROR_UNKNOWN);
	assert_non_null(strstr(reason, "max_sessions_per_connection"));
	b = new_session(two);

	parley_handle *h = NULL, *h2 = NULL;
	assert_int_equal(parley_handle_create(a, &counter_plugin, NULL, &h, reason, sizeof(reason)), 0);
	assert_int_equal(parley_handle_create(a, &counter_plugin, NULL, &h2, reason, sizeof(reason)), PARLEY_ERROR_UNKNOWN);
	assert_non_null(strstr(reason, "max_handles_per_session"));
	assert_null(h2);
	assert_int_equal(created, 1);

	/* Trickled candidates a handle keeps (core/webrtc.c) are bounded too
	 * (4 in configure()). */
	json_t *candidate = json_pack("{ss}", "candidate", "candidate:1 1 udp 1 127.0.0.1 9 typ host");
	for (int i = 0; i < 4; i++)
		assert_int_equal(parley_webrtc_keep_candidate(h, candidate), 0);
	assert_int_equal(parley_webrtc_keep_candidate(h, candidate), PARLEY_ERROR_UNKNOWN);
	json_decref(candidate);

	parley_handle_unref(h);
	parley_session_unref(a);
	parley_session_unref(b);
	parley_conn_unref(one);
	parley_conn_unref(two);
}

static void handles_attach_and_detach(void **state)
{
	char reason[256];
	parley_conn *conn = parley_conn_new(&recorder, NULL, NULL);
	parley_session *s = new_session(conn);
	parley_handle *h = NULL;
	unsigned before = parley_handles_count();
	assert_int_equal(parley_handle_create(s, &counter_plugin, "opaque-1", &h, reason, sizeof(reason)), 0);
	assert_ptr_equal(h->psession.core_handle, h);
	assert_ptr_equal(parley_handle_from_plugin(&h->psession), h);
	assert_non_null(h->loop);
	assert_string_equal(h->opaque_id, "opaque-1");
	assert_int_equal(parley_handles_count(), before + 1);
	parley_handle *found = parley_handle_find(s, h->id);
	assert_ptr_equal(found, h);
	parley_handle_unref(found);
	json_t *ids = parley_session_handle_ids(s);
	assert_int_equal(json_array_size(ids), 1);
	json_decref(ids);

	assert_int_equal(parley_handle_destroy(h, true), 0);
	assert_int_equal(destroyed, 1);
	assert_null(parley_handle_find(s, h->id));
	assert_int_equal(count_sent(conn, "detached", s->id), 1);
	assert_int_equal(parley_handles_count(), before);
	assert_int_equal(parley_handle_destroy(h, true), 0); /* once only */
	assert_int_equal(destroyed, 1);
	parley_handle_unref(h);

	/* A plugin that refuses: 461, nothing left behind. */
	refuse_next = true;
	assert_int_equal(parley_handle_create(s, &counter_plugin, NULL, &h, reason, sizeof(reason)),
	                 PARLEY_ERROR_PLUGIN_ATTACH);
	assert_int_equal(parley_handles_count(), before);

	/* Destroying the session detaches its handles. */
	assert_int_equal(parley_handle_create(s, &counter_plugin, NULL, &h, reason, sizeof(reason)), 0);
	parley_session_destroy(s, PARLEY_SESSION_END_REQUEST);
	assert_int_equal(destroyed, 2);
	assert_true(h->life.destroyed);
	assert_int_equal(parley_handle_create(s, &counter_plugin, NULL, &found, reason, sizeof(reason)),
	                 PARLEY_ERROR_SESSION_NOT_FOUND);
	parley_handle_unref(h);
	parley_session_unref(s);
	parley_conn_unref(conn);
}

static void watchdog_pass_ends_idle_sessions(void **state)
{
	char reason[256];
	configure(1, 0, 0, 0, 0);
	parley_conn *conn = parley_conn_new(&recorder, NULL, NULL);
	parley_session *idle = new_session(conn), *busy = new_session(conn);
	parley_handle *h = NULL;
	assert_int_equal(parley_handle_create(idle, &counter_plugin, NULL, &h, reason, sizeof(reason)), 0);
	assert_int_equal(parley_sessions_watchdog_pass(), 0);
	g_usleep(1200 * 1000);
	parley_session_touch(busy);
	assert_int_equal(parley_sessions_watchdog_pass(), 1);
	assert_null(parley_session_find(idle->id));
	parley_session *still = parley_session_find(busy->id);
	assert_ptr_equal(still, busy);
	parley_session_unref(still);
	assert_int_equal(count_sent(conn, "timeout", idle->id), 1);
	assert_int_equal(count_sent(conn, "timeout", busy->id), 0);
	const record *over = find_over(conn, idle->id);
	assert_non_null(over);
	assert_true(over->timeout);
	assert_int_equal(destroyed, 1);
	assert_true(h->life.destroyed);

	/* Timeout 0 = never. */
	configure(0, 0, 0, 0, 0);
	g_usleep(1100 * 1000);
	assert_int_equal(parley_sessions_watchdog_pass(), 0);
	parley_handle_unref(h);
	parley_session_unref(idle);
	parley_session_unref(busy);
	parley_conn_unref(conn);
}

/* A session made for a plugin's own handle (handle_new, WHIP/WHEP): no
 * connection, counted against max_sessions, never ended by the idle watchdog
 * (the plugin ends it, e.g. when ICE consent stops). */
static void owned_sessions_skip_the_watchdog(void **state)
{
	char reason[256];
	configure(1, 0, 2, 0, 0);
	parley_session *owned = NULL, *other = NULL;
	assert_int_equal(parley_session_create_owned(&owned, reason, sizeof(reason)), 0);
	assert_non_null(owned);
	assert_true(owned->owned);
	assert_null(owned->conn);
	assert_true(owned->id != 0 && owned->id < (UINT64_C(1) << 53));
	parley_handle *h = NULL;
	assert_int_equal(parley_handle_create(owned, &counter_plugin, NULL, &h, reason, sizeof(reason)), 0);
	parley_session *plain = new_session(NULL);
	assert_int_equal(parley_session_create_owned(&other, reason, sizeof(reason)), PARLEY_ERROR_UNKNOWN);
	assert_null(other);
	assert_non_null(strstr(reason, "max_sessions"));

	g_usleep(1200 * 1000);
	assert_int_equal(parley_sessions_watchdog_pass(), 1); /* the plain one only */
	assert_null(parley_session_find(plain->id));
	parley_session *still = parley_session_find(owned->id);
	assert_ptr_equal(still, owned);
	parley_session_unref(still);
	assert_false(h->life.destroyed);

	parley_session_destroy(owned, PARLEY_SESSION_END_REQUEST);
	assert_true(h->life.destroyed);
	assert_null(parley_session_find(owned->id));
	parley_handle_unref(h);
	parley_session_unref(plain);
	parley_session_unref(owned);
}

static void watchdog_timer_runs_on_first_loop(void **state)
{
	configure(1, 0, 0, 0, 0);
	assert_int_equal(parley_sessions_start(), 0);
	parley_conn *conn = parley_conn_new(&recorder, NULL, NULL);
	parley_session *s = new_session(conn);
	uint64_t id = s->id;
	parley_session_unref(s);
	/* Idle > 1 s is noticed by the next 1 s tick: within ~2 s; allow 10 s
	 * (sanitizer builds on a loaded machine). The watchdog thread drops the
	 * session from the table before it tells the connection: wait for both. */
	for (int i = 0; i < 100 && (parley_sessions_count() > 0 || count_sent(conn, "timeout", id) == 0); i++)
		g_usleep(100 * 1000);
	parley_sessions_stop(); /* before the asserts: a failure must not leave the timer running */
	assert_int_equal(parley_sessions_count(), 0);
	assert_int_equal(count_sent(conn, "timeout", id), 1);
	parley_conn_unref(conn);
}

static void claim_moves_a_session(void **state)
{
	char reason[256];
	parley_conn *a = parley_conn_new(&recorder, NULL, NULL), *b = parley_conn_new(&recorder, NULL, NULL);
	parley_session *s = new_session(a);
	assert_int_equal(parley_session_claim(s, b, reason, sizeof(reason)), 0);
	const record *over = find_over(a, s->id);
	assert_non_null(over);
	assert_true(over->claimed);
	assert_false(over->timeout);
	assert_int_equal(a->sessions, 0);
	assert_int_equal(b->sessions, 1);
	parley_conn *owner = parley_session_conn(s);
	assert_ptr_equal(owner, b);
	parley_conn_unref(owner);
	/* Events now go to the new connection. */
	json_t *event = json_pack("{ss}", "janus", "probe");
	parley_session_notify(s, event);
	json_decref(event);
	assert_int_equal(count_sent(b, "probe", 0), 1);
	assert_int_equal(count_sent(a, "probe", 0), 0);
	/* Claiming by the owner is a no-op success. */
	assert_int_equal(parley_session_claim(s, b, reason, sizeof(reason)), 0);
	parley_session_destroy(s, PARLEY_SESSION_END_REQUEST);
	assert_int_equal(parley_session_claim(s, a, reason, sizeof(reason)), PARLEY_ERROR_SESSION_NOT_FOUND);
	parley_session_unref(s);
	parley_conn_unref(a);
	parley_conn_unref(b);
}

static void closed_connection_with_and_without_reclaim(void **state)
{
	char reason[256];
	/* No reclaim time: the sessions end at once, nobody is told. */
	parley_conn *gone = parley_conn_new(&recorder, NULL, NULL);
	parley_session *s = new_session(gone);
	uint64_t id = s->id;
	parley_session_unref(s);
	parley_conn_closed(gone);
	assert_null(parley_session_find(id));
	assert_int_equal(count_sent(gone, "detached", 0), 0);
	parley_conn_unref(gone);

	/* With reclaim time: another connection may claim it meanwhile. */
	configure(60, 1, 0, 0, 0);
	parley_conn *old = parley_conn_new(&recorder, NULL, NULL), *fresh = parley_conn_new(&recorder, NULL, NULL);
	parley_session *kept = new_session(old), *lost = new_session(old);
	parley_conn_closed(old);
	assert_int_equal(parley_sessions_watchdog_pass(), 0);
	assert_int_equal(parley_sessions_count(), 2);
	assert_int_equal(parley_session_claim(kept, fresh, reason, sizeof(reason)), 0);
	g_usleep(1200 * 1000);
	assert_int_equal(parley_sessions_watchdog_pass(), 1);
	parley_session *found = parley_session_find(kept->id);
	assert_ptr_equal(found, kept);
	parley_session_unref(found);
	assert_null(parley_session_find(lost->id));
	/* Events to a closed connection are dropped, not sent. */
	json_t *event = json_pack("{ss}", "janus", "probe");
	assert_int_equal(parley_conn_send(old, NULL, false, event), -1);
	json_decref(event);
	parley_session_unref(kept);
	parley_session_unref(lost);
	parley_conn_unref(old);
	parley_conn_unref(fresh);
}

static gint freed;
static void count_free(void *data)
{
	g_atomic_int_inc(&freed);
}

static void conn_data_lives_until_last_reference(void **state)
{
	freed = 0;
	parley_conn *conn = parley_conn_new(&recorder, &freed, count_free);
	parley_session *s = new_session(conn); /* the session holds a reference */
	parley_conn_unref(conn);
	assert_int_equal(freed, 0);
	parley_session_destroy(s, PARLEY_SESSION_END_REQUEST);
	parley_session_unref(s);
	assert_int_equal(freed, 1);
}

static void shutdown_ends_everything(void **state)
{
	char reason[256];
	parley_conn *conn = parley_conn_new(&recorder, NULL, NULL);
	parley_session *s = new_session(conn);
	parley_handle *h = NULL;
	assert_int_equal(parley_handle_create(s, &counter_plugin, NULL, &h, reason, sizeof(reason)), 0);
	parley_sessions_destroy_all(PARLEY_SESSION_END_SHUTDOWN);
	assert_int_equal(parley_sessions_count(), 0);
	assert_int_equal(count_sent(conn, "detached", s->id), 1);
	assert_int_equal(destroyed, 1);
	parley_handle_unref(h);
	parley_session_unref(s);
	parley_conn_unref(conn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(create_find_and_refcount, test_setup),
		cmocka_unit_test_setup(requested_id_and_conflict, test_setup),
		cmocka_unit_test_setup(limits_are_enforced, test_setup),
		cmocka_unit_test_setup(handles_attach_and_detach, test_setup),
		cmocka_unit_test_setup(watchdog_pass_ends_idle_sessions, test_setup),
		cmocka_unit_test_setup(owned_sessions_skip_the_watchdog, test_setup),
		cmocka_unit_test_setup(watchdog_timer_runs_on_first_loop, test_setup),
		cmocka_unit_test_setup(claim_moves_a_session, test_setup),
		cmocka_unit_test_setup(closed_connection_with_and_without_reclaim, test_setup),
		cmocka_unit_test_setup(conn_data_lives_until_last_reference, test_setup),
		cmocka_unit_test_setup(shutdown_ends_everything, test_setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
