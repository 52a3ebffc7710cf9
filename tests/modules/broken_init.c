/*
 * broken_init.c — a valid plugin whose init fails. The loader must refuse
 * it, never call anything else in it, and dlclose it.
 */
#include <stdlib.h>
#include <parley/plugin.h>

static int init(const parley_plugin_core *core)
{
	return -1;
}
static void destroy(void)
{
	abort();   /* a plugin whose init failed is never destroyed */
}
static int create_session(parley_plugin_session *session) { return 0; }
static void handle_message(parley_plugin_session *session, const char *transaction, json_t *message,
                           json_t *jsep, parley_plugin_result *result) {}
static int destroy_session(parley_plugin_session *session) { return 0; }

static const parley_plugin plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = "parley.plugin.test_init",
	.name = "init fails",
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
