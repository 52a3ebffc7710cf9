/*
 * handlers/analytics/redis_stream.c — the Redis stream sink: each batch is
 * one pipeline of `XADD <stream> MAXLEN ~ <maxlen> * id <id> event <name>
 * data <json>` on a blocking hiredis connection of the sink's thread (with
 * a timeout), opened again after any failure. Replies are read in order:
 * the entries before a lost connection are delivered, the rest retried; an
 * error reply (e.g. the key is not a stream) refuses the rest of the batch.
 */
#include <string.h>
#include <hiredis/hiredis.h>
#include <glib.h>
#include "sinks.h"
#include "util/redis_url.h"

typedef struct redis_stream {
	parley_util_redis_url url;
	char *stream;
	long maxlen;
	unsigned timeout_ms;
	redisContext *c;
} redis_stream;

static void disconnect(redis_stream *r)
{
	if (r->c)
		redisFree(r->c);
	r->c = NULL;
}

static bool command_ok(redis_stream *r, char *error, size_t error_size, const char *what, redisReply *reply)
{
	bool ok = reply && reply->type != REDIS_REPLY_ERROR;
	if (!ok)
		g_snprintf(error, error_size, "%s: %s", what, reply ? reply->str : r->c->errstr);
	if (reply)
		freeReplyObject(reply);
	return ok;
}

static bool ensure_connected(redis_stream *r, char *error, size_t error_size)
{
	if (r->c)
		return true;
	struct timeval tv = { .tv_sec = r->timeout_ms / 1000, .tv_usec = (r->timeout_ms % 1000) * 1000 };
	r->c = redisConnectWithTimeout(r->url.host, r->url.port, tv);
	if (!r->c || r->c->err) {
		g_snprintf(error, error_size, "connect %s:%d: %s", r->url.host, r->url.port,
		           r->c ? r->c->errstr : "out of memory");
		disconnect(r);
		return false;
	}
	redisSetTimeout(r->c, tv);
	bool ok = true;
	if (r->url.password && r->url.user)
		ok = command_ok(r, error, error_size, "AUTH",
		                redisCommand(r->c, "AUTH %s %s", r->url.user, r->url.password));
	else if (r->url.password)
		ok = command_ok(r, error, error_size, "AUTH", redisCommand(r->c, "AUTH %s", r->url.password));
	if (ok && r->url.db != 0)
		ok = command_ok(r, error, error_size, "SELECT", redisCommand(r->c, "SELECT %d", r->url.db));
	if (!ok)
		disconnect(r);
	return ok;
}

static analytics_send_result redis_send(void *impl, analytics_item **items, unsigned n, unsigned *accepted,
                                        char *error, size_t error_size)
{
	redis_stream *r = impl;
	*accepted = 0;
	if (!ensure_connected(r, error, error_size))
		return ANALYTICS_SEND_RETRY;
	for (unsigned i = 0; i < n; i++)
		redisAppendCommand(r->c, "XADD %s MAXLEN ~ %ld * id %s event %s data %s", r->stream, r->maxlen,
		                   items[i]->id, items[i]->name, items[i]->body);
	analytics_send_result result = ANALYTICS_SENT;
	for (unsigned i = 0; i < n; i++) {
		redisReply *reply = NULL;
		if (redisGetReply(r->c, (void **)&reply) != REDIS_OK || !reply) {
			g_snprintf(error, error_size, "XADD: %s", r->c->errstr[0] ? r->c->errstr : "no reply");
			disconnect(r);
			return ANALYTICS_SEND_RETRY;   /* *accepted: the replies read so far */
		}
		if (reply->type == REDIS_REPLY_ERROR && result == ANALYTICS_SENT) {
			g_snprintf(error, error_size, "XADD: %s", reply->str);
			result = ANALYTICS_SEND_REJECTED;
		}
		if (result == ANALYTICS_SENT)
			(*accepted)++;
		freeReplyObject(reply);
	}
	return result;
}

static void redis_free(void *impl)
{
	redis_stream *r = impl;
	disconnect(r);
	parley_util_redis_url_clear(&r->url);
	g_free(r->stream);
	g_free(r);
}

static const analytics_sink_ops redis_ops = {
	.name = "redis_stream",
	.send = redis_send,
	.free = redis_free,
};

analytics_sink *parley_analytics_redis_stream_start(const char *url, const char *stream, long maxlen,
                                                    unsigned timeout_ms, analytics_sink_config *cfg, char *error,
                                                    size_t error_size)
{
	redis_stream *r = g_new0(redis_stream, 1);
	char reason[200];
	if (parley_util_redis_url_parse(url, &r->url, reason, sizeof(reason)) != 0) {
		g_snprintf(error, error_size, "[redis_stream] url: %s", reason);
		g_free(r);
		return NULL;
	}
	r->stream = g_strdup(stream && *stream ? stream : "parley:events");
	r->maxlen = maxlen > 0 ? maxlen : 10000;
	r->timeout_ms = timeout_ms ? timeout_ms : 2000;
	return parley_analytics_sink_start(&redis_ops, r, cfg);
}
