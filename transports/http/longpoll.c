/*
 * transports/http/longpoll.c — long-polls of the Janus API over HTTP
 * (GET base_path/<session>?maxev=N): a mailbox's one waiting poll, its
 * credential probe when api_secret or tokens are configured, the keepalive
 * answer after longpoll_timeout, waking polls when events or the end of a
 * session arrive, and dropping undelivered events of ended sessions once
 * they have lingered `linger` seconds. Mailboxes and requests are janus.c's
 * (see http.h). Service thread unless noted.
 */
#include "http.h"

#include <stdlib.h>
#include <string.h>

static int longpoll_maxev(struct lws *wsi)
{
	char arg[32];
	const char *text = lws_get_urlarg_by_name(wsi, "maxev=", arg, sizeof(arg));
	if (text == NULL)
		return 1;
	long value = strtol(text, NULL, 10);
	if (value < 1)
		return 1;
	return value > parley_http.max_events ? (int)parley_http.max_events : (int)value;
}

/* Drops the entry of an ended session whose events were delivered.
 * Under lock. */
static void forget_lingering_locked(http_mailbox *mailbox, uint64_t session_id)
{
	if (g_hash_table_remove(parley_http.lingering, &session_id)) {
		g_hash_table_remove(parley_http.sessions, &session_id);
		mailbox->lingering--;
	}
}

/* Registers long-poll `req` on its mailbox (or answers at once with queued
 * events, or with 458 for an ended session). Service thread. */
static void longpoll_start(http_req *req, uint64_t session_id, bool lingering)
{
	http_mailbox *mailbox = req->mailbox;
	if (mailbox == NULL) {
		/* The session lives on another transport: its events go there. */
		lws_set_timer_usecs(req->wsi, parley_http.longpoll_timeout * LWS_US_PER_SEC);
		return;
	}
	http_req *previous = NULL;
	bool waiting = false, ended = false;
	g_mutex_lock(&parley_http.lock);
	char *events = parley_http_take_events_locked(mailbox, req->maxev);
	if (lingering) {
		ended = events == NULL;
		if (g_queue_is_empty(&mailbox->events))
			forget_lingering_locked(mailbox, session_id);
	} else if (events == NULL) {
		previous = mailbox->poll;
		mailbox->poll = req;
		g_atomic_int_inc(&req->refs); /* the slot's */
		if (previous == NULL)
			parley_http.longpolls++;
		waiting = true;
	}
	g_mutex_unlock(&parley_http.lock);
	if (previous != NULL) {
		/* One long-poll per mailbox: the older one returns now. */
		parley_http_req_answer(previous, parley_http_keepalive_text(previous->maxev));
		parley_http_req_unref(previous);
	}
	if (events != NULL)
		parley_http_req_answer(req, events);
	else if (ended)
		parley_http_req_answer(req, parley_http_error_text(session_id, NULL, 458, "No such session"));
	else if (waiting)
		lws_set_timer_usecs(req->wsi, parley_http.longpoll_timeout * LWS_US_PER_SEC);
	if (lingering)
		parley_http_mailbox_maybe_release(mailbox);
}

/* With api_secret or tokens configured, a long-poll proves its
 * credentials (apisecret=, token= in the query) with a keepalive request
 * the core authenticates; the poll starts when the answer is an ack. */
static void longpoll_check_auth(http_req *poll, struct lws *wsi, uint64_t session_id)
{
	static const char *const args[][2] = { { "apisecret=", "apisecret" }, { "token=", "token" } };
	char transaction[48];
	g_snprintf(transaction, sizeof(transaction), "longpoll-%" G_GINT64_FORMAT, g_get_monotonic_time());
	json_t *message = json_pack("{s:s, s:I, s:s}", "janus", "keepalive", "session_id", (json_int_t)session_id,
	                            "transaction", transaction);
	for (size_t i = 0; i < G_N_ELEMENTS(args); i++) {
		char arg[1024];
		const char *value = lws_get_urlarg_by_name(wsi, args[i][0], arg, sizeof(arg));
		if (value != NULL)
			json_object_set_new(message, args[i][1], json_string(value));
	}
	http_mailbox *mailbox = poll->mailbox;
	if (mailbox != NULL)
		parley_http.core->conn_ref(mailbox->conn);
	else
		mailbox = parley_http_mailbox_new();
	if (mailbox == NULL) {
		parley_http_req_answer(poll,
		                       parley_http_error_text(session_id, NULL, 490, "cannot create a connection"));
		json_decref(message);
		return;
	}
	http_req *probe = parley_http_req_new(NULL, mailbox);
	g_atomic_int_inc(&poll->refs); /* the probe's */
	probe->probe_for = poll;
	g_strlcpy(probe->remote_ip, poll->remote_ip, sizeof(probe->remote_ip));
	probe->session_id = session_id;
	g_mutex_lock(&parley_http.lock);
	mailbox->inflight++;
	g_mutex_unlock(&parley_http.lock);
	/* The probe's only reference is the core's, until it answers. */
	parley_http.core->incoming_request(mailbox->conn, probe, false, message);
	json_decref(message);
}

/* Service thread: the core answered a long-poll's credential probe. */
void parley_http_longpoll_probe_answered(http_req *probe)
{
	http_req *poll = probe->probe_for;
	probe->probe_for = NULL;
	g_mutex_lock(&parley_http.lock);
	char *answer = probe->answer;
	probe->answer = NULL;
	bool gone = poll->gone;
	g_mutex_unlock(&parley_http.lock);
	if (!gone && poll->wsi != NULL) {
		json_t *reply = answer != NULL ? json_loads(answer, 0, NULL) : NULL;
		const char *verdict = json_string_value(json_object_get(reply, "janus"));
		if (verdict != NULL && strcmp(verdict, "ack") == 0) {
			longpoll_start(poll, probe->session_id, false);
		} else {
			parley_http_req_answer(poll, answer);
			answer = NULL;
		}
		json_decref(reply);
	}
	free(answer);
	parley_http_req_unref(poll);
}

void parley_http_longpoll_get(http_pss *pss, struct lws *wsi, bool admin, const janus_path *path)
{
	uint64_t session_id = path->session_id;
	bool lingering = false;
	http_mailbox *mailbox = parley_http_mailbox_of(session_id, &lingering);
	bool probe = !lingering && parley_http.auth_configured;
	if (!lingering && !probe && parley_http.core->session_touch(session_id) != 0) {
		if (mailbox != NULL)
			parley_http.core->conn_unref(mailbox->conn);
		parley_http_respond_error(pss, wsi, session_id, NULL, 458, "No such session");
		return;
	}
	http_req *req = parley_http_req_new(wsi, mailbox);
	req->longpoll = true;
	req->maxev = longpoll_maxev(wsi);
	req->session_id = session_id;
	pss->req = req;
	parley_http_wait_for_answer(pss, wsi);
	if (probe)
		longpoll_check_auth(req, wsi, session_id);
	else
		longpoll_start(req, session_id, lingering);
}

void parley_http_janus_timer(http_pss *pss, struct lws *wsi)
{
	http_req *req = pss->req;
	if (req == NULL || !req->longpoll || pss->ex.phase != PARLEY_TX_WAITING)
		return;
	bool detached = false, answered = false;
	g_mutex_lock(&parley_http.lock);
	if (req->mailbox != NULL && req->mailbox->poll == req) {
		req->mailbox->poll = NULL;
		parley_http.longpolls--;
		detached = true;
	}
	answered = req->answer != NULL;
	g_mutex_unlock(&parley_http.lock);
	if (detached || (req->mailbox == NULL && !answered))
		parley_http_req_answer(req, parley_http_keepalive_text(req->maxev));
	if (detached)
		parley_http_req_unref(req);
}

/* Mailboxes with news for their long-poll: events, or the end of their
 * last session. Service thread. */
void parley_http_longpoll_wakeup(void)
{
	for (int guard = 0; guard < 100000; guard++) {
		g_mutex_lock(&parley_http.lock);
		http_mailbox *mailbox = g_queue_pop_head(&parley_http.wake);
		http_req *poll = NULL;
		char *text = NULL;
		if (mailbox != NULL) {
			mailbox->queued = false;
			poll = mailbox->poll;
			if (poll != NULL) {
				text = parley_http_take_events_locked(mailbox, poll->maxev);
				if (text != NULL || mailbox->sessions == 0) {
					mailbox->poll = NULL;
					parley_http.longpolls--;
				} else {
					poll = NULL;
				}
			}
		}
		g_mutex_unlock(&parley_http.lock);
		if (mailbox == NULL)
			break;
		if (poll != NULL)
			parley_http_req_answer(poll, text != NULL
			                                     ? text
			                                     : parley_http_error_text(0, NULL, 458, "No such session"));
		parley_http_mailbox_maybe_release(mailbox);
		if (poll != NULL)
			parley_http_req_unref(poll);
	}
}

void parley_http_janus_housekeeping(void)
{
	gint64 now = g_get_monotonic_time();
	GPtrArray *expired = g_ptr_array_new();
	g_mutex_lock(&parley_http.lock);
	GHashTableIter iter;
	gpointer key, value;
	g_hash_table_iter_init(&iter, parley_http.lingering);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (*(gint64 *)value > now)
			continue;
		http_mailbox *mailbox = g_hash_table_lookup(parley_http.sessions, key);
		if (mailbox != NULL) {
			mailbox->lingering--;
			g_ptr_array_add(expired, mailbox);
		}
		g_hash_table_remove(parley_http.sessions, key);
		g_hash_table_iter_remove(&iter);
	}
	g_mutex_unlock(&parley_http.lock);
	for (guint i = 0; i < expired->len; i++)
		parley_http_mailbox_maybe_release(expired->pdata[i]);
	g_ptr_array_free(expired, TRUE);
}
