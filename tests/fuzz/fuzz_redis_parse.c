/*
 * fuzz_redis_parse.c — libFuzzer target for the Redis transport's pure
 * parsers (transports/redis/parse.c; its URL is util's, fuzz_redis_url.c).
 * The input is NUL-separated: the first part is the key prefix for the key
 * names, the rest the flat [name, value, ...] list of one stream entry
 * (values may be empty). Whatever is accepted must be consistent: an
 * entry's reply_to lies inside the input, starts with the reply prefix and
 * is short enough; an accepted request lies inside the input and fits
 * max_request; a refusal carries a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "transports/redis/parse.h"

#define MAX_ITEMS 64
#define REPLY_PREFIX "parley:"
#define MAX_REQUEST 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(const char *p, size_t length, const char *start, size_t size)
{
	return p >= start && length <= size && (size_t)(p - start) <= size - length;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A NUL-terminated copy, so the prefix part is a C string. */
	char *copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';

	const char *items[MAX_ITEMS];
	size_t lengths[MAX_ITEMS];
	size_t count = 0;
	size_t prefix_end = strnlen(copy, size);
	for (size_t pos = prefix_end + 1; pos <= size && count < MAX_ITEMS;) {
		const char *item = copy + pos;
		size_t length = strnlen(item, size - pos);
		items[count] = item;
		lengths[count] = length;
		count++;
		pos += length + 1;
	}

	rd_entry_fields f;
	rd_entry_status status = parley_redis_entry_parse(items, lengths, count, REPLY_PREFIX, MAX_REQUEST, &f);
	switch (status) {
	case RD_ENTRY_OK:
		if (f.request == NULL || !inside(f.request, f.request_length, copy, size) ||
		    f.request_length > MAX_REQUEST)
			abort();
		__attribute__((fallthrough)); /* reply_to is usable too */
	case RD_ENTRY_BAD:
		if (f.reply_to == NULL || !inside(f.reply_to, f.reply_to_length, copy, size) ||
		    f.reply_to_length > RD_MAX_REPLY_TO || f.reply_to_length < strlen(REPLY_PREFIX) ||
		    memcmp(f.reply_to, REPLY_PREFIX, strlen(REPLY_PREFIX)) != 0)
			abort();
		if (status == RD_ENTRY_BAD && (f.reason == NULL || f.code == 0))
			abort();
		break;
	case RD_ENTRY_NO_REPLY:
		if (f.reason == NULL)
			abort();
		break;
	default:
		abort();
	}

	/* Key names from arbitrary prefixes and ids. */
	char *stream = parley_redis_instance_stream(copy, count > 0 ? items[0] : "");
	char *key = parley_redis_session_key(copy, (unsigned long long)size * 2654435761u);
	if (stream == NULL || key == NULL || !g_str_has_prefix(stream, copy) || !g_str_has_prefix(key, copy))
		abort();
	g_free(stream);
	g_free(key);
	free(copy);
	return 0;
}
