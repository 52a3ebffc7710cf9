/*
 * tests/unit/test_room_core.h — a recording core table for the room
 * plugin's unit tests: push_event keeps every event ({"event","data"} plus
 * the jsep) with the session it went to, relay_rtp keeps a copy of every
 * forwarded packet, send_pli and send_remb are counted, handle_ref/unref
 * are counted so tests can check they balance, config_get answers from a
 * table the test fills, and the clock is a variable the test moves.
 * Included by one test file at a time.
 */
#ifndef TEST_ROOM_CORE_H
#define TEST_ROOM_CORE_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <jansson.h>
#include <parley/plugin.h>

#include "room.h"

typedef struct recorded_event {
	parley_plugin_session *session;
	char *name;
	json_t *data;   /* own reference */
	json_t *jsep;   /* own reference or NULL */
} recorded_event;

typedef struct relayed_packet {
	parley_plugin_session *session;
	uint8_t data[ROOM_SCRATCH];
	size_t length;
	int mindex;
} relayed_packet;

static GPtrArray *recorded;          /* recorded_event* */
static GArray *relayed;              /* relayed_packet */
static GMutex record_lock;
static GHashTable *fake_config;      /* "section.key" → value */
static int handle_refs;
static int plis_sent;
static int rembs_sent;
static uint32_t last_remb;
static int64_t fake_now_ms = 1000000;

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

static int fake_relay_rtp(parley_plugin_session *session, parley_rtp_packet *packet)
{
	relayed_packet r = {.session = session, .length = packet->length, .mindex = packet->mindex};
	memcpy(r.data, packet->buffer, packet->length);
	g_mutex_lock(&record_lock);
	g_array_append_val(relayed, r);
	g_mutex_unlock(&record_lock);
	return 0;
}

static int fake_send_pli(parley_plugin_session *session, int mindex)
{
	(void)session;
	(void)mindex;
	g_atomic_int_inc(&plis_sent);
	return 0;
}

static int fake_send_remb(parley_plugin_session *session, uint32_t bitrate)
{
	(void)session;
	g_atomic_int_inc(&rembs_sent);
	last_remb = bitrate;
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
	if (g_getenv("ROOM_TEST_LOG") == NULL)
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
	.relay_rtp = fake_relay_rtp,
	.send_pli = fake_send_pli,
	.send_remb = fake_send_remb,
	.config_get = fake_config_get,
	.log = fake_log,
};

static const parley_plugin fake_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = PARLEY_ROOM_PACKAGE,
};

static int64_t fake_clock_ms(void) { return fake_now_ms; }
static int64_t fake_clock_us(void) { return fake_now_ms * 1000; }

G_GNUC_UNUSED static void fake_config_set(const char *section, const char *key, const char *value)
{
	if (fake_config == NULL)
		fake_config = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_insert(fake_config, g_strdup_printf("%s.%s", section, key), g_strdup(value));
}

/* A context with the settings set so far and the fake clock. */
static room_ctx *fake_ctx_new(void)
{
	room_config cfg;
	if (recorded == NULL)
		recorded = g_ptr_array_new_with_free_func(recorded_event_free);
	if (relayed == NULL)
		relayed = g_array_new(FALSE, FALSE, sizeof(relayed_packet));
	g_ptr_array_set_size(recorded, 0);
	g_array_set_size(relayed, 0);
	handle_refs = plis_sent = rembs_sent = 0;
	parley_room_config_load(&cfg, &fake_core);
	room_ctx *ctx = parley_room_ctx_new(&fake_core, &fake_plugin, &cfg);
	ctx->now_ms = fake_clock_ms;
	ctx->now_us = fake_clock_us;
	return ctx;
}

static void fake_ctx_free(room_ctx *ctx)
{
	parley_room_ctx_free(ctx);
	if (fake_config != NULL)
		g_hash_table_remove_all(fake_config);
	g_ptr_array_set_size(recorded, 0);
	g_array_set_size(relayed, 0);
}

/* One client request through the plugin's dispatcher; the answer (new
 * reference, NULL on refusal) and the result kind. */
G_GNUC_UNUSED static json_t *send_request(room_ctx *ctx, parley_plugin_session *session, const char *json_text,
                                          parley_plugin_result_kind *kind)
{
	json_error_t error;
	json_t *body = json_loads(json_text, 0, &error);
	parley_plugin_result result;
	parley_room_handle_request(ctx, session, "tx", body, NULL, &result);
	json_decref(body);
	if (kind != NULL)
		*kind = result.kind;
	return result.kind == PARLEY_PLUGIN_OK ? result.content : NULL;
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
