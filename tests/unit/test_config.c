/*
 * test_config.c — configuration layers: file values, environment overrides
 * (the core's own list; a module's declared list read into that module's
 * keys only; first-listed wins, FRONTEND_URL only without CORS_ORIGINS; a
 * variable two modules declare), command-line overrides on top, integer and
 * boolean parsing, value lifetime, state_dir creation and bad files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "core/config.h"
#include "core/log.h"

#define HTTP "parley.transport.http"
#define WS "parley.transport.websocket"
#define REDIS "parley.transport.redis"
#define MEETING "parley.plugin.meeting"

static char *folder;

/* Lists as modules declare them in their vtables (env_overrides). */
static const parley_env_override http_list[] = {
	{"HTTP_PORT", "general", "port"},
	{"SSL_CERT_PATH", "general", "cert_pem"}, {"SSL_KEY_PATH", "general", "cert_key"},
	{"CORS_ORIGINS", "general", "cors_origins"}, {"FRONTEND_URL", "general", "cors_origins"},
	{NULL},
};
static const parley_env_override ws_list[] = {
	{"PORT", "general", "port"},
	{"SSL_CERT_PATH", "general", "cert_pem"}, {"SSL_KEY_PATH", "general", "cert_key"},
	{"CORS_ORIGINS", "general", "cors_origins"}, {"FRONTEND_URL", "general", "cors_origins"},
	{NULL},
};
static const parley_env_override redis_list[] = {{"REDIS_URL", "general", "url"}, {NULL}};
static const parley_env_override meeting_list[] = {{"REDIS_URL", "cluster", "redis_url"}, {NULL}};

/* parley_config_load, then what the loader does for each module it loads. */
static int load_with_modules(void)
{
	int rc = parley_config_load(folder);
	parley_config_read_environment(HTTP, http_list);
	parley_config_read_environment(WS, ws_list);
	parley_config_read_environment(REDIS, redis_list);
	parley_config_read_environment(MEETING, meeting_list);
	return rc;
}

/* Every variable the tests touch, cleared before each test. */
static const char *const variables[] = {
	"PORT", "HTTP_PORT", "SSL_CERT_PATH", "SSL_KEY_PATH", "CORS_ORIGINS", "FRONTEND_URL",
	"API_SECRET", "LOG_LEVEL", "ANNOUNCED_IP", "MEDIASOUP_ANNOUNCED_IP", "RTC_MIN_PORT",
	"MEDIASOUP_MIN_PORT", "REDIS_URL", "MEDIASOUP_NUM_WORKERS",
};

static void write_file(const char *name, const char *text)
{
	char *path = g_build_filename(folder, name, NULL);
	assert_true(g_file_set_contents(path, text, -1, NULL));
	g_free(path);
}

static int setup(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(variables); i++)
		g_unsetenv(variables[i]);
	folder = g_dir_make_tmp("parley-config-XXXXXX", NULL);
	assert_non_null(folder);
	write_file("parley.conf",
	           "# core\n[general]\nserver_name = from-file\nevent_loops = 3\nlog_json = yes\n"
	           "bad_int = 12abc\nbad_bool = maybe\nnegative = -7\n"
	           "[auth]\napi_secret = file-secret\n");
	write_file(HTTP ".conf", "; comment with a semicolon\n[general]\n  ; indented too\nport = 9000\n"
	           "cors_origins = http://file.example\n");
	write_file("notes.txt", "[general]\nignored = yes\n");
	return 0;
}

static int teardown(void **state)
{
	parley_config_free();
	char *cmd = g_strdup_printf("rm -rf '%s'", folder);
	assert_int_equal(system(cmd), 0);
	g_free(cmd);
	g_clear_pointer(&folder, g_free);
	return 0;
}

static void file_values_and_defaults(void **state)
{
	assert_int_equal(parley_config_load(folder), 0);
	assert_string_equal(parley_config_get("parley", "general", "server_name"), "from-file");
	assert_string_equal(parley_config_get(HTTP, "general", "port"), "9000");
	assert_null(parley_config_get("parley", "general", "missing"));
	assert_null(parley_config_get("notes", "general", "ignored"));
	assert_string_equal(parley_config_get_string("parley", "general", "missing", "dflt"), "dflt");
	assert_int_equal(parley_config_get_int("parley", "general", "event_loops", 0), 3);
	assert_int_equal(parley_config_get_int("parley", "general", "negative", 0), -7);
	assert_int_equal(parley_config_get_int("parley", "general", "missing", 42), 42);
	assert_string_equal(parley_config_folder(), folder);
}

static void ints_and_bools_parse_strictly(void **state)
{
	assert_int_equal(parley_config_load(folder), 0);
	assert_int_equal(parley_config_get_int("parley", "general", "bad_int", 5), 5);
	assert_true(parley_config_get_bool("parley", "general", "log_json", false));
	assert_false(parley_config_get_bool("parley", "general", "bad_bool", false));
	assert_true(parley_config_get_bool("parley", "general", "bad_bool", true));
	static const struct { const char *text; bool value; } words[] = {
		{"true", true}, {"YES", true}, {"on", true}, {"1", true},
		{"false", false}, {"No", false}, {"off", false}, {"0", false},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
		parley_config_set("parley", "test", "flag", words[i].text);
		assert_int_equal(parley_config_get_bool("parley", "test", "flag", !words[i].value), words[i].value);
	}
	parley_config_set("parley", "test", "n", " 12");
	assert_int_equal(parley_config_get_int("parley", "test", "n", 0), 12);
	parley_config_set("parley", "test", "n", "99999999999999999999999");
	assert_int_equal(parley_config_get_int("parley", "test", "n", 8), 8);
}

static void environment_beats_file_and_cli_beats_both(void **state)
{
	g_setenv("API_SECRET", "env-secret", TRUE);
	g_setenv("HTTP_PORT", "9100", TRUE);
	assert_int_equal(load_with_modules(), 0);
	assert_string_equal(parley_config_get("parley", "auth", "api_secret"), "env-secret");
	assert_string_equal(parley_config_get(HTTP, "general", "port"), "9100");
	parley_config_set(HTTP, "general", "port", "9200");
	assert_string_equal(parley_config_get(HTTP, "general", "port"), "9200");
	/* a CLI value given before load still wins after it */
	parley_config_free();
	parley_config_set("parley", "auth", "api_secret", "cli-secret");
	assert_int_equal(parley_config_load(folder), 0);
	assert_string_equal(parley_config_get("parley", "auth", "api_secret"), "cli-secret");
}

static void one_variable_sets_several_keys(void **state)
{
	g_setenv("SSL_CERT_PATH", "/tmp/cert.pem", TRUE);
	g_setenv("REDIS_URL", "redis://127.0.0.1:6390", TRUE);
	g_setenv("PORT", "3000", TRUE);
	assert_int_equal(load_with_modules(), 0);
	assert_string_equal(parley_config_get(HTTP, "general", "cert_pem"), "/tmp/cert.pem");
	assert_string_equal(parley_config_get(WS, "general", "cert_pem"), "/tmp/cert.pem");
	assert_string_equal(parley_config_get(REDIS, "general", "url"), "redis://127.0.0.1:6390");
	assert_string_equal(parley_config_get(MEETING, "cluster", "redis_url"), "redis://127.0.0.1:6390");
	assert_string_equal(parley_config_get(WS, "general", "port"), "3000");
	assert_null(parley_config_get(HTTP, "general", "cert_key"));
	/* a module's variable sets only that module's key */
	assert_null(parley_config_get(HTTP, "general", "url"));
	assert_null(parley_config_get(REDIS, "cluster", "redis_url"));
	assert_null(parley_config_get("parley", "general", "port"));
}

static void module_variables_wait_for_the_module(void **state)
{
	g_setenv("PORT", "3000", TRUE);
	g_setenv("LOG_LEVEL", "debug", TRUE);
	assert_int_equal(parley_config_load(folder), 0);
	/* the core's own variables are read at load; a module's when it is loaded */
	assert_string_equal(parley_config_get("parley", "general", "log_level"), "debug");
	assert_null(parley_config_get(WS, "general", "port"));
	parley_config_read_environment(WS, ws_list);
	assert_string_equal(parley_config_get(WS, "general", "port"), "3000");
	/* the command line still wins over it */
	parley_config_set(WS, "general", "port", "3001");
	assert_string_equal(parley_config_get(WS, "general", "port"), "3001");
	/* NULL lists and entries without a key are ignored */
	static const parley_env_override odd[] = {{"PORT", NULL, "port"}, {"PORT", "general", NULL}, {NULL}};
	parley_config_read_environment(WS, NULL);
	parley_config_read_environment(NULL, ws_list);
	parley_config_read_environment("parley.plugin.odd", odd);
	assert_null(parley_config_get("parley.plugin.odd", "general", "port"));
}

static void frontend_url_only_without_cors_origins(void **state)
{
	g_setenv("FRONTEND_URL", "http://front.example", TRUE);
	assert_int_equal(load_with_modules(), 0);
	assert_string_equal(parley_config_get(HTTP, "general", "cors_origins"), "http://front.example");
	assert_string_equal(parley_config_get(WS, "general", "cors_origins"), "http://front.example");
	parley_config_free();

	g_setenv("CORS_ORIGINS", "http://a.example,http://b.example", TRUE);
	assert_int_equal(load_with_modules(), 0);
	assert_string_equal(parley_config_get(HTTP, "general", "cors_origins"), "http://a.example,http://b.example");
	assert_string_equal(parley_config_get(WS, "general", "cors_origins"), "http://a.example,http://b.example");
	parley_config_free();

	/* an empty CORS_ORIGINS counts as unset */
	g_setenv("CORS_ORIGINS", "", TRUE);
	assert_int_equal(load_with_modules(), 0);
	assert_string_equal(parley_config_get(HTTP, "general", "cors_origins"), "http://front.example");
}

static void first_listed_variable_wins(void **state)
{
	g_setenv("MEDIASOUP_ANNOUNCED_IP", "198.51.100.2", TRUE);
	g_setenv("MEDIASOUP_MIN_PORT", "41000", TRUE);
	g_setenv("MEDIASOUP_NUM_WORKERS", "2", TRUE);
	assert_int_equal(parley_config_load(folder), 0);
	assert_string_equal(parley_config_get("parley", "media", "announced_ip"), "198.51.100.2");
	assert_int_equal(parley_config_get_int("parley", "media", "rtc_min_port", 40000), 41000);
	assert_int_equal(parley_config_get_int("parley", "general", "event_loops", 0), 2);
	parley_config_free();

	g_setenv("ANNOUNCED_IP", "198.51.100.1", TRUE);
	g_setenv("RTC_MIN_PORT", "42000", TRUE);
	assert_int_equal(parley_config_load(folder), 0);
	assert_string_equal(parley_config_get("parley", "media", "announced_ip"), "198.51.100.1");
	assert_int_equal(parley_config_get_int("parley", "media", "rtc_min_port", 40000), 42000);
}

static void values_live_until_free(void **state)
{
	assert_int_equal(parley_config_load(folder), 0);
	const char *before = parley_config_get("parley", "general", "server_name");
	parley_config_set("parley", "general", "server_name", "one");
	const char *one = parley_config_get("parley", "general", "server_name");
	parley_config_set("parley", "general", "server_name", "two");
	/* the older strings were handed out: they must still read correctly */
	assert_string_equal(before, "from-file");
	assert_string_equal(one, "one");
	assert_string_equal(parley_config_get("parley", "general", "server_name"), "two");
}

static void state_dir_is_created(void **state)
{
	char *dir = g_build_filename(folder, "state", "nested", NULL);
	char *text = g_strdup_printf("[general]\nstate_dir = %s\n", dir);
	write_file("parley.conf", text);
	assert_int_equal(parley_config_load(folder), 0);
	assert_false(g_file_test(dir, G_FILE_TEST_IS_DIR));
	assert_string_equal(parley_config_state_dir(), dir);
	assert_true(g_file_test(dir, G_FILE_TEST_IS_DIR));
	g_free(text);
	g_free(dir);
}

static void missing_folder_gives_defaults(void **state)
{
	char *missing = g_build_filename(folder, "does-not-exist", NULL);
	assert_int_equal(parley_config_load(missing), 0);
	assert_null(parley_config_get("parley", "general", "server_name"));
	assert_int_equal(parley_config_get_int("parley", "general", "session_timeout", 60), 60);
	g_free(missing);
}

static void malformed_file_is_an_error(void **state)
{
	write_file("parley.plugin.broken.conf", "[general\nthis is not ini\n");
	assert_int_equal(parley_config_load(folder), -1);
	/* the good files were still read */
	assert_string_equal(parley_config_get("parley", "general", "server_name"), "from-file");
}

static void log_levels_parse(void **state)
{
	static const struct { const char *text; int level; } good[] = {
		{"0", 0}, {"4", PARLEY_LOG_INFO}, {"6", PARLEY_LOG_DEBUG}, {"fatal", PARLEY_LOG_FATAL},
		{"ERROR", PARLEY_LOG_ERROR}, {"warn", PARLEY_LOG_WARN}, {"warning", PARLEY_LOG_WARN},
		{"verb", PARLEY_LOG_VERB}, {"debug", PARLEY_LOG_DEBUG},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		parley_log_level level = 99;
		assert_int_equal(parley_log_level_parse(good[i].text, &level), 0);
		assert_int_equal(level, good[i].level);
	}
	static const char *const bad[] = {"7", "-1", "loud", "", "4x"};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		parley_log_level level;
		assert_int_equal(parley_log_level_parse(bad[i], &level), -1);
	}
	assert_string_equal(parley_log_level_name(PARLEY_LOG_VERB), "verb");
}

static void log_writes_json_lines_and_reopens(void **state)
{
	char *path = g_build_filename(folder, "parley.log", NULL);
	char *moved = g_build_filename(folder, "parley.log.1", NULL);
	parley_log_set_level(PARLEY_LOG_INFO);
	assert_int_equal(parley_log_open(path, true), 0);
	parley_log(PARLEY_LOG_INFO, "test", "first \"quoted\" line\n");
	parley_log(PARLEY_LOG_DEBUG, "test", "too verbose");
	/* a line written while the thread works for a session, handle and room names them */
	parley_log_context saved = parley_log_context_save();
	parley_log_context_set(1234567890123ULL, 42);
	parley_log_context_room("room-7");
	parley_log(PARLEY_LOG_INFO, "test", "with context");
	parley_log_context_restore(&saved);
	parley_log(PARLEY_LOG_INFO, "test", "without context");
	assert_int_equal(g_rename(path, moved), 0);
	parley_log_reopen();
	parley_log(PARLEY_LOG_WARN, "test", "second");
	parley_log_close();

	char *text = NULL;
	assert_true(g_file_get_contents(moved, &text, NULL, NULL));
	json_error_t error;
	json_t *line = json_loads(text, JSON_DISABLE_EOF_CHECK, &error);
	assert_non_null(line);
	assert_string_equal(json_string_value(json_object_get(line, "message")), "first \"quoted\" line");
	assert_string_equal(json_string_value(json_object_get(line, "level")), "info");
	assert_string_equal(json_string_value(json_object_get(line, "module")), "test");
	assert_null(json_object_get(line, "session_id"));
	/* every line is one JSON object */
	char **lines = g_strsplit(text, "\n", -1);
	assert_int_equal(g_strv_length(lines), 4);   /* three lines and what follows the last newline */
	json_t *with = json_loads(lines[1], 0, &error), *without = json_loads(lines[2], 0, &error);
	assert_non_null(with);
	assert_non_null(without);
	assert_string_equal(json_string_value(json_object_get(with, "message")), "with context");
	assert_int_equal(json_integer_value(json_object_get(with, "session_id")), 1234567890123LL);
	assert_int_equal(json_integer_value(json_object_get(with, "handle_id")), 42);
	assert_string_equal(json_string_value(json_object_get(with, "room")), "room-7");
	assert_null(json_object_get(without, "session_id"));
	assert_null(json_object_get(without, "room"));
	json_decref(with);
	json_decref(without);
	g_strfreev(lines);
	const char *ts = json_string_value(json_object_get(line, "time"));
	assert_non_null(ts);
	assert_true(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$", ts, 0, 0));
	assert_null(strstr(text, "too verbose"));
	assert_null(strstr(text, "second"));
	json_decref(line);
	g_free(text);
	/* the reopened file holds the line logged after SIGHUP's reopen */
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_non_null(strstr(text, "\"second\""));
	g_free(text);
	g_free(path);
	g_free(moved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(file_values_and_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(ints_and_bools_parse_strictly, setup, teardown),
		cmocka_unit_test_setup_teardown(environment_beats_file_and_cli_beats_both, setup, teardown),
		cmocka_unit_test_setup_teardown(one_variable_sets_several_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(module_variables_wait_for_the_module, setup, teardown),
		cmocka_unit_test_setup_teardown(frontend_url_only_without_cors_origins, setup, teardown),
		cmocka_unit_test_setup_teardown(first_listed_variable_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(values_live_until_free, setup, teardown),
		cmocka_unit_test_setup_teardown(state_dir_is_created, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_folder_gives_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_file_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(log_levels_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(log_writes_json_lines_and_reopens, setup, teardown),
	};
	parley_log_set_level(PARLEY_LOG_ERROR);
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
