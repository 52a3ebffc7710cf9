/*
 * transports/redis/parse.h — the pure parts of the Redis transport, kept
 * apart so unit tests can reach them without a server: the fields of one
 * request entry and the names of the keys the transport uses (the URL is
 * util/redis_url.h). Nothing here touches Redis, the core or a thread.
 */
#ifndef PARLEY_TRANSPORT_REDIS_PARSE_H
#define PARLEY_TRANSPORT_REDIS_PARSE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum rd_reply_mode {
	RD_REPLY_STREAM = 0, /* XADD to the reply_to stream */
	RD_REPLY_PUBLISH,    /* PUBLISH on the reply_to channel */
} rd_reply_mode;

typedef enum rd_entry_status {
	RD_ENTRY_OK = 0,   /* request and reply_to usable */
	RD_ENTRY_BAD,      /* reply_to usable, the request is not: answer with code/reason */
	RD_ENTRY_NO_REPLY, /* no usable reply_to: nobody can be told, drop it */
} rd_entry_status;

/* The fields of one stream entry (pointers into the caller's strings). */
typedef struct rd_entry_fields {
	const char *request;
	size_t request_length;
	const char *reply_to;
	size_t reply_to_length;
	rd_reply_mode mode;
	bool admin;         /* field admin = 1 (forwarded admin requests) */
	unsigned hops;      /* how many times it was forwarded already */
	int code;           /* RD_ENTRY_BAD: the API error code */
	const char *reason; /* static text for RD_ENTRY_BAD / RD_ENTRY_NO_REPLY */
} rd_entry_fields;

#define RD_MAX_REPLY_TO 512

/* Reads the flat [name, value, name, value ...] list of an entry.
 * `reply_prefix` (may be "") is what every reply_to must start with;
 * requests longer than `max_request` bytes are refused. */
rd_entry_status parley_redis_entry_parse(const char *const *items, const size_t *lengths, size_t count,
                                         const char *reply_prefix, size_t max_request, rd_entry_fields *out);

/* "<prefix>instance:<id>:requests" (g_free). */
char *parley_redis_instance_stream(const char *prefix, const char *instance_id);
/* "<prefix>session:<id>" (g_free). */
char *parley_redis_session_key(const char *prefix, unsigned long long session_id);

#endif
