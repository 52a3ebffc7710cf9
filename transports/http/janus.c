/*
 * transports/http/janus.c — the Janus JSON API over plain HTTP.
 *
 * Owns mailboxes and requests:
 *  - A mailbox is the parley_conn of one HTTP session: POST base_path gets a
 *    fresh one; once the core reports session_created the mailbox is found
 *    by session id (sessions hash) for later POSTs and long-polls. Events
 *    (send_message without request_ctx) queue on it, bounded by max_events
 *    (oldest dropped). A mailbox is released (conn_closed + conn_unref) on
 *    the service thread once it has no session, no request in flight, no
 *    long-poll and no undelivered events of an ended session.
 *  - A request (http_req) is the request_ctx handed to the core: one
 *    reference for the HTTP transaction, one for the core until it answers,
 *    one for a mailbox's long-poll slot. A client that goes away marks it
 *    gone; the late answer is then dropped.
 * The answer text is serialized on the caller's thread and written by the
 * service thread. Errors the transport detects use core->error_reply.
 * Long-polls (GET base_path/<session>) live in longpoll.c.
 */
#include "http.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define LOG(level, ...) parley_http.core->log(level, HTTP_PACKAGE, __VA_ARGS__)


static void mailbox_free(void *data)
{
	http_mailbox *mailbox = data;
	char *text;
	while ((text = g_queue_pop_head(&mailbox->events)) != NULL)
		free(text);
	g_free(mailbox);
}

/* A fresh mailbox: the transport's reference plus one for the caller. */
http_mailbox *parley_http_mailbox_new(void)
{
	http_mailbox *mailbox = g_new0(http_mailbox, 1);
	g_queue_init(&mailbox->events);
	mailbox->conn = parley_http.core->conn_new(&parley_http_transport, mailbox, mailbox_free);
	if (mailbox->conn == NULL) {
		g_free(mailbox);
		return NULL;
	}
	parley_http.core->conn_ref(mailbox->conn);
	g_mutex_lock(&parley_http.lock);
	parley_http.mailboxes++;
	g_mutex_unlock(&parley_http.lock);
	return mailbox;
}

/* Service thread: let the mailbox go when nothing needs it any more. */
void parley_http_mailbox_maybe_release(http_mailbox *mailbox)
{
	g_mutex_lock(&parley_http.lock);
	bool release = !mailbox->released && mailbox->sessions == 0 && mailbox->lingering == 0 &&
	               mailbox->inflight == 0 && mailbox->poll == NULL;
	if (release) {
		mailbox->released = true;
		if (mailbox->queued) {
			g_queue_remove(&parley_http.wake, mailbox);
			mailbox->queued = false;
		}
		parley_http.mailboxes--;
	}
	g_mutex_unlock(&parley_http.lock);
	if (release) {
		parley_http.core->conn_closed(mailbox->conn);
		parley_http.core->conn_unref(mailbox->conn);
	}
}

http_req *parley_http_req_new(struct lws *wsi, http_mailbox *mailbox)
{
	http_req *req = g_new0(http_req, 1);
	req->refs = 1;
	req->wsi = wsi;
	req->mailbox = mailbox;
	if (wsi != NULL)
		lws_get_peer_simple(wsi, req->remote_ip, sizeof(req->remote_ip));
	return req;
}

void parley_http_req_unref(http_req *req)
{
	if (!g_atomic_int_dec_and_test(&req->refs))
		return;
	free(req->answer);
	if (req->probe_for != NULL)
		parley_http_req_unref(req->probe_for);
	if (req->mailbox != NULL)
		parley_http.core->conn_unref(req->mailbox->conn);
	g_free(req);
}

/* Service thread: hands `text` (malloc'ed, taken) to the waiting transaction. */
void parley_http_req_answer(http_req *req, char *text)
{
	g_mutex_lock(&parley_http.lock);
	bool gone = req->gone;
	if (!gone) {
		free(req->answer);
		req->answer = text;
		text = NULL;
	}
	g_mutex_unlock(&parley_http.lock);
	free(text);
	if (!gone && req->wsi != NULL) {
		if (req->longpoll)
			lws_set_timer_usecs(req->wsi, LWS_SET_TIMER_USEC_CANCEL);
		lws_callback_on_writable(req->wsi);
	}
}

static char *dump(json_t *message)
{
	char *text = json_dumps(message, JSON_COMPACT);
	return text != NULL ? text : strdup("{\"janus\":\"error\"}");
}

char *parley_http_keepalive_text(int maxev)
{
	return strdup(maxev > 1 ? "[{\"janus\":\"keepalive\"}]" : "{\"janus\":\"keepalive\"}");
}

char *parley_http_error_text(uint64_t session_id, const char *transaction, int code, const char *reason)
{
	json_t *error = parley_http.core->error_reply(session_id, transaction, code, reason);
	char *text = dump(error);
	json_decref(error);
	return text;
}

/* Under lock: up to `maxev` queued events as one object (maxev 1) or an
 * array (maxev > 1), or NULL when the queue is empty. */
char *parley_http_take_events_locked(http_mailbox *mailbox, int maxev)
{
	if (g_queue_is_empty(&mailbox->events))
		return NULL;
	if (maxev <= 1)
		return g_queue_pop_head(&mailbox->events);
	GString *list = g_string_new("[");
	for (int i = 0; i < maxev && !g_queue_is_empty(&mailbox->events); i++) {
		char *text = g_queue_pop_head(&mailbox->events);
		if (i > 0)
			g_string_append_c(list, ',');
		g_string_append(list, text);
		free(text);
	}
	g_string_append_c(list, ']');
	char *text = strdup(list->str);
	g_string_free(list, TRUE);
	return text;
}

static void respond_text(http_pss *pss, struct lws *wsi, char *text)
{
	parley_tx_respond(&pss->ex, wsi, 200, "application/json", text, strlen(text));
	free(text);
}

void parley_http_respond_error(http_pss *pss, struct lws *wsi, uint64_t session_id, const char *transaction, int code,
                               const char *reason)
{
	respond_text(pss, wsi, parley_http_error_text(session_id, transaction, code, reason));
}

/* The transaction waits for the core or for events: replace lws's short
 * pending timeout by one past the longest legitimate wait. */
void parley_http_wait_for_answer(http_pss *pss, struct lws *wsi)
{
	pss->ex.phase = PARLEY_TX_WAITING;
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, (int)parley_http.longpoll_timeout + 30);
}

/* ---- parsing the path ---------------------------------------------------- */

static bool parse_id(const char *text, uint64_t *id)
{
	if (text[0] < '1' || text[0] > '9')
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*id = value;
	return true;
}

static bool parse_path(const char *path, const char *base, janus_path *out)
{
	memset(out, 0, sizeof(*out));
	const char *rest = path + strlen(base);
	gchar **parts = g_strsplit(rest, "/", -1);
	bool ok = true;
	for (gchar **part = parts; *part != NULL && ok; part++) {
		if ((*part)[0] == '\0')
			continue; /* leading or trailing '/' */
		if (out->segments == 0 && strcmp(*part, "info") == 0 && !out->info) {
			out->info = true;
			continue;
		}
		if (out->info || out->segments >= 2) {
			ok = false;
			break;
		}
		ok = parse_id(*part, out->segments == 0 ? &out->session_id : &out->handle_id);
		out->segments++;
	}
	g_strfreev(parts);
	return ok;
}

/* ---- requests to the core -------------------------------------------------- */

/* Hands `message` (borrowed) to the core on `mailbox` (the caller's conn
 * reference moves into the request). */
static void submit(http_pss *pss, struct lws *wsi, http_mailbox *mailbox, bool admin, json_t *message)
{
	http_req *req = parley_http_req_new(wsi, mailbox);
	g_atomic_int_inc(&req->refs); /* the core's, until it answers */
	pss->req = req;
	parley_http_wait_for_answer(pss, wsi);
	g_mutex_lock(&parley_http.lock);
	mailbox->inflight++;
	g_mutex_unlock(&parley_http.lock);
	parley_http.core->incoming_request(mailbox->conn, req, admin, message);
}

/* The mailbox of a live session (with a conn reference for the caller),
 * or NULL. Service thread only, so the mailbox cannot be released meanwhile. */
http_mailbox *parley_http_mailbox_of(uint64_t session_id, bool *lingering)
{
	g_mutex_lock(&parley_http.lock);
	http_mailbox *mailbox = g_hash_table_lookup(parley_http.sessions, &session_id);
	*lingering = g_hash_table_contains(parley_http.lingering, &session_id);
	g_mutex_unlock(&parley_http.lock);
	if (mailbox != NULL)
		parley_http.core->conn_ref(mailbox->conn);
	return mailbox;
}

/* Puts the path's ids into the message; false (answered 457) on conflict. */
static bool merge_path_ids(http_pss *pss, struct lws *wsi, const janus_path *path, json_t *message,
                           const char *transaction)
{
	static const char *const keys[] = { "session_id", "handle_id" };
	const uint64_t ids[] = { path->session_id, path->handle_id };
	for (int i = 0; i < path->segments; i++) {
		json_t *given = json_object_get(message, keys[i]);
		if (given != NULL && (!json_is_integer(given) || (uint64_t)json_integer_value(given) != ids[i])) {
			char reason[96];
			snprintf(reason, sizeof(reason), "%s in the body does not match the path", keys[i]);
			parley_http_respond_error(pss, wsi, path->session_id, transaction, 457, reason);
			return false;
		}
		json_object_set_new(message, keys[i], json_integer((json_int_t)ids[i]));
	}
	return true;
}

static void post_request(http_pss *pss, struct lws *wsi, bool admin, const janus_path *path)
{
	parley_tx_exchange *ex = &pss->ex;
	json_error_t error;
	json_t *message = json_loadb((const char *)ex->body->data, ex->body->len, JSON_DECODE_ANY, &error);
	if (message == NULL) {
		char reason[256];
		snprintf(reason, sizeof(reason), "JSON error: on line %d: %s", error.line, error.text);
		parley_http_respond_error(pss, wsi, path->session_id, NULL, 454, reason);
		return;
	}
	if (!json_is_object(message)) {
		parley_http_respond_error(pss, wsi, path->session_id, NULL, 455, "JSON error: not an object");
		json_decref(message);
		return;
	}
	const char *transaction = json_string_value(json_object_get(message, "transaction"));
	if (!merge_path_ids(pss, wsi, path, message, transaction)) {
		json_decref(message);
		return;
	}
	bool lingering = false;
	http_mailbox *mailbox = NULL;
	if (path->segments > 0 && !admin)
		mailbox = parley_http_mailbox_of(path->session_id, &lingering);
	if (mailbox == NULL)
		mailbox = parley_http_mailbox_new();
	if (mailbox == NULL)
		parley_http_respond_error(pss, wsi, path->session_id, transaction, 490, "cannot create a connection");
	else
		submit(pss, wsi, mailbox, admin, message);
	json_decref(message);
}

static void get_info(http_pss *pss, struct lws *wsi, bool admin)
{
	char arg[80];
	const char *given = lws_get_urlarg_by_name(wsi, "rid=", arg, sizeof(arg));
	char rid[80];
	if (given != NULL && given[0] != '\0')
		g_strlcpy(rid, given, sizeof(rid));
	else
		g_snprintf(rid, sizeof(rid), "info-%" G_GINT64_FORMAT, g_get_monotonic_time());
	json_t *message = json_pack("{s:s, s:s}", "janus", "info", "transaction", rid);
	http_mailbox *mailbox = parley_http_mailbox_new();
	if (mailbox == NULL)
		parley_http_respond_error(pss, wsi, 0, rid, 490, "cannot create a connection");
	else
		submit(pss, wsi, mailbox, admin, message);
	json_decref(message);
}


typedef void (*janus_route_fn)(http_pss *pss, struct lws *wsi, bool admin, const janus_path *path);

static void route_info(http_pss *pss, struct lws *wsi, bool admin, const janus_path *path)
{
	get_info(pss, wsi, admin);
}

/* Janus API routes: method, ids in the path, "info", admin allowed. */
static const struct {
	int method;
	int segments;
	bool info;
	bool admin;
	janus_route_fn handler;
} janus_routes[] = {
	{ LWSHUMETH_POST, 0, false, true, post_request },
	{ LWSHUMETH_POST, 1, false, true, post_request },
	{ LWSHUMETH_POST, 2, false, true, post_request },
	{ LWSHUMETH_GET, 0, true, true, route_info },
	{ LWSHUMETH_GET, 1, false, false, parley_http_longpoll_get },
};

void parley_http_janus_dispatch(http_pss *pss, struct lws *wsi, bool admin)
{
	parley_tx_exchange *ex = &pss->ex;
	janus_path path;
	if (!parse_path(ex->path, admin ? parley_http.admin_base_path : parley_http.base_path, &path)) {
		char *text = parley_http_error_text(0, NULL, 457, "Invalid path");
		parley_tx_respond(ex, wsi, 404, "application/json", text, strlen(text));
		free(text);
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(janus_routes); i++) {
		if (janus_routes[i].method == ex->method_index && janus_routes[i].segments == path.segments &&
		    janus_routes[i].info == path.info && (!admin || janus_routes[i].admin)) {
			janus_routes[i].handler(pss, wsi, admin, &path);
			return;
		}
	}
	char reason[128];
	snprintf(reason, sizeof(reason), "Method %s not allowed on %s", ex->method, ex->path);
	char *text = parley_http_error_text(path.session_id, NULL, 450, reason);
	parley_tx_respond(ex, wsi, 405, "application/json", text, strlen(text));
	free(text);
}

void parley_http_janus_writable(http_pss *pss, struct lws *wsi)
{
	http_req *req = pss->req;
	if (req == NULL || pss->ex.phase != PARLEY_TX_WAITING)
		return;
	g_mutex_lock(&parley_http.lock);
	char *text = req->answer;
	req->answer = NULL;
	g_mutex_unlock(&parley_http.lock);
	if (text != NULL)
		respond_text(pss, wsi, text);
}


void parley_http_janus_finish(http_pss *pss)
{
	http_req *req = pss->req;
	if (req == NULL)
		return;
	pss->req = NULL;
	bool detached = false;
	g_mutex_lock(&parley_http.lock);
	req->gone = true;
	if (req->mailbox != NULL && req->mailbox->poll == req) {
		req->mailbox->poll = NULL;
		parley_http.longpolls--;
		detached = true;
	}
	g_mutex_unlock(&parley_http.lock);
	req->wsi = NULL;
	if (detached) {
		parley_http_req_unref(req);
		parley_http_mailbox_maybe_release(req->mailbox);
	}
	parley_http_req_unref(req);
}

void parley_http_janus_wakeup(void)
{
	for (int guard = 0; guard < 100000; guard++) {
		g_mutex_lock(&parley_http.lock);
		http_req *req = g_queue_pop_head(&parley_http.ready);
		if (req != NULL)
			req->mailbox->inflight--;
		g_mutex_unlock(&parley_http.lock);
		if (req == NULL)
			break;
		if (req->probe_for != NULL)
			parley_http_longpoll_probe_answered(req);
		else if (req->wsi != NULL)
			lws_callback_on_writable(req->wsi);
		parley_http_mailbox_maybe_release(req->mailbox);
		parley_http_req_unref(req);
	}
	parley_http_longpoll_wakeup();
}

/* The core's answer to `req`: queued for the service thread, which sends it
 * and drops the core's reference. Taken while the transport stops too (the
 * queue is then emptied by parley_http_janus_destroy), so that a request
 * answered during shutdown gives back its request and its mailbox. */
static int answer_request(http_req *req, json_t *message)
{
	if (parley_http.core == NULL || message == NULL)
		return -1;
	parley_tx_note_answer(parley_http.throttle, req->remote_ip, message, parley_http.core, HTTP_PACKAGE);
	char *text = dump(message);
	g_mutex_lock(&parley_http.lock);
	if (!req->gone) {
		free(req->answer);
		req->answer = text;
		text = NULL;
	}
	g_queue_push_tail(&parley_http.ready, req);
	g_mutex_unlock(&parley_http.lock);
	free(text);
	if (!g_atomic_int_get(&parley_http.stopping) && parley_http.context != NULL)
		lws_cancel_service(parley_http.context);
	return 0;
}

int parley_http_send_message(parley_conn *conn, void *request_ctx, bool admin, json_t *message)
{
	if (request_ctx != NULL)
		return answer_request(request_ctx, message);
	if (parley_http.context == NULL || g_atomic_int_get(&parley_http.stopping) || message == NULL)
		return -1;
	char *text = dump(message);
	http_mailbox *mailbox = parley_http.core->conn_data(conn);
	if (mailbox == NULL) {
		free(text);
		return -1;
	}
	unsigned dropped = 0;
	g_mutex_lock(&parley_http.lock);
	if (mailbox->released) {
		g_mutex_unlock(&parley_http.lock);
		free(text);
		return -1;
	}
	g_queue_push_tail(&mailbox->events, text);
	while (g_queue_get_length(&mailbox->events) > (guint)parley_http.max_events) {
		free(g_queue_pop_head(&mailbox->events));
		dropped++;
	}
	bool wake = mailbox->poll != NULL && !mailbox->queued;
	if (wake) {
		mailbox->queued = true;
		g_queue_push_tail(&parley_http.wake, mailbox);
	}
	g_mutex_unlock(&parley_http.lock);
	if (dropped > 0)
		LOG(PARLEY_LOG_WARN, "event queue full (max_events %ld): dropped the oldest event",
		    parley_http.max_events);
	if (wake)
		lws_cancel_service(parley_http.context);
	return 0;
}

void parley_http_session_created(parley_conn *conn, uint64_t session_id)
{
	http_mailbox *mailbox = parley_http.core->conn_data(conn);
	if (mailbox == NULL)
		return;
	g_mutex_lock(&parley_http.lock);
	if (mailbox->released) {
		g_mutex_unlock(&parley_http.lock);
		LOG(PARLEY_LOG_WARN, "session %" PRIu64 " created on a released connection", session_id);
		return;
	}
	http_mailbox *previous = g_hash_table_lookup(parley_http.sessions, &session_id);
	if (previous != mailbox) {
		if (previous != NULL && previous->sessions > 0)
			previous->sessions--;
		uint64_t *key = g_new(uint64_t, 1);
		*key = session_id;
		g_hash_table_insert(parley_http.sessions, key, mailbox);
		mailbox->sessions++;
	}
	g_mutex_unlock(&parley_http.lock);
}

void parley_http_session_over(parley_conn *conn, uint64_t session_id, bool timeout, bool claimed)
{
	http_mailbox *mailbox = parley_http.core->conn_data(conn);
	if (mailbox == NULL)
		return;
	bool wake = false;
	g_mutex_lock(&parley_http.lock);
	if (g_hash_table_lookup(parley_http.sessions, &session_id) == mailbox && !mailbox->released &&
	    !g_hash_table_contains(parley_http.lingering, &session_id)) {
		mailbox->sessions--;
		if (!g_queue_is_empty(&mailbox->events) && mailbox->poll == NULL && !claimed) {
			/* Keep the events (the "timeout" among them) for the next long-poll. */
			uint64_t *key = g_new(uint64_t, 1);
			gint64 *expiry = g_new(gint64, 1);
			*key = session_id;
			*expiry = g_get_monotonic_time() + parley_http.linger * G_USEC_PER_SEC;
			g_hash_table_insert(parley_http.lingering, key, expiry);
			mailbox->lingering++;
		} else {
			g_hash_table_remove(parley_http.sessions, &session_id);
		}
		if (!mailbox->queued) {
			mailbox->queued = true;
			g_queue_push_tail(&parley_http.wake, mailbox);
			wake = true;
		}
	}
	g_mutex_unlock(&parley_http.lock);
	if (wake && parley_http.context != NULL)
		lws_cancel_service(parley_http.context);
}

static guint id_hash(gconstpointer key)
{
	uint64_t id = *(const uint64_t *)key;
	return (guint)(id ^ (id >> 32));
}

static gboolean id_equal(gconstpointer a, gconstpointer b)
{
	return *(const uint64_t *)a == *(const uint64_t *)b;
}

void parley_http_janus_init(void)
{
	parley_http.sessions = g_hash_table_new_full(id_hash, id_equal, g_free, NULL);
	parley_http.lingering = g_hash_table_new_full(id_hash, id_equal, g_free, g_free);
	g_queue_init(&parley_http.ready);
	g_queue_init(&parley_http.wake);
}

/* After the service thread stopped and the lws context is gone: give back
 * every mailbox the transport still holds and every unanswered request. */
void parley_http_janus_destroy(void)
{
	GPtrArray *held = g_ptr_array_new();
	g_mutex_lock(&parley_http.lock);
	GHashTableIter iter;
	gpointer key, value;
	g_hash_table_iter_init(&iter, parley_http.sessions);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		http_mailbox *mailbox = value;
		if (!mailbox->released) {
			mailbox->released = true;
			g_ptr_array_add(held, mailbox);
		}
	}
	g_hash_table_remove_all(parley_http.lingering);
	g_hash_table_remove_all(parley_http.sessions);
	GQueue ready = parley_http.ready;
	g_queue_init(&parley_http.ready);
	g_queue_clear(&parley_http.wake);
	for (GList *item = ready.head; item != NULL; item = item->next) {
		http_req *answered = item->data;
		answered->mailbox->inflight--;
	}
	g_mutex_unlock(&parley_http.lock);
	http_req *req;
	while ((req = g_queue_pop_head(&ready)) != NULL) {
		parley_http_mailbox_maybe_release(req->mailbox);
		parley_http_req_unref(req);
	}
	for (guint i = 0; i < held->len; i++) {
		http_mailbox *mailbox = held->pdata[i];
		parley_http.core->conn_closed(mailbox->conn);
		parley_http.core->conn_unref(mailbox->conn);
	}
	g_ptr_array_free(held, TRUE);
	g_hash_table_destroy(parley_http.sessions);
	g_hash_table_destroy(parley_http.lingering);
	parley_http.sessions = parley_http.lingering = NULL;
}
