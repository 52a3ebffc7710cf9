/*
 * lite_frame.c — owns RFC 4571 framing (2-byte big-endian length before
 * each packet): the reader that cuts a byte stream into frames and the
 * writer's ring of queued frames. See lite_frame.h.
 */
#include "lite_frame.h"

#include <string.h>

void lite_frame_reader_init(lite_frame_reader *reader)
{
	reader->start = reader->end = 0;
}

uint8_t *lite_frame_space(lite_frame_reader *reader, size_t *room)
{
	*room = sizeof(reader->buf) - reader->end;
	return reader->buf + reader->end;
}

void lite_frame_filled(lite_frame_reader *reader, size_t n)
{
	size_t room = sizeof(reader->buf) - reader->end;
	reader->end += n < room ? n : room;
}

/* Moves a partial frame to the front so a whole one always fits after it. */
static void compact(lite_frame_reader *reader)
{
	size_t left = reader->end - reader->start;
	if (reader->start && left)
		memmove(reader->buf, reader->buf + reader->start, left);
	reader->start = 0;
	reader->end = left;
}

lite_frame_status lite_frame_next(lite_frame_reader *reader, uint8_t **frame, size_t *length)
{
	size_t left = reader->end - reader->start;
	if (left < 2) {
		compact(reader);
		return LITE_FRAME_NEED_MORE;
	}
	const uint8_t *at = reader->buf + reader->start;
	size_t n = (size_t)at[0] << 8 | at[1];
	if (n == 0 || n > LITE_FRAME_MAX)
		return LITE_FRAME_BAD;
	if (left < 2 + n) {
		compact(reader);
		return LITE_FRAME_NEED_MORE;
	}
	*frame = reader->buf + reader->start + 2;
	*length = n;
	reader->start += 2 + n;
	return LITE_FRAME_READY;
}

void lite_frame_unread(lite_frame_reader *reader, size_t length)
{
	if (reader->start >= length + 2)
		reader->start -= length + 2;
}

size_t lite_frame_buffered(const lite_frame_reader *reader)
{
	return reader->end - reader->start;
}

void lite_frame_writer_init(lite_frame_writer *writer, uint8_t *buf, size_t cap)
{
	writer->buf = buf;
	writer->cap = cap;
	writer->head = writer->used = 0;
}

/* Copies into the ring at its tail, wrapping. */
static void ring_copy(lite_frame_writer *writer, const uint8_t *data, size_t n)
{
	size_t tail = (writer->head + writer->used) % writer->cap;
	size_t first = writer->cap - tail < n ? writer->cap - tail : n;
	memcpy(writer->buf + tail, data, first);
	memcpy(writer->buf, data + first, n - first);
	writer->used += n;
}

bool lite_frame_put(lite_frame_writer *writer, const uint8_t *data, size_t length)
{
	if (length == 0 || length > 65535 || writer->cap - writer->used < length + 2)
		return false;
	uint8_t prefix[2] = { (uint8_t)(length >> 8), (uint8_t)length };
	ring_copy(writer, prefix, 2);
	ring_copy(writer, data, length);
	return true;
}

int lite_frame_pending(const lite_frame_writer *writer, struct iovec iov[2])
{
	if (writer->used == 0)
		return 0;
	size_t first = writer->cap - writer->head < writer->used ? writer->cap - writer->head : writer->used;
	iov[0].iov_base = writer->buf + writer->head;
	iov[0].iov_len = first;
	if (first == writer->used)
		return 1;
	iov[1].iov_base = writer->buf;
	iov[1].iov_len = writer->used - first;
	return 2;
}

void lite_frame_sent(lite_frame_writer *writer, size_t n)
{
	if (n > writer->used)
		n = writer->used;
	writer->head = (writer->head + n) % writer->cap;
	writer->used -= n;
	if (writer->used == 0)
		writer->head = 0;
}
