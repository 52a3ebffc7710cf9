/*
 * env_plugin.c — a plugin that declares one environment variable
 * (PARLEY_TEST_GREETING sets its [general] greeting) and whose init fails
 * unless config_get already answers with that variable's value: the loader
 * must read a module's variables before its init.
 */
#include <stdlib.h>
#include <string.h>
#include <parley/plugin.h>

#define TEST_ENV_PACKAGE "parley.plugin.test_env"

static int init(const parley_plugin_core *core)
{
	const char *expected = getenv("PARLEY_TEST_GREETING");
	const char *value = core->config_get(TEST_ENV_PACKAGE, "general", "greeting");
	return expected != NULL && value != NULL && strcmp(expected, value) == 0 ? 0 : -1;
}
static void destroy(void) {}
static int create_session(parley_plugin_session *session) { return 0; }
static void handle_message(parley_plugin_session *session, const char *transaction, json_t *message,
                           json_t *jsep, parley_plugin_result *result) {}
static int destroy_session(parley_plugin_session *session) { return 0; }

static const parley_env_override env_overrides[] = {
	{"PARLEY_TEST_GREETING", "general", "greeting"},
	{NULL},
};

static const parley_plugin plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = TEST_ENV_PACKAGE,
	.name = "test_env",
	.init = init,
	.destroy = destroy,
	.create_session = create_session,
	.handle_message = handle_message,
	.destroy_session = destroy_session,
	.env_overrides = env_overrides,
};

const parley_plugin *parley_plugin_entry(void);
const parley_plugin *parley_plugin_entry(void)
{
	return &plugin;
}
