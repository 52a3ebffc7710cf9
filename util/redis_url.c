/*
 * util/redis_url.c — parsing of redis:// URLs (see redis_url.h). The
 * text is split from the outside in: scheme, credentials up to the last
 * '@', host and port up to the first '/', then the database number.
 */
#include "util/redis_url.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#define SCHEME "redis://"
#define MAX_URL 1024
#define DEFAULT_PORT 6379
#define DEFAULT_HOST "127.0.0.1"

/* A run of decimal digits in [min, max]. */
static bool parse_number(const char *text, size_t length, long min, long max, long *out)
{
	if (length == 0 || length > 9)
		return false;
	long value = 0;
	for (size_t i = 0; i < length; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		value = value * 10 + (text[i] - '0');
	}
	if (value < min || value > max)
		return false;
	*out = value;
	return true;
}

/* "[user]:password" (%-escapes decoded): NULL on success, else the reason. */
static const char *parse_credentials(const char *text, size_t length, parley_util_redis_url *out)
{
	const char *colon = memchr(text, ':', length);
	if (colon == NULL)
		return "credentials must read [user]:password@";
	char *user = g_strndup(text, (gsize)(colon - text));
	char *password = g_strndup(colon + 1, (gsize)(text + length - colon - 1));
	if (user[0] != '\0')
		out->user = g_uri_unescape_string(user, NULL);
	out->password = g_uri_unescape_string(password, NULL);
	bool ok = out->password != NULL && (user[0] == '\0' || out->user != NULL);
	g_free(user);
	g_free(password);
	return ok ? NULL : "bad %-escape in the credentials";
}

/* "host[:port]" or "[v6][:port]": NULL on success, else the reason. */
static const char *parse_host_port(const char *text, size_t length, parley_util_redis_url *out)
{
	const char *end = text + length;
	const char *host = text, *host_end, *port = NULL;
	if (length > 0 && text[0] == '[') {
		const char *close = memchr(text, ']', length);
		if (close == NULL)
			return "unterminated [IPv6] host";
		host = text + 1;
		host_end = close;
		if (close + 1 < end && close[1] == ':')
			port = close + 2;
		else if (close + 1 != end)
			return "unexpected text after the [IPv6] host";
	} else {
		const char *colon = memchr(text, ':', length);
		host_end = colon != NULL ? colon : end;
		port = colon != NULL ? colon + 1 : NULL;
	}
	long number = DEFAULT_PORT;
	if (port != NULL && !parse_number(port, (size_t)(end - port), 1, 65535, &number))
		return "the port must be a number from 1 to 65535";
	out->port = (int)number;
	out->host = host_end > host ? g_strndup(host, (gsize)(host_end - host)) : g_strdup(DEFAULT_HOST);
	return NULL;
}

int parley_util_redis_url_parse(const char *text, parley_util_redis_url *out, char *error, size_t error_size)
{
	memset(out, 0, sizeof(*out));
	const char *reason = NULL;
	if (text == NULL || strncmp(text, SCHEME, strlen(SCHEME)) != 0)
		reason = "the URL must start with " SCHEME;
	else if (strlen(text) > MAX_URL)
		reason = "the URL is too long";
	const char *rest = text != NULL ? text + strlen(SCHEME) : NULL;
	const char *at = reason == NULL ? strrchr(rest, '@') : NULL;
	if (at != NULL) {
		reason = parse_credentials(rest, (size_t)(at - rest), out);
		rest = at + 1;
	}
	const char *slash = reason == NULL ? strchr(rest, '/') : NULL;
	if (reason == NULL)
		reason = parse_host_port(rest, slash != NULL ? (size_t)(slash - rest) : strlen(rest), out);
	long db = 0;
	if (reason == NULL && slash != NULL && slash[1] != '\0' &&
	    !parse_number(slash + 1, strlen(slash + 1), 0, 100000, &db))
		reason = "the database (after /) must be a number from 0 to 100000";
	out->db = (int)db;
	if (reason == NULL)
		return 0;
	parley_util_redis_url_clear(out);
	if (error != NULL && error_size > 0)
		snprintf(error, error_size, "%s", reason);
	return -1;
}

void parley_util_redis_url_clear(parley_util_redis_url *url)
{
	g_free(url->host);
	g_free(url->user);
	g_free(url->password);
	memset(url, 0, sizeof(*url));
}
