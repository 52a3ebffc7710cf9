/*
 * test_events.c — the event bus: the event shape, type masks (only
 * subscribed types are wanted and delivered), [events] enabled = false, and
 * drop counting with a tiny queue whose only handler is held busy.
 * In-process handlers are registered straight into the registry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "core/config.h"
#include "core/events.h"
#include "core/log.h"
#include "core/registry.h"

#define WAIT_LIMIT_US (5 * G_USEC_PER_SEC)

static struct {
	GMutex lock;
	GCond cond;
	json_t *received;   /* array of copies */
	bool hold;          /* block inside incoming_event until released */
	bool holding;
} sink;

static void sink_incoming(json_t *event)
{
	g_mutex_lock(&sink.lock);
	json_array_append_new(sink.received, json_deep_copy(event));
	sink.holding = true;
	g_cond_broadcast(&sink.cond);
	gint64 deadline = g_get_monotonic_time() + WAIT_LIMIT_US;
	while (sink.hold && g_cond_wait_until(&sink.cond, &sink.lock, deadline))
		;
	sink.holding = false;
	g_mutex_unlock(&sink.lock);
}

static int sink_init(const parley_handler_core *core) { return 0; }
static void sink_destroy(void) {}

static const parley_handler session_sink = {
	.api_version = PARLEY_HANDLER_API_VERSION,
	.struct_size = sizeof(parley_handler),
	.package = "parley.handler.test_sink",
	.name = "test sink",
	.events_mask = PARLEY_EVENT_SESSION | PARLEY_EVENT_PLUGIN,
	.init = sink_init,
	.destroy = sink_destroy,
	.incoming_event = sink_incoming,
};

static size_t received_count(void)
{
	g_mutex_lock(&sink.lock);
	size_t n = json_array_size(sink.received);
	g_mutex_unlock(&sink.lock);
	return n;
}

static int setup(void **state)
{
	sink.received = json_array();
	sink.hold = false;
	return 0;
}

static int teardown(void **state)
{
	parley_events_stop();
	json_decref(sink.received);
	parley_config_free();
	return 0;
}

static void nothing_wanted_without_handlers(void **state)
{
	/* registry is empty in this test binary until register_sink runs */
	assert_int_equal(parley_events_start(8), 0);
	assert_false(parley_events_wanted(PARLEY_EVENT_SESSION));
	json_t *event = json_pack("{s:s}", "name", "created");
	parley_events_emit(PARLEY_EVENT_SESSION, 1, 0, event);
	json_decref(event);
	assert_int_equal(parley_events_emitted(), 0);
	assert_int_equal(parley_events_dropped(), 0);
}

static void register_sink(void **state)
{
	assert_int_equal(parley_registry_add(PARLEY_MODULE_HANDLER, &session_sink, NULL, NULL), 0);
	assert_int_equal(parley_registry_add(PARLEY_MODULE_HANDLER, &session_sink, NULL, NULL), -1);
	assert_ptr_equal(parley_registry_handler("parley.handler.test_sink"), &session_sink);
}

static void mask_and_shape(void **state)
{
	parley_config_set("parley", "general", "server_name", "bus-test");
	assert_int_equal(parley_events_start(16), 0);
	assert_true(parley_events_wanted(PARLEY_EVENT_SESSION));
	assert_true(parley_events_wanted(PARLEY_EVENT_PLUGIN | PARLEY_EVENT_MEDIA));
	assert_false(parley_events_wanted(PARLEY_EVENT_MEDIA));

	json_t *event = json_pack("{s:s}", "name", "created");
	parley_events_emit(PARLEY_EVENT_MEDIA, 7, 8, event);      /* not subscribed */
	parley_events_emit(PARLEY_EVENT_SESSION, 7, 0, event);
	json_object_set_new(event, "name", json_string("changed after emit"));
	parley_events_emit(PARLEY_EVENT_PLUGIN, 7, 9, NULL);
	json_decref(event);
	parley_events_stop();   /* drains the queue into the handler */

	assert_int_equal(parley_events_emitted(), 2);
	assert_int_equal(received_count(), 2);
	json_t *first = json_array_get(sink.received, 0);
	assert_int_equal(json_integer_value(json_object_get(first, "type")), PARLEY_EVENT_SESSION);
	assert_int_equal(json_integer_value(json_object_get(first, "session_id")), 7);
	assert_null(json_object_get(first, "handle_id"));
	assert_string_equal(json_string_value(json_object_get(first, "emitter")), "bus-test");
	assert_true(json_integer_value(json_object_get(first, "timestamp")) > 0);
	/* the bus copied the event: the later change is not seen */
	assert_string_equal(json_string_value(json_object_get(json_object_get(first, "event"), "name")), "created");
	json_t *second = json_array_get(sink.received, 1);
	assert_int_equal(json_integer_value(json_object_get(second, "handle_id")), 9);
	assert_true(json_is_object(json_object_get(second, "event")));
}

static void full_queue_drops_and_counts(void **state)
{
	assert_int_equal(parley_events_start(2), 0);
	g_mutex_lock(&sink.lock);
	sink.hold = true;
	g_mutex_unlock(&sink.lock);

	parley_events_emit(PARLEY_EVENT_SESSION, 1, 0, NULL);
	/* wait until the bus thread is stuck inside the handler with event 1 */
	gint64 deadline = g_get_monotonic_time() + WAIT_LIMIT_US;
	g_mutex_lock(&sink.lock);
	while (!sink.holding && g_cond_wait_until(&sink.cond, &sink.lock, deadline))
		;
	assert_true(sink.holding);
	g_mutex_unlock(&sink.lock);

	for (int i = 2; i <= 6; i++)   /* 2 fit in the queue, 3 are dropped */
		parley_events_emit(PARLEY_EVENT_SESSION, (uint64_t)i, 0, NULL);
	assert_int_equal(parley_events_emitted(), 3);
	assert_int_equal(parley_events_dropped(), 3);

	g_mutex_lock(&sink.lock);
	sink.hold = false;
	g_cond_broadcast(&sink.cond);
	g_mutex_unlock(&sink.lock);
	parley_events_stop();
	assert_int_equal(received_count(), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *ev = json_array_get(sink.received, i);
		assert_int_equal(json_integer_value(json_object_get(ev, "session_id")), (json_int_t)i + 1);
	}
}

static void disabled_by_config(void **state)
{
	parley_config_set("parley", "events", "enabled", "false");
	assert_int_equal(parley_events_start(4), 0);
	assert_false(parley_events_wanted(PARLEY_EVENT_SESSION));
	parley_events_emit(PARLEY_EVENT_SESSION, 1, 0, NULL);
	parley_events_stop();
	assert_int_equal(received_count(), 0);
	assert_int_equal(parley_events_emitted(), 0);
}

static void limits_and_stopped_bus(void **state)
{
	assert_int_equal(parley_events_start(1u << 21), -1);   /* beyond the limit */
	assert_false(parley_events_wanted(PARLEY_EVENT_SESSION));
	parley_events_emit(PARLEY_EVENT_SESSION, 1, 0, NULL);   /* not running: ignored */
	assert_int_equal(parley_events_start(0), 0);            /* 0 = default size */
	assert_int_equal(parley_events_start(4), -1);           /* already running */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(nothing_wanted_without_handlers, setup, teardown),
		cmocka_unit_test(register_sink),
		cmocka_unit_test_setup_teardown(mask_and_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(full_queue_drops_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(disabled_by_config, setup, teardown),
		cmocka_unit_test_setup_teardown(limits_and_stopped_bus, setup, teardown),
	};
	parley_log_set_level(PARLEY_LOG_FATAL);
	return cmocka_run_group_tests_name("events", tests, NULL, NULL);
}
