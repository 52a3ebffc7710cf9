/*
 * test_ws_listeners.c — unit tests of the WebSocket transport's Socket.IO
 * listener settings (transports/websocket/listeners.c) and of the SFU
 * seed's /health shape (health.c): [socketio] as it always read, an extra
 * listener's defaults and what it takes from [socketio] and [general], each
 * refusal (a table of settings and the reason expected), and the /health
 * projection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "transports/websocket/health.h"
#include "transports/websocket/listeners.h"

/* ---- a configuration as a table ----------------------------------------------- */

typedef struct entry {
	const char *section, *key, *value;
} entry;

#define MAX_ENTRIES 12

static int warnings;
static char last_warning[512];

static const char *table_get(const void *context, const char *section, const char *key)
{
	for (const entry *e = context; e->section != NULL; e++) {
		if (strcmp(e->section, section) == 0 && strcmp(e->key, key) == 0)
			return e->value;
	}
	return NULL;
}

static void table_warn(const void *context, const char *line)
{
	warnings++;
	g_strlcpy(last_warning, line, sizeof(last_warning));
}

static parley_tx_listen_conf general_conf(const char *interface, const char *cors_origins)
{
	parley_tx_listen_conf conf = {
		.interface = (char *)interface,
		.port = 8188,
		.cors_origins = (char *)cors_origins,
		.max_body = 262144,
		.admin_enabled = true,
	};
	return conf;
}

/* Reads `entries` (ending with a NULL section) and, when that worked,
 * checks them with `loaded` as the plugins known. */
static int read_and_check(const entry *entries, const parley_tx_listen_conf *general, parley_wsl_set *set,
                          bool (*loaded)(const char *), char *reason, size_t size)
{
	const parley_util_setting_source source = { table_get, table_warn, entries };
	warnings = 0;
	last_warning[0] = reason[0] = '\0';
	int rc = parley_wsl_read(&source, general, set, reason, size);
	return rc != 0 ? rc : parley_wsl_check(set, general, loaded, reason, size);
}

static bool only_room_and_meeting(const char *package)
{
	return strcmp(package, "parley.plugin.room") == 0 || strcmp(package, "parley.plugin.meeting") == 0;
}

/* ---- [socketio] ---------------------------------------------------------------------- */

static void test_main_as_before(void **state)
{
	parley_tx_listen_conf general = general_conf("127.0.0.1", NULL);
	parley_wsl_set set;
	char reason[256];
	const entry none[] = { { NULL } };
	assert_int_equal(read_and_check(none, &general, &set, NULL, reason, sizeof(reason)), 0);
	assert_false(set.main.enabled); /* no plugin: off, one warning */
	assert_int_equal(warnings, 1);
	assert_non_null(strstr(last_warning, "[socketio] plugin"));
	assert_string_equal(set.main.path, "/socket.io/");
	assert_int_equal(set.main.ping_interval, 25000);
	assert_int_equal(set.main.ping_timeout, 20000);
	assert_int_equal(set.main.max_payload, 1000000);
	assert_int_equal(set.main.max_clients, 10000);
	assert_int_equal(set.count, 0);
	parley_wsl_free(&set);

	const entry some[] = {
		{ "socketio", "plugin", "parley.plugin.meeting" },
		{ "socketio", "path", "/sio" },
		{ "socketio", "max_clients", "7" },
		{ NULL },
	};
	assert_int_equal(read_and_check(some, &general, &set, NULL, reason, sizeof(reason)), 0);
	assert_true(set.main.enabled);
	assert_int_equal(warnings, 0);
	assert_string_equal(set.main.path, "/sio/");
	assert_string_equal(set.main.plugin, "parley.plugin.meeting");
	assert_int_equal(set.main.max_clients, 7);
	parley_wsl_free(&set);

	/* an unusable main path is a warning and the default, as it always was */
	const entry bad_path[] = {
		{ "socketio", "plugin", "parley.plugin.meeting" },
		{ "socketio", "path", "socket.io" },
		{ NULL },
	};
	assert_int_equal(read_and_check(bad_path, &general, &set, NULL, reason, sizeof(reason)), 0);
	assert_int_equal(warnings, 1);
	assert_non_null(strstr(last_warning, "must start with '/'"));
	assert_string_equal(set.main.path, "/socket.io/");
	parley_wsl_free(&set);
}

/* ---- an extra listener --------------------------------------------------------------- */

static void test_extra_defaults(void **state)
{
	parley_tx_listen_conf general = general_conf("127.0.0.1", "http://app.example");
	parley_wsl_set set;
	char reason[256];
	const entry entries[] = {
		{ "socketio", "plugin", "parley.plugin.meeting" },
		{ "socketio", "ping_interval", "1000" },
		{ "socketio", "max_clients", "5" },
		{ "socketio", "listeners", "sfu" },
		{ "socketio.sfu", "plugin", "parley.plugin.room" },
		{ NULL },
	};
	assert_int_equal(read_and_check(entries, &general, &set, only_room_and_meeting, reason, sizeof(reason)), 0);
	assert_int_equal(set.count, 1);
	const parley_wsl_listener *sfu = &set.extra[0];
	assert_string_equal(sfu->name, "sfu");
	assert_string_equal(sfu->section, "socketio.sfu");
	assert_int_equal(sfu->listen.port, PARLEY_WSL_DEFAULT_PORT);
	assert_int_equal(sfu->listen.secure_port, 0);
	assert_string_equal(sfu->listen.interface, "127.0.0.1");             /* [general]'s */
	assert_string_equal(sfu->listen.cors_origins, "http://app.example"); /* [general]'s */
	assert_false(sfu->listen.admin_enabled);
	assert_true(sfu->socketio.enabled);
	assert_string_equal(sfu->socketio.path, "/socket.io/");
	assert_string_equal(sfu->socketio.plugin, "parley.plugin.room");
	assert_int_equal(sfu->socketio.ping_interval, 1000); /* [socketio]'s */
	assert_int_equal(sfu->socketio.ping_timeout, 20000);
	assert_int_equal(sfu->socketio.max_clients, 5);
	assert_int_equal(sfu->health, PARLEY_WSL_HEALTH_GATEWAY);
	parley_wsl_free(&set);
}

static void test_extra_own_settings(void **state)
{
	parley_tx_listen_conf general = general_conf("127.0.0.1", NULL);
	parley_wsl_set set;
	char reason[256];
	const entry entries[] = {
		{ "socketio", "plugin", "parley.plugin.meeting" },
		{ "socketio", "event_name", "main-only" },
		{ "socketio", "listeners", " sfu ,other" },
		{ "socketio.sfu", "plugin", "parley.plugin.room" },
		{ "socketio.sfu", "port", "3001" },
		{ "socketio.sfu", "interface", "0.0.0.0" },
		{ "socketio.sfu", "path", "/sfu" },
		{ "socketio.sfu", "max_clients", "2" },
		{ "socketio.sfu", "health", "SFU" },
		{ "socketio.other", "plugin", "parley.plugin.meeting" },
		{ "socketio.other", "port", "3002" },
		{ "socketio.other", "event_name", "textroom" },
		{ NULL },
	};
	assert_int_equal(read_and_check(entries, &general, &set, only_room_and_meeting, reason, sizeof(reason)), 0);
	assert_int_equal(set.count, 2);
	assert_int_equal(set.extra[0].listen.port, 3001);
	assert_string_equal(set.extra[0].listen.interface, "0.0.0.0");
	assert_string_equal(set.extra[0].socketio.path, "/sfu/");
	assert_int_equal(set.extra[0].socketio.max_clients, 2);
	assert_int_equal(set.extra[0].health, PARLEY_WSL_HEALTH_SFU);
	assert_string_equal(parley_wsl_health_name(set.extra[0].health), "sfu");
	assert_string_equal(set.extra[1].name, "other");
	assert_int_equal(set.extra[1].socketio.max_clients, 10000);
	/* event_name is each endpoint's own: never taken from [socketio] */
	assert_string_equal(set.main.event_name, "main-only");
	assert_string_equal(set.extra[0].socketio.event_name, "");
	assert_string_equal(set.extra[1].socketio.event_name, "textroom");
	parley_wsl_free(&set);
}

/* ---- refusals ------------------------------------------------------------------------- */

typedef struct refusal_case {
	const char *what;
	entry entries[MAX_ENTRIES];
	const char *reason; /* expected in the reason; NULL: accepted */
} refusal_case;

/* clang-format off */
#define ROOM { "socketio.a", "plugin", "parley.plugin.room" }
/* clang-format on */

static const refusal_case refusal_cases[] = {
	{ "a name with a space", { { "socketio", "listeners", "a, b!" }, ROOM }, "'b!' is not a listener name" },
	{ "a name twice", { { "socketio", "listeners", "a,a" }, ROOM }, "names 'a' twice" },
	{ "too many",
	  { { "socketio", "listeners", "a,b,c,d,e" },
	    ROOM,
	    { "socketio.b", "plugin", "parley.plugin.room" },
	    { "socketio.c", "plugin", "parley.plugin.room" },
	    { "socketio.d", "plugin", "parley.plugin.room" } },
	  "more than 4 listeners" },
	{ "no plugin", { { "socketio", "listeners", "a" } }, "[socketio.a] plugin is not set" },
	{ "a relative path",
	  { { "socketio", "listeners", "a" }, ROOM, { "socketio.a", "path", "sio" } },
	  "[socketio.a] path = 'sio' must start with '/'" },
	{ "path /",
	  { { "socketio", "listeners", "a" }, ROOM, { "socketio.a", "path", "/" } },
	  "[socketio.a] path = '/' would hide /health" },
	{ "path /api",
	  { { "socketio", "listeners", "a" }, ROOM, { "socketio.a", "path", "/api/" } },
	  "would hide /api/server-info" },
	{ "path /health",
	  { { "socketio", "listeners", "a" }, ROOM, { "socketio.a", "path", "/health" } },
	  "would hide /health" },
	{ "an unknown health",
	  { { "socketio", "listeners", "a" }, ROOM, { "socketio.a", "health", "fancy" } },
	  "[socketio.a] health = 'fancy' is not one of gateway, sfu" },
	{ "no port",
	  { { "socketio", "listeners", "a" }, ROOM, { "socketio.a", "port", "0" } },
	  "[socketio.a] listens on no port" },
	{ "secure_port without certificates",
	  { { "socketio", "listeners", "a" },
	    ROOM,
	    { "socketio.a", "port", "0" },
	    { "socketio.a", "secure_port", "3443" } },
	  "listens on no port" },
	{ "the main port",
	  { { "socketio", "listeners", "a" }, ROOM, { "socketio.a", "port", "8188" } },
	  "[socketio.a] port 8188 is also [general] port" },
	{ "two on 3000",
	  { { "socketio", "listeners", "a,b" }, ROOM, { "socketio.b", "plugin", "parley.plugin.room" } },
	  "[socketio.b] port 3000 is also [socketio.a] port" },
	{ "a wildcard and an address on one port",
	  { { "socketio", "listeners", "a,b" },
	    ROOM,
	    { "socketio.b", "plugin", "parley.plugin.room" },
	    { "socketio.b", "interface", "0.0.0.0" } },
	  "[socketio.b] port 3000 is also [socketio.a] port" },
	{ "one port on two addresses",
	  { { "socketio", "listeners", "a,b" },
	    ROOM,
	    { "socketio.b", "plugin", "parley.plugin.room" },
	    { "socketio.b", "interface", "127.0.0.2" } },
	  NULL },
	{ "a listener that is off shares a port",
	  { { "socketio", "listeners", "a,b" },
	    ROOM,
	    { "socketio.b", "plugin", "parley.plugin.room" },
	    { "socketio.b", "enabled", "false" } },
	  NULL },
	{ "a plugin not loaded",
	  { { "socketio", "listeners", "a" }, { "socketio.a", "plugin", "parley.plugin.nope" } },
	  "[socketio.a] plugin = parley.plugin.nope is not loaded" },
	{ "an empty list", { { "socketio", "listeners", " , " } }, NULL },
};

static void test_refusals(void **state)
{
	parley_tx_listen_conf general = general_conf("127.0.0.1", NULL);
	for (size_t i = 0; i < sizeof(refusal_cases) / sizeof(refusal_cases[0]); i++) {
		const refusal_case *c = &refusal_cases[i];
		parley_wsl_set set;
		char reason[256];
		int rc = read_and_check(c->entries, &general, &set, only_room_and_meeting, reason, sizeof(reason));
		if (c->reason == NULL) {
			if (rc != 0)
				fail_msg("%s: refused (%s)", c->what, reason);
		} else if (rc == 0 || strstr(reason, c->reason) == NULL) {
			fail_msg("%s: expected a refusal with \"%s\", got %d \"%s\"", c->what, c->reason, rc, reason);
		}
		parley_wsl_free(&set);
	}
}

/* ---- /health shapes ------------------------------------------------------------------- */

static void test_sfu_health(void **state)
{
	json_t *gateway = json_pack("{ss sI sI sI sI sI sI s{ss ss sI}}", "status", "healthy", "uptime", (json_int_t)12,
	                            "sessions", (json_int_t)3, "handles", (json_int_t)4, "eventLoops", (json_int_t)2,
	                            "workers", (json_int_t)8, "rooms", (json_int_t)1, "memory", "used", "1.50MB",
	                            "total", "3.00MB", "rss", (json_int_t)123456);
	json_object_set_new(gateway, "peers", json_integer(5));
	json_t *sfu = parley_wsh_sfu(gateway);
	json_t *expected = json_pack("{ss sI sI sI sI s{ss ss}}", "status", "healthy", "uptime", (json_int_t)12,
	                             "rooms", (json_int_t)1, "peers", (json_int_t)5, "workers", (json_int_t)2, "memory",
	                             "used", "1.50MB", "total", "3.00MB");
	assert_true(json_equal(sfu, expected));
	json_decref(sfu);
	json_decref(expected);
	json_decref(gateway);

	/* a plugin that reports nothing: zeros, the same keys */
	json_t *bare = json_pack("{ss}", "status", "healthy");
	sfu = parley_wsh_sfu(bare);
	expected = json_pack("{ss si si si si s{ss ss}}", "status", "healthy", "uptime", 0, "rooms", 0, "peers", 0,
	                     "workers", 0, "memory", "used", "0.00MB", "total", "0.00MB");
	assert_true(json_equal(sfu, expected));
	json_decref(sfu);
	json_decref(expected);
	json_decref(bare);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_as_before),     cmocka_unit_test(test_extra_defaults),
		cmocka_unit_test(test_extra_own_settings), cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_sfu_health),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
