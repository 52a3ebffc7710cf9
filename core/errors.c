/*
 * errors.c — the table from API error code to its default reason, in the
 * style of strerror(3). Requests that fail without a more precise reason
 * are answered with these texts.
 */
#include <stddef.h>
#include "errors.h"

struct error_entry {
	int code;
	const char *reason;
};

static const struct error_entry error_table[] = {
	{ PARLEY_OK, "Success" },
	{ PARLEY_ERROR_UNAUTHORIZED, "Unauthorized request (wrong or missing secret/token)" },
	{ PARLEY_ERROR_UNAUTHORIZED_PLUGIN, "Unauthorized access to plugin (token is not allowed to)" },
	{ PARLEY_ERROR_TRANSPORT_SPECIFIC, "Transport specific error" },
	{ PARLEY_ERROR_MISSING_REQUEST, "Missing request" },
	{ PARLEY_ERROR_UNKNOWN_REQUEST, "Unknown request" },
	{ PARLEY_ERROR_INVALID_JSON, "Invalid JSON" },
	{ PARLEY_ERROR_INVALID_JSON_OBJECT, "Invalid JSON Object" },
	{ PARLEY_ERROR_MISSING_MANDATORY_ELEMENT, "Missing mandatory element" },
	{ PARLEY_ERROR_INVALID_REQUEST_PATH, "Invalid path for this request" },
	{ PARLEY_ERROR_SESSION_NOT_FOUND, "Session not found" },
	{ PARLEY_ERROR_HANDLE_NOT_FOUND, "Handle not found" },
	{ PARLEY_ERROR_PLUGIN_NOT_FOUND, "Plugin not found" },
	{ PARLEY_ERROR_PLUGIN_ATTACH, "Error attaching plugin" },
	{ PARLEY_ERROR_PLUGIN_MESSAGE, "Error sending message to plugin" },
	{ PARLEY_ERROR_PLUGIN_DETACH, "Error detaching from plugin" },
	{ PARLEY_ERROR_JSEP_UNKNOWN_TYPE, "Unsupported JSEP type" },
	{ PARLEY_ERROR_JSEP_INVALID_SDP, "Invalid SDP" },
	{ PARLEY_ERROR_TRICKLE_INVALID_STREAM, "Invalid stream" },
	{ PARLEY_ERROR_INVALID_ELEMENT_TYPE, "Invalid element type" },
	{ PARLEY_ERROR_SESSION_CONFLICT, "Session ID already in use" },
	{ PARLEY_ERROR_UNEXPECTED_ANSWER, "Unexpected ANSWER (no OFFER)" },
	{ PARLEY_ERROR_TOKEN_NOT_FOUND, "Token not found" },
	{ PARLEY_ERROR_WEBRTC_STATE, "Wrong WebRTC state" },
	{ PARLEY_ERROR_NOT_ACCEPTING_SESSIONS, "Currently not accepting new sessions" },
	{ PARLEY_ERROR_UNKNOWN, "Unknown error" },
};

const char *parley_error_reason(int code)
{
	for (size_t i = 0; i < sizeof(error_table) / sizeof(error_table[0]); i++)
		if (error_table[i].code == code)
			return error_table[i].reason;
	return "Unknown error";
}
