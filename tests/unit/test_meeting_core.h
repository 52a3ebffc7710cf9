/*
 * tests/unit/test_meeting_core.h — a core table of recording functions for
 * the meeting plugin's unit tests: push_event keeps a copy of every event
 * ({"event":name,"data":payload}) with the session it went to, config_get
 * answers from a small table the test fills, handle_ref/unref are counted
 * so a test can check they balance. Recording is thread-safe. Included by one test file at a time.
 */
#ifndef TEST_MEETING_CORE_H
#define TEST_MEETING_CORE_H

#include <stdarg.h>
#include <string.h>
#include <glib.h>
#include <jansson.h>
#include <parley/plugin.h>

#include "meeting.h"

typedef struct recorded_event {
	parley_plugin_session *session;
	char *name;
	json_t *data; /* own reference */
} recorded_event;

static GPtrArray *recorded;          /* recorded_event*, under record_lock */
static GMutex record_lock;
static GHashTable *fake_config;      /* "section.key" → value */
static int handle_refs;

static void recorded_event_free(gpointer p)
{
	recorded_event *e = p;
	g_free(e->name);
	json_decref(e->data);
	g_free(e);
}

static int fake_push_event(parley_plugin_session *session, const parley_plugin *plugin,
                           const char *transaction, json_t *message, json_t *jsep)
{
	recorded_event *e = g_new0(recorded_event, 1);
	e->session = session;
	e->name = g_strdup(json_string_value(json_object_get(message, "event")));
	e->data = json_deep_copy(json_object_get(message, "data")); /* own copy */
	g_mutex_lock(&record_lock);
	g_ptr_array_add(recorded, e);
	g_mutex_unlock(&record_lock);
	return 0;
}

static void fake_handle_ref(parley_plugin_session *session) { g_atomic_int_inc(&handle_refs); }
static void fake_handle_unref(parley_plugin_session *session) { g_atomic_int_add(&handle_refs, -1); }

static const char *fake_config_get(const char *package, const char *section, const char *key)
{
	char *k = g_strdup_printf("%s.%s", section, key);
	const char *v = fake_config != NULL ? g_hash_table_lookup(fake_config, k) : NULL;
	g_free(k);
	return v;
}

static const char *fake_state_dir(void) { return "."; }

static void fake_log(parley_log_level level, const char *module, const char *format, ...)
{
	if (g_getenv("MEETING_TEST_LOG") == NULL)
		return;
	va_list ap;
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const parley_plugin_core fake_core = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin_core),
	.push_event = fake_push_event,
	.handle_ref = fake_handle_ref,
	.handle_unref = fake_handle_unref,
	.config_get = fake_config_get,
	.state_dir = fake_state_dir,
	.log = fake_log,
};

static const parley_plugin fake_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = PARLEY_MEETING_PACKAGE,
};

static void fake_config_set(const char *section, const char *key, const char *value)
{
	if (fake_config == NULL)
		fake_config = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_insert(fake_config, g_strdup_printf("%s.%s", section, key), g_strdup(value));
}

/* A context on an in-memory database with the settings set so far. */
static parley_meeting_ctx *fake_ctx_new(void)
{
	parley_meeting_config cfg;
	if (recorded == NULL)
		recorded = g_ptr_array_new_with_free_func(recorded_event_free);
	g_ptr_array_set_size(recorded, 0);
	handle_refs = 0;
	parley_meeting_config_load(&cfg, &fake_core);
	g_free(cfg.db_path);
	cfg.db_path = g_strdup(":memory:");
	return parley_meeting_ctx_new(&fake_core, &fake_plugin, &cfg, NULL);
}

static void fake_ctx_free(parley_meeting_ctx *ctx)
{
	parley_meeting_ctx_free(ctx);
	if (fake_config != NULL)
		g_hash_table_remove_all(fake_config);
	g_ptr_array_set_size(recorded, 0);
}

/* How many events named `name` (NULL = any) went to `session`. */
G_GNUC_UNUSED static unsigned events_to(parley_plugin_session *session, const char *name)
{
	unsigned n = 0;
	for (guint i = 0; i < recorded->len; i++) {
		recorded_event *e = recorded->pdata[i];
		if (e->session == session && (name == NULL || strcmp(e->name, name) == 0))
			n++;
	}
	return n;
}

/* The last event named `name` to `session` (borrowed data) or NULL. */
G_GNUC_UNUSED static json_t *last_event(parley_plugin_session *session, const char *name)
{
	for (guint i = recorded->len; i > 0; i--) {
		recorded_event *e = recorded->pdata[i - 1];
		if (e->session == session && strcmp(e->name, name) == 0)
			return e->data;
	}
	return NULL;
}

G_GNUC_UNUSED static void forget_events(void)
{
	g_ptr_array_set_size(recorded, 0);
}

#endif
