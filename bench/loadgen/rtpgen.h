/*
 * rtpgen.h — synthetic RTP for one publisher: Opus-sized audio at 50
 * packets/s and VP8 video at a configurable bitrate and frame rate, with a
 * keyframe every N seconds (and on request, after a PLI/FIR), packetized like
 * a browser (RFC 7741 payload descriptor with a 15-bit picture id, payloads
 * of at most ~1200 bytes, marker on the last packet of a frame).
 *
 * Every payload ends with a 24-byte trailer (magic, kind, codec header
 * length, flags, publisher id, per-stream counter, monotonic send time in
 * µs) and the bytes between the codec header and the trailer are a pattern
 * derived from those fields, so a receiver can prove a packet intact.
 *
 * Nothing is allocated per packet: packets are built in the generator's own
 * buffer, with PARLEY_SRTP_MAX_TAIL_ROOM spare bytes for protecting in place.
 */
#ifndef PARLEY_LOADGEN_RTPGEN_H
#define PARLEY_LOADGEN_RTPGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOADGEN_TRAILER_LEN 24
#define LOADGEN_TRAILER_MAGIC 0x504C4731u   /* "PLG1" */
#define LOADGEN_MAX_PAYLOAD 1200            /* RTP payload bytes per packet */
#define LOADGEN_PACKET_BUFFER 1536

typedef enum loadgen_kind {
	LOADGEN_KIND_AUDIO = 0,
	LOADGEN_KIND_VIDEO = 1,
	LOADGEN_KIND_COUNT
} loadgen_kind;

#define LOADGEN_FLAG_KEYFRAME 0x01

typedef struct loadgen_trailer {
	uint8_t kind;
	uint8_t header_len;      /* codec header bytes at the start of the payload */
	uint8_t flags;
	uint32_t publisher;
	uint32_t counter;        /* per publisher and kind, from 0 */
	int64_t send_us;         /* g_get_monotonic_time() when sent */
} loadgen_trailer;

/* Reads the trailer of an RTP payload: 0, or -1 when it is not ours. */
int loadgen_rtpgen_trailer_read(const uint8_t *payload, size_t len, loadgen_trailer *t);
/* True when the pattern between the codec header and the trailer matches. */
bool loadgen_rtpgen_payload_intact(const uint8_t *payload, size_t len, const loadgen_trailer *t);

typedef struct loadgen_rtpgen_config {
	uint32_t publisher;
	bool audio, video;
	uint32_t audio_ssrc, video_ssrc;
	uint8_t audio_pt, video_pt;
	unsigned audio_bytes;          /* Opus payload bytes (before the trailer counts in) */
	unsigned bitrate_kbps;         /* video */
	unsigned fps;
	unsigned keyframe_interval_s;
	unsigned keyframe_gap_ms;      /* least time between a keyframe and one a request asks for (0 = 500) */
} loadgen_rtpgen_config;

typedef struct loadgen_rtpgen_counters {
	uint64_t packets[LOADGEN_KIND_COUNT];
	uint64_t bytes[LOADGEN_KIND_COUNT];    /* RTP payload bytes */
	uint64_t frames, keyframes, keyframe_requests;
	uint64_t send_failures;
} loadgen_rtpgen_counters;

/* Gets one plaintext RTP packet in `packet` (capacity bytes, tail room
 * included); returns 0 when sent, -1 when it could not be. */
typedef int (*loadgen_rtpgen_send_fn)(void *user_data, uint8_t *packet, size_t length, size_t capacity);

typedef struct loadgen_rtpgen loadgen_rtpgen;

loadgen_rtpgen *loadgen_rtpgen_new(const loadgen_rtpgen_config *config, loadgen_rtpgen_send_fn send,
                                   void *user_data);
void loadgen_rtpgen_free(loadgen_rtpgen *gen);
/* Sends what is due at now_us (the first call starts the clocks). Catch-up
 * after a stall is bounded to a few packets. */
void loadgen_rtpgen_tick(loadgen_rtpgen *gen, int64_t now_us);
/* A keyframe soon: the next frame at least keyframe_gap_ms (500) after the last keyframe. */
void loadgen_rtpgen_request_keyframe(loadgen_rtpgen *gen);
const loadgen_rtpgen_counters *loadgen_rtpgen_get_counters(const loadgen_rtpgen *gen);

#endif
