/*
 * plugins/chat/params.c — the declarative checks of a request's members:
 * each request lists its members (name, type, required, bounded as a name
 * or as a message text) and this file refuses the first that does not
 * fit, with TextRoom's codes: 413 for a missing member, 414 for a wrong
 * type or an empty name, and this plugin's 425 for one over its size
 * limit. JSON strings are valid UTF-8 without NUL (jansson's parser
 * refuses anything else).
 */
#include "chat.h"

static const char *const type_names[] = {
	[PARLEY_CHAT_PARAM_STRING] = "a string",
	[PARLEY_CHAT_PARAM_POSITIVE] = "a positive integer",
	[PARLEY_CHAT_PARAM_COUNT] = "a non-negative integer",
	[PARLEY_CHAT_PARAM_BOOL] = "a boolean",
	[PARLEY_CHAT_PARAM_STRINGS] = "an array of strings",
};

static bool type_fits(json_t *value, parley_chat_param_type type)
{
	switch (type) {
	case PARLEY_CHAT_PARAM_STRING:
		return json_is_string(value);
	case PARLEY_CHAT_PARAM_POSITIVE:
		return json_is_integer(value) && json_integer_value(value) > 0;
	case PARLEY_CHAT_PARAM_COUNT:
		return json_is_integer(value) && json_integer_value(value) >= 0;
	case PARLEY_CHAT_PARAM_BOOL:
		return json_is_boolean(value);
	case PARLEY_CHAT_PARAM_STRINGS: {
		if (!json_is_array(value))
			return false;
		size_t i;
		json_t *item;
		json_array_foreach(value, i, item) {
			if (!json_is_string(item))
				return false;
		}
		return true;
	}
	}
	return false;
}

/* The size bound of one string (0 = none) and the setting that sets it. */
static size_t bound_of(const parley_chat_config *cfg, unsigned flags, const char **setting)
{
	if (flags & PARLEY_CHAT_PARAM_TEXT) {
		*setting = "max_message_size";
		return cfg->max_text;
	}
	if (flags & (PARLEY_CHAT_PARAM_NAME | PARLEY_CHAT_PARAM_SHORT)) {
		*setting = "max_name_size";
		return cfg->max_name;
	}
	return 0;
}

static int check_string(const parley_chat_config *cfg, const char *name, json_t *value, unsigned flags,
                        parley_plugin_error *error)
{
	const char *setting = "";
	size_t bound = bound_of(cfg, flags, &setting);
	size_t length = json_string_length(value);
	if ((flags & PARLEY_CHAT_PARAM_NAME) && length == 0)
		return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_INVALID_ELEMENT, "%s must not be empty", name);
	if (bound > 0 && length > bound)
		return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_TOO_LARGE,
		                               "%s is %zu bytes, more than the %zu allowed ([limits] %s)", name, length, bound,
		                               setting);
	return 0;
}

static int check_one(const parley_chat_config *cfg, json_t *body, const parley_chat_param *param,
                     parley_plugin_error *error)
{
	json_t *value = json_object_get(body, param->name);
	if (value == NULL) {
		if (param->flags & PARLEY_CHAT_PARAM_REQUIRED)
			return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_MISSING_ELEMENT,
			                               "Missing mandatory element (%s)", param->name);
		return 0;
	}
	if (!type_fits(value, param->type))
		return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_INVALID_ELEMENT,
		                               "Invalid element type (%s should be %s)", param->name, type_names[param->type]);
	if (param->type == PARLEY_CHAT_PARAM_STRING)
		return check_string(cfg, param->name, value, param->flags, error);
	if (param->type == PARLEY_CHAT_PARAM_STRINGS) {
		size_t i;
		json_t *item;
		if (json_array_size(value) > cfg->max_participants)
			return parley_plugin_error_set(error, PARLEY_CHAT_ERROR_TOO_LARGE,
			                               "%s has %zu items, more than the %u allowed ([limits] max_participants)",
			                               param->name, json_array_size(value), cfg->max_participants);
		json_array_foreach(value, i, item) {
			char what[96];
			snprintf(what, sizeof(what), "%s[%zu]", param->name, i);
			int rc = check_string(cfg, what, item, param->flags, error);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int parley_chat_params_check(const parley_chat_config *cfg, json_t *body, const parley_chat_param *params, size_t n,
                             parley_plugin_error *error)
{
	for (size_t i = 0; i < n; i++) {
		int rc = check_one(cfg, body, &params[i], error);
		if (rc != 0)
			return rc;
	}
	return 0;
}
