/*
 * lite_frame.h — RFC 4571 framing for ICE-TCP: every packet on the stream
 * is preceded by its length as 2 bytes, big-endian. A reader takes the
 * bytes as they arrive (partial frames, several frames per read) and hands
 * out whole frames; a writer queues frames into a fixed ring and gives the
 * bytes to send as at most two iovecs. Neither allocates: both work in
 * buffers their owner provides (the reader's is inside it). Pure code, no
 * sockets, no locking: the caller serializes.
 */
#ifndef PARLEY_MEDIA_LITE_FRAME_H
#define PARLEY_MEDIA_LITE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define LITE_FRAME_MAX 2048 /* the largest frame accepted (the UDP side's datagram size) */
#define LITE_FRAME_READ (4 * (2 + LITE_FRAME_MAX)) /* reader buffer: room for several frames per read */

typedef enum lite_frame_status {
	LITE_FRAME_NEED_MORE = 0, /* no whole frame buffered: read more */
	LITE_FRAME_READY,         /* *frame / *length hold the next frame */
	LITE_FRAME_BAD,           /* a length of 0 or above LITE_FRAME_MAX: the stream is unusable */
} lite_frame_status;

typedef struct lite_frame_reader {
	size_t start, end; /* the unconsumed bytes are buf[start..end) */
	uint8_t buf[LITE_FRAME_READ];
} lite_frame_reader;

void lite_frame_reader_init(lite_frame_reader *reader);
/* Where the next read may write, and how many bytes fit (never 0 after
 * lite_frame_next returned NEED_MORE). */
uint8_t *lite_frame_space(lite_frame_reader *reader, size_t *room);
/* n bytes were written at lite_frame_space. */
void lite_frame_filled(lite_frame_reader *reader, size_t n);
/* The next whole frame, consumed; it stays valid (and writable) until the
 * next call that returns NEED_MORE or the next read. */
lite_frame_status lite_frame_next(lite_frame_reader *reader, uint8_t **frame, size_t *length);
/* Puts back the frame lite_frame_next just returned (its length given). */
void lite_frame_unread(lite_frame_reader *reader, size_t length);
/* Bytes buffered and not yet consumed. */
size_t lite_frame_buffered(const lite_frame_reader *reader);

typedef struct lite_frame_writer {
	uint8_t *buf; /* the owner's, cap bytes */
	size_t cap, head, used;
} lite_frame_writer;

void lite_frame_writer_init(lite_frame_writer *writer, uint8_t *buf, size_t cap);
/* Queues one frame; false (nothing queued) when length is 0 or above
 * 65535 or the ring lacks length + 2 bytes. */
bool lite_frame_put(lite_frame_writer *writer, const uint8_t *data, size_t length);
/* The queued bytes as iov[0..return) (0, 1 or 2 entries). */
int lite_frame_pending(const lite_frame_writer *writer, struct iovec iov[2]);
/* n of the queued bytes were sent. */
void lite_frame_sent(lite_frame_writer *writer, size_t n);

#endif
