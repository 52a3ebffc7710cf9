/*
 * hello.c — an out-of-tree Parley plugin, built with nothing but the
 * installed headers: `pkg-config --cflags --libs parley`.
 *
 * Package parley.plugin.hello. {"request":"hello","name":"Ada"} is answered
 * at once with {"hello":"Ada"}; any other message gets error 462 with the
 * reason. See plugins/echo/echo.c in the Parley sources for a plugin that
 * keeps per-handle state and answers asynchronously.
 */
#include <string.h>
#include <parley/plugin.h>

static const parley_plugin_core *core;

static int hello_init(const parley_plugin_core *table)
{
	if (table->api_version != PARLEY_PLUGIN_API_VERSION)
		return -1;
	core = table;
	core->log(PARLEY_LOG_INFO, "parley.plugin.hello", "hello plugin ready");
	return 0;
}

static void hello_destroy(void)
{
	core = NULL;
}

static int hello_create_session(parley_plugin_session *session)
{
	return 0;
}

static int hello_destroy_session(parley_plugin_session *session)
{
	return 0;
}

static void hello_handle_message(parley_plugin_session *session, const char *transaction,
                                 json_t *message, json_t *jsep, parley_plugin_result *result)
{
	const char *request = json_string_value(json_object_get(message, "request"));
	if (request == NULL || strcmp(request, "hello") != 0) {
		result->kind = PARLEY_PLUGIN_ERROR;
		strncpy(result->text, "the only request is \"hello\"", sizeof(result->text) - 1);
		return;
	}
	const char *name = json_string_value(json_object_get(message, "name"));
	result->kind = PARLEY_PLUGIN_OK;
	result->content = json_pack("{s:s}", "hello", name ? name : "world");
}

static const parley_plugin hello_plugin = {
	.api_version = PARLEY_PLUGIN_API_VERSION,
	.struct_size = sizeof(parley_plugin),
	.package = "parley.plugin.hello",
	.name = "Hello",
	.description = "An out-of-tree example plugin",
	.author = "Parley",
	.version_string = "0.1.0",
	.version = 1,
	.init = hello_init,
	.destroy = hello_destroy,
	.create_session = hello_create_session,
	.handle_message = hello_handle_message,
	.destroy_session = hello_destroy_session,
};

const parley_plugin *parley_plugin_entry(void);
const parley_plugin *parley_plugin_entry(void)
{
	return &hello_plugin;
}
