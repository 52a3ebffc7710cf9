/*
 * test_loader.c — the module loader against real shared objects from the
 * build tree ($PARLEY_BUILDDIR, default "."): the echo plugin loads and
 * answers; the deliberately broken modules (tests/modules: no entry symbol,
 * wrong api_version, failing init, too-small struct_size), a non-ELF file,
 * an empty file and a module of the wrong kind are each refused with one log
 * line naming the file, without a crash; duplicates, disable lists, aliases,
 * a load before the core tables were handed over, and unloading. A
 * module's environment variables are read before its init, and every
 * documented variable is declared by the module it sets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "core/api.h"
#include "core/config.h"
#include "core/events.h"
#include "core/loader.h"
#include "core/log.h"
#include "core/loops.h"
#include "core/tables.h"

#define ECHO "parley.plugin.echo"

static const char *builddir;
static char *workdir;   /* temporary: module folders and the log file */
static char *log_path;

static char *built(const char *folder, const char *name)
{
	return g_strdup_printf("%s/%s/.libs/%s", builddir, folder, name);
}

static char *echo_path(void)
{
	return built("plugins/echo", "parley_plugin_echo.so");
}

static char *read_log(void)
{
	char *text = NULL;
	if (!g_file_get_contents(log_path, &text, NULL, NULL))
		text = g_strdup("");
	return text;
}

/* How many log lines contain both `a` and `b`. */
static int log_lines_with(const char *a, const char *b)
{
	char *text = read_log();
	char **lines = g_strsplit(text, "\n", -1);
	int n = 0;
	for (char **l = lines; *l; l++) {
		if (strstr(*l, a) && (b == NULL || strstr(*l, b)))
			n++;
	}
	g_strfreev(lines);
	g_free(text);
	return n;
}

static int group_setup(void **state)
{
	builddir = g_getenv("PARLEY_BUILDDIR");
	if (builddir == NULL)
		builddir = ".";
	workdir = g_dir_make_tmp("parley-loader-XXXXXX", NULL);
	log_path = g_build_filename(workdir, "loader.log", NULL);
	parley_config_load(workdir);   /* no .conf files there: defaults */
	parley_config_set("parley", "general", "state_dir", workdir);
	parley_log_set_level(PARLEY_LOG_INFO);
	if (parley_log_open(log_path, false) != 0 || parley_loops_start(1) != 0 || parley_events_start(16) != 0)
		return -1;
	parley_loader_set_tables(parley_tables_all());
	return parley_api_start(1);
}

static int group_teardown(void **state)
{
	parley_api_shutdown();
	parley_events_stop();
	parley_loops_stop();
	parley_loader_unload_all();
	parley_log_close();
	parley_config_free();
	char *cmd = g_strdup_printf("rm -rf '%s'", workdir);
	int rc = system(cmd);
	g_free(cmd);
	g_free(log_path);
	g_free(workdir);
	return rc == 0 ? 0 : -1;
}

static int unload(void **state)
{
	parley_loader_unload_all();
	return 0;
}

static void echo_plugin_loads_and_answers(void **state)
{
	char *path = echo_path();
	assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	assert_int_equal(parley_loader_load_file(path, PARLEY_MODULE_PLUGIN), 0);
	const parley_plugin *echo = parley_registry_plugin(ECHO);
	assert_non_null(echo);
	assert_int_equal(parley_registry_plugins(NULL, 0), 1);
	assert_int_equal(log_lines_with("loaded plugin " ECHO, path), 1);

	parley_plugin_session session = {0};
	assert_int_equal(echo->create_session(&session), 0);
	parley_plugin_result result = {0};
	json_t *ping = json_pack("{s:s}", "request", "ping");
	echo->handle_message(&session, "t1", ping, NULL, &result);
	assert_int_equal(result.kind, PARLEY_PLUGIN_OK);
	assert_string_equal(json_string_value(json_object_get(result.content, "echotest")), "pong");
	json_decref(result.content);
	json_decref(ping);
	json_t *admin = echo->handle_admin_message(NULL);
	assert_int_equal(json_integer_value(json_object_get(admin, "sessions")), 1);
	json_decref(admin);
	json_t *info = echo->query_session(&session);
	assert_true(json_is_true(json_object_get(info, "audio")));
	json_decref(info);
	assert_int_equal(echo->destroy_session(&session), 0);

	/* the same package twice is refused */
	assert_int_equal(parley_loader_load_file(path, PARLEY_MODULE_PLUGIN), -1);
	assert_int_equal(log_lines_with("refused plugin", "already loaded"), 1);
	assert_int_equal(parley_registry_plugins(NULL, 0), 1);
	g_free(path);
}

/* Each broken module: refused, one line naming the file and the reason. */
static void broken_modules_are_refused(void **state)
{
	static const struct {
		const char *file;
		parley_module_kind kind;
		const char *reason;
	} cases[] = {
		{"broken_no_entry.so", PARLEY_MODULE_PLUGIN, "no parley_plugin_entry symbol"},
		{"broken_version.so", PARLEY_MODULE_PLUGIN, "api_version 99"},
		{"broken_init.so", PARLEY_MODULE_PLUGIN, "init of parley.plugin.test_init failed"},
		{"broken_size.so", PARLEY_MODULE_TRANSPORT, "struct_size"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *path = built("tests/modules", cases[i].file);
		assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
		assert_int_equal(parley_loader_load_file(path, cases[i].kind), -1);
		assert_int_equal(log_lines_with(path, NULL), 1);
		assert_int_equal(log_lines_with(path, cases[i].reason), 1);
		g_free(path);
	}
	assert_int_equal(parley_registry_plugins(NULL, 0), 0);
	assert_int_equal(parley_registry_transports(NULL, 0), 0);
	assert_null(parley_registry_plugin("parley.plugin.test_init"));
}

static void wrong_kind_is_refused(void **state)
{
	char *path = echo_path();
	assert_int_equal(parley_loader_load_file(path, PARLEY_MODULE_TRANSPORT), -1);
	assert_int_equal(parley_loader_load_file(path, PARLEY_MODULE_HANDLER), -1);
	assert_int_equal(log_lines_with(path, "no parley_transport_entry symbol"), 1);
	assert_int_equal(log_lines_with(path, "no parley_handler_entry symbol"), 1);
	assert_int_equal(parley_registry_transports(NULL, 0), 0);
	g_free(path);
}

static char *make_folder(const char *name)
{
	char *folder = g_build_filename(workdir, name, NULL);
	assert_int_equal(g_mkdir_with_parents(folder, 0755), 0);
	return folder;
}

static void link_into(const char *folder, const char *target, const char *name)
{
	char *link = g_build_filename(folder, name, NULL);
	assert_int_equal(symlink(target, link), 0);
	g_free(link);
}

static void folder_loads_only_the_good_module(void **state)
{
	char *folder = make_folder("mixed");
	static const char *const broken[] = {"broken_no_entry.so", "broken_version.so", "broken_init.so"};
	for (size_t i = 0; i < G_N_ELEMENTS(broken); i++) {
		char *target = built("tests/modules", broken[i]);
		link_into(folder, target, broken[i]);
		g_free(target);
	}
	char *echo = echo_path();
	link_into(folder, echo, "parley_plugin_echo.so");
	char *garbage = g_build_filename(folder, "garbage.so", NULL);
	assert_true(g_file_set_contents(garbage, "this is not an ELF file\n", -1, NULL));
	char *empty = g_build_filename(folder, "empty.so", NULL);
	assert_true(g_file_set_contents(empty, "", 0, NULL));
	char *other = g_build_filename(folder, "notes.txt", NULL);
	assert_true(g_file_set_contents(other, "not a module name", -1, NULL));

	assert_int_equal(parley_loader_load_folder(folder, PARLEY_MODULE_PLUGIN, NULL), 1);
	assert_non_null(parley_registry_plugin(ECHO));
	assert_int_equal(log_lines_with(garbage, "dlopen failed"), 1);
	assert_int_equal(log_lines_with(empty, "dlopen failed"), 1);
	assert_int_equal(log_lines_with(other, NULL), 0);

	/* a missing folder loads nothing */
	char *missing = g_build_filename(workdir, "missing", NULL);
	assert_int_equal(parley_loader_load_folder(missing, PARLEY_MODULE_HANDLER, NULL), 0);
	g_free(missing);
	g_free(garbage);
	g_free(empty);
	g_free(other);
	g_free(echo);
	g_free(folder);
}

static void disable_list_by_file_or_package(void **state)
{
	char *folder = make_folder("disable");
	char *echo = echo_path();
	link_into(folder, echo, "parley_plugin_echo.so");
	assert_int_equal(parley_loader_load_folder(folder, PARLEY_MODULE_PLUGIN, "other.so, parley_plugin_echo.so"), 0);
	assert_int_equal(parley_loader_load_folder(folder, PARLEY_MODULE_PLUGIN, "parley_plugin_echo"), 0);
	assert_int_equal(parley_loader_load_folder(folder, PARLEY_MODULE_PLUGIN, ECHO), 0);
	assert_null(parley_registry_plugin(ECHO));
	assert_int_equal(parley_loader_load_folder(folder, PARLEY_MODULE_PLUGIN, "parley.plugin.other"), 1);
	assert_non_null(parley_registry_plugin(ECHO));
	g_free(echo);
	g_free(folder);
}

static void aliases_resolve_to_packages(void **state)
{
	char *echo = echo_path();
	assert_int_equal(parley_loader_load_file(echo, PARLEY_MODULE_PLUGIN), 0);
	assert_int_equal(parley_registry_set_aliases(" janus.plugin.echotest = " ECHO ",broken,=x,e2=" ECHO), 2);
	assert_ptr_equal(parley_registry_plugin("janus.plugin.echotest"), parley_registry_plugin(ECHO));
	assert_ptr_equal(parley_registry_plugin("e2"), parley_registry_plugin(ECHO));
	assert_null(parley_registry_plugin("broken"));
	assert_null(parley_registry_plugin(NULL));
	assert_int_equal(parley_registry_set_aliases(NULL), 0);
	assert_null(parley_registry_plugin("janus.plugin.echotest"));
	g_free(echo);
}

/* Without the core tables (parley_loader_set_tables) nothing can be
 * initialised: refused with one line, and loadable again once they are. */
static void refused_without_core_tables(void **state)
{
	char *echo = echo_path();
	parley_loader_set_tables(NULL);
	assert_int_equal(parley_loader_load_file(echo, PARLEY_MODULE_PLUGIN), -1);
	assert_int_equal(log_lines_with(echo, "no core table"), 1);
	assert_int_equal(parley_registry_plugins(NULL, 0), 0);
	parley_loader_set_tables(parley_tables_all());
	assert_int_equal(parley_loader_load_file(echo, PARLEY_MODULE_PLUGIN), 0);
	g_free(echo);
}

static void module_environment_is_read_before_init(void **state)
{
	char *path = built("tests/modules", "env_plugin.so");
	g_unsetenv("PARLEY_TEST_GREETING");
	assert_int_equal(parley_loader_load_file(path, PARLEY_MODULE_PLUGIN), -1);
	assert_int_equal(log_lines_with(path, "init of parley.plugin.test_env failed"), 1);
	g_setenv("PARLEY_TEST_GREETING", "hello", TRUE);
	assert_int_equal(parley_loader_load_file(path, PARLEY_MODULE_PLUGIN), 0);
	assert_string_equal(parley_config_get("parley.plugin.test_env", "general", "greeting"), "hello");
	/* it sets only the key of the module that declares it */
	assert_null(parley_config_get("parley", "general", "greeting"));
	g_unsetenv("PARLEY_TEST_GREETING");
	g_free(path);
}

/* The environment variables documented in README.md, the modules' READMEs
 * and their sample configurations, each declared by the module it sets. */
#define HTTP_SO "transports/http", "parley_transport_http.so", PARLEY_MODULE_TRANSPORT
#define WS_SO "transports/websocket", "parley_transport_websocket.so", PARLEY_MODULE_TRANSPORT
#define REDIS_SO "transports/redis", "parley_transport_redis.so", PARLEY_MODULE_TRANSPORT
#define MEETING_SO "plugins/meeting", "parley_plugin_meeting.so", PARLEY_MODULE_PLUGIN
#define ROOM_SO "plugins/room", "parley_plugin_room.so", PARLEY_MODULE_PLUGIN
static void documented_variables_are_declared(void **state)
{
	static const struct {
		const char *folder, *file;
		parley_module_kind kind;
		const char *variable, *section, *key;
	} documented[] = {
		{HTTP_SO, "HTTP_PORT", "general", "port"},
		{HTTP_SO, "HTTPS_PORT", "general", "secure_port"},
		{HTTP_SO, "SSL_CERT_PATH", "general", "cert_pem"},
		{HTTP_SO, "SSL_KEY_PATH", "general", "cert_key"},
		{HTTP_SO, "CORS_ORIGINS", "general", "cors_origins"},
		{HTTP_SO, "FRONTEND_URL", "general", "cors_origins"},
		{WS_SO, "PORT", "general", "port"},
		{WS_SO, "SSL_CERT_PATH", "general", "cert_pem"},
		{WS_SO, "SSL_KEY_PATH", "general", "cert_key"},
		{WS_SO, "CORS_ORIGINS", "general", "cors_origins"},
		{WS_SO, "FRONTEND_URL", "general", "cors_origins"},
		{WS_SO, "SOCKET_PING_TIMEOUT", "socketio", "ping_timeout"},
		{WS_SO, "SFU_PORT", "socketio.sfu", "port"},
		{REDIS_SO, "REDIS_URL", "general", "url"},
		{REDIS_SO, "REDIS_KEY_PREFIX", "general", "key_prefix"},
		{MEETING_SO, "STUN_SERVERS", "ice", "stun_servers"},
		{MEETING_SO, "TURN_SERVER", "ice", "turn_server"},
		{MEETING_SO, "TURN_USERNAME", "ice", "turn_username"},
		{MEETING_SO, "TURN_PASSWORD", "ice", "turn_password"},
		{MEETING_SO, "TURN_SECRET", "ice", "turn_secret"},
		{MEETING_SO, "MEETING_TTL", "general", "meeting_ttl"},
		{MEETING_SO, "MAX_PARTICIPANTS", "general", "max_participants"},
		{MEETING_SO, "REDIS_URL", "cluster", "redis_url"},
		{MEETING_SO, "REDIS_KEY_PREFIX", "cluster", "key_prefix"},
		{ROOM_SO, "WHIP_TOKEN", "whip", "tokens"},
		{ROOM_SO, "WHEP_TOKEN", "whep", "tokens"},
		{ROOM_SO, "STUN_SERVERS", "whip", "stun_servers"},
		{ROOM_SO, "TURN_SERVER", "whip", "turn_servers"},
		{ROOM_SO, "TURN_USERNAME", "whip", "turn_username"},
		{ROOM_SO, "TURN_PASSWORD", "whip", "turn_password"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(documented); i++) {
		char *path = built(documented[i].folder, documented[i].file);
		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
			/* only the Redis transport is optional (built with hiredis) */
			assert_string_equal(documented[i].folder, "transports/redis");
			g_free(path);
			continue;
		}
		void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		assert_non_null(dl);
		bool plugin = documented[i].kind == PARLEY_MODULE_PLUGIN;
		void *entry = dlsym(dl, plugin ? PARLEY_PLUGIN_ENTRY : PARLEY_TRANSPORT_ENTRY);
		assert_non_null(entry);
		const parley_env_override *list =
			plugin ? PARLEY_PLUGIN_FIELD(((parley_plugin_entry_fn)entry)(), env_overrides)
			       : PARLEY_TRANSPORT_FIELD(((parley_transport_entry_fn)entry)(), env_overrides);
		bool found = false;
		for (const parley_env_override *o = list; o != NULL && o->variable != NULL && !found; o++)
			found = strcmp(o->variable, documented[i].variable) == 0 &&
			        strcmp(o->section, documented[i].section) == 0 && strcmp(o->key, documented[i].key) == 0;
		if (!found)
			fail_msg("%s does not declare %s for [%s] %s", documented[i].file, documented[i].variable,
			         documented[i].section, documented[i].key);
		dlclose(dl);
		g_free(path);
	}
}

static void unload_empties_the_registry(void **state)
{
	char *echo = echo_path();
	assert_int_equal(parley_loader_load_file(echo, PARLEY_MODULE_PLUGIN), 0);
	parley_loader_unload_all();
	assert_null(parley_registry_plugin(ECHO));
	assert_int_equal(parley_registry_plugins(NULL, 0), 0);
	/* and it loads again afterwards */
	assert_int_equal(parley_loader_load_file(echo, PARLEY_MODULE_PLUGIN), 0);
	const parley_plugin *list[4];
	assert_int_equal(parley_registry_plugins(list, 4), 1);
	assert_string_equal(list[0]->package, ECHO);
	g_free(echo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(echo_plugin_loads_and_answers, unload),
		cmocka_unit_test_teardown(broken_modules_are_refused, unload),
		cmocka_unit_test_teardown(wrong_kind_is_refused, unload),
		cmocka_unit_test_teardown(folder_loads_only_the_good_module, unload),
		cmocka_unit_test_teardown(disable_list_by_file_or_package, unload),
		cmocka_unit_test_teardown(aliases_resolve_to_packages, unload),
		cmocka_unit_test_teardown(refused_without_core_tables, unload),
		cmocka_unit_test_teardown(module_environment_is_read_before_init, unload),
		cmocka_unit_test_teardown(documented_variables_are_declared, unload),
		cmocka_unit_test_teardown(unload_empties_the_registry, unload),
	};
	return cmocka_run_group_tests_name("loader", tests, group_setup, group_teardown);
}
