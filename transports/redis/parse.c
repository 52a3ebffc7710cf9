/*
 * transports/redis/parse.c — the fields of one request entry and key names
 * (see parse.h). Pure functions.
 */
#include "parse.h"

#include <string.h>
#include <glib.h>

static bool field_is(const char *name, size_t length, const char *wanted)
{
	return length == strlen(wanted) && memcmp(name, wanted, length) == 0;
}

/* Which entry field goes where: table-driven. */
typedef enum {
	F_REQUEST,
	F_REPLY_TO,
	F_REPLY_MODE,
	F_ADMIN,
	F_HOPS
} field_id;
static const struct {
	const char *name;
	field_id id;
} fields[] = {
	{ "request", F_REQUEST }, { "reply_to", F_REPLY_TO }, { "reply_mode", F_REPLY_MODE },
	{ "admin", F_ADMIN },     { "hops", F_HOPS },
};

/* A small decimal count; anything unreadable counts as "too many". */
static unsigned hops_value(const char *value, size_t length)
{
	unsigned hops = 0;
	if (length == 0 || length > 3)
		return 100;
	for (size_t i = 0; i < length; i++) {
		if (value[i] < '0' || value[i] > '9')
			return 100;
		hops = hops * 10 + (unsigned)(value[i] - '0');
	}
	return hops;
}

rd_entry_status parley_redis_entry_parse(const char *const *items, const size_t *lengths, size_t count,
                                         const char *reply_prefix, size_t max_request, rd_entry_fields *out)
{
	memset(out, 0, sizeof(*out));
	const char *mode = NULL;
	size_t mode_length = 0;
	for (size_t i = 0; i + 1 < count; i += 2) {
		const char *value = items[i + 1];
		size_t length = lengths[i + 1];
		for (size_t f = 0; f < G_N_ELEMENTS(fields); f++) {
			if (!field_is(items[i], lengths[i], fields[f].name))
				continue;
			switch (fields[f].id) {
			case F_REQUEST:
				out->request = value;
				out->request_length = length;
				break;
			case F_REPLY_TO:
				out->reply_to = value;
				out->reply_to_length = length;
				break;
			case F_REPLY_MODE:
				mode = value;
				mode_length = length;
				break;
			case F_ADMIN:
				out->admin = field_is(value, length, "1") || field_is(value, length, "true");
				break;
			case F_HOPS: out->hops = hops_value(value, length); break;
			}
		}
	}
	if (out->reply_to == NULL || out->reply_to_length == 0) {
		out->reason = "the entry has no reply_to field";
		return RD_ENTRY_NO_REPLY;
	}
	if (out->reply_to_length > RD_MAX_REPLY_TO) {
		out->reason = "reply_to is too long";
		return RD_ENTRY_NO_REPLY;
	}
	if (memchr(out->reply_to, '\0', out->reply_to_length) != NULL) {
		out->reason = "reply_to contains a NUL byte";
		return RD_ENTRY_NO_REPLY;
	}
	size_t prefix_length = reply_prefix ? strlen(reply_prefix) : 0;
	if (out->reply_to_length < prefix_length || memcmp(out->reply_to, reply_prefix, prefix_length) != 0) {
		out->reason = "reply_to is outside the allowed key prefix ([general] reply_prefix)";
		return RD_ENTRY_NO_REPLY;
	}
	if (mode == NULL || field_is(mode, mode_length, "stream")) {
		out->mode = RD_REPLY_STREAM;
	} else if (field_is(mode, mode_length, "publish")) {
		out->mode = RD_REPLY_PUBLISH;
	} else {
		out->reason = "reply_mode must be stream or publish";
		return RD_ENTRY_NO_REPLY;
	}
	if (out->request == NULL) {
		out->code = 454;
		out->reason = "the entry has no request field";
		return RD_ENTRY_BAD;
	}
	if (out->request_length > max_request) {
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
