/*
 * broken_plugin.h — the valid rest of a test plugin the loader must refuse
 * before any session exists: session callbacks that do nothing, the vtable
 * and the entry point. A broken_<what>.c defines init and destroy, then
 * BROKEN_API_VERSION, BROKEN_PACKAGE and BROKEN_NAME, and includes this.
 */
#ifndef TEST_BROKEN_PLUGIN_H
#define TEST_BROKEN_PLUGIN_H

#include <parley/plugin.h>

#if !defined(BROKEN_API_VERSION) || !defined(BROKEN_PACKAGE) || !defined(BROKEN_NAME)
#error "define BROKEN_API_VERSION, BROKEN_PACKAGE and BROKEN_NAME first"
#endif

static int create_session(parley_plugin_session *session) { return 0; }
static void handle_message(parley_plugin_session *session, const char *transaction, json_t *message,
                           json_t *jsep, parley_plugin_result *result) {}
static int destroy_session(parley_plugin_session *session) { return 0; }

static const parley_plugin plugin = {
	.api_version = BROKEN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = BROKEN_PACKAGE,
	.name = BROKEN_NAME,
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

#endif
