/*
 * rtp.h — RTP on the media path, on top of the header and header-extension
 * parser of util/rtp.h: RTX wrap/unwrap (RFC 4588), sequence-number
 * extension, the per-stream rewriting context that keeps outgoing seq/ts
 * continuous across pauses and source switches, and the NACK retransmission
 * history (rtp_history.c). Errors are -parley_util_rtp_error values.
 *
 * Nothing here allocates per packet; only parley_rtp_history_new allocates,
 * once per outgoing stream.
 */
#ifndef PARLEY_MEDIA_RTP_H
#define PARLEY_MEDIA_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rtp.h"

#define PARLEY_RTP_RTX_OSN_LEN 2

/* RTX (RFC 4588). Wrap copies `pkt` into `out` as an RTX packet with the
 * given pt/ssrc/seq, inserting the original sequence number; padding of the
 * original is dropped. Returns the length written or -error. */
int parley_rtp_rtx_wrap(const uint8_t *pkt, size_t len, uint8_t rtx_pt, uint32_t rtx_ssrc,
	uint16_t rtx_seq, uint8_t *out, size_t cap);
/* Unwrap in place: restores seq=OSN, pt and ssrc, removes the OSN and any
 * padding. Returns the new length or -error. */
int parley_rtp_rtx_unwrap(uint8_t *pkt, size_t len, uint8_t orig_pt, uint32_t orig_ssrc);

/* Extends 16-bit sequence numbers into a monotonic 64-bit space. */
typedef struct parley_rtp_seq_ext {
	bool started;
	uint64_t highest;  /* highest extended seq seen */
} parley_rtp_seq_ext;
uint64_t parley_rtp_seq_extend(parley_rtp_seq_ext *ctx, uint16_t seq);

/* Per outgoing stream: rewrites ssrc/seq/ts so the receiver sees one
 * continuous stream across pauses, drops and source switches. */
typedef struct parley_rtp_rewriter {
	uint32_t out_ssrc;
	uint32_t clock_rate;      /* Hz, to advance ts across a gap */
	bool started;
	bool switch_pending;      /* next packet re-bases offsets */
	uint32_t src_ssrc;
	uint16_t seq_offset;
	uint32_t ts_offset;
	uint16_t last_out_seq;
	uint32_t last_out_ts;
	uint16_t base_in_seq;     /* first input seq after the last re-base */
	int64_t last_time_us;
	uint64_t rebases;
} parley_rtp_rewriter;

void parley_rtp_rewriter_init(parley_rtp_rewriter *rw, uint32_t out_ssrc, uint32_t clock_rate);
/* The next packet starts a new segment (pause resumed, layer or source switch). */
void parley_rtp_rewriter_switch(parley_rtp_rewriter *rw);
/* Rewrites buf in place (ssrc, seq, ts). now_us is a monotonic clock used to
 * advance the timestamp across a gap. Returns 0 or -PARLEY_UTIL_RTP_EOLD for a
 * packet older than the last re-base (caller drops it). */
int parley_rtp_rewrite(parley_rtp_rewriter *rw, uint8_t *buf, const parley_util_rtp_info *info, int64_t now_us);
/* Caller dropped the packet `info` (e.g. a temporal layer): later packets
 * close the gap so the receiver sees no loss. */
void parley_rtp_rewriter_drop(parley_rtp_rewriter *rw, const parley_util_rtp_info *info);

/* NACK retransmission history: a byte ring holding packets back to back
 * plus a seq-indexed table of (position, length, arrival time). */
typedef struct parley_rtp_history parley_rtp_history;
/* slots (index entries) is rounded up to a power of two (max 32768);
 * ring_bytes is the byte ring's size (12 bytes .. 64 MiB) and bounds the
 * largest packet kept. The ring is only reused when full. */
parley_rtp_history *parley_rtp_history_new(size_t slots, size_t ring_bytes);
/* Sized for a stream kind from nack_buffer_ms (> 0): audio 50 packets/s of
 * at most 1 kB, video max_bitrate_bps (0 = 5 Mbit/s); the ring is reused
 * once its oldest bytes are older than the history's age, so only about the
 * real bitrate x age of it is ever written. The age starts at 300 ms (or
 * nack_buffer_ms if less) and follows the RTT. The index starts at 32
 * entries and doubles, up to nack_buffer_ms x 100 (audio) or 1000 (video)
 * packets/s, when it would otherwise drop a packet younger than the age
 * that the ring still holds. NULL on bad input. */
parley_rtp_history *parley_rtp_history_new_for(bool video, unsigned nack_buffer_ms, unsigned max_bitrate_bps);
/* The path's round trip changed: the age becomes 10 x RTT + 100 ms, at
 * least 300 ms, at most nack_buffer_ms (histories made by _new_for only). */
void parley_rtp_history_follow_rtt(parley_rtp_history *h, int64_t rtt_us);
int64_t parley_rtp_history_age_us(const parley_rtp_history *h);
void parley_rtp_history_free(parley_rtp_history *h);
/* Copies a packet (plaintext RTP) into the ring and indexes it by seq.
 * Returns 0 or -error (-PARLEY_UTIL_RTP_ENOSPACE when larger than the ring). */
int parley_rtp_history_store(parley_rtp_history *h, const uint8_t *pkt, size_t len, int64_t now_us);
/* Returns the stored packet for seq (pointer valid until the next store),
 * or NULL when it was never stored, was overwritten (in the ring or in the
 * index), or is older than max_age_us (0 = no age limit). */
const uint8_t *parley_rtp_history_get(parley_rtp_history *h, uint16_t seq, int64_t now_us,
	int64_t max_age_us, size_t *len);
/* Ring size in bytes; index entries now and the most it may grow to. */
size_t parley_rtp_history_ring_bytes(const parley_rtp_history *h);
size_t parley_rtp_history_capacity(const parley_rtp_history *h);
size_t parley_rtp_history_max_capacity(const parley_rtp_history *h);

#endif
