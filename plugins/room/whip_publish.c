/*
 * plugins/room/whip_publish.c — the work of WHIP resources, and what WHEP
 * resources share with them, run by a worker one job at a time per
 * resource (whip_resources.c):
 *
 *  - create (WHIP): the core makes a handle (handle_new) and takes the
 *    client's offer (sdp_remote); the room gets a peer on that handle
 *    ({"whip": true}) whose offer makes producers with source "whip"
 *    (peerJoined and newProducer to everyone, as for any publisher); our
 *    answer gets the core's ICE, DTLS and candidates (sdp_local): 201 with
 *    Location, ETag and the ICE servers as Link headers;
 *  - PATCH: If-Match is required (428); an ETag that is not the ICE
 *    session's fails (412). A fragment with the ICE credentials in use (or
 *    none) trickles its candidates (204); new credentials restart ICE: the
 *    client's offer is applied again with them, and the answer's fragment
 *    (our new credentials and candidates) comes back with a new ETag (200;
 *    If-Match "*" or the current ETag);
 *  - DELETE (200), and the end without a request (the pc ended: ICE
 *    consent expired, DTLS closed; or the room let the peer go): the peer
 *    or viewer leaves the room, the core's handle ends, the resource is
 *    forgotten.
 *
 * Core calls (which wait for the handle's loop) are made without
 * ctx->lock; the room's part takes it and sends its events after.
 */
#include <string.h>

#include "whip.h"

#define SDP_TYPE "application/sdp"
#define FRAG_TYPE "application/trickle-ice-sdpfrag"

static bool core_has_owned_handles(const parley_plugin_core *core)
{
	return PARLEY_PLUGIN_CORE_HAS(core, handle_new) && PARLEY_PLUGIN_CORE_HAS(core, sdp_remote) &&
	       PARLEY_PLUGIN_CORE_HAS(core, sdp_local) && PARLEY_PLUGIN_CORE_HAS(core, trickle);
}

void parley_room_whip_end(room_ctx *ctx, room_whip_resource *res, const char *reason)
{
	room_whip *w = ctx->whip;
	parley_room_whip_forget(w, res);
	g_mutex_lock(&w->lock);
	parley_plugin_session *session = res->session;
	res->session = NULL;
	g_mutex_unlock(&w->lock);
	if (session != NULL) {
		room_outbox box;
		parley_room_outbox_init(&box);
		g_mutex_lock(&ctx->lock);
		room_handle *handle = parley_room_handle_lookup_locked(ctx, session);
		room_peer *peer = handle != NULL ? handle->peer : NULL;
		if (peer != NULL && peer->viewer)
			parley_room_viewer_remove_locked(ctx, &box, peer);
		else if (peer != NULL && handle->role == ROOM_ROLE_MAIN)
			parley_room_peer_remove_locked(ctx, &box, peer, reason != NULL ? reason : "left");
		g_mutex_unlock(&ctx->lock);
		parley_room_outbox_flush(ctx, &box);
		ctx->core->end_session(session);
		ctx->core->handle_unref(session);
	}
	ROOM_LOG(ctx, PARLEY_LOG_VERB, "%s resource %s of room %s ended (%s)",
	         res->kind == ROOM_WHIP_INGEST ? "WHIP" : "WHEP", res->id, res->room_id, reason != NULL ? reason : "left");
}

void parley_room_whip_create_failed(room_ctx *ctx, room_whip_job *job, int status, const char *reason)
{
	ROOM_LOG(ctx, PARLEY_LOG_VERB, "%s POST for room %s from %s refused: %d %s",
	         job->res->kind == ROOM_WHIP_INGEST ? "WHIP" : "WHEP", job->res->room_id, job->res->remote_ip, status,
	         reason);
	parley_room_whip_end(ctx, job->res, "left");
	parley_room_whip_refuse(job->call, status, reason);
}

parley_plugin_session *parley_room_whip_make_handle(room_ctx *ctx, room_whip_job *job)
{
	const parley_plugin_core *core = ctx->core;
	if (!core_has_owned_handles(core)) {
		parley_room_whip_forget(ctx->whip, job->res);
		parley_room_whip_refuse(job->call, 503, "this core cannot make handles for plain-HTTP clients");
		return NULL;
	}
	char opaque[ROOM_MAX_ID + 16];
	g_snprintf(opaque, sizeof(opaque), "%s:%s", job->res->kind == ROOM_WHIP_INGEST ? "whip" : "whep",
	           job->res->room_id);
	parley_plugin_error error = {0};
	parley_plugin_session *session = core->handle_new(ctx->plugin, opaque, &error);
	if (session == NULL) {
		parley_room_whip_forget(ctx->whip, job->res);
		char reason[600];
		g_snprintf(reason, sizeof(reason), "no handle for this session: %s", error.reason);
		parley_room_whip_refuse(job->call, 503, reason);
		return NULL;
	}
	core->handle_ref(session);
	parley_room_whip_set_session(ctx->whip, job->res, session);
	parley_room_share_loop(ctx, session, job->res->room_id);   /* before sdp_remote makes its pc */
	return session;
}

void parley_room_whip_remember_credentials(room_whip_resource *res, const char *sdp)
{
	room_sdpfrag *theirs = g_new0(room_sdpfrag, 1);
	if (parley_room_sdpfrag_of_description(sdp, theirs) == 0) {
		g_strlcpy(res->remote_ufrag, theirs->ufrag, sizeof(res->remote_ufrag));
		g_strlcpy(res->remote_pwd, theirs->pwd, sizeof(res->remote_pwd));
	}
	g_free(theirs);
}

/* {"sources": {mid: "whip"}} for every m-line of the offer. */
static json_t *whip_sources(room_ctx *ctx, const char *offer)
{
	json_t *sources = json_object();
	json_t *summary = ctx->sdp.summary(offer);
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(summary, "media"), i, m) {
		const char *mid = json_string_value(json_object_get(m, "mid"));
		if (mid != NULL)
			json_object_set_new(sources, mid, json_string("whip"));
	}
	json_decref(summary);
	return json_pack("{s:o}", "sources", sources);
}

/* The room's part of a WHIP POST, under ctx->lock: a peer on the handle and
 * its producers. Our answer (without transport) in *answer; 0, or the HTTP
 * status with `reason`. */
static int join_and_publish(room_ctx *ctx, room_whip_resource *res, parley_plugin_session *session, const char *offer,
                            char **answer, char *reason, size_t reason_size)
{
	room_outbox box;
	parley_room_outbox_init(&box);
	json_t *body = whip_sources(ctx, offer);
	json_t *metadata = json_pack("{s:b}", "whip", true);
	parley_plugin_error error = {0};
	int status = 0;
	g_mutex_lock(&ctx->lock);
	room_room *room = parley_room_lookup_locked(ctx, res->room_id);
	if (room == NULL && ctx->cfg.implicit_rooms)
		room = parley_room_create_locked(ctx, res->room_id, NULL, 0, ROOM_ORIGIN_IMPLICIT, &error);
	room_handle *handle = parley_room_handle_lookup_locked(ctx, session);
	room_peer *peer = NULL;
	json_t *jsep = NULL;
	bool reconnected = false;
	if (room == NULL) {
		status = error.code == ROOM_ERR_FULL ? 503 : 404;
		g_snprintf(reason, reason_size, "%s", error.code != 0 ? error.reason : "no such room");
	} else if (handle == NULL) {
		status = 500;
		g_snprintf(reason, reason_size, "the handle is not the room plugin's");
	} else if ((peer = parley_room_peer_join_locked(ctx, &box, room, handle, NULL, metadata, &reconnected,
	                                                 &error)) == NULL) {
		status = error.code == ROOM_ERR_FULL ? 503 : 409;
		g_snprintf(reason, reason_size, "%s", error.reason);
	} else {
		handle->http = true;
		g_strlcpy(res->peer_id, peer->id, sizeof(res->peer_id));
		if (parley_room_publish_locked(ctx, &box, peer, offer, body, &jsep, &error) != 0) {
			status = error.code == ROOM_ERR_MEDIA ? 400 : 503;
			g_snprintf(reason, reason_size, "%s", error.reason);
		} else {
			*answer = g_strdup(json_string_value(json_object_get(jsep, "sdp")));
		}
	}
	g_mutex_unlock(&ctx->lock);
	parley_room_outbox_flush(ctx, &box);
	json_decref(jsep);
	json_decref(body);
	json_decref(metadata);
	return status;
}

void parley_room_whip_run_create_ingest(room_ctx *ctx, room_whip_job *job)
{
	room_whip_resource *res = job->res;
	parley_http_call *call = job->call;
	parley_plugin_session *session = parley_room_whip_make_handle(ctx, job);
	if (session == NULL)
		return;
	char *offer = g_strndup(call->request.body, call->request.body_length);
	parley_plugin_error error = {0};
	char reason[600] = "";
	char *answer = NULL;
	if (ctx->core->sdp_remote(session, "offer", offer, &error) != 0) {
		g_snprintf(reason, sizeof(reason), "the offer was refused: %s", error.reason);
		parley_room_whip_create_failed(ctx, job, error.code == 459 ? 503 : 400, reason);
		g_free(offer);
		return;
	}
	int status = join_and_publish(ctx, res, session, offer, &answer, reason, sizeof(reason));
	if (status != 0) {
		parley_room_whip_create_failed(ctx, job, status, reason);
		g_free(offer);
		return;
	}
	char *merged = ctx->core->sdp_local(session, "answer", answer, false, &error);
	if (merged == NULL) {
		g_snprintf(reason, sizeof(reason), "our answer could not be made: %s", error.reason);
		parley_room_whip_create_failed(ctx, job, 500, reason);
		g_free(offer);
		g_free(answer);
		return;
	}
	res->remote = offer;
	res->local = answer;
	parley_room_whip_remember_credentials(res, offer);
	char *headers = parley_room_whip_created_headers(ctx, res);
	ROOM_LOG(ctx, PARLEY_LOG_INFO, "WHIP publisher %s joined room %s from %s (resource %s)", res->peer_id,
	         res->room_id, res->remote_ip, res->id);
	parley_room_whip_answer(call, 201, SDP_TYPE, merged, strlen(merged), headers);
	g_free(headers);
	g_free(merged);
}

/* ---- PATCH ---- */

/* Does If-Match `value` (a list of entity-tags, or "*") name `etag`? */
static bool etag_listed(const char *value, const char *etag)
{
	gchar **items = g_strsplit(value, ",", 16);
	bool found = false;
	for (gchar **item = items; *item != NULL && !found; item++) {
		char *tag = g_strstrip(*item);
		if (g_str_has_prefix(tag, "W/"))
			tag += 2;
		size_t n = strlen(tag);
		if (n >= 2 && tag[0] == '"' && tag[n - 1] == '"') {
			tag[n - 1] = '\0';
			tag++;
		}
		found = strcmp(tag, etag) == 0;
	}
	g_strfreev(items);
	return found;
}

static bool is_star(const char *value)
{
	while (*value == ' ')
		value++;
	return value[0] == '*' && (value[1] == '\0' || value[1] == ' ');
}

/* Hands the fragment's candidates (and its end) to the core. */
static void trickle_all(room_ctx *ctx, parley_plugin_session *session, const room_sdpfrag *frag)
{
	parley_plugin_error error = {0};
	for (size_t i = 0; i < frag->n_candidates; i++)
		if (ctx->core->trickle(session, frag->candidates[i].line, &error) != 0)
			ROOM_LOG(ctx, PARLEY_LOG_VERB, "trickled candidate not taken: %s", error.reason);
	if (frag->end_of_candidates)
		ctx->core->trickle(session, NULL, &error);
}

/* The client's offer with new ICE credentials and without its old
 * candidates (g_malloc'd). */
static char *with_credentials(const char *description, const char *ufrag, const char *pwd)
{
	GString *out = g_string_sized_new(strlen(description) + 64);
	gchar **lines = g_strsplit(description, "\n", -1);
	for (gchar **line = lines; *line != NULL; line++) {
		char *l = *line;
		size_t n = strlen(l);
		if (n > 0 && l[n - 1] == '\r')
			l[--n] = '\0';
		if (n == 0)
			continue;
		if (g_str_has_prefix(l, "a=candidate:") || g_str_has_prefix(l, "a=end-of-candidates"))
			continue;
		if (g_str_has_prefix(l, "a=ice-ufrag:"))
			g_string_append_printf(out, "a=ice-ufrag:%s\r\n", ufrag);
		else if (g_str_has_prefix(l, "a=ice-pwd:"))
			g_string_append_printf(out, "a=ice-pwd:%s\r\n", pwd);
		else
			g_string_append_printf(out, "%s\r\n", l);
	}
	g_strfreev(lines);
	return g_string_free(out, FALSE);
}

/* Counts a restart on the resource's peer or viewer. */
static void count_restart(room_ctx *ctx, parley_plugin_session *session)
{
	g_mutex_lock(&ctx->lock);
	room_handle *handle = parley_room_handle_lookup_locked(ctx, session);
	if (handle != NULL && handle->peer != NULL)
		parley_room_connection_restarted_locked(handle->peer, handle->role == ROOM_ROLE_SUBSCRIBER
		                                                          ? ROOM_PC_SUBSCRIBER : ROOM_PC_PUBLISHER);
	g_mutex_unlock(&ctx->lock);
}

/* An ICE restart: the answer is set on the job's call. */
/* Our side of an ICE restart as the body of a 200: the new credentials and
 * candidates of `merged` (our description after the restart). 0 when none. */
static size_t restart_body(const char *merged, char *body, size_t body_size)
{
	room_sdpfrag *ours = g_new0(room_sdpfrag, 1);
	size_t length = 0;
	if (merged != NULL && parley_room_sdpfrag_of_description(merged, ours) == 0)
		length = parley_room_sdpfrag_write(ours, body, body_size);
	g_free(ours);
	return length;
}

/* The restart took: the client's description with its new credentials is
 * kept for the next one, a new ETag names the ICE session, 200 carries ours. */
static void restarted(room_ctx *ctx, room_whip_job *job, parley_plugin_session *session, char *remote,
                      const char *body, size_t length)
{
	room_whip_resource *res = job->res;
	g_free(res->remote);
	res->remote = remote;
	g_strlcpy(res->remote_ufrag, job->frag->ufrag, sizeof(res->remote_ufrag));
	g_strlcpy(res->remote_pwd, job->frag->pwd, sizeof(res->remote_pwd));
	parley_room_whip_new_etag(res);
	count_restart(ctx, session);
	char *headers = g_strdup_printf("ETag: \"%s\"\r\n", res->etag);
	ROOM_LOG(ctx, PARLEY_LOG_VERB, "resource %s: ICE restart", res->id);
	parley_room_whip_answer(job->call, 200, FRAG_TYPE, body, length, headers);
	g_free(headers);
}

/* The client offered: its offer again with the new credentials, and our
 * answer to it. */
static void restart_ice(room_ctx *ctx, room_whip_job *job, parley_plugin_session *session)
{
	room_whip_resource *res = job->res;
	const room_sdpfrag *frag = job->frag;
	parley_plugin_error error = {0};
	char reason[600];
	char *offer = with_credentials(res->remote, frag->ufrag, frag->pwd);
	if (ctx->core->sdp_remote(session, "offer", offer, &error) != 0) {
		g_snprintf(reason, sizeof(reason), "the ICE restart was refused: %s", error.reason);
		g_free(offer);
		parley_room_whip_refuse(job->call, error.code == 459 ? 404 : 400, reason);
		return;
	}
	trickle_all(ctx, session, frag);
	char *merged = ctx->core->sdp_local(session, "answer", res->local, false, &error);
	char body[8192];
	size_t length = restart_body(merged, body, sizeof(body));
	g_free(merged);
	if (length == 0) {
		g_free(offer);
		g_snprintf(reason, sizeof(reason), "our side of the ICE restart could not be made: %s", error.reason);
		parley_room_whip_refuse(job->call, 500, reason);
		return;
	}
	restarted(ctx, job, session, offer, body, length);
}

/* We offered (a WHEP player's empty POST): a new offer of ours with new
 * credentials, then the player's answer again with its new ones. The
 * restart is an ICE matter, so the player's PATCH carries everything it
 * needs: it sends no new SDP answer. */
static void restart_ice_we_offered(room_ctx *ctx, room_whip_job *job, parley_plugin_session *session)
{
	room_whip_resource *res = job->res;
	const room_sdpfrag *frag = job->frag;
	parley_plugin_error error = {0};
	char reason[600];
	char *merged = ctx->core->sdp_local(session, "offer", res->local, true, &error);
	if (merged == NULL) {
		g_snprintf(reason, sizeof(reason), "our side of the ICE restart could not be made: %s", error.reason);
		parley_room_whip_refuse(job->call, error.code == 459 ? 404 : 500, reason);
		return;
	}
	char *answer = with_credentials(res->remote, frag->ufrag, frag->pwd);
	if (ctx->core->sdp_remote(session, "answer", answer, &error) != 0) {
		g_snprintf(reason, sizeof(reason), "the ICE restart was refused: %s", error.reason);
		g_free(answer);
		g_free(merged);
		parley_room_whip_refuse(job->call, 400, reason);
		return;
	}
	trickle_all(ctx, session, frag);
	char body[8192];
	size_t length = restart_body(merged, body, sizeof(body));
	g_free(merged);
	if (length == 0) {
		g_free(answer);
		parley_room_whip_refuse(job->call, 500, "our side of the ICE restart has no credentials");
		return;
	}
	restarted(ctx, job, session, answer, body, length);
}

void parley_room_whip_run_patch(room_ctx *ctx, room_whip_job *job)
{
	room_whip_resource *res = job->res;
	parley_http_call *call = job->call;
	g_mutex_lock(&ctx->whip->lock);
	parley_plugin_session *session = res->closed ? NULL : res->session;
	g_mutex_unlock(&ctx->whip->lock);
	if (session == NULL) {
		parley_room_whip_refuse(call, 404, "no such resource (ended, or never made)");
		return;
	}
	if (job->sdp_answer) {
		char reason[512] = "";
		const char *sdp = call->request.body;
		char *text = sdp != NULL ? g_strndup(sdp, call->request.body_length) : g_strdup("");
		int status = parley_room_whep_take_answer(ctx, res, text, reason, sizeof(reason));
		g_free(text);
		if (status != 0)
			parley_room_whip_refuse(call, status, reason);
		else
			parley_room_whip_answer(call, 204, "text/plain", NULL, 0, NULL);
		return;
	}
	const char *if_match = call->if_match;
	if (if_match == NULL) {
		parley_room_whip_refuse(call, 428, "If-Match is required: the ETag of the ICE session (\"*\" for an ICE restart)");
		return;
	}
	const room_sdpfrag *frag = job->frag;
	bool restart = frag->ufrag[0] != '\0' &&
	               (strcmp(frag->ufrag, res->remote_ufrag) != 0 || strcmp(frag->pwd, res->remote_pwd) != 0);
	if (!is_star(if_match) && !etag_listed(if_match, res->etag)) {
		parley_room_whip_refuse(call, 412, "If-Match does not name this ICE session's ETag");
		return;
	}
	if (restart && res->remote == NULL) {
		parley_room_whip_refuse(call, 409, res->server_offer ? "the player has not answered our offer yet"
		                                                     : "the session has no offer of its own to restart");
		return;
	}
	if (restart) {
		(res->server_offer ? restart_ice_we_offered : restart_ice)(ctx, job, session);
		return;
	}
	trickle_all(ctx, session, frag);
	parley_room_whip_answer(call, 204, "text/plain", NULL, 0, NULL);
}

/* ---- DELETE and the end ---- */

void parley_room_whip_run_delete(room_ctx *ctx, room_whip_job *job)
{
	g_mutex_lock(&ctx->whip->lock);
	bool closed = job->res->closed;
	g_mutex_unlock(&ctx->whip->lock);
	if (closed) {
		parley_room_whip_refuse(job->call, 404, "no such resource (ended, or never made)");
		return;
	}
	parley_room_whip_end(ctx, job->res, "left");
	parley_room_whip_answer(job->call, 200, "text/plain", NULL, 0, NULL);
}

void parley_room_whip_run_close(room_ctx *ctx, room_whip_job *job)
{
	g_mutex_lock(&ctx->whip->lock);
	bool closed = job->res->closed;
	g_mutex_unlock(&ctx->whip->lock);
	if (!closed)
		parley_room_whip_end(ctx, job->res, job->reason);
}
