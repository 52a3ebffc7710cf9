/*
 * plugins/meeting/cluster_link.c — the [cluster] settings and the Redis
 * command connection of cluster mode: connect with a timeout to the
 * redis_url (util/redis_url.h; AUTH and SELECT when the URL asks), one command at a time under a mutex,
 * and dropping the connection on I/O errors so the cluster thread can
 * reconnect it. Blocking calls, made only on the plugin's cluster thread.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cluster.h"

static char *conf_dup(const parley_util_setting_source *settings, const char *key, const char *fallback)
{
	const char *v = settings->get(settings->context, "cluster", key);
	return g_strdup(v != NULL && v[0] != '\0' ? v : fallback);
}

void parley_meeting_cluster_config_load(parley_meeting_cluster_config *cfg, const parley_util_setting_source *settings)
{
	memset(cfg, 0, sizeof(*cfg));
	char *mode = conf_dup(settings, "mode", "local");
	cfg->redis = g_ascii_strcasecmp(mode, "redis") == 0;
	g_free(mode);
	cfg->redis_url = conf_dup(settings, "redis_url", "redis://127.0.0.1:6379");
	cfg->key_prefix = conf_dup(settings, "key_prefix", "meeting:");
	cfg->lease_ttl = (unsigned)parley_util_setting_read_int(settings, "cluster", "lease_ttl", 10, 2, 3600);
	cfg->timeout_ms = (unsigned)parley_util_setting_read_int(settings, "cluster", "command_timeout", 1000, 50, 60000);
	cfg->fallback_local = parley_util_setting_read_bool(settings, "cluster", "fallback_local", false);
}

void parley_meeting_cluster_config_clear(parley_meeting_cluster_config *cfg)
{
	g_free(cfg->redis_url);
	g_free(cfg->key_prefix);
	memset(cfg, 0, sizeof(*cfg));
}

/* Opens conn (lock held): true when connected and authenticated. */
static bool connect_locked(parley_meeting_redis *r, char **error)
{
	struct timeval tv = { .tv_sec = r->timeout_ms / 1000, .tv_usec = (r->timeout_ms % 1000) * 1000 };
	redisContext *c = redisConnectWithTimeout(r->url.host, r->url.port, tv);
	if (c == NULL || c->err != 0) {
		if (error != NULL)
			*error = g_strdup_printf("cannot connect to Redis at %s:%d: %s", r->url.host, r->url.port,
			                         c != NULL ? c->errstr : "out of memory");
		if (c != NULL)
			redisFree(c);
		return false;
	}
	redisSetTimeout(c, tv);
	const parley_util_redis_url *url = &r->url;
	char dbtext[16];
	g_snprintf(dbtext, sizeof(dbtext), "%d", url->db);
	const char *auth[3] = { "AUTH", url->user != NULL ? url->user : url->password, url->password };
	const char *select[2] = { "SELECT", dbtext };
	const struct { bool wanted; int argc; const char **argv; } steps[] = {
		{ url->password != NULL, url->user != NULL ? 3 : 2, auth },
		{ url->db != 0, 2, select },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(steps); i++) {
		if (!steps[i].wanted)
			continue;
		redisReply *reply = redisCommandArgv(c, steps[i].argc, steps[i].argv, NULL);
		bool ok = reply != NULL && reply->type != REDIS_REPLY_ERROR;
		if (!ok && error != NULL)
			*error = g_strdup_printf("Redis refused %s: %s", steps[i].argv[0],
			                         reply != NULL ? reply->str : c->errstr);
		if (reply != NULL)
			freeReplyObject(reply);
		if (!ok) {
			redisFree(c);
			return false;
		}
	}
	r->conn = c;
	return true;
}

parley_meeting_redis *parley_meeting_redis_new(const char *url, const char *prefix, const char *instance,
                                               unsigned timeout_ms, bool allow_down, char **error)
{
	parley_meeting_redis *r = g_new0(parley_meeting_redis, 1);
	char reason[160];
	if (parley_util_redis_url_parse(url, &r->url, reason, sizeof(reason)) != 0) {
		if (error != NULL)
			*error = g_strdup_printf("redis_url '%s' is not redis://[[user]:password@]host[:port][/db]: %s",
			                         url != NULL ? url : "", reason);
		g_free(r);
		return NULL;
	}
	g_mutex_init(&r->lock);
	r->prefix = g_strdup(prefix != NULL ? prefix : "");
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
	if (instance != NULL && strlen(instance) == PARLEY_MEETING_INSTANCE_ID_LEN) {
		memcpy(r->instance, instance, PARLEY_MEETING_INSTANCE_ID_LEN);
	} else {
		static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
		unsigned char bytes[PARLEY_MEETING_INSTANCE_ID_LEN];
		if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
			for (size_t i = 0; i < sizeof(bytes); i++)
				bytes[i] = (unsigned char)g_random_int();
		for (size_t i = 0; i < sizeof(bytes); i++)
			r->instance[i] = alphabet[bytes[i] % 36];
	}
	g_mutex_lock(&r->lock);
	bool up = connect_locked(r, error);
	g_mutex_unlock(&r->lock);
	if (!up && !allow_down) {
		parley_meeting_redis_free(r);
		return NULL;
	}
	return r;
}

void parley_meeting_redis_free(parley_meeting_redis *r)
{
	if (r == NULL)
		return;
	if (r->conn != NULL)
		redisFree(r->conn);
	parley_util_redis_url_clear(&r->url);
	g_free(r->prefix);
	g_mutex_clear(&r->lock);
	g_free(r);
}

/* After a call (lock held): drops the connection on I/O errors; keeps the
 * reply unless it is an error reply. */
static redisReply *settle_locked(parley_meeting_redis *r, redisReply *reply)
{
	if (reply == NULL) {
		redisFree(r->conn);
		r->conn = NULL;
		r->failures++;
		return NULL;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		g_message("meeting cluster: Redis error: %s", reply->str);
		freeReplyObject(reply);
		return NULL;
	}
	return reply;
}

redisReply *parley_meeting_redis_command(parley_meeting_redis *r, const char *format, ...)
{
	va_list ap;
	redisReply *reply = NULL;
	g_mutex_lock(&r->lock);
	if (r->conn != NULL) {
		va_start(ap, format);
		reply = settle_locked(r, redisvCommand(r->conn, format, ap));
		va_end(ap);
	} else {
		r->failures++;
	}
	g_mutex_unlock(&r->lock);
	return reply;
}

redisReply *parley_meeting_redis_argv(parley_meeting_redis *r, int argc, const char **argv, const size_t *lens)
{
	redisReply *reply = NULL;
	g_mutex_lock(&r->lock);
	if (r->conn != NULL)
		reply = settle_locked(r, redisCommandArgv(r->conn, argc, argv, lens));
	else
		r->failures++;
	g_mutex_unlock(&r->lock);
	return reply;
}

guint64 parley_meeting_redis_failures(parley_meeting_redis *r)
{
	g_mutex_lock(&r->lock);
	guint64 failures = r->failures;
	g_mutex_unlock(&r->lock);
	return failures;
}

bool parley_meeting_redis_is_up(parley_meeting_redis *r)
{
	g_mutex_lock(&r->lock);
	bool up = r->conn != NULL;
	g_mutex_unlock(&r->lock);
	return up;
}

bool parley_meeting_redis_reconnect(parley_meeting_redis *r)
{
	g_mutex_lock(&r->lock);
	bool up = r->conn != NULL || connect_locked(r, NULL);
	g_mutex_unlock(&r->lock);
	return up;
}

char *parley_meeting_redis_key(const parley_meeting_redis *r, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	char *tail = g_strdup_vprintf(format, ap);
	va_end(ap);
	char *key = g_strconcat(r->prefix, tail, NULL);
	g_free(tail);
	return key;
}
