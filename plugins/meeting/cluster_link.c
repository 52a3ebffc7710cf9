/*
 * plugins/meeting/cluster_link.c — the [cluster] settings and the Redis
 * command connection of cluster mode: URL parsing, connect with a timeout
 * (AUTH and SELECT when the URL asks), one command at a time under a mutex,
 * and dropping the connection on I/O errors so the cluster thread can
 * reconnect it. Blocking calls, made only on the plugin's cluster thread.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cluster.h"

static char *conf_dup(const char *(*get)(const char *, const char *), const char *key, const char *fallback)
{
	const char *v = get != NULL ? get("cluster", key) : NULL;
	return g_strdup(v != NULL && v[0] != '\0' ? v : fallback);
}

static long conf_long(const char *(*get)(const char *, const char *), const char *key, long fallback,
                      long min, long max)
{
	const char *v = get != NULL ? get("cluster", key) : NULL;
	if (v == NULL || v[0] == '\0')
		return fallback;
	char *end = NULL;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
		return fallback;
	return n;
}

void parley_meeting_cluster_config_load(parley_meeting_cluster_config *cfg,
                                        const char *(*get)(const char *section, const char *key))
{
	memset(cfg, 0, sizeof(*cfg));
	char *mode = conf_dup(get, "mode", "local");
	cfg->redis = g_ascii_strcasecmp(mode, "redis") == 0;
	g_free(mode);
	cfg->redis_url = conf_dup(get, "redis_url", "redis://127.0.0.1:6379");
	cfg->key_prefix = conf_dup(get, "key_prefix", "meeting:");
	cfg->lease_ttl = (unsigned)conf_long(get, "lease_ttl", 10, 2, 3600);
	cfg->timeout_ms = (unsigned)conf_long(get, "command_timeout", 1000, 50, 60000);
	char *fallback = conf_dup(get, "fallback_local", "false");
	cfg->fallback_local = g_ascii_strcasecmp(fallback, "true") == 0 || strcmp(fallback, "1") == 0 ||
	                      g_ascii_strcasecmp(fallback, "yes") == 0;
	g_free(fallback);
}

void parley_meeting_cluster_config_clear(parley_meeting_cluster_config *cfg)
{
	g_free(cfg->redis_url);
	g_free(cfg->key_prefix);
	memset(cfg, 0, sizeof(*cfg));
}

bool parley_meeting_redis_parse_url(const char *url, char **host, int *port, char **password, int *db,
                                    char **error)
{
	*host = NULL;
	*password = NULL;
	*port = 6379;
	*db = 0;
	if (url == NULL || !g_str_has_prefix(url, "redis://")) {
		*error = g_strdup_printf("redis_url '%s' is not redis://[:password@]host[:port][/db]",
		                         url != NULL ? url : "");
		return false;
	}
	const char *rest = url + strlen("redis://");
	const char *at = strrchr(rest, '@');
	if (at != NULL) {
		const char *colon = memchr(rest, ':', (size_t)(at - rest));
		const char *pw = colon != NULL ? colon + 1 : rest;
		*password = g_strndup(pw, (size_t)(at - pw));
		rest = at + 1;
	}
	const char *slash = strchr(rest, '/');
	char *hostport = slash != NULL ? g_strndup(rest, (size_t)(slash - rest)) : g_strdup(rest);
	char *colon = strrchr(hostport, ':');
	bool ok = true;
	if (colon != NULL) {
		char *end = NULL;
		long p = strtol(colon + 1, &end, 10);
		ok = end != colon + 1 && *end == '\0' && p > 0 && p < 65536;
		*port = (int)p;
		*colon = '\0';
	}
	if (slash != NULL && slash[1] != '\0') {
		char *end = NULL;
		long d = strtol(slash + 1, &end, 10);
		ok = ok && *end == '\0' && d >= 0 && d < 100000;
		*db = (int)d;
	}
	if (!ok || hostport[0] == '\0') {
		*error = g_strdup_printf("redis_url '%s' is not redis://[:password@]host[:port][/db]", url);
		g_free(hostport);
		g_free(*password);
		*password = NULL;
		return false;
	}
	*host = hostport;
	return true;
}

/* Opens conn (lock held): true when connected and authenticated. */
static bool connect_locked(parley_meeting_redis *r, char **error)
{
	struct timeval tv = { .tv_sec = r->timeout_ms / 1000, .tv_usec = (r->timeout_ms % 1000) * 1000 };
	redisContext *c = redisConnectWithTimeout(r->host, r->port, tv);
	if (c == NULL || c->err != 0) {
		if (error != NULL)
			*error = g_strdup_printf("cannot connect to Redis at %s:%d: %s", r->host, r->port,
			                         c != NULL ? c->errstr : "out of memory");
		if (c != NULL)
			redisFree(c);
		return false;
	}
	redisSetTimeout(c, tv);
	const char *steps[2][2] = { { "AUTH", r->password }, { "SELECT", NULL } };
	char dbtext[16];
	g_snprintf(dbtext, sizeof(dbtext), "%d", r->db);
	steps[1][1] = r->db != 0 ? dbtext : NULL;
	for (int i = 0; i < 2; i++) {
		if (steps[i][1] == NULL)
			continue;
		redisReply *reply = redisCommand(c, "%s %s", steps[i][0], steps[i][1]);
		bool ok = reply != NULL && reply->type != REDIS_REPLY_ERROR;
		if (!ok && error != NULL)
			*error = g_strdup_printf("Redis refused %s: %s", steps[i][0],
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
	if (!parley_meeting_redis_parse_url(url, &r->host, &r->port, &r->password, &r->db, error)) {
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
	g_free(r->host);
	g_free(r->password);
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
	g_mutex_unlock(&r->lock);
	return reply;
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
