/*
 * transports/common/head.c — the verdict on a request head (see head.h):
 * size, Content-Length, Transfer-Encoding, Sec-WebSocket-Version.
 */
#include "head.h"

#include <stdio.h>
#include <string.h>

/* Largest Content-Length read: 18 digits cannot overflow a 64-bit long. */
#define MAX_LENGTH_DIGITS 18

static const char *skip_blanks(const char *c)
{
	while (*c == ' ' || *c == '\t')
		c++;
	return c;
}

/* One element of a Content-Length list: its value and where it ends, or -1. */
static long read_element(const char *text, const char **end)
{
	const char *c = skip_blanks(text);
	long value = 0;
	int digits = 0;
	for (; *c >= '0' && *c <= '9'; c++) {
		if (++digits > MAX_LENGTH_DIGITS)
			return -1;
		value = value * 10 + (*c - '0');
	}
	if (digits == 0)
		return -1;
	c = skip_blanks(c);
	if (*c != '\0' && *c != ',')
		return -1;
	*end = c;
	return value;
}

long parley_tx_head_length_value(const char *text)
{
	long first = -1;
	const char *c = text;
	for (;;) {
		long value = read_element(c, &c);
		if (value < 0 || (first >= 0 && value != first))
			return -1;
		first = value;
		if (*c == '\0')
			return first;
		c++; /* the comma */
	}
}

static int refuse(int status, char *reason, size_t reason_size, const char *text)
{
	snprintf(reason, reason_size, "%s", text);
	return status;
}

static bool version_is_13(const char *version)
{
	if (version == NULL)
		return false;
	const char *c = skip_blanks(version);
	if (strncmp(c, "13", 2) != 0)
		return false;
	return *skip_blanks(c + 2) == '\0';
}

int parley_tx_head_check(const parley_tx_head *head, size_t max_head, long *content_length, char *reason,
                         size_t reason_size)
{
	*content_length = -1;
	if (head->size > max_head) {
		snprintf(reason, reason_size, "request head too large (limit %zu bytes)", max_head);
		return 431;
	}
	if (head->content_length_count > PARLEY_TX_HEAD_MAX_LENGTHS)
		return refuse(400, reason, reason_size, "too many Content-Length headers");
	for (size_t i = 0; i < head->content_length_count; i++) {
		long value = head->content_lengths[i] != NULL ? parley_tx_head_length_value(head->content_lengths[i]) : -1;
		if (value < 0)
			return refuse(400, reason, reason_size, "invalid Content-Length");
		if (*content_length >= 0 && value != *content_length)
			return refuse(400, reason, reason_size, "conflicting Content-Length headers");
		*content_length = value;
	}
	if (head->transfer_encoding && head->content_length_count > 0) {
		*content_length = -1;
		return refuse(400, reason, reason_size, "Content-Length with Transfer-Encoding");
	}
	if (head->transfer_encoding)
		return refuse(411, reason, reason_size,
		              "Transfer-Encoding (chunked) request bodies are not accepted: send a Content-Length");
	if (head->upgrade && !version_is_13(head->websocket_version))
		return refuse(426, reason, reason_size, "unsupported Sec-WebSocket-Version (this server speaks 13)");
	return 0;
}
