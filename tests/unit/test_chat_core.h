/*
 * tests/unit/test_chat_core.h — the core table for the chat plugin's unit
 * tests: every delivery the plugin makes (relay_data on a data channel,
 * push_event to a Janus client) is recorded as parsed JSON with the
 * session and the label or transaction it went with; handle_ref/unref are
 * counted so a test checks they balance; config_get answers from a table
 * the test fills; the clock is the test's. Contexts run on an in-memory
 * store unless a test names a file. Included by one test file at a time.
 */
#ifndef TEST_CHAT_CORE_H
#define TEST_CHAT_CORE_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <jansson.h>
#include <parley/plugin.h>

#include "plugins/chat/chat.h"

typedef struct delivery {
	parley_plugin_session *session;
	bool data;          /* relay_data (true) or push_event */
	char *label;        /* relay_data's label (NULL = oldest channel) */
	char *transaction;  /* push_event's */
	json_t *json;       /* own reference */
} delivery;

static GPtrArray *deliveries;   /* delivery*, under deliveries_lock */
static GMutex deliveries_lock;
static GHashTable *settings;    /* "section.key" → value */
static int refs;
static int64_t test_now = 1700000000000;

static void delivery_free(void *data)
{
	delivery *d = data;
	g_free(d->label);
	g_free(d->transaction);
	json_decref(d->json);
	g_free(d);
}

static void record(parley_plugin_session *session, bool data, const char *label, const char *transaction, json_t *json)
{
	delivery *d = g_new0(delivery, 1);
	d->session = session;
	d->data = data;
	d->label = g_strdup(label);
	d->transaction = g_strdup(transaction);
	d->json = json;
	g_mutex_lock(&deliveries_lock);
	g_ptr_array_add(deliveries, d);
	g_mutex_unlock(&deliveries_lock);
}

static int fake_push_event(parley_plugin_session *session, const parley_plugin *plugin, const char *transaction,
                           json_t *message, json_t *jsep)
{
	(void)plugin;
	json_t *copy = json_deep_copy(message);
	if (jsep != NULL)
		json_object_set_new(copy, "__jsep", json_deep_copy(jsep));
	record(session, false, NULL, transaction, copy);
	return 0;
}

/* Sends relay_data takes before it answers BUSY (-1: no bound), as a
 * full SCTP send buffer would; a test refills it and calls
 * parley_chat_handle_writable, as data_ready would. */
static int relay_budget = -1;

static int fake_relay_data(parley_plugin_session *session, parley_data_packet *packet)
{
	if (relay_budget == 0)
		return PARLEY_DATA_ERR_BUSY;
	if (relay_budget > 0)
		relay_budget--;
	json_t *json = json_loadb(packet->buffer, packet->size, 0, NULL);
	if (json == NULL)
		json = json_pack("{s:s%}", "__unparsable", packet->buffer, packet->size);
	record(session, true, packet->label, NULL, json);
	return 0;
}

static void fake_ref(parley_plugin_session *session) { (void)session; g_atomic_int_inc(&refs); }
static void fake_unref(parley_plugin_session *session) { (void)session; g_atomic_int_add(&refs, -1); }

static const char *fake_config_get(const char *package, const char *section, const char *key)
{
	(void)package;
	char *k = g_strdup_printf("%s.%s", section, key);
	const char *v = settings != NULL ? g_hash_table_lookup(settings, k) : NULL;
	g_free(k);
	return v;
}

static void fake_log(parley_log_level level, const char *module, const char *format, ...)
{
	(void)level;
	(void)module;
	if (g_getenv("CHAT_TEST_LOG") == NULL)
		return;
	va_list ap;
	va_start(ap, format);
	vfprintf(stderr, format, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char *fake_state_dir(void) { return "."; }
static bool fake_events_enabled(void) { return false; }
static void fake_notify(const parley_plugin *plugin, parley_plugin_session *session, json_t *event)
{
	(void)plugin;
	(void)session;
	(void)event;
}
/* The handles' loops: timers wait in a list until run_timers() plays one
 * loop iteration after another (a timer returning true fires again at
 * the next). Timers without a session (the plugin's own) never fire. */
typedef struct fake_timer {
	parley_timer_fn fn;
	void *data;
	void (*destroy)(void *);
	bool stopped;
} fake_timer;

static GPtrArray *timers;       /* fake_timer* waiting for the next iteration */
static unsigned timer_rounds;   /* iterations run_timers played so far */

static parley_timer *fake_timer_start(parley_plugin_session *session, unsigned interval_ms, parley_timer_fn fn,
                                      void *user_data, void (*destroy)(void *))
{
	(void)interval_ms;
	if (session == NULL)
		return NULL;
	fake_timer *t = g_new0(fake_timer, 1);
	t->fn = fn;
	t->data = user_data;
	t->destroy = destroy;
	if (timers == NULL)
		timers = g_ptr_array_new();
	g_ptr_array_add(timers, t);
	return (parley_timer *)t;
}
static void fake_timer_stop(parley_timer *timer)
{
	if (timer != NULL)
		((fake_timer *)timer)->stopped = true;
}

/* One loop iteration: every waiting timer fires once. False when none waited. */
G_GNUC_UNUSED static bool run_timers_once(void)
{
	if (timers == NULL || timers->len == 0)
		return false;
	GPtrArray *due = timers;
	timers = g_ptr_array_new();
	for (guint i = 0; i < due->len; i++) {
		fake_timer *t = due->pdata[i];
		if (!t->stopped && t->fn(t->data) && !t->stopped) {
			g_ptr_array_add(timers, t);
			continue;
		}
		if (t->destroy != NULL)
			t->destroy(t->data);
		g_free(t);
	}
	g_ptr_array_unref(due);
	timer_rounds++;
	return true;
}

/* Iterations until no timer waits (at most 100000). */
static void run_timers(void)
{
	for (unsigned i = 0; i < 100000 && run_timers_once(); i++)
		;
}

/* The SDP the core would make of our description: its m-line kinds. */
static char *fake_sdp_offer(json_t *description, char *error, size_t error_size)
{
	(void)error;
	(void)error_size;
	GString *sdp = g_string_new("v=0\r\n");
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(description, "media"), i, m)
		g_string_append_printf(sdp, "m=%s\r\n", json_string_value(json_object_get(m, "kind")));
	return g_string_free(sdp, FALSE);
}

static const parley_plugin_core fake_core = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin_core),
	.push_event = fake_push_event,
	.notify_event = fake_notify,
	.events_enabled = fake_events_enabled,
	.handle_ref = fake_ref,
	.handle_unref = fake_unref,
	.relay_data = fake_relay_data,
	.timer_start = fake_timer_start,
	.timer_stop = fake_timer_stop,
	.config_get = fake_config_get,
	.state_dir = fake_state_dir,
	.log = fake_log,
	.sdp_offer = fake_sdp_offer,
};

static const parley_plugin fake_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = PARLEY_CHAT_PACKAGE,
};

G_GNUC_UNUSED static void set(const char *section, const char *key, const char *value)
{
	if (settings == NULL)
		settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_insert(settings, g_strdup_printf("%s.%s", section, key), g_strdup(value));
}

static int64_t fake_now(void) { return test_now; }

/* A context with the settings set so far, on `db` (NULL: in memory). */
static parley_chat_ctx *ctx_new_on(const char *db)
{
	if (deliveries == NULL)
		deliveries = g_ptr_array_new_with_free_func(delivery_free);
	g_ptr_array_set_size(deliveries, 0);
	refs = 0;
	parley_chat_config cfg;
	parley_chat_config_load(&cfg, &fake_core);
	g_free(cfg.db_path);
	cfg.db_path = g_strdup(db != NULL ? db : ":memory:");
	parley_plugin_error error = {0};
	parley_chat_ctx *ctx = parley_chat_ctx_new(&fake_core, &fake_plugin, &cfg, &error);
	if (ctx != NULL)
		ctx->now_ms = fake_now;
	return ctx;
}

G_GNUC_UNUSED static parley_chat_ctx *ctx_new(void)
{
	return ctx_new_on(NULL);
}

static void ctx_free(parley_chat_ctx *ctx)
{
	run_timers();
	relay_budget = -1;
	parley_chat_ctx_free(ctx);
	if (settings != NULL)
		g_hash_table_remove_all(settings);
	g_ptr_array_set_size(deliveries, 0);
}

/* A fake session (its address is all the plugin uses). */
typedef struct fake_session {
	parley_plugin_session session;
} fake_session;

G_GNUC_UNUSED static parley_plugin_session *attach(parley_chat_ctx *ctx, fake_session *s)
{
	memset(s, 0, sizeof(*s));
	s->session.plugin_handle = parley_chat_handle_attach(ctx, &s->session);
	return &s->session;
}

/* A data channel request (JSON text); deliveries recorded. */
G_GNUC_UNUSED static void data_request(parley_chat_ctx *ctx, parley_plugin_session *session, const char *text)
{
	parley_chat_request_data(ctx, session, "JanusDataChannel", text, strlen(text), false);
}

/* A Janus API request: the synchronous answer (new reference). */
G_GNUC_UNUSED static json_t *api_request(parley_chat_ctx *ctx, parley_plugin_session *session, const char *text)
{
	json_t *body = json_loads(text, 0, NULL);
	json_t *reply = parley_chat_request_run(ctx, session, PARLEY_CHAT_VIA_API, NULL, "api-tx", body);
	json_decref(body);
	return reply;
}

/* How many deliveries to `session` have "textroom" == kind (NULL: any). */
G_GNUC_UNUSED static unsigned count_to(parley_plugin_session *session, const char *kind)
{
	run_timers();
	unsigned n = 0;
	for (guint i = 0; i < deliveries->len; i++) {
		delivery *d = deliveries->pdata[i];
		if (d->session == session &&
		    (kind == NULL || g_strcmp0(json_string_value(json_object_get(d->json, "textroom")), kind) == 0))
			n++;
	}
	return n;
}

/* The last delivery to `session` of `kind` (borrowed) or NULL. */
G_GNUC_UNUSED static json_t *last_to(parley_plugin_session *session, const char *kind)
{
	run_timers();
	for (guint i = deliveries->len; i > 0; i--) {
		delivery *d = deliveries->pdata[i - 1];
		if (d->session == session &&
		    (kind == NULL || g_strcmp0(json_string_value(json_object_get(d->json, "textroom")), kind) == 0))
			return d->json;
	}
	return NULL;
}

/* The answer to data channel transaction `tx` (borrowed) or NULL. */
G_GNUC_UNUSED static json_t *answer(parley_plugin_session *session, const char *tx)
{
	run_timers();
	for (guint i = deliveries->len; i > 0; i--) {
		delivery *d = deliveries->pdata[i - 1];
		if (d->session == session && g_strcmp0(json_string_value(json_object_get(d->json, "transaction")), tx) == 0)
			return d->json;
	}
	return NULL;
}

G_GNUC_UNUSED static int error_code_of(json_t *reply)
{
	return (int)json_integer_value(json_object_get(reply, "error_code"));
}

G_GNUC_UNUSED static void forget(void)
{
	g_ptr_array_set_size(deliveries, 0);
}

#endif
