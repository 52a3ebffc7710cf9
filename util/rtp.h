/*
 * util/rtp.h — the RTP packet header, read and written in place: the fixed
 * header and CSRCs (RFC 3550), the header-extension block and its one-byte
 * and two-byte elements (RFC 8285), the values of the extensions the media
 * path reads (audio level, transport-wide sequence number, abs-send-time),
 * the header field writers and sequence-number arithmetic.
 *
 * Every function works on the caller's buffer: no allocation, no copy, no
 * state, no lock. The writers and the arithmetic are static inline.
 */
#ifndef PARLEY_UTIL_RTP_H
#define PARLEY_UTIL_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PARLEY_UTIL_RTP_HEADER_MIN 12

/* Errors returned (negated) by the RTP functions here and by the core's
 * RTP code built on them (RTX, rewriting, the NACK history). */
typedef enum parley_util_rtp_error {
	PARLEY_UTIL_RTP_OK = 0,
	PARLEY_UTIL_RTP_ETOOSHORT = 1,  /* shorter than its own header says */
	PARLEY_UTIL_RTP_EVERSION,       /* version is not 2 */
	PARLEY_UTIL_RTP_EPADDING,       /* padding count zero or larger than the payload */
	PARLEY_UTIL_RTP_EEXTENSION,     /* malformed header extension block */
	PARLEY_UTIL_RTP_ENOTFOUND,      /* extension id not present */
	PARLEY_UTIL_RTP_EINVAL,         /* bad argument (id out of range, ...) */
	PARLEY_UTIL_RTP_ENOSPACE,       /* output buffer too small */
	PARLEY_UTIL_RTP_EOLD,           /* packet older than the current source switch */
} parley_util_rtp_error;

const char *parley_util_rtp_strerror(int err);

/* A parsed view of one RTP packet: offsets into the caller's buffer. */
typedef struct parley_util_rtp_info {
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
} parley_util_rtp_info;

/* True when the first bytes look like RTP rather than RTCP (RFC 5761 §4). */
bool parley_util_rtp_is_rtp(const uint8_t *buf, size_t len);
/* Parses the header of buf[0..len). Returns 0 or -parley_util_rtp_error. */
int parley_util_rtp_parse(const uint8_t *buf, size_t len, parley_util_rtp_info *info);

/* Walks the elements of the extension block of a parsed packet. A profile
 * other than one-byte or two-byte has no elements. */
typedef struct parley_util_rtp_ext_iter {
	const uint8_t *data;
	size_t len;
	size_t pos;
	bool two_byte;
} parley_util_rtp_ext_iter;

void parley_util_rtp_ext_iter_init(parley_util_rtp_ext_iter *it, const uint8_t *buf,
	const parley_util_rtp_info *info);
/* Next element: 1 with id/data/len set, 0 at the end, negative on a malformed block. */
int parley_util_rtp_ext_next(parley_util_rtp_ext_iter *it, uint8_t *id, const uint8_t **data, size_t *len);
/* Finds extension `id`: 0 with data/len pointing into buf, or -error. */
int parley_util_rtp_ext_find(const uint8_t *buf, const parley_util_rtp_info *info, uint8_t id,
	const uint8_t **data, size_t *len);
/* Offset (from the start of buf) and length of extension `id`'s value, so
 * a caller can overwrite the value in place. 0 or -error. */
int parley_util_rtp_ext_value_offset(const uint8_t *buf, const parley_util_rtp_info *info, uint8_t id,
	size_t *offset, size_t *len);
/* Rewrites every element with id `from` to `to` in place (one-byte: 1..14,
 * two-byte: 1..255). Returns the count rewritten or -error. */
int parley_util_rtp_ext_rewrite_id(uint8_t *buf, const parley_util_rtp_info *info, uint8_t from, uint8_t to);

/* Well-known extension values. 0 or -error. */
int parley_util_rtp_ext_audio_level(const uint8_t *buf, const parley_util_rtp_info *info, uint8_t id,
	bool *voice, uint8_t *level);
int parley_util_rtp_ext_transport_seq(const uint8_t *buf, const parley_util_rtp_info *info, uint8_t id,
	uint16_t *seq);
int parley_util_rtp_ext_abs_send_time(const uint8_t *buf, const parley_util_rtp_info *info, uint8_t id,
	uint32_t *value24);

/* Big-endian loads and stores. */
static inline uint16_t parley_util_rtp_read16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t parley_util_rtp_read32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void parley_util_rtp_write16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void parley_util_rtp_write32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* In-place header writers (buf must hold at least the fixed header). */
static inline void parley_util_rtp_set_seq(uint8_t *buf, uint16_t seq) { parley_util_rtp_write16(buf + 2, seq); }
static inline void parley_util_rtp_set_ts(uint8_t *buf, uint32_t ts) { parley_util_rtp_write32(buf + 4, ts); }
static inline void parley_util_rtp_set_ssrc(uint8_t *buf, uint32_t ssrc) { parley_util_rtp_write32(buf + 8, ssrc); }
static inline void parley_util_rtp_set_pt(uint8_t *buf, uint8_t pt)
{
	buf[1] = (uint8_t)((buf[1] & 0x80) | (pt & 0x7f));
}
static inline void parley_util_rtp_set_marker(uint8_t *buf, bool marker)
{
	buf[1] = (uint8_t)((buf[1] & 0x7f) | (marker ? 0x80 : 0));
}

/* Sequence numbers and timestamps, wraparound-aware. */
static inline int16_t parley_util_rtp_seq_diff(uint16_t a, uint16_t b) { return (int16_t)(uint16_t)(a - b); }
static inline bool parley_util_rtp_seq_newer(uint16_t a, uint16_t b) { return parley_util_rtp_seq_diff(a, b) > 0; }
static inline int32_t parley_util_rtp_ts_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

#endif
