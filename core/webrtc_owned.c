/*
 * webrtc_owned.c — handles a plugin makes for itself (handle_new: one
 * handle in a session no connection owns) and the text SDP entries of the
 * plugin table (sdp_remote, sdp_local, trickle), which take and give what
 * a Janus API jsep and trickle would, through the same paths (webrtc.c).
 * For clients that reach a plugin over plain HTTP (WHIP, WHEP), which
 * have no channel for our candidates after our description: their pcs wait
 * up to [media] http_gather_wait_ms for gathering (webrtc.c, settings_for),
 * and a description that still goes out without end-of-candidates is
 * logged.
 */
#include <stdio.h>
#include <string.h>
#include "webrtc_owned.h"
#include "errors.h"
#include "log.h"
#include "registry.h"
#include "session.h"
#include "webrtc.h"

#define PARLEY_LOG_MODULE "webrtc"
#define CANDIDATE_MAX 1024

/* The live handle behind `psession`, or NULL with error 459. */
static parley_handle *live_handle(parley_plugin_session *psession, parley_plugin_error *error)
{
	parley_handle *h = parley_handle_from_plugin(psession);
	if (!h || g_atomic_int_get(&h->life.destroyed)) {
		parley_plugin_error_set(error, PARLEY_ERROR_HANDLE_NOT_FOUND, "the handle is gone");
		return NULL;
	}
	return h;
}

parley_plugin_session *parley_webrtc_owned_handle_new(const parley_plugin *plugin, const char *opaque_id,
                                                      parley_plugin_error *error)
{
	if (!plugin || !plugin->package || parley_registry_plugin(plugin->package) != plugin) {
		parley_plugin_error_set(error, PARLEY_ERROR_PLUGIN_NOT_FOUND, "not a loaded plugin");
		return NULL;
	}
	char reason[256] = "";
	parley_session *session = NULL;
	int code = parley_session_create_owned(&session, reason, sizeof(reason));
	if (code) {
		parley_plugin_error_set(error, code, "%s", reason);
		return NULL;
	}
	parley_handle *h = NULL;
	code = parley_handle_create(session, plugin, opaque_id, &h, reason, sizeof(reason));
	if (code) {
		parley_session_destroy(session, PARLEY_SESSION_END_REQUEST);
		parley_session_unref(session);
		parley_plugin_error_set(error, code, "%s", reason);
		return NULL;
	}
	PLOG_VERB("handle %" G_GUINT64_FORMAT " of %s made by the plugin (session %" G_GUINT64_FORMAT ")", h->id,
	          plugin->package, session->id);
	parley_plugin_session *psession = &h->psession;
	parley_handle_unref(h);         /* the session's table keeps its own */
	parley_session_unref(session);  /* the session table keeps its own */
	return psession;
}

void parley_webrtc_owned_end(parley_plugin_session *psession)
{
	parley_handle *h = parley_handle_from_plugin(psession);
	if (!h)
		return;
	if (h->session->owned)
		parley_session_destroy(h->session, PARLEY_SESSION_END_REQUEST);
	else
		parley_handle_destroy(h, true);
}

int parley_webrtc_owned_sdp_remote(parley_plugin_session *psession, const char *type, const char *sdp,
                                   parley_plugin_error *error)
{
	parley_handle *h = live_handle(psession, error);
	if (!h)
		return PARLEY_ERROR_HANDLE_NOT_FOUND;
	if (!type || (strcmp(type, "offer") && strcmp(type, "answer")) || !sdp)
		return parley_plugin_error_set(error, PARLEY_ERROR_JSEP_INVALID_SDP, "a description needs type offer|answer and sdp");
	if (strncmp(sdp, "v=0", 3) != 0)
		return parley_plugin_error_set(error, PARLEY_ERROR_JSEP_INVALID_SDP, "invalid SDP (it must start with v=0)");
	json_t *jsep = json_pack("{ss ss}", "type", type, "sdp", sdp);
	char reason[256] = "";
	int code = jsep ? parley_webrtc_remote_jsep(h, jsep, reason, sizeof(reason)) : PARLEY_ERROR_UNKNOWN;
	json_decref(jsep);
	if (code)
		return parley_plugin_error_set(error, code, "%s", reason[0] ? reason : parley_error_reason(code));
	return 0;
}

char *parley_webrtc_owned_sdp_local(parley_plugin_session *psession, const char *type, const char *sdp,
                                    bool ice_restart, parley_plugin_error *error)
{
	parley_handle *h = live_handle(psession, error);
	if (!h)
		return NULL;
	if (!type || !sdp) {
		parley_plugin_error_set(error, PARLEY_ERROR_JSEP_INVALID_SDP, "a description needs type and sdp");
		return NULL;
	}
	json_t *jsep = json_pack("{ss ss sb}", "type", type, "sdp", sdp, "restart", ice_restart);
	int code = 0;
	char reason[256] = "";
	json_t *merged = jsep ? parley_webrtc_local_jsep(h, jsep, &code, reason, sizeof(reason)) : NULL;
	json_decref(jsep);
	if (!merged) {
		parley_plugin_error_set(error, code ? code : PARLEY_ERROR_UNKNOWN, "%s", reason);
		return NULL;
	}
	char *text = g_strdup(json_string_value(json_object_get(merged, "sdp")));
	json_decref(merged);
	if (text && !strstr(text, "a=end-of-candidates"))
		PLOG_WARN("handle %" G_GUINT64_FORMAT ": our %s goes out before candidate gathering ended "
		          "([media] http_gather_wait_ms): candidates gathered later reach this client only "
		          "with an ICE restart", h->id, type);
	return text;
}

int parley_webrtc_owned_trickle(parley_plugin_session *psession, const char *candidate, parley_plugin_error *error)
{
	parley_handle *h = live_handle(psession, error);
	if (!h)
		return PARLEY_ERROR_HANDLE_NOT_FOUND;
	if (candidate && strncmp(candidate, "a=", 2) == 0)
		candidate += 2;
	if (candidate && (strncmp(candidate, "candidate:", 10) != 0 || strlen(candidate) > CANDIDATE_MAX ||
	                  strpbrk(candidate, "\r\n") != NULL))
		return parley_plugin_error_set(error, PARLEY_ERROR_JSEP_INVALID_SDP, "not a candidate line");
	json_t *c = candidate ? json_pack("{ss ss si}", "candidate", candidate, "sdpMid", "", "sdpMLineIndex", 0)
	                      : json_pack("{sb}", "completed", true);
	char reason[256] = "";
	int taken = parley_webrtc_trickle(h, c, reason, sizeof(reason));
	int code = 0;
	if (taken != 1 && parley_webrtc_keep_candidate(h, c))
		code = parley_plugin_error_set(error, PARLEY_ERROR_UNKNOWN, "too many trickled candidates for this handle");
	json_decref(c);
	return code;
}
