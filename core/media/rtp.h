/*
 * rtp.h — RTP on the media path: header and header-extension parsing
 * without copies (RFC 3550, RFC 8285), in-place rewriting of header fields,
 * RTX wrap/unwrap (RFC 4588), sequence-number arithmetic, the per-stream
 * rewriting context that keeps outgoing seq/ts continuous across pauses and
 * source switches, and the NACK retransmission history (rtp_history.c).
 *
 * Nothing here allocates per packet; only parley_rtp_history_new allocates,
 * once per outgoing stream.
 */
#ifndef PARLEY_MEDIA_RTP_H
#define PARLEY_MEDIA_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PARLEY_RTP_HEADER_MIN 12
#define PARLEY_RTP_RTX_OSN_LEN 2

/* Errors returned (negated) by the functions below. */
typedef enum parley_rtp_error {
	PARLEY_RTP_OK = 0,
	PARLEY_RTP_ETOOSHORT = 1,  /* shorter than its own header says */
	PARLEY_RTP_EVERSION,       /* version is not 2 */
	PARLEY_RTP_EPADDING,       /* padding count zero or larger than the payload */
	PARLEY_RTP_EEXTENSION,     /* malformed header extension block */
	PARLEY_RTP_ENOTFOUND,      /* extension id not present */
	PARLEY_RTP_EINVAL,         /* bad argument (id out of range, ...) */
	PARLEY_RTP_ENOSPACE,       /* output buffer too small */
	PARLEY_RTP_EOLD,           /* packet older than the current source switch */
} parley_rtp_error;

const char *parley_rtp_strerror(int err);

/* A parsed view of one RTP packet: offsets into the caller's buffer. */
typedef struct parley_rtp_info {
	uint8_t version;
	bool padding;
	bool extension;
	uint8_t csrc_count;
	bool marker;
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint16_t ext_profile;   /* 0xBEDE one-byte, 0x100x two-byte, else other */
	size_t ext_offset;      /* first byte of extension data (after its 4-byte header) */
	size_t ext_len;         /* bytes of extension data */
	size_t header_len;      /* fixed header + CSRCs + extension block */
	size_t payload_offset;  /* == header_len */
	size_t payload_len;     /* without padding */
	uint8_t padding_len;
} parley_rtp_info;

/* True when the first bytes look like RTP rather than RTCP (RFC 5761 §4). */
bool parley_rtp_is_rtp(const uint8_t *buf, size_t len);
/* Parses the header of buf[0..len). Returns 0 or -parley_rtp_error. */
int parley_rtp_parse(const uint8_t *buf, size_t len, parley_rtp_info *info);

/* RFC 8285 header extensions. */
typedef struct parley_rtp_ext_iter {
	const uint8_t *data;
	size_t len;
	size_t pos;
	bool two_byte;
} parley_rtp_ext_iter;

void parley_rtp_ext_iter_init(parley_rtp_ext_iter *it, const uint8_t *buf, const parley_rtp_info *info);
/* Next element: 1 with id/data/len set, 0 at the end, negative on a malformed block. */
int parley_rtp_ext_next(parley_rtp_ext_iter *it, uint8_t *id, const uint8_t **data, size_t *len);
/* Finds extension `id`: 0 with data/len pointing into buf, or -error. */
int parley_rtp_ext_find(const uint8_t *buf, const parley_rtp_info *info, uint8_t id,
	const uint8_t **data, size_t *len);
/* Rewrites every element with id `from` to `to` in place (one-byte: 1..14,
 * two-byte: 1..255). Returns the count rewritten or -error. */
int parley_rtp_ext_rewrite_id(uint8_t *buf, const parley_rtp_info *info, uint8_t from, uint8_t to);
/* Offset (from the start of buf) and length of extension `id`'s value, so
 * a caller can overwrite the value in place. 0 or -error. */
int parley_rtp_ext_value_offset(const uint8_t *buf, const parley_rtp_info *info, uint8_t id,
	size_t *offset, size_t *len);

/* Well-known extension values. */
int parley_rtp_ext_audio_level(const uint8_t *buf, const parley_rtp_info *info, uint8_t id,
	bool *voice, uint8_t *level);
int parley_rtp_ext_transport_seq(const uint8_t *buf, const parley_rtp_info *info, uint8_t id,
	uint16_t *seq);
int parley_rtp_ext_abs_send_time(const uint8_t *buf, const parley_rtp_info *info, uint8_t id,
	uint32_t *value24);

/* In-place header writers (buf must hold a parsed RTP header). */
void parley_rtp_set_seq(uint8_t *buf, uint16_t seq);
void parley_rtp_set_ts(uint8_t *buf, uint32_t ts);
void parley_rtp_set_ssrc(uint8_t *buf, uint32_t ssrc);
void parley_rtp_set_pt(uint8_t *buf, uint8_t pt);
void parley_rtp_set_marker(uint8_t *buf, bool marker);

/* RTX (RFC 4588). Wrap copies `pkt` into `out` as an RTX packet with the
 * given pt/ssrc/seq, inserting the original sequence number; padding of the
 * original is dropped. Returns the length written or -error. */
int parley_rtp_rtx_wrap(const uint8_t *pkt, size_t len, uint8_t rtx_pt, uint32_t rtx_ssrc,
	uint16_t rtx_seq, uint8_t *out, size_t cap);
/* Unwrap in place: restores seq=OSN, pt and ssrc, removes the OSN and any
 * padding. Returns the new length or -error. */
int parley_rtp_rtx_unwrap(uint8_t *pkt, size_t len, uint8_t orig_pt, uint32_t orig_ssrc);

/* Sequence numbers (wraparound-aware). */
static inline int16_t parley_rtp_seq_diff(uint16_t a, uint16_t b) { return (int16_t)(uint16_t)(a - b); }
static inline bool parley_rtp_seq_newer(uint16_t a, uint16_t b) { return parley_rtp_seq_diff(a, b) > 0; }
static inline int32_t parley_rtp_ts_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

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
 * advance the timestamp across a gap. Returns 0 or -PARLEY_RTP_EOLD for a
 * packet older than the last re-base (caller drops it). */
int parley_rtp_rewrite(parley_rtp_rewriter *rw, uint8_t *buf, const parley_rtp_info *info, int64_t now_us);
/* Caller dropped the packet `info` (e.g. a temporal layer): later packets
 * close the gap so the receiver sees no loss. */
void parley_rtp_rewriter_drop(parley_rtp_rewriter *rw, const parley_rtp_info *info);

/* NACK retransmission history: a byte ring holding packets back to back
 * plus a seq-indexed table of (position, length, arrival time). */
typedef struct parley_rtp_history parley_rtp_history;
/* slots (index entries) is rounded up to a power of two (max 32768);
 * ring_bytes is the byte ring's size (12 bytes .. 64 MiB) and bounds the
 * largest packet kept. The ring is only reused when full. */
parley_rtp_history *parley_rtp_history_new(size_t slots, size_t ring_bytes);
/* Sized for a stream kind from nack_buffer_ms (> 0): audio 50 packets/s of
 * at most 1 kB, video max_bitrate_bps (0 = 5 Mbit/s); the ring is reused
 * once its oldest bytes are older than nack_buffer_ms, so only about the
 * real bitrate x nack_buffer_ms of it is ever written. NULL on bad input. */
parley_rtp_history *parley_rtp_history_new_for(bool video, unsigned nack_buffer_ms, unsigned max_bitrate_bps);
void parley_rtp_history_free(parley_rtp_history *h);
/* Copies a packet (plaintext RTP) into the ring and indexes it by seq.
 * Returns 0 or -error (-PARLEY_RTP_ENOSPACE when larger than the ring). */
int parley_rtp_history_store(parley_rtp_history *h, const uint8_t *pkt, size_t len, int64_t now_us);
/* Returns the stored packet for seq (pointer valid until the next store),
 * or NULL when it was never stored, was overwritten (in the ring or in the
 * index), or is older than max_age_us (0 = no age limit). */
const uint8_t *parley_rtp_history_get(parley_rtp_history *h, uint16_t seq, int64_t now_us,
	int64_t max_age_us, size_t *len);
/* Index entries and ring size in bytes. */
size_t parley_rtp_history_ring_bytes(const parley_rtp_history *h);
size_t parley_rtp_history_capacity(const parley_rtp_history *h);

#endif
