/*
 * broken_version.c — a plugin built for an ABI this core does not speak
 * (api_version 99). Everything else is valid, so the version check alone
 * must refuse it, before init is ever called.
 */
#include <stdlib.h>
#include <parley/plugin.h>

static int init(const parley_plugin_core *core)
{
	abort();   /* the loader must never get this far */
}
static void destroy(void) {}
static int create_session(parley_plugin_session *session) { return 0; }
static void handle_message(parley_plugin_session *session, const char *transaction, json_t *message,
                           json_t *jsep, parley_plugin_result *result) {}
static int destroy_session(parley_plugin_session *session) { return 0; }

static const parley_plugin plugin = {
	.api_version = 99,
	.struct_size = sizeof(parley_plugin),
	.package = "parley.plugin.test_version",
	.name = "wrong api_version",
	.init = init,
	.destroy = destroy,
	.create_session = create_session,
	.handle_message = handle_message,
	.destroy_session = destroy_session,
};

const parley_plugin *parley_plugin_entry(void);
const parley_plugin *parley_plugin_entry(void)
{
	return &plugin;
}
