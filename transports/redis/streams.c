/*
 * transports/redis/streams.c — requests in: the consumer groups on the
 * shared request stream, this instance's stream and the admin stream
 * (created with MKSTREAM from id 0, again after a server restarted empty),
 * one XREADGROUP BLOCK at a time on the reader link (bounded by
 * max_inflight), XAUTOCLAIM passes that take over entries another (dead)
 * consumer read but never acknowledged, the checks on each entry, the
 * session→instance lookup that forwards a request to the instance owning
 * its session, and handing a request to the core with an rd_ctx.
 *
 * Owns rd_ctx: created here per entry, kept in parley_rd.pending while the
 * core holds it, freed after its answer was written and acknowledged
 * (clients.c) or when the entry is dropped.
 */
#include "redis.h"

#include <string.h>

/* ---- request contexts ------------------------------------------------------- */

static rd_ctx *ctx_new(const char *stream, const char *id, const char *reply_to, size_t reply_to_length,
                       rd_reply_mode mode)
{
	rd_ctx *ctx = g_new0(rd_ctx, 1);
	ctx->stream = g_strdup(stream);
	ctx->id = g_strdup(id);
	ctx->tag = g_strdup_printf("%s %s", stream, id);
	ctx->reply_to = reply_to ? g_strndup(reply_to, reply_to_length) : NULL;
	ctx->mode = mode;
	return ctx;
}

void parley_rd_ctx_free(rd_ctx *ctx)
{
	if (ctx == NULL)
		return;
	g_free(ctx->tag);
	g_free(ctx->stream);
	g_free(ctx->id);
	g_free(ctx->reply_to);
	g_free(ctx);
}

/* The entry is being worked on: duplicates (a claim racing a read) skip it. */
static void ctx_begin(rd_ctx *ctx)
{
	g_hash_table_insert(parley_rd.pending, ctx->tag, ctx);
	parley_rd.inflight++;
}

/* No longer being worked on (the answer, if any, is now an rd_out). */
static void ctx_end(rd_ctx *ctx)
{
	if (g_hash_table_remove(parley_rd.pending, ctx->tag) && parley_rd.inflight > 0)
		parley_rd.inflight--;
}

static void ack(const char *stream, const char *id)
{
	const char *argv[] = { "XACK", stream, parley_rd.group, id };
	parley_rd_command(&parley_rd.writer, NULL, NULL, 4, argv, NULL);
}

/* Answers the entry with an API error and acknowledges it once written. */
static void answer_error(rd_ctx *ctx, const char *transaction, int code, const char *reason)
{
	ctx_end(ctx);
	json_t *error = parley_rd.core->error_reply(0, transaction, code, reason);
	rd_out *out = g_new0(rd_out, 1);
	out->target = g_strdup(ctx->reply_to);
	out->mode = ctx->mode;
	out->text = json_dumps(error, JSON_COMPACT);
	out->ack = ctx;
	json_decref(error);
	if (out->text == NULL) {
		parley_rd_out_free(out);
		return;
	}
	parley_rd_out_send(out);
}

/* ---- the core ------------------------------------------------------------------ */

static bool session_is_local(uint64_t session_id)
{
	return g_hash_table_contains(parley_rd.sessions, &session_id);
}

/* Hands a begun request to the core (`message` borrowed). */
static void dispatch(rd_ctx *ctx, bool admin, json_t *message, uint64_t session_id)
{
	rd_client *client = parley_rd_client_for(ctx->reply_to, ctx->mode);
	if (client == NULL) {
		answer_error(ctx, json_string_value(json_object_get(message, "transaction")), 490,
		             "too many reply_to destinations on this instance ([general] max_clients)");
		return;
	}
	__atomic_add_fetch(&parley_rd.requests_in, 1, __ATOMIC_RELAXED);
	if (session_id != 0 && session_is_local(session_id))
		parley_rd_session_touch(session_id);
	parley_rd.core->incoming_request(client->conn, ctx, admin, message);
}

/* ---- forwarding to the owning instance ------------------------------------------------ */

typedef struct rd_lookup {
	rd_ctx *ctx;
	json_t *message; /* a reference */
	char *request;   /* the entry's request text */
	bool admin;
	unsigned hops;
	uint64_t session_id;
} rd_lookup;

static void lookup_free(rd_lookup *lookup)
{
	json_decref(lookup->message);
	g_free(lookup->request);
	g_free(lookup);
}

static void on_forwarded(redisAsyncContext *ac, void *r, void *privdata)
{
	rd_lookup *lookup = privdata;
	redisReply *reply = r;
	rd_ctx *ctx = lookup->ctx;
	if (reply == NULL) {
		/* Link lost: not acknowledged, so a claim pass brings it back. */
		ctx_end(ctx);
		parley_rd_ctx_free(ctx);
	} else if (reply->type == REDIS_REPLY_ERROR) {
		char reason[256];
		snprintf(reason, sizeof(reason), "cannot forward to the instance owning the session: %s", reply->str);
		answer_error(ctx, json_string_value(json_object_get(lookup->message, "transaction")), 490, reason);
	} else {
		__atomic_add_fetch(&parley_rd.forwarded, 1, __ATOMIC_RELAXED);
		ack(ctx->stream, ctx->id);
		ctx_end(ctx);
		parley_rd_ctx_free(ctx);
	}
	lookup_free(lookup);
	parley_rd_streams_read();
}

static void forward(rd_lookup *lookup, const char *owner)
{
	char *stream = parley_redis_instance_stream(parley_rd.prefix, owner);
	char hops[16];
	snprintf(hops, sizeof(hops), "%u", lookup->hops + 1);
	const char *argv[] = { "XADD",
		               stream,
		               "*",
		               "request",
		               lookup->request,
		               "reply_to",
		               lookup->ctx->reply_to,
		               "reply_mode",
		               lookup->ctx->mode == RD_REPLY_PUBLISH ? "publish" : "stream",
		               "admin",
		               lookup->admin ? "1" : "0",
		               "hops",
		               hops };
	RD_LOG(PARLEY_LOG_DEBUG, "forwarding %s (session %" G_GUINT64_FORMAT ") to instance %s", lookup->ctx->tag,
	       lookup->session_id, owner);
	if (parley_rd_command(&parley_rd.writer, on_forwarded, lookup, G_N_ELEMENTS(argv), argv, NULL) != 0)
		on_forwarded(NULL, NULL, lookup);
	g_free(stream);
}

static void on_owner(redisAsyncContext *ac, void *r, void *privdata)
{
	rd_lookup *lookup = privdata;
	redisReply *reply = r;
	if (reply == NULL) {
		on_forwarded(NULL, NULL, lookup);
		return;
	}
	if (reply->type == REDIS_REPLY_STRING && strcmp(reply->str, parley_rd.instance_id) != 0) {
		forward(lookup, reply->str);
		return;
	}
	/* Ours, or nobody's: the core answers (458 when it does not exist). */
	dispatch(lookup->ctx, lookup->admin, lookup->message, lookup->session_id);
	lookup_free(lookup);
}

static void look_up_owner(rd_ctx *ctx, bool admin, json_t *message, const char *request, size_t length, unsigned hops,
                          uint64_t session_id)
{
	rd_lookup *lookup = g_new0(rd_lookup, 1);
	lookup->ctx = ctx;
	lookup->message = json_incref(message);
	lookup->request = g_strndup(request, length);
	lookup->admin = admin;
	lookup->hops = hops;
	lookup->session_id = session_id;
	char *key = parley_redis_session_key(parley_rd.prefix, (unsigned long long)session_id);
	const char *argv[] = { "GET", key };
	if (parley_rd_command(&parley_rd.writer, on_owner, lookup, 2, argv, NULL) != 0)
		on_forwarded(NULL, NULL, lookup);
	g_free(key);
}

/* ---- one entry ------------------------------------------------------------------------------ */

#define MAX_FIELDS 32

static void handle_entry(const char *stream, const redisReply *entry)
{
	if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2 || entry->element[0]->type != REDIS_REPLY_STRING)
		return;
	const char *id = entry->element[0]->str;
	const redisReply *fields = entry->element[1];
	char tag[640];
	snprintf(tag, sizeof(tag), "%s %s", stream, id);
	if (g_hash_table_contains(parley_rd.pending, tag))
		return;
	if (fields->type != REDIS_REPLY_ARRAY || fields->elements > MAX_FIELDS) {
		RD_LOG(PARLEY_LOG_WARN, "dropped entry %s on %s: %s", id, stream,
		       fields->type != REDIS_REPLY_ARRAY ? "no fields" : "too many fields");
		__atomic_add_fetch(&parley_rd.dropped, 1, __ATOMIC_RELAXED);
		ack(stream, id);
		return;
	}
	const char *items[MAX_FIELDS];
	size_t lengths[MAX_FIELDS];
	size_t count = 0;
	for (size_t i = 0; i < fields->elements; i++) {
		const redisReply *item = fields->element[i];
		items[count] = item->type == REDIS_REPLY_STRING ? item->str : "";
		lengths[count++] = item->type == REDIS_REPLY_STRING ? item->len : 0;
	}
	rd_entry_fields f;
	rd_entry_status status = parley_redis_entry_parse(items, lengths, count, parley_rd.reply_prefix,
	                                                  parley_rd.max_message, &f);
	if (status == RD_ENTRY_NO_REPLY) {
		RD_LOG(PARLEY_LOG_WARN, "dropped entry %s on %s: %s", id, stream, f.reason);
		__atomic_add_fetch(&parley_rd.dropped, 1, __ATOMIC_RELAXED);
		ack(stream, id);
		return;
	}
	rd_ctx *ctx = ctx_new(stream, id, f.reply_to, f.reply_to_length, f.mode);
	ctx_begin(ctx);
	if (status == RD_ENTRY_BAD) {
		answer_error(ctx, NULL, f.code, f.reason);
		return;
	}
	json_error_t error;
	json_t *message = json_loadb(f.request, f.request_length, JSON_DECODE_ANY, &error);
	if (message == NULL) {
		char reason[256];
		snprintf(reason, sizeof(reason), "JSON error: on line %d: %s", error.line, error.text);
		answer_error(ctx, NULL, 454, reason);
		return;
	}
	if (!json_is_object(message)) {
		answer_error(ctx, NULL, 455, "JSON error: not an object");
		json_decref(message);
		return;
	}
	bool on_instance = strcmp(stream, parley_rd.key_instance) == 0;
	bool admin = strcmp(stream, parley_rd.key_admin) == 0 || (on_instance && f.admin);
	if (admin && !parley_rd.admin_enabled) {
		answer_error(ctx, json_string_value(json_object_get(message, "transaction")), 403,
		             "the admin API is disabled on this instance ([general] admin_enabled)");
		json_decref(message);
		return;
	}
	json_t *sid = json_object_get(message, "session_id");
	uint64_t session_id = json_is_integer(sid) && json_integer_value(sid) > 0 ? (uint64_t)json_integer_value(sid)
	                                                                          : 0;
	if (!on_instance && f.hops == 0 && session_id != 0 && !session_is_local(session_id))
		look_up_owner(ctx, admin, message, f.request, f.request_length, f.hops, session_id);
	else
		dispatch(ctx, admin, message, session_id);
	json_decref(message);
}

/* [stream, [entry ...]] lists of an XREADGROUP answer. */
static void handle_streams(const redisReply *reply)
{
	for (size_t s = 0; s < reply->elements; s++) {
		const redisReply *item = reply->element[s];
		if (item->type != REDIS_REPLY_ARRAY || item->elements < 2 ||
		    item->element[0]->type != REDIS_REPLY_STRING || item->element[1]->type != REDIS_REPLY_ARRAY)
			continue;
		for (size_t e = 0; e < item->element[1]->elements; e++)
			handle_entry(item->element[0]->str, item->element[1]->element[e]);
	}
}

/* ---- groups, reading, claiming ---------------------------------------------------------------- */

static size_t stream_keys(const char **keys)
{
	size_t n = 0;
	keys[n++] = parley_rd.key_requests;
	keys[n++] = parley_rd.key_instance;
	if (parley_rd.admin_enabled)
		keys[n++] = parley_rd.key_admin;
	return n;
}

static void ensure_groups(void);

static gboolean on_read_retry(gpointer data)
{
	g_source_unref(parley_rd.read_retry_timer);
	parley_rd.read_retry_timer = NULL;
	parley_rd_streams_read();
	return G_SOURCE_REMOVE;
}

static void retry_read_later(void)
{
	if (parley_rd.read_retry_timer != NULL)
		return;
	parley_rd.read_retry_timer = g_timeout_source_new(1000);
	g_source_set_callback(parley_rd.read_retry_timer, on_read_retry, NULL, NULL);
	g_source_attach(parley_rd.read_retry_timer, parley_rd.context);
}

static void on_read(redisAsyncContext *ac, void *r, void *privdata)
{
	redisReply *reply = r;
	parley_rd.reading = false;
	if (reply == NULL)
		return; /* the link went away: reconnecting reads again */
	if (reply->type == REDIS_REPLY_ERROR) {
		if (g_str_has_prefix(reply->str, "NOGROUP")) {
			RD_LOG(PARLEY_LOG_WARN,
			       "the consumer groups are gone (Redis restarted empty?): creating them again");
			ensure_groups();
		} else {
			RD_LOG(PARLEY_LOG_ERROR, "XREADGROUP failed: %s (retrying in 1 s)", reply->str);
			retry_read_later();
		}
		return;
	}
	if (reply->type == REDIS_REPLY_ARRAY)
		handle_streams(reply);
	parley_rd_streams_read();
}

void parley_rd_streams_read(void)
{
	if (!g_atomic_int_get(&parley_rd.online) || parley_rd.reading || g_atomic_int_get(&parley_rd.stopping) ||
	    parley_rd.read_retry_timer != NULL)
		return;
	long room = parley_rd.max_inflight - (long)parley_rd.inflight;
	if (room <= 0)
		return; /* an answer going out calls back here */
	char count[24], block[24];
	snprintf(count, sizeof(count), "%ld", MIN(room, parley_rd.read_count));
	snprintf(block, sizeof(block), "%ld", parley_rd.block_ms);
	const char *keys[3];
	size_t n = stream_keys(keys);
	const char *argv[16] = { "XREADGROUP", "GROUP", parley_rd.group, parley_rd.instance_id, "COUNT", count,
		                 "BLOCK",      block,   "STREAMS" };
	int argc = 9;
	for (size_t i = 0; i < n; i++)
		argv[argc++] = keys[i];
	for (size_t i = 0; i < n; i++)
		argv[argc++] = ">";
	if (parley_rd_command(&parley_rd.reader, on_read, NULL, argc, argv, NULL) == 0)
		parley_rd.reading = true;
}

static void on_claim(redisAsyncContext *ac, void *r, void *privdata)
{
	const char *stream = privdata; /* one of the key_* strings */
	redisReply *reply = r;
	if (reply == NULL)
		return;
	if (reply->type == REDIS_REPLY_ERROR) {
		if (!g_str_has_prefix(reply->str, "NOGROUP"))
			RD_LOG(PARLEY_LOG_WARN, "XAUTOCLAIM on %s failed: %s", stream, reply->str);
		return;
	}
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 || reply->element[1]->type != REDIS_REPLY_ARRAY)
		return;
	const redisReply *entries = reply->element[1];
	if (entries->elements > 0) {
		RD_LOG(PARLEY_LOG_INFO, "claimed %zu unacknowledged request(s) on %s", entries->elements, stream);
		__atomic_add_fetch(&parley_rd.claimed, entries->elements, __ATOMIC_RELAXED);
	}
	for (size_t e = 0; e < entries->elements; e++)
		handle_entry(stream, entries->element[e]);
}

void parley_rd_streams_claim(void)
{
	if (!g_atomic_int_get(&parley_rd.online))
		return;
	long room = parley_rd.max_inflight - (long)parley_rd.inflight;
	if (room <= 0)
		return;
	char idle[24], count[24];
	snprintf(idle, sizeof(idle), "%ld", parley_rd.claim_idle_ms);
	snprintf(count, sizeof(count), "%ld", MIN(room, parley_rd.read_count));
	const char *keys[3];
	size_t n = stream_keys(keys);
	for (size_t i = 0; i < n; i++) {
		const char *argv[] = { "XAUTOCLAIM", keys[i], parley_rd.group, parley_rd.instance_id,
			               idle,         "0-0",   "COUNT",         count };
		parley_rd_command(&parley_rd.writer, on_claim, (void *)keys[i], G_N_ELEMENTS(argv), argv, NULL);
	}
}

static void on_group(redisAsyncContext *ac, void *r, void *privdata)
{
	redisReply *reply = r;
	if (reply == NULL)
		return;
	if (reply->type == REDIS_REPLY_ERROR && !g_str_has_prefix(reply->str, "BUSYGROUP"))
		RD_LOG(PARLEY_LOG_ERROR, "cannot create the consumer group: %s", reply->str);
	if (privdata == NULL)
		return; /* not the last one */
	bool was_online = g_atomic_int_get(&parley_rd.online);
	g_atomic_int_set(&parley_rd.online, 1);
	if (!was_online) {
		RD_LOG(PARLEY_LOG_INFO, "connected to Redis at %s:%d (db %d): requests on %s, %s%s%s; instance %s",
		       parley_rd.url.host, parley_rd.url.port, parley_rd.url.db, parley_rd.key_requests,
		       parley_rd.key_instance, parley_rd.admin_enabled ? ", " : "",
		       parley_rd.admin_enabled ? parley_rd.key_admin : "", parley_rd.instance_id);
		parley_rd_backlog_flush();
	}
	parley_rd_sessions_refresh();
	parley_rd_streams_claim();
	parley_rd_streams_read();
}

/* XGROUP CREATE ... 0 MKSTREAM per stream; the last answer goes online. */
static void ensure_groups(void)
{
	const char *keys[3];
	size_t n = stream_keys(keys);
	for (size_t i = 0; i < n; i++) {
		const char *argv[] = { "XGROUP", "CREATE", keys[i], parley_rd.group, "0", "MKSTREAM" };
		parley_rd_command(&parley_rd.writer, on_group, i + 1 == n ? (void *)keys[i] : NULL, 6, argv, NULL);
	}
}

void parley_rd_streams_online(void)
{
	ensure_groups();
}
