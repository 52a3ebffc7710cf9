/*
 * transports/redis/parse.c — redis:// URL parsing, the fields of one
 * request entry, and key names (see parse.h). Pure functions.
 */
#include "parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

static int fail(char *error, size_t size, const char *reason)
{
	if(error != NULL && size > 0)
		snprintf(error, size, "%s", reason);
	return -1;
}

static bool parse_number(const char *text, long min, long max, long *out)
{
	if(text == NULL || *text == '\0')
		return false;
	for(const char *c = text; *c; c++)
		if(*c < '0' || *c > '9')
			return false;
	errno = 0;
	long value = strtol(text, NULL, 10);
	if(value < min || value > max)
		return false;
	*out = value;
	return true;
}

int parley_redis_url_parse(const char *text, rd_url *out, char *error, size_t error_size)
{
	memset(out, 0, sizeof(*out));
	out->port = 6379;
	if(text == NULL || !g_str_has_prefix(text, "redis://"))
		return fail(error, error_size, "the URL must start with redis://");
	if(strlen(text) > 1024)
		return fail(error, error_size, "the URL is too long");
	const char *rest = text + strlen("redis://");
	const char *slash = strchr(rest, '/');
	char *authority = slash ? g_strndup(rest, (gsize)(slash - rest)) : g_strdup(rest);
	char *host_part = authority;
	char *at = strrchr(authority, '@');
	if(at != NULL) {
		*at = '\0';
		host_part = at + 1;
		char *colon = strchr(authority, ':');
		if(colon == NULL) {
			g_free(authority);
			return fail(error, error_size, "credentials must read [user]:password@");
		}
		*colon = '\0';
		if(*authority)
			out->user = g_uri_unescape_string(authority, NULL);
		out->password = g_uri_unescape_string(colon + 1, NULL);
		if(out->password == NULL || (*authority && out->user == NULL)) {
			g_free(authority);
			parley_redis_url_clear(out);
			return fail(error, error_size, "bad %-escape in the credentials");
		}
	}
	char *port = NULL;
	if(host_part[0] == '[') {
		char *close = strchr(host_part, ']');
		if(close == NULL) {
			g_free(authority);
			parley_redis_url_clear(out);
			return fail(error, error_size, "unterminated [IPv6] host");
		}
		*close = '\0';
		out->host = g_strdup(host_part + 1);
		if(close[1] == ':')
			port = close + 2;
		else if(close[1] != '\0') {
			g_free(authority);
			parley_redis_url_clear(out);
			return fail(error, error_size, "unexpected text after the [IPv6] host");
		}
	} else {
		char *colon = strchr(host_part, ':');
		if(colon != NULL) {
			*colon = '\0';
			port = colon + 1;
		}
		out->host = g_strdup(host_part);
	}
	long number = 0;
	if(port != NULL) {
		if(!parse_number(port, 1, 65535, &number)) {
			g_free(authority);
			parley_redis_url_clear(out);
			return fail(error, error_size, "the port must be a number from 1 to 65535");
		}
		out->port = (int)number;
	}
	g_free(authority);
	if(out->host[0] == '\0') {
		g_free(out->host);
		out->host = g_strdup("127.0.0.1");
	}
	if(slash != NULL && slash[1] != '\0') {
		if(!parse_number(slash + 1, 0, 100000, &number)) {
			parley_redis_url_clear(out);
			return fail(error, error_size, "the database (after /) must be a number");
		}
		out->db = (int)number;
	}
	return 0;
}

void parley_redis_url_clear(rd_url *url)
{
	g_free(url->host);
	g_free(url->user);
	g_free(url->password);
	memset(url, 0, sizeof(*url));
}

static bool field_is(const char *name, size_t length, const char *wanted)
{
	return length == strlen(wanted) && memcmp(name, wanted, length) == 0;
}

/* Which entry field goes where: table-driven. */
typedef enum { F_REQUEST, F_REPLY_TO, F_REPLY_MODE, F_ADMIN, F_HOPS } field_id;
static const struct {
	const char *name;
	field_id id;
} fields[] = {
	{ "request", F_REQUEST }, { "reply_to", F_REPLY_TO }, { "reply_mode", F_REPLY_MODE },
	{ "admin", F_ADMIN }, { "hops", F_HOPS },
};

/* A small decimal count; anything unreadable counts as "too many". */
static unsigned hops_value(const char *value, size_t length)
{
	unsigned hops = 0;
	if(length == 0 || length > 3)
		return 100;
	for(size_t i = 0; i < length; i++) {
		if(value[i] < '0' || value[i] > '9')
			return 100;
		hops = hops * 10 + (unsigned)(value[i] - '0');
	}
	return hops;
}

rd_entry_status parley_redis_entry_parse(const char *const *items, const size_t *lengths, size_t count,
                                         const char *reply_prefix, size_t max_request,
                                         rd_entry_fields *out)
{
	memset(out, 0, sizeof(*out));
	const char *mode = NULL;
	size_t mode_length = 0;
	for(size_t i = 0; i + 1 < count; i += 2) {
		const char *value = items[i + 1];
		size_t length = lengths[i + 1];
		for(size_t f = 0; f < G_N_ELEMENTS(fields); f++) {
			if(!field_is(items[i], lengths[i], fields[f].name))
				continue;
			switch(fields[f].id) {
			case F_REQUEST: out->request = value; out->request_length = length; break;
			case F_REPLY_TO: out->reply_to = value; out->reply_to_length = length; break;
			case F_REPLY_MODE: mode = value; mode_length = length; break;
			case F_ADMIN: out->admin = field_is(value, length, "1") || field_is(value, length, "true"); break;
			case F_HOPS: out->hops = hops_value(value, length); break;
			}
		}
	}
	if(out->reply_to == NULL || out->reply_to_length == 0) {
		out->reason = "the entry has no reply_to field";
		return RD_ENTRY_NO_REPLY;
	}
	if(out->reply_to_length > RD_MAX_REPLY_TO) {
		out->reason = "reply_to is too long";
		return RD_ENTRY_NO_REPLY;
	}
	if(memchr(out->reply_to, '\0', out->reply_to_length) != NULL) {
		out->reason = "reply_to contains a NUL byte";
		return RD_ENTRY_NO_REPLY;
	}
	size_t prefix_length = reply_prefix ? strlen(reply_prefix) : 0;
	if(out->reply_to_length < prefix_length || memcmp(out->reply_to, reply_prefix, prefix_length) != 0) {
		out->reason = "reply_to is outside the allowed key prefix ([general] reply_prefix)";
		return RD_ENTRY_NO_REPLY;
	}
	if(mode == NULL || field_is(mode, mode_length, "stream")) {
		out->mode = RD_REPLY_STREAM;
	} else if(field_is(mode, mode_length, "publish")) {
		out->mode = RD_REPLY_PUBLISH;
	} else {
		out->reason = "reply_mode must be stream or publish";
		return RD_ENTRY_NO_REPLY;
	}
	if(out->request == NULL) {
		out->code = 454;
		out->reason = "the entry has no request field";
		return RD_ENTRY_BAD;
	}
	if(out->request_length > max_request) {
		out->code = 450;
		out->reason = "the request is too large ([limits] max_message_size)";
		return RD_ENTRY_BAD;
	}
	return RD_ENTRY_OK;
}

char *parley_redis_instance_stream(const char *prefix, const char *instance_id)
{
	return g_strdup_printf("%sinstance:%s:requests", prefix, instance_id);
}

char *parley_redis_session_key(const char *prefix, unsigned long long session_id)
{
	return g_strdup_printf("%ssession:%llu", prefix, session_id);
}
