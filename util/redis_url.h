/*
 * util/redis_url.h — the Redis URL of every setting that names a Redis
 * server (REDIS_URL, the Redis transport's [general] url, the meeting
 * plugin's [cluster] redis_url):
 *
 *     redis://[[user]:password@]host[:port][/db]
 *
 * host is a name, an IPv4 address or an [IPv6] address in brackets; empty
 * means 127.0.0.1. port is 1..65535 (default 6379), db 0..100000 (default
 * 0). The credentials run up to the last '@' and may hold %-escapes; user
 * is the Redis 6 ACL user (AUTH user password), absent when empty.
 */
#ifndef PARLEY_UTIL_REDIS_URL_H
#define PARLEY_UTIL_REDIS_URL_H

#include <stddef.h>

typedef struct parley_util_redis_url {
	char *host;      /* g_malloc */
	int port;
	char *user;      /* g_malloc or NULL */
	char *password;  /* g_malloc or NULL */
	int db;
} parley_util_redis_url;

/* 0 and a filled *out (free with parley_util_redis_url_clear), or -1 with
 * the reason in error[0..error_size) and nothing allocated. */
int parley_util_redis_url_parse(const char *text, parley_util_redis_url *out, char *error, size_t error_size);
void parley_util_redis_url_clear(parley_util_redis_url *url);

#endif
