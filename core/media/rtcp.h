/*
 * rtcp.h — RTCP (RFC 3550, RFC 4585, RFC 5104): compound packet walk with
 * validation; parse and build SR, RR, SDES (CNAME), BYE (rtcp.c); PLI, FIR,
 * generic NACK, REMB and transport-wide-cc feedback (rtcp_fb.c); loss,
 * jitter and RTT helpers (rtcp_stats.c).
 *
 * Parsers never allocate: they fill caller structs whose strings point into
 * the caller's buffer. Builders write into a caller buffer and return the
 * length written, or a negative parley_rtcp_error.
 */
#ifndef PARLEY_MEDIA_RTCP_H
#define PARLEY_MEDIA_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	PARLEY_RTCP_SR = 200,
	PARLEY_RTCP_RR = 201,
	PARLEY_RTCP_SDES = 202,
	PARLEY_RTCP_BYE = 203,
	PARLEY_RTCP_APP = 204,
	PARLEY_RTCP_RTPFB = 205,
	PARLEY_RTCP_PSFB = 206,
	PARLEY_RTCP_XR = 207,
};
enum { /* FMT values */
	PARLEY_RTCP_FMT_NACK = 1,
	PARLEY_RTCP_FMT_TCC = 15,
	PARLEY_RTCP_FMT_PLI = 1,
	PARLEY_RTCP_FMT_FIR = 4,
	PARLEY_RTCP_FMT_AFB = 15,
};

typedef enum parley_rtcp_error {
	PARLEY_RTCP_OK = 0,
	PARLEY_RTCP_ETOOSHORT = 1, /* truncated packet or block */
	PARLEY_RTCP_EVERSION,      /* version is not 2 */
	PARLEY_RTCP_ELENGTH,       /* length field runs past the buffer */
	PARLEY_RTCP_EPADDING,      /* padding on a non-last packet or bad count */
	PARLEY_RTCP_ETYPE,         /* not the packet type the function parses */
	PARLEY_RTCP_EFIRST,        /* compound does not start with SR/RR */
	PARLEY_RTCP_EFORMAT,       /* malformed content */
	PARLEY_RTCP_ENOSPACE,      /* output buffer too small */
	PARLEY_RTCP_EINVAL,        /* bad argument */
	PARLEY_RTCP_ELIMIT,        /* more items than the caller's array holds */
} parley_rtcp_error;

const char *parley_rtcp_strerror(int err);

/* One packet inside a compound. */
typedef struct parley_rtcp_header {
	uint8_t pt;
	uint8_t count;      /* RC / SC / FMT */
	bool padding;
	const uint8_t *data; /* start of this packet (its 4-byte header) */
	size_t len;         /* whole packet, header included, padding included */
} parley_rtcp_header;

typedef struct parley_rtcp_iter {
	const uint8_t *buf;
	size_t len;
	size_t pos;
} parley_rtcp_iter;

void parley_rtcp_iter_init(parley_rtcp_iter *it, const uint8_t *buf, size_t len);
/* 1 with *hdr filled, 0 at the end, or -error (the walk must stop). */
int parley_rtcp_next(parley_rtcp_iter *it, parley_rtcp_header *hdr);
/* Validates a whole compound: every header, lengths, padding only on the
 * last packet; with require_report (plain RTCP, not rtcp-rsize) the first
 * packet must be SR or RR. Returns the packet count or -error. */
int parley_rtcp_validate(const uint8_t *buf, size_t len, bool require_report);

#define PARLEY_RTCP_MAX_BLOCKS 31

typedef struct parley_rtcp_report_block {
	uint32_t ssrc;
	uint8_t fraction_lost;   /* 8-bit fixed point */
	int32_t cumulative_lost; /* 24-bit signed */
	uint32_t highest_seq;    /* extended highest sequence number */
	uint32_t jitter;
	uint32_t lsr;
	uint32_t dlsr;
} parley_rtcp_report_block;

typedef struct parley_rtcp_sr {
	uint32_t ssrc;
	uint64_t ntp;            /* 32.32 fixed point */
	uint32_t rtp_ts;
	uint32_t packet_count;
	uint32_t octet_count;
	uint8_t block_count;
	parley_rtcp_report_block blocks[PARLEY_RTCP_MAX_BLOCKS];
} parley_rtcp_sr;

typedef struct parley_rtcp_rr {
	uint32_t ssrc;
	uint8_t block_count;
	parley_rtcp_report_block blocks[PARLEY_RTCP_MAX_BLOCKS];
} parley_rtcp_rr;

int parley_rtcp_parse_sr(const parley_rtcp_header *hdr, parley_rtcp_sr *out);
int parley_rtcp_parse_rr(const parley_rtcp_header *hdr, parley_rtcp_rr *out);
int parley_rtcp_build_sr(uint8_t *buf, size_t cap, const parley_rtcp_sr *sr);
int parley_rtcp_build_rr(uint8_t *buf, size_t cap, const parley_rtcp_rr *rr);

typedef struct parley_rtcp_sdes_chunk {
	uint32_t ssrc;
	const char *cname;   /* into the packet, NOT NUL-terminated; NULL if absent */
	uint8_t cname_len;
} parley_rtcp_sdes_chunk;

typedef struct parley_rtcp_sdes {
	uint8_t chunk_count;
	parley_rtcp_sdes_chunk chunks[PARLEY_RTCP_MAX_BLOCKS];
} parley_rtcp_sdes;

int parley_rtcp_parse_sdes(const parley_rtcp_header *hdr, parley_rtcp_sdes *out);
/* One chunk with a CNAME item (cname up to 255 bytes). */
int parley_rtcp_build_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc, const char *cname);

typedef struct parley_rtcp_bye {
	uint8_t ssrc_count;
	uint32_t ssrcs[PARLEY_RTCP_MAX_BLOCKS];
	const char *reason;  /* into the packet, not NUL-terminated; NULL if absent */
	uint8_t reason_len;
} parley_rtcp_bye;

int parley_rtcp_parse_bye(const parley_rtcp_header *hdr, parley_rtcp_bye *out);
int parley_rtcp_build_bye(uint8_t *buf, size_t cap, const uint32_t *ssrcs, size_t n, const char *reason);

/* ---- feedback (rtcp_fb.c) ---- */

/* Sender and media SSRC of any RTPFB/PSFB packet. */
int parley_rtcp_parse_fb_ssrcs(const parley_rtcp_header *hdr, uint32_t *sender, uint32_t *media);

int parley_rtcp_build_pli(uint8_t *buf, size_t cap, uint32_t sender, uint32_t media);

typedef struct parley_rtcp_fir_entry {
	uint32_t ssrc;
	uint8_t seq;
} parley_rtcp_fir_entry;
/* Fills up to max entries; *n is the count in the packet (ELIMIT if > max). */
int parley_rtcp_parse_fir(const parley_rtcp_header *hdr, uint32_t *sender, parley_rtcp_fir_entry *entries,
	size_t max, size_t *n);
int parley_rtcp_build_fir(uint8_t *buf, size_t cap, uint32_t sender, const parley_rtcp_fir_entry *entries, size_t n);

/* Generic NACK: expands PID+BLP pairs into sequence numbers. */
int parley_rtcp_parse_nack(const parley_rtcp_header *hdr, uint32_t *sender, uint32_t *media,
	uint16_t *seqs, size_t max, size_t *n);
/* Builds from a list of sequence numbers (any order; duplicates merged). */
int parley_rtcp_build_nack(uint8_t *buf, size_t cap, uint32_t sender, uint32_t media,
	const uint16_t *seqs, size_t n);

#define PARLEY_RTCP_REMB_MAX_SSRCS 32
typedef struct parley_rtcp_remb {
	uint32_t sender;
	uint64_t bitrate;      /* bits per second */
	uint8_t ssrc_count;
	uint32_t ssrcs[PARLEY_RTCP_REMB_MAX_SSRCS];
} parley_rtcp_remb;
/* True when a PSFB/AFB packet carries the "REMB" identifier. */
bool parley_rtcp_is_remb(const parley_rtcp_header *hdr);
int parley_rtcp_parse_remb(const parley_rtcp_header *hdr, parley_rtcp_remb *out);
int parley_rtcp_build_remb(uint8_t *buf, size_t cap, const parley_rtcp_remb *remb);

/* transport-wide-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01). */
typedef struct parley_rtcp_tcc_packet {
	uint16_t seq;
	bool received;
	int64_t arrival_us;   /* reference_time*64ms + deltas; valid when received */
} parley_rtcp_tcc_packet;

typedef struct parley_rtcp_tcc {
	uint32_t sender;
	uint32_t media;
	uint16_t base_seq;
	uint16_t status_count;
	int32_t reference_time;  /* 24-bit signed, multiples of 64 ms */
	uint8_t fb_count;
} parley_rtcp_tcc;

/* Fills up to max per-packet entries (*n = status_count); ELIMIT if more. */
int parley_rtcp_parse_tcc(const parley_rtcp_header *hdr, parley_rtcp_tcc *out,
	parley_rtcp_tcc_packet *pkts, size_t max, size_t *n);
/* Builds feedback for n consecutive sequence numbers starting at pkts[0].seq
 * (pkts[i].seq must equal pkts[0].seq + i; the first must be received).
 * Arrival times are rounded to 250 µs; the reference time is taken from the
 * first arrival. */
int parley_rtcp_build_tcc(uint8_t *buf, size_t cap, uint32_t sender, uint32_t media, uint8_t fb_count,
	const parley_rtcp_tcc_packet *pkts, size_t n);

/* ---- statistics (rtcp_stats.c) ---- */

/* Receive-side statistics of one incoming stream (RFC 3550 A.1, A.3, A.8). */
typedef struct parley_rtcp_rx_stats {
	bool started;
	uint32_t clock_rate;
	uint16_t max_seq;
	uint32_t cycles;          /* shifted count of seq wraps (<< 16) */
	uint32_t base_seq;
	uint32_t received;
	uint32_t expected_prior;
	uint32_t received_prior;
	int64_t transit;          /* previous relative transit time, in RTP units */
	double jitter;            /* in RTP units */
} parley_rtcp_rx_stats;

void parley_rtcp_rx_init(parley_rtcp_rx_stats *s, uint32_t clock_rate);
/* One received packet: its seq, RTP timestamp and arrival time. */
void parley_rtcp_rx_update(parley_rtcp_rx_stats *s, uint16_t seq, uint32_t rtp_ts, int64_t arrival_us);
uint32_t parley_rtcp_rx_extended_max(const parley_rtcp_rx_stats *s);
int64_t parley_rtcp_rx_cumulative_lost(const parley_rtcp_rx_stats *s);
/* Fills a report block for the interval since the last call (fraction lost)
 * and the running totals; lsr/dlsr are supplied by the caller. */
void parley_rtcp_rx_report(parley_rtcp_rx_stats *s, uint32_t ssrc, uint32_t lsr, uint32_t dlsr,
	parley_rtcp_report_block *rb);

/* NTP helpers: 32.32 time from a Unix time in µs, and the middle 32 bits. */
uint64_t parley_rtcp_ntp_from_unix_us(int64_t unix_us);
static inline uint32_t parley_rtcp_ntp_middle(uint64_t ntp) { return (uint32_t)(ntp >> 16); }
/* DLSR field value (1/65536 s) for a delay in µs. */
uint32_t parley_rtcp_dlsr_from_us(int64_t delay_us);
/* RTT in µs from a received report block (now as NTP middle 32 bits);
 * -1 when the block carries no LSR or the result is negative. */
int64_t parley_rtcp_rtt_us(uint32_t now_ntp_middle, uint32_t lsr, uint32_t dlsr);

#endif
