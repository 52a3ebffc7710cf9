/*
 * janus_api.c — owns the Janus API conversation of each peer: session
 * creation, plugin attach, keepalives, plugin messages with jsep, error
 * answers turned into readable reasons, the handle's events (trickle →
 * ICE, hangup → failure unless the run is ending, plugin events → driver),
 * and the goodbyes.
 */
#include "janus_api.h"

#include <string.h>
#include "janus_ws.h"

typedef struct janus_call {
	loadgen_run *run;
	loadgen_peer *peer;
	bool main_handle;           /* attach: store into main_handle_id */
	loadgen_janus_done_fn done;
	loadgen_janus_event_fn event;
} janus_call;

/* Peers' event routes, kept for the run (one per attached handle). */
typedef struct janus_route {
	loadgen_run *run;
	loadgen_peer *peer;
	loadgen_janus_event_fn event;
} janus_route;

static janus_call *call_new(loadgen_run *run, loadgen_peer *peer, loadgen_janus_done_fn done,
                            loadgen_janus_event_fn event)
{
	janus_call *c = g_new0(janus_call, 1);
	c->run = run;
	c->peer = peer;
	c->done = done;
	c->event = event;
	return c;
}

/* The reason in an error answer, or NULL when it is not one. */
static const char *janus_error(json_t *reply, char *buf, size_t size)
{
	const char *kind = json_string_value(json_object_get(reply, "janus"));
	if (kind && strcmp(kind, "error") == 0) {
		json_t *e = json_object_get(reply, "error");
		g_snprintf(buf, size, "Janus error %" JSON_INTEGER_FORMAT ": %s",
		           json_integer_value(json_object_get(e, "code")),
		           json_string_value(json_object_get(e, "reason")) ?: "(no reason)");
		return buf;
	}
	json_t *data = json_object_get(json_object_get(reply, "plugindata"), "data");
	json_t *code = json_object_get(data, "error_code");
	if (code != NULL) {
		g_snprintf(buf, size, "plugin error %" JSON_INTEGER_FORMAT ": %s", json_integer_value(code),
		           json_string_value(json_object_get(data, "error")) ?: "(no reason)");
		return buf;
	}
	return NULL;
}

static void request(janus_call *c, json_t *msg, bool wait_event, loadgen_ws_reply_fn fn)
{
	GError *error = NULL;
	if (loadgen_ws_request(c->run->ws, msg, wait_event, LOADGEN_JANUS_TIMEOUT_MS, fn, c, g_free, &error) < 0) {
		c->done(c->run, c->peer, NULL, NULL, error->message);
		g_error_free(error);
		g_free(c);
	}
}

static gboolean keepalive(gpointer data)
{
	janus_route *r = data;
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(r->peer);
	json_t *msg = json_pack("{s:s, s:I, s:s}", "janus", "keepalive", "session_id", (json_int_t)ids->session_id,
	                        "transaction", "keepalive");
	loadgen_ws_send_json(r->run->ws, msg, NULL);
	json_decref(msg);
	return G_SOURCE_CONTINUE;
}

static void event_trickle(janus_route *r, const char *kind, json_t *ev)
{
	loadgen_peer_trickle(r->peer, json_object_get(ev, "candidate"));
}

static void event_gone(janus_route *r, const char *kind, json_t *ev)
{
	if (!r->run->stopping)
		loadgen_run_fail(r->run, "peer %u: the gateway sent %s (%s)", loadgen_peer_publisher_id(r->peer),
		                 kind, json_string_value(json_object_get(ev, "reason")) ?: "no reason");
}

static void event_plugin(janus_route *r, const char *kind, json_t *ev)
{
	if (r->event)
		r->event(r->run, r->peer, json_object_get(json_object_get(ev, "plugindata"), "data"),
		         json_object_get(ev, "jsep"));
}

static void event_log(janus_route *r, const char *kind, json_t *ev)
{
	loadgen_log(r->run, 2, "peer %u: %s", loadgen_peer_publisher_id(r->peer), kind);
}

/* Transaction-less events on a handle; anything else is logged. */
static const struct {
	const char *kind;
	void (*handle)(janus_route *r, const char *kind, json_t *ev);
} handle_events[] = {
	{ "trickle", event_trickle },
	{ "hangup", event_gone },
	{ "detached", event_gone },
	{ "event", event_plugin },
};

static void on_handle_event(void *user_data, json_t *ev)
{
	janus_route *r = user_data;
	const char *kind = json_string_value(json_object_get(ev, "janus"));
	if (kind == NULL)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(handle_events); i++) {
		if (strcmp(kind, handle_events[i].kind) == 0) {
			handle_events[i].handle(r, kind, ev);
			return;
		}
	}
	event_log(r, kind, ev);
}

static void attached(void *user_data, json_t *reply, const char *why)
{
	janus_call *c = user_data;
	char buf[256];
	const char *err = reply ? janus_error(reply, buf, sizeof(buf)) : why;
	json_t *id = json_object_get(json_object_get(reply, "data"), "id");
	if (err == NULL && !json_is_integer(id))
		err = "attach answer without data.id";
	if (err != NULL) {
		c->done(c->run, c->peer, NULL, NULL, err);
		g_free(c);
		return;
	}
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(c->peer);
	if (c->main_handle) {
		ids->main_handle_id = (uint64_t)json_integer_value(id);
		c->done(c->run, c->peer, NULL, NULL, NULL);
		g_free(c);
		return;
	}
	ids->handle_id = (uint64_t)json_integer_value(id);
	janus_route *r = g_new0(janus_route, 1);
	r->run = c->run;
	r->peer = c->peer;
	r->event = c->event;
	loadgen_ws_watch_handle(c->run->ws, ids->handle_id, on_handle_event, r);
	if (ids->owns_session)
		ids->keepalive_source = g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, LOADGEN_JANUS_KEEPALIVE_S,
		                                                   keepalive, r, g_free);
	else
		g_ptr_array_add(c->run->routes, r);   /* freed with the run */
	c->done(c->run, c->peer, NULL, NULL, NULL);
	g_free(c);
}

static void send_attach(janus_call *c)
{
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(c->peer);
	json_t *msg = json_pack("{s:s, s:I, s:s}", "janus", "attach", "session_id", (json_int_t)ids->session_id,
	                        "plugin", c->run->plugin);
	request(c, msg, false, attached);
	json_decref(msg);
}

void loadgen_janus_attach(loadgen_run *run, loadgen_peer *peer, loadgen_janus_done_fn done,
                          loadgen_janus_event_fn event)
{
	send_attach(call_new(run, peer, done, event));
}

void loadgen_janus_attach_main(loadgen_run *run, loadgen_peer *peer, loadgen_janus_done_fn done)
{
	janus_call *c = call_new(run, peer, done, NULL);
	c->main_handle = true;
	send_attach(c);
}

static void created(void *user_data, json_t *reply, const char *why)
{
	janus_call *c = user_data;
	char buf[256];
	const char *err = reply ? janus_error(reply, buf, sizeof(buf)) : why;
	json_t *id = json_object_get(json_object_get(reply, "data"), "id");
	if (err == NULL && !json_is_integer(id))
		err = "create answer without data.id";
	if (err != NULL) {
		c->done(c->run, c->peer, NULL, NULL, err);
		g_free(c);
		return;
	}
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(c->peer);
	ids->session_id = (uint64_t)json_integer_value(id);
	ids->owns_session = true;
	send_attach(c);
}

void loadgen_janus_open(loadgen_run *run, loadgen_peer *peer, loadgen_janus_done_fn done,
                        loadgen_janus_event_fn event)
{
	json_t *msg = json_pack("{s:s}", "janus", "create");
	request(call_new(run, peer, done, event), msg, false, created);
	json_decref(msg);
}

static void answered(void *user_data, json_t *reply, const char *why)
{
	janus_call *c = user_data;
	char buf[256];
	const char *err = reply ? janus_error(reply, buf, sizeof(buf)) : why;
	if (err != NULL)
		c->done(c->run, c->peer, NULL, NULL, err);
	else
		c->done(c->run, c->peer, json_object_get(json_object_get(reply, "plugindata"), "data"),
		        json_object_get(reply, "jsep"), NULL);
	g_free(c);
}

void loadgen_janus_message(loadgen_run *run, loadgen_peer *peer, json_t *body, const char *jsep_type,
                           const char *sdp, loadgen_janus_done_fn done)
{
	loadgen_janus_message_to(run, peer, 0, body, jsep_type, sdp, done);
}

void loadgen_janus_message_to(loadgen_run *run, loadgen_peer *peer, uint64_t handle_id, json_t *body,
                              const char *jsep_type, const char *sdp, loadgen_janus_done_fn done)
{
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(peer);
	json_t *msg = json_pack("{s:s, s:I, s:I, s:O}", "janus", "message", "session_id",
	                        (json_int_t)ids->session_id, "handle_id",
	                        (json_int_t)(handle_id ? handle_id : ids->handle_id), "body", body);
	if (sdp != NULL)
		json_object_set_new(msg, "jsep", json_pack("{s:s, s:s}", "type", jsep_type, "sdp", sdp));
	request(call_new(run, peer, done, NULL), msg, true, answered);
	json_decref(msg);
}

void loadgen_janus_close(loadgen_run *run, loadgen_peer *peer)
{
	loadgen_peer_janus *ids = loadgen_peer_janus_ids(peer);
	if (ids->keepalive_source) {
		g_source_remove(ids->keepalive_source);
		ids->keepalive_source = 0;
	}
	if (ids->retry_source) {
		g_source_remove(ids->retry_source);
		ids->retry_source = 0;
	}
	if (ids->handle_id) {
		loadgen_ws_unwatch_handle(run->ws, ids->handle_id);
		json_t *msg = json_pack("{s:s, s:I, s:I, s:s}", "janus", "detach", "session_id",
		                        (json_int_t)ids->session_id, "handle_id", (json_int_t)ids->handle_id,
		                        "transaction", "bye-detach");
		loadgen_ws_send_json(run->ws, msg, NULL);
		json_decref(msg);
	}
	if (ids->main_handle_id && ids->owns_session) {
		json_t *msg = json_pack("{s:s, s:I, s:I, s:s}", "janus", "detach", "session_id",
		                        (json_int_t)ids->session_id, "handle_id", (json_int_t)ids->main_handle_id,
		                        "transaction", "bye-detach");
		loadgen_ws_send_json(run->ws, msg, NULL);
		json_decref(msg);
	}
	if (ids->session_id && ids->owns_session) {
		json_t *msg = json_pack("{s:s, s:I, s:s}", "janus", "destroy", "session_id",
		                        (json_int_t)ids->session_id, "transaction", "bye-destroy");
		loadgen_ws_send_json(run->ws, msg, NULL);
		json_decref(msg);
	}
	ids->handle_id = ids->session_id = ids->main_handle_id = 0;
}
