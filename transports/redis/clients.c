/*
 * transports/redis/clients.c — what goes out: one parley_conn per reply_to
 * destination (an rd_client, its transport_data; sessions created through
 * it send their events there), the core's answers and events queued as
 * rd_op from any thread and applied on the loop, writing them (XADD with
 * MAXLEN ~ reply_maxlen, or PUBLISH) with the XACK of the answered entry
 * once written, the bounded backlog kept while Redis is away (retried after
 * reconnection), and the session→instance keys (SET EX session_ttl, renewed
 * by activity and every session_ttl/3 s, deleted when the session ends).
 *
 * Owns rd_client (freed by its conn's free_data), rd_op and rd_out.
 */
#include "redis.h"

#include <stdlib.h>
#include <string.h>

/* ---- calls from core threads -------------------------------------------------- */

static gboolean on_ops(gpointer data)
{
	parley_rd_ops_run();
	return G_SOURCE_REMOVE;
}

static int queue_op(rd_op *op)
{
	if (g_atomic_int_get(&parley_rd.stopping) || parley_rd.context == NULL) {
		g_free(op->text);
		g_free(op);
		return -1;
	}
	parley_rd.core->conn_ref(op->conn);
	bool wake = false;
	g_mutex_lock(&parley_rd.lock);
	g_queue_push_tail(&parley_rd.ops, op);
	if (!parley_rd.ops_scheduled)
		parley_rd.ops_scheduled = wake = true;
	g_mutex_unlock(&parley_rd.lock);
	if (wake)
		parley_rd_on_loop(on_ops, NULL);
	return 0;
}

int parley_rd_send_message(parley_conn *conn, void *request_ctx, bool admin, json_t *message)
{
	if (conn == NULL || message == NULL)
		return -1;
	char *text = json_dumps(message, JSON_COMPACT);
	if (text == NULL)
		return -1;
	rd_op *op = g_new0(rd_op, 1);
	op->kind = request_ctx != NULL ? RD_OP_REPLY : RD_OP_EVENT;
	op->conn = conn;
	op->ctx = request_ctx;
	op->text = text;
	return queue_op(op);
}

void parley_rd_session_created(parley_conn *conn, uint64_t session_id)
{
	rd_op *op = g_new0(rd_op, 1);
	op->kind = RD_OP_SESSION_CREATED;
	op->conn = conn;
	op->session_id = session_id;
	queue_op(op);
}

void parley_rd_session_over(parley_conn *conn, uint64_t session_id, bool timeout, bool claimed)
{
	rd_op *op = g_new0(rd_op, 1);
	op->kind = RD_OP_SESSION_OVER;
	op->conn = conn;
	op->session_id = session_id;
	queue_op(op);
}

/* ---- writing ------------------------------------------------------------------------ */

void parley_rd_out_free(rd_out *out)
{
	if (out == NULL)
		return;
	parley_rd_ctx_free(out->ack);
	g_free(out->target);
	free(out->text); /* json_dumps */
	g_free(out);
}

static void backlog_push(rd_out *out, bool front)
{
	if (g_queue_get_length(&parley_rd.backlog) >= (guint)parley_rd.max_queue) {
		rd_out *oldest = g_queue_pop_head(&parley_rd.backlog);
		guint64 dropped = __atomic_add_fetch(&parley_rd.dropped, 1, __ATOMIC_RELAXED);
		if (dropped == 1 || dropped % 100 == 0)
			RD_LOG(PARLEY_LOG_WARN,
			       "Redis unavailable and %ld messages waiting ([general] max_queue): "
			       "dropped the oldest (%" G_GUINT64_FORMAT " dropped so far)",
			       parley_rd.max_queue, dropped);
		parley_rd_out_free(oldest);
	}
	if (front)
		g_queue_push_head(&parley_rd.backlog, out);
	else
		g_queue_push_tail(&parley_rd.backlog, out);
}

static void on_written(redisAsyncContext *ac, void *r, void *privdata)
{
	rd_out *out = privdata;
	redisReply *reply = r;
	if (reply == NULL) {
		/* The link went away before Redis confirmed: write it again later. */
		if (g_atomic_int_get(&parley_rd.stopping))
			parley_rd_out_free(out);
		else
			backlog_push(out, true);
		return;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		RD_LOG(PARLEY_LOG_WARN, "cannot write to %s: %s (message dropped)", out->target, reply->str);
		__atomic_add_fetch(&parley_rd.dropped, 1, __ATOMIC_RELAXED);
	} else {
		__atomic_add_fetch(out->event ? &parley_rd.events_out : &parley_rd.replies_out, 1, __ATOMIC_RELAXED);
	}
	if (out->ack != NULL) {
		const char *argv[] = { "XACK", out->ack->stream, parley_rd.group, out->ack->id };
		parley_rd_command(&parley_rd.writer, NULL, NULL, 4, argv, NULL);
	}
	parley_rd_out_free(out);
}

void parley_rd_out_send(rd_out *out)
{
	if (!g_atomic_int_get(&parley_rd.online)) {
		backlog_push(out, false);
		return;
	}
	int rc;
	if (out->mode == RD_REPLY_PUBLISH) {
		const char *argv[] = { "PUBLISH", out->target, out->text };
		rc = parley_rd_command(&parley_rd.writer, on_written, out, 3, argv, NULL);
	} else {
		char maxlen[24];
		snprintf(maxlen, sizeof(maxlen), "%ld", parley_rd.reply_maxlen);
		const char *argv[] = { "XADD", out->target, "MAXLEN", "~", maxlen, "*", "message", out->text };
		rc = parley_rd_command(&parley_rd.writer, on_written, out, G_N_ELEMENTS(argv), argv, NULL);
	}
	if (rc != 0)
		backlog_push(out, false);
}

void parley_rd_backlog_flush(void)
{
	guint n = g_queue_get_length(&parley_rd.backlog);
	if (n > 0)
		RD_LOG(PARLEY_LOG_INFO, "writing %u message(s) kept while Redis was away", n);
	for (guint i = 0; i < n && g_atomic_int_get(&parley_rd.online); i++)
		parley_rd_out_send(g_queue_pop_head(&parley_rd.backlog));
}

/* ---- reply_to destinations ---------------------------------------------------------------- */

static void client_free(void *data)
{
	rd_client *client = data;
	g_free(client->key);
	g_free(client->reply_to);
	g_free(client);
}

rd_client *parley_rd_client_for(const char *reply_to, rd_reply_mode mode)
{
	char *key = g_strdup_printf("%c:%s", mode == RD_REPLY_PUBLISH ? 'p' : 's', reply_to);
	rd_client *client = g_hash_table_lookup(parley_rd.clients, key);
	if (client == NULL) {
		if (g_hash_table_size(parley_rd.clients) >= (guint)parley_rd.max_clients) {
			g_free(key);
			return NULL;
		}
		client = g_new0(rd_client, 1);
		client->key = key;
		key = NULL;
		client->reply_to = g_strdup(reply_to);
		client->mode = mode;
		client->conn = parley_rd.core->conn_new(&parley_rd_transport, client, client_free);
		if (client->conn == NULL) {
			client_free(client);
			return NULL;
		}
		g_hash_table_insert(parley_rd.clients, client->key, client);
		RD_LOG(PARLEY_LOG_VERB, "new reply_to destination %s", client->reply_to);
	}
	g_free(key);
	client->last_used = g_get_monotonic_time();
	return client;
}

static void close_client(rd_client *client)
{
	RD_LOG(PARLEY_LOG_VERB, "reply_to destination %s idle: closed", client->reply_to);
	parley_conn *conn = client->conn;
	parley_rd.core->conn_closed(conn);
	parley_rd.core->conn_unref(conn);
}

void parley_rd_clients_sweep(void)
{
	gint64 now = g_get_monotonic_time();
	GHashTableIter iter;
	gpointer value;
	GSList *idle = NULL;
	g_hash_table_iter_init(&iter, parley_rd.clients);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		rd_client *client = value;
		if (client->sessions == 0 && now - client->last_used > parley_rd.client_idle * G_USEC_PER_SEC) {
			g_hash_table_iter_steal(&iter);
			idle = g_slist_prepend(idle, client);
		}
	}
	for (GSList *l = idle; l != NULL; l = l->next)
		close_client(l->data);
	g_slist_free(idle);
}

/* ---- the session → instance map --------------------------------------------------------------- */

static void set_session_key(uint64_t session_id)
{
	char *key = parley_redis_session_key(parley_rd.prefix, (unsigned long long)session_id);
	char ttl[24];
	snprintf(ttl, sizeof(ttl), "%ld", parley_rd.session_ttl);
	const char *argv[] = { "SET", key, parley_rd.instance_id, "EX", ttl };
	parley_rd_command(&parley_rd.writer, NULL, NULL, 5, argv, NULL);
	g_free(key);
}

void parley_rd_session_touch(uint64_t session_id)
{
	char *key = parley_redis_session_key(parley_rd.prefix, (unsigned long long)session_id);
	char ttl[24];
	snprintf(ttl, sizeof(ttl), "%ld", parley_rd.session_ttl);
	const char *argv[] = { "EXPIRE", key, ttl };
	parley_rd_command(&parley_rd.writer, NULL, NULL, 3, argv, NULL);
	g_free(key);
}

void parley_rd_sessions_refresh(void)
{
	if (!g_atomic_int_get(&parley_rd.online))
		return;
	GHashTableIter iter;
	gpointer key;
	g_hash_table_iter_init(&iter, parley_rd.sessions);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		set_session_key(*(uint64_t *)key);
}

static void session_created(rd_client *client, uint64_t session_id)
{
	uint64_t *id = g_new(uint64_t, 1);
	*id = session_id;
	if (!g_hash_table_contains(parley_rd.sessions, id))
		client->sessions++;
	g_hash_table_replace(parley_rd.sessions, id, client);
	client->last_used = g_get_monotonic_time();
	set_session_key(session_id); /* when offline, the refresh after reconnection sets it */
}

static void session_over(rd_client *client, uint64_t session_id)
{
	if (g_hash_table_lookup(parley_rd.sessions, &session_id) == client) {
		g_hash_table_remove(parley_rd.sessions, &session_id);
		if (client->sessions > 0)
			client->sessions--;
	}
	client->last_used = g_get_monotonic_time();
	char *key = parley_redis_session_key(parley_rd.prefix, (unsigned long long)session_id);
	const char *argv[] = { "DEL", key };
	parley_rd_command(&parley_rd.writer, NULL, NULL, 2, argv, NULL);
	g_free(key);
}

/* ---- applying the ops -------------------------------------------------------------------------------- */

static void out_for(rd_op *op, const char *target, rd_reply_mode mode, rd_ctx *ack)
{
	rd_out *out = g_new0(rd_out, 1);
	out->target = g_strdup(target);
	out->mode = mode;
	out->text = op->text;
	op->text = NULL;
	out->ack = ack;
	out->event = ack == NULL;
	parley_rd_out_send(out);
}

static void op_apply(rd_op *op)
{
	rd_client *client = parley_rd.core->conn_data(op->conn);
	switch (op->kind) {
	case RD_OP_REPLY:
		if (g_hash_table_remove(parley_rd.pending, op->ctx->tag) && parley_rd.inflight > 0)
			parley_rd.inflight--;
		out_for(op, op->ctx->reply_to, op->ctx->mode, op->ctx);
		break;
	case RD_OP_EVENT:
		if (client != NULL)
			out_for(op, client->reply_to, client->mode, NULL);
		break;
	case RD_OP_SESSION_CREATED:
		if (client != NULL)
			session_created(client, op->session_id);
		break;
	case RD_OP_SESSION_OVER:
		if (client != NULL)
			session_over(client, op->session_id);
		break;
	}
}

static void op_free(rd_op *op)
{
	free(op->text);
	parley_rd.core->conn_unref(op->conn);
	g_free(op);
}

void parley_rd_ops_run(void)
{
	g_mutex_lock(&parley_rd.lock);
	GQueue ops = parley_rd.ops;
	g_queue_init(&parley_rd.ops);
	parley_rd.ops_scheduled = false;
	g_mutex_unlock(&parley_rd.lock);
	rd_op *op;
	while ((op = g_queue_pop_head(&ops)) != NULL) {
		op_apply(op);
		op_free(op);
	}
	parley_rd_streams_read();
}

void parley_rd_clients_destroy(void)
{
	/* Closing a conn may end sessions: their ops are dropped below. */
	GList *clients = g_hash_table_get_values(parley_rd.clients);
	g_hash_table_steal_all(parley_rd.clients);
	for (GList *l = clients; l != NULL; l = l->next)
		close_client(l->data);
	g_list_free(clients);
	g_mutex_lock(&parley_rd.lock);
	GQueue ops = parley_rd.ops;
	g_queue_init(&parley_rd.ops);
	g_mutex_unlock(&parley_rd.lock);
	rd_op *op;
	while ((op = g_queue_pop_head(&ops)) != NULL) {
		if (op->kind == RD_OP_REPLY && !g_hash_table_contains(parley_rd.pending, op->ctx->tag))
			parley_rd_ctx_free(op->ctx); /* answered but never applied */
		op_free(op);
	}
	rd_out *out;
	while ((out = g_queue_pop_head(&parley_rd.backlog)) != NULL)
		parley_rd_out_free(out);
}
