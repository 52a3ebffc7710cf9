/*
 * tests/unit/recording_core.h — the recording half of a plugin core table,
 * shared by the plugins' unit tests (test_<plugin>_core.h includes it and
 * builds its own parley_plugin_core from RECORDING_CORE_FIELDS plus whatever
 * its plugin needs): push_event keeps a copy of every event
 * ({"event","data"} plus the jsep) with the session it went to,
 * handle_ref/unref are counted so a test can check they balance,
 * config_get answers from a table the test fills (fake_config_set), and log
 * lines go to stderr only when the environment variable named by
 * RECORDING_CORE_LOG_ENV is set. Recording is thread-safe.
 * Included by one test file at a time (everything here is static).
 */
#ifndef TEST_RECORDING_CORE_H
#define TEST_RECORDING_CORE_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <jansson.h>
#include <parley/plugin.h>

#ifndef RECORDING_CORE_LOG_ENV
#error "define RECORDING_CORE_LOG_ENV (the variable that turns the plugin's log lines on) first"
#endif

typedef struct recorded_event {
	parley_plugin_session *session;
	char *name;
	json_t *data;   /* own reference */
	json_t *jsep;   /* own reference or NULL */
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
	json_decref(e->jsep);
	g_free(e);
}

static int fake_push_event(parley_plugin_session *session, const parley_plugin *plugin, const char *transaction,
                           json_t *message, json_t *jsep)
{
	(void)plugin;
	(void)transaction;
	recorded_event *e = g_new0(recorded_event, 1);
	e->session = session;
	e->name = g_strdup(json_string_value(json_object_get(message, "event")));
	e->data = json_deep_copy(json_object_get(message, "data"));
	e->jsep = jsep != NULL ? json_deep_copy(jsep) : NULL;
	g_mutex_lock(&record_lock);
	g_ptr_array_add(recorded, e);
	g_mutex_unlock(&record_lock);
	return 0;
}

static void fake_handle_ref(parley_plugin_session *session) { (void)session; g_atomic_int_inc(&handle_refs); }
static void fake_handle_unref(parley_plugin_session *session) { (void)session; g_atomic_int_add(&handle_refs, -1); }

static const char *fake_config_get(const char *package, const char *section, const char *key)
{
	(void)package;
	char *k = g_strdup_printf("%s.%s", section, key);
	const char *v = fake_config != NULL ? g_hash_table_lookup(fake_config, k) : NULL;
	g_free(k);
	return v;
}

static void fake_log(parley_log_level level, const char *module, const char *format, ...)
{
	(void)level;
	(void)module;
	if (g_getenv(RECORDING_CORE_LOG_ENV) == NULL)
		return;
	va_list ap;
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The fields of a core table these functions fill: a test_<plugin>_core.h
 * starts its parley_plugin_core with them and adds what its plugin needs. */
#define RECORDING_CORE_FIELDS                                                                            \
	.api_version = PARLEY_PLUGIN_API_VERSION, .struct_size = sizeof(parley_plugin_core),             \
	.push_event = fake_push_event, .handle_ref = fake_handle_ref, .handle_unref = fake_handle_unref, \
	.config_get = fake_config_get, .log = fake_log

G_GNUC_UNUSED static void fake_config_set(const char *section, const char *key, const char *value)
{
	if (fake_config == NULL)
		fake_config = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_insert(fake_config, g_strdup_printf("%s.%s", section, key), g_strdup(value));
}

/* Empties the record (created on first use) and the ref count. */
static void recording_reset(void)
{
	if (recorded == NULL)
		recorded = g_ptr_array_new_with_free_func(recorded_event_free);
	g_ptr_array_set_size(recorded, 0);
	handle_refs = 0;
}

/* Forgets the settings and the events once a test's context is freed. */
static void recording_clear(void)
{
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
		if (e->session == session && (name == NULL || g_strcmp0(e->name, name) == 0))
			n++;
	}
	return n;
}

/* The last event named `name` to `session` (borrowed data) or NULL. */
G_GNUC_UNUSED static json_t *last_event(parley_plugin_session *session, const char *name)
{
	for (guint i = recorded->len; i > 0; i--) {
		recorded_event *e = recorded->pdata[i - 1];
		if (e->session == session && g_strcmp0(e->name, name) == 0)
			return e->data;
	}
	return NULL;
}

G_GNUC_UNUSED static void forget_events(void)
{
	g_ptr_array_set_size(recorded, 0);
}

#endif
