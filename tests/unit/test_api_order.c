/*
 * test_api_order.c — the order of a request's answer and the events its
 * plugin pushes: an event pushed for the same handle from inside
 * handle_message (on the worker running it) reaches the transport after
 * the "ack" / "success" of that request; an event pushed there for another
 * handle is not held; several held events keep their order. Driven through
 * the transport core table with an in-process plugin and a transport that
 * records every message in arrival order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <glib.h>
#include "core/api.h"
#include "core/loops.h"
#include "core/registry.h"
#include "core/tables.h"

/* ---- a transport that records everything in order ---------------------------- */

static GMutex lock;
static GCond cond;
static GPtrArray *seen; /* json_t: answers get "ctx" added */

static int rec_send(parley_conn *conn, void *ctx, bool admin, json_t *message)
{
	json_t *copy = json_deep_copy(message);
	if (ctx)
		json_object_set_new(copy, "ctx", json_integer(GPOINTER_TO_INT(ctx)));
	g_mutex_lock(&lock);
	g_ptr_array_add(seen, copy);
	g_cond_broadcast(&cond);
	g_mutex_unlock(&lock);
	return 0;
}

static const parley_transport recorder = {
	.api_version = PARLEY_TRANSPORT_API_VERSION,
	.struct_size = sizeof(parley_transport),
	.package = "parley.transport.order-recorder",
	.send_message = rec_send,
};

/* ---- a plugin that pushes from inside handle_message --------------------------- */

static const parley_plugin_core *pcore;
static parley_plugin_session *other; /* the handle attached first */

static int order_init(const parley_plugin_core *core)
{
	pcore = core;
	return 0;
}

static void order_destroy(void) {}

static int order_create(parley_plugin_session *session)
{
	if (!other)
		other = session;
	return 0;
}

static int order_destroy_session(parley_plugin_session *session)
{
	if (other == session)
		other = NULL;
	return 0;
}

static const parley_plugin order_plugin;

/* body {"events": n, "sync": bool, "other": bool}: pushes n events
 * {"seq": i} for this handle (and one {"elsewhere": true} to the first
 * handle when "other"), then answers OK ("sync") or OK_WAIT. */
static void order_message(parley_plugin_session *session, const char *transaction, json_t *message,
                          json_t *jsep, parley_plugin_result *result)
{
	json_int_t n = json_integer_value(json_object_get(message, "events"));
	for (json_int_t i = 0; i < n; i++) {
		json_t *event = json_pack("{sI}", "seq", i);
		int rc = pcore->push_event(session, &order_plugin, transaction, event, NULL);
		json_decref(event);
		if (rc)
			fail_msg("push_event returned %d", rc);
	}
	if (json_is_true(json_object_get(message, "other")) && other && other != session) {
		json_t *event = json_pack("{sb}", "elsewhere", 1);
		pcore->push_event(other, &order_plugin, NULL, event, NULL);
		json_decref(event);
	}
	if (json_is_true(json_object_get(message, "sync"))) {
		result->kind = PARLEY_PLUGIN_OK;
		result->content = json_pack("{ss}", "answer", "now");
	} else {
		result->kind = PARLEY_PLUGIN_OK_WAIT;
	}
}

static const parley_plugin order_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = "parley.plugin.order",
	.name = "order",
	.init = order_init,
	.destroy = order_destroy,
	.create_session = order_create,
	.handle_message = order_message,
	.destroy_session = order_destroy_session,
};

/* ---- helpers ------------------------------------------------------------------- */

static const parley_transport_core *core;
static parley_conn *conn;
static gint next_ctx;

/* Waits (≤ 3 s) until `count` messages were recorded. */
static bool wait_seen(guint count)
{
	gint64 deadline = g_get_monotonic_time() + 3 * G_USEC_PER_SEC;
	g_mutex_lock(&lock);
	while (seen->len < count && g_cond_wait_until(&cond, &lock, deadline))
		;
	bool ok = seen->len >= count;
	g_mutex_unlock(&lock);
	return ok;
}

static void clear_seen(void)
{
	g_mutex_lock(&lock);
	g_ptr_array_set_size(seen, 0);
	g_mutex_unlock(&lock);
}

static json_t *seen_at(guint i)
{
	g_mutex_lock(&lock);
	json_t *m = i < seen->len ? g_ptr_array_index(seen, i) : NULL;
	g_mutex_unlock(&lock);
	return m;
}

static const char *kind_of(json_t *m)
{
	return json_string_value(json_object_get(m, "janus"));
}

/* Sends a request; returns its ctx number. */
static int send_request(json_t *request)
{
	int ctx = g_atomic_int_add(&next_ctx, 1) + 1;
	core->incoming_request(conn, GINT_TO_POINTER(ctx), false, request);
	json_decref(request);
	return ctx;
}

static json_int_t answered_id(int ctx)
{
	assert_true(wait_seen(1));
	json_t *a = seen_at(0);
	assert_int_equal(json_integer_value(json_object_get(a, "ctx")), ctx);
	assert_string_equal(kind_of(a), "success");
	json_int_t id = json_integer_value(json_object_get(json_object_get(a, "data"), "id"));
	clear_seen();
	return id;
}

static json_int_t session_id, handle_a, handle_b;

static json_int_t attach(void)
{
	return answered_id(send_request(json_pack("{sssssIss}", "janus", "attach", "transaction", "a",
	                                          "session_id", session_id, "plugin", "parley.plugin.order")));
}

static int message(json_int_t handle, json_t *body)
{
	return send_request(json_pack("{sssssIsIso}", "janus", "message", "transaction", "m", "session_id",
	                              session_id, "handle_id", handle, "body", body));
}

/* ---- fixtures ------------------------------------------------------------------- */

static int group_setup(void **state)
{
	seen = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
	if (parley_loops_start(1) || parley_api_start(2))
		return -1;
	if (order_plugin.init(parley_tables_all()->plugin) ||
	    parley_registry_add(PARLEY_MODULE_PLUGIN, &order_plugin, NULL, NULL))
		return -1;
	core = parley_tables_all()->transport;
	conn = core->conn_new(&recorder, NULL, NULL);
	session_id = answered_id(send_request(json_pack("{ssss}", "janus", "create", "transaction", "c")));
	handle_a = attach();
	handle_b = attach();
	return 0;
}

static int group_teardown(void **state)
{
	core->conn_closed(conn);
	core->conn_unref(conn);
	parley_api_shutdown();
	parley_loops_stop();
	g_ptr_array_free(seen, TRUE);
	return 0;
}

/* ---- tests ------------------------------------------------------------------------ */

static void ack_comes_before_the_event(void **state)
{
	for (int round = 0; round < 50; round++) {
		clear_seen();
		int ctx = message(handle_b, json_pack("{si}", "events", 1));
		assert_true(wait_seen(2));
		json_t *first = seen_at(0), *second = seen_at(1);
		assert_string_equal(kind_of(first), "ack");
		assert_int_equal(json_integer_value(json_object_get(first, "ctx")), ctx);
		assert_string_equal(kind_of(second), "event");
		assert_null(json_object_get(second, "ctx"));
		assert_string_equal(json_string_value(json_object_get(second, "transaction")), "m");
		assert_int_equal(json_integer_value(json_object_get(second, "sender")), handle_b);
	}
}

static void success_then_events_in_push_order(void **state)
{
	clear_seen();
	int ctx = message(handle_b, json_pack("{sisb}", "events", 3, "sync", 1));
	assert_true(wait_seen(4));
	json_t *first = seen_at(0);
	assert_string_equal(kind_of(first), "success");
	assert_int_equal(json_integer_value(json_object_get(first, "ctx")), ctx);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(first, "plugindata"),
	                    "data"), "answer")), "now");
	for (guint i = 1; i < 4; i++) {
		json_t *e = seen_at(i);
		assert_string_equal(kind_of(e), "event");
		json_t *data = json_object_get(json_object_get(e, "plugindata"), "data");
		assert_int_equal(json_integer_value(json_object_get(data, "seq")), i - 1);
	}
}

static void other_handles_are_not_held(void **state)
{
	clear_seen();
	int ctx = message(handle_b, json_pack("{sisb}", "events", 1, "other", 1));
	assert_true(wait_seen(3));
	/* The event for handle A went out at once, before B's ack; B's own
	 * event after the ack. */
	json_t *first = seen_at(0), *second = seen_at(1), *third = seen_at(2);
	assert_string_equal(kind_of(first), "event");
	assert_int_equal(json_integer_value(json_object_get(first, "sender")), handle_a);
	assert_string_equal(kind_of(second), "ack");
	assert_int_equal(json_integer_value(json_object_get(second, "ctx")), ctx);
	assert_string_equal(kind_of(third), "event");
	assert_int_equal(json_integer_value(json_object_get(third, "sender")), handle_b);
}

static void no_events_no_extra_messages(void **state)
{
	clear_seen();
	message(handle_a, json_pack("{si}", "events", 0));
	assert_true(wait_seen(1));
	g_usleep(50000);
	g_mutex_lock(&lock);
	guint n = seen->len;
	g_mutex_unlock(&lock);
	assert_int_equal(n, 1);
	assert_string_equal(kind_of(seen_at(0)), "ack");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ack_comes_before_the_event),
		cmocka_unit_test(success_then_events_in_push_order),
		cmocka_unit_test(other_handles_are_not_held),
		cmocka_unit_test(no_events_no_extra_messages),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
