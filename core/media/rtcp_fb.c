/*
 * rtcp_fb.c — RTCP feedback packets: PLI and FIR (RFC 4585, RFC 5104),
 * generic NACK (RFC 4585 §6.2.1), REMB (draft-alvestrand-rmcat-remb) and
 * transport-wide-cc feedback (draft-holmer-rmcat-transport-wide-cc-
 * extensions-01 §3.1).
 *
 * Complexity: every parser is O(packet length + items produced), every
 * builder O(items); NACK building sorts at most PARLEY_RTCP_NACK_MAX_BUILD
 * entries by insertion (O(n^2) on at most 512 entries). No allocation:
 * temporary arrays are bounded and on the stack.
 */
#include "rtcp.h"
#include "rtcp_util.h"

#include <string.h>

#define NACK_MAX_BUILD 512
#define TCC_MAX_BUILD 4096
#define TCC_TICK_US 250
#define TCC_REF_US 64000

static int check_fb(const parley_rtcp_header *hdr, uint8_t pt, uint8_t fmt, size_t min)
{
	if (!hdr)
		return -PARLEY_RTCP_EINVAL;
	if (hdr->pt != pt || hdr->count != fmt)
		return -PARLEY_RTCP_ETYPE;
	if (parley_rtcp_content_len(hdr) < min)
		return -PARLEY_RTCP_ETOOSHORT;
	return 0;
}

int parley_rtcp_parse_fb_ssrcs(const parley_rtcp_header *hdr, uint32_t *sender, uint32_t *media)
{
	if (!hdr)
		return -PARLEY_RTCP_EINVAL;
	if (hdr->pt != PARLEY_RTCP_RTPFB && hdr->pt != PARLEY_RTCP_PSFB)
		return -PARLEY_RTCP_ETYPE;
	if (parley_rtcp_content_len(hdr) < 12)
		return -PARLEY_RTCP_ETOOSHORT;
	if (sender)
		*sender = rd32(hdr->data + 4);
	if (media)
		*media = rd32(hdr->data + 8);
	return 0;
}

static int write_fb(uint8_t *buf, size_t cap, size_t total, uint8_t pt, uint8_t fmt, uint32_t sender, uint32_t media)
{
	if (!buf)
		return -PARLEY_RTCP_EINVAL;
	if (total > cap)
		return -PARLEY_RTCP_ENOSPACE;
	memset(buf, 0, total);
	parley_rtcp_write_header(buf, fmt, pt, total);
	wr32(buf + 4, sender);
	wr32(buf + 8, media);
	return 0;
}

int parley_rtcp_build_pli(uint8_t *buf, size_t cap, uint32_t sender, uint32_t media)
{
	int r = write_fb(buf, cap, 12, PARLEY_RTCP_PSFB, PARLEY_RTCP_FMT_PLI, sender, media);
	return r < 0 ? r : 12;
}

/* ---- FIR ---- */

int parley_rtcp_parse_fir(const parley_rtcp_header *hdr, uint32_t *sender, parley_rtcp_fir_entry *entries,
	size_t max, size_t *n)
{
	int r = check_fb(hdr, PARLEY_RTCP_PSFB, PARLEY_RTCP_FMT_FIR, 12);
	if (r < 0)
		return r;
	size_t len = parley_rtcp_content_len(hdr);
	if ((len - 12) % 8 != 0)
		return -PARLEY_RTCP_EFORMAT;
	size_t count = (len - 12) / 8;
	if (sender)
		*sender = rd32(hdr->data + 4);
	if (n)
		*n = count;
	if (count > max)
		return -PARLEY_RTCP_ELIMIT;
	for (size_t i = 0; i < count; i++) {
		entries[i].ssrc = rd32(hdr->data + 12 + 8 * i);
		entries[i].seq = hdr->data[16 + 8 * i];
	}
	return 0;
}

int parley_rtcp_build_fir(uint8_t *buf, size_t cap, uint32_t sender, const parley_rtcp_fir_entry *entries, size_t n)
{
	if (!entries || n == 0 || n > 64)
		return -PARLEY_RTCP_EINVAL;
	size_t total = 12 + 8 * n;
	int r = write_fb(buf, cap, total, PARLEY_RTCP_PSFB, PARLEY_RTCP_FMT_FIR, sender, 0);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		wr32(buf + 12 + 8 * i, entries[i].ssrc);
		buf[16 + 8 * i] = entries[i].seq;
	}
	return (int)total;
}

/* ---- generic NACK ---- */

int parley_rtcp_parse_nack(const parley_rtcp_header *hdr, uint32_t *sender, uint32_t *media,
	uint16_t *seqs, size_t max, size_t *n)
{
	int r = check_fb(hdr, PARLEY_RTCP_RTPFB, PARLEY_RTCP_FMT_NACK, 12);
	if (r < 0)
		return r;
	size_t len = parley_rtcp_content_len(hdr);
	if ((len - 12) % 4 != 0)
		return -PARLEY_RTCP_EFORMAT;
	if (sender)
		*sender = rd32(hdr->data + 4);
	if (media)
		*media = rd32(hdr->data + 8);
	size_t count = 0;
	for (size_t pos = 12; pos < len; pos += 4) {
		uint16_t pid = rd16(hdr->data + pos);
		uint16_t blp = rd16(hdr->data + pos + 2);
		if (count >= max)
			return -PARLEY_RTCP_ELIMIT;
		seqs[count++] = pid;
		for (unsigned b = 0; b < 16; b++) {
			if (!(blp & (1u << b)))
				continue;
			if (count >= max)
				return -PARLEY_RTCP_ELIMIT;
			seqs[count++] = (uint16_t)(pid + b + 1);
		}
	}
	if (n)
		*n = count;
	return 0;
}

int parley_rtcp_build_nack(uint8_t *buf, size_t cap, uint32_t sender, uint32_t media,
	const uint16_t *seqs, size_t n)
{
	if (!seqs || n == 0)
		return -PARLEY_RTCP_EINVAL;
	if (n > NACK_MAX_BUILD)
		return -PARLEY_RTCP_ELIMIT;
	/* order by distance from the first entry, wraparound-aware */
	int32_t keys[NACK_MAX_BUILD];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int32_t key = (int16_t)(uint16_t)(seqs[i] - seqs[0]);
		size_t j = k;
		while (j > 0 && keys[j - 1] > key) {
			keys[j] = keys[j - 1];
			j--;
		}
		if (j > 0 && keys[j - 1] == key) { /* duplicate: undo the shift */
			memmove(&keys[j], &keys[j + 1], (k - j) * sizeof(keys[0]));
			continue;
		}
		keys[j] = key;
		k++;
	}
	/* count PID+BLP pairs */
	size_t pairs = 0;
	for (size_t i = 0; i < k;) {
		int32_t pid = keys[i++];
		while (i < k && keys[i] - pid <= 16)
			i++;
		pairs++;
	}
	size_t total = 12 + 4 * pairs;
	int r = write_fb(buf, cap, total, PARLEY_RTCP_RTPFB, PARLEY_RTCP_FMT_NACK, sender, media);
	if (r < 0)
		return r;
	size_t pos = 12;
	for (size_t i = 0; i < k;) {
		int32_t pid = keys[i++];
		uint16_t blp = 0;
		while (i < k && keys[i] - pid <= 16) {
			blp |= (uint16_t)(1u << (keys[i] - pid - 1));
			i++;
		}
		wr16(buf + pos, (uint16_t)(seqs[0] + pid));
		wr16(buf + pos + 2, blp);
		pos += 4;
	}
	return (int)total;
}

/* ---- REMB ---- */

bool parley_rtcp_is_remb(const parley_rtcp_header *hdr)
{
	return hdr && hdr->pt == PARLEY_RTCP_PSFB && hdr->count == PARLEY_RTCP_FMT_AFB &&
		parley_rtcp_content_len(hdr) >= 16 && memcmp(hdr->data + 12, "REMB", 4) == 0;
}

int parley_rtcp_parse_remb(const parley_rtcp_header *hdr, parley_rtcp_remb *out)
{
	int r = check_fb(hdr, PARLEY_RTCP_PSFB, PARLEY_RTCP_FMT_AFB, 20);
	if (r < 0)
		return r;
	if (!out)
		return -PARLEY_RTCP_EINVAL;
	if (!parley_rtcp_is_remb(hdr))
		return -PARLEY_RTCP_EFORMAT;
	const uint8_t *p = hdr->data;
	uint8_t num = p[16];
	uint8_t exp = p[17] >> 2;
	uint32_t mantissa = ((uint32_t)(p[17] & 0x03) << 16) | rd16(p + 18);
	if (parley_rtcp_content_len(hdr) < 20 + 4u * num)
		return -PARLEY_RTCP_ETOOSHORT;
	memset(out, 0, sizeof(*out));
	out->sender = rd32(p + 4);
	/* exponents past 46 overflow 64 bits with an 18-bit mantissa: saturate */
	out->bitrate = exp > 46 ? UINT64_MAX : (uint64_t)mantissa << exp;
	if (num > PARLEY_RTCP_REMB_MAX_SSRCS)
		return -PARLEY_RTCP_ELIMIT;
	out->ssrc_count = num;
	for (unsigned i = 0; i < num; i++)
		out->ssrcs[i] = rd32(p + 20 + 4 * i);
	return 0;
}

int parley_rtcp_build_remb(uint8_t *buf, size_t cap, const parley_rtcp_remb *remb)
{
	if (!remb || remb->ssrc_count > PARLEY_RTCP_REMB_MAX_SSRCS)
		return -PARLEY_RTCP_EINVAL;
	size_t total = 20 + 4u * remb->ssrc_count;
	int r = write_fb(buf, cap, total, PARLEY_RTCP_PSFB, PARLEY_RTCP_FMT_AFB, remb->sender, 0);
	if (r < 0)
		return r;
	uint8_t exp = 0;
	uint64_t mantissa = remb->bitrate;
	while (mantissa > 0x3ffff) {
		mantissa >>= 1;
		exp++;
	}
	memcpy(buf + 12, "REMB", 4);
	buf[16] = remb->ssrc_count;
	buf[17] = (uint8_t)(exp << 2 | (mantissa >> 16));
	wr16(buf + 18, (uint16_t)mantissa);
	for (unsigned i = 0; i < remb->ssrc_count; i++)
		wr32(buf + 20 + 4 * i, remb->ssrcs[i]);
	return (int)total;
}

/* ---- transport-wide-cc ---- */

enum { SYM_NOT_RECEIVED = 0, SYM_SMALL = 1, SYM_LARGE = 2 };

int parley_rtcp_parse_tcc(const parley_rtcp_header *hdr, parley_rtcp_tcc *out,
	parley_rtcp_tcc_packet *pkts, size_t max, size_t *n)
{
	int r = check_fb(hdr, PARLEY_RTCP_RTPFB, PARLEY_RTCP_FMT_TCC, 20);
	if (r < 0)
		return r;
	if (!out || (max && !pkts))
		return -PARLEY_RTCP_EINVAL;
	const uint8_t *p = hdr->data;
	size_t len = parley_rtcp_content_len(hdr);
	out->sender = rd32(p + 4);
	out->media = rd32(p + 8);
	out->base_seq = rd16(p + 12);
	out->status_count = rd16(p + 14);
	uint32_t ref = rd24(p + 16);
	out->reference_time = (ref & 0x800000) ? (int32_t)(ref | 0xff000000u) : (int32_t)ref;
	out->fb_count = p[19];
	size_t total = out->status_count;
	if (n)
		*n = total;
	if (total > max)
		return -PARLEY_RTCP_ELIMIT;
	/* status chunks: the symbol is kept in arrival_us until deltas are read */
	size_t pos = 20, got = 0;
	while (got < total) {
		if (pos + 2 > len)
			return -PARLEY_RTCP_ETOOSHORT;
		uint16_t chunk = rd16(p + pos);
		pos += 2;
		if (!(chunk & 0x8000)) { /* run length */
			unsigned sym = (chunk >> 13) & 0x3;
			size_t run = chunk & 0x1fff;
			if (sym == 3)
				return -PARLEY_RTCP_EFORMAT;
			if (run == 0)
				return -PARLEY_RTCP_EFORMAT;
			for (size_t i = 0; i < run && got < total; i++)
				pkts[got++].arrival_us = sym;
		} else if (!(chunk & 0x4000)) { /* 14 one-bit symbols */
			for (int b = 13; b >= 0 && got < total; b--)
				pkts[got++].arrival_us = (chunk >> b) & 0x1;
		} else { /* 7 two-bit symbols */
			for (int b = 12; b >= 0 && got < total; b -= 2) {
				unsigned sym = (chunk >> b) & 0x3;
				if (sym == 3)
					return -PARLEY_RTCP_EFORMAT;
				pkts[got++].arrival_us = sym;
			}
		}
	}
	int64_t t = (int64_t)out->reference_time * TCC_REF_US;
	for (size_t i = 0; i < total; i++) {
		int64_t sym = pkts[i].arrival_us;
		pkts[i].seq = (uint16_t)(out->base_seq + i);
		pkts[i].received = sym != SYM_NOT_RECEIVED;
		pkts[i].arrival_us = 0;
		if (sym == SYM_SMALL) {
			if (pos + 1 > len)
				return -PARLEY_RTCP_ETOOSHORT;
			t += (int64_t)p[pos] * TCC_TICK_US;
			pos += 1;
		} else if (sym == SYM_LARGE) {
			if (pos + 2 > len)
				return -PARLEY_RTCP_ETOOSHORT;
			t += (int64_t)(int16_t)rd16(p + pos) * TCC_TICK_US;
			pos += 2;
		} else {
			continue;
		}
		pkts[i].arrival_us = t;
	}
	return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int parley_rtcp_build_tcc(uint8_t *buf, size_t cap, uint32_t sender, uint32_t media, uint8_t fb_count,
	const parley_rtcp_tcc_packet *pkts, size_t n)
{
	if (!buf || !pkts || n == 0 || !pkts[0].received)
		return -PARLEY_RTCP_EINVAL;
	if (n > TCC_MAX_BUILD)
		return -PARLEY_RTCP_ELIMIT;
	uint8_t sym[TCC_MAX_BUILD];
	int16_t delta[TCC_MAX_BUILD];
	int64_t ref = floor_div(pkts[0].arrival_us, TCC_REF_US);
	if (ref < -0x800000 || ref > 0x7fffff)
		return -PARLEY_RTCP_EINVAL;
	int64_t prev_ticks = ref * (TCC_REF_US / TCC_TICK_US);
	size_t delta_bytes = 0;
	for (size_t i = 0; i < n; i++) {
		if (pkts[i].seq != (uint16_t)(pkts[0].seq + i))
			return -PARLEY_RTCP_EINVAL;
		if (!pkts[i].received) {
			sym[i] = SYM_NOT_RECEIVED;
			continue;
		}
		int64_t ticks = floor_div(pkts[i].arrival_us + TCC_TICK_US / 2, TCC_TICK_US);
		int64_t d = ticks - prev_ticks;
		if (d >= 0 && d <= 255) {
			sym[i] = SYM_SMALL;
			delta_bytes += 1;
		} else if (d >= INT16_MIN && d <= INT16_MAX) {
			sym[i] = SYM_LARGE;
			delta_bytes += 2;
		} else {
			return -PARLEY_RTCP_EFORMAT; /* gap too large for one feedback */
		}
		delta[i] = (int16_t)d;
		prev_ticks = ticks;
	}
	/* chunks: run length when long runs, otherwise the densest vector */
	uint16_t chunks[TCC_MAX_BUILD];
	size_t nchunks = 0;
	for (size_t i = 0; i < n;) {
		size_t rem = n - i, run = 1;
		while (run < rem && run < 0x1fff && sym[i + run] == sym[i])
			run++;
		size_t k14 = rem < 14 ? rem : 14, k7 = rem < 7 ? rem : 7;
		bool small = true;
		for (size_t j = 0; j < k14; j++)
			small = small && sym[i + j] <= SYM_SMALL;
		uint16_t c;
		if (run >= 14 || (run >= 7 && !small) || run == rem) {
			c = (uint16_t)(sym[i] << 13 | run);
			i += run;
		} else if (small) {
			c = 0x8000;
			for (size_t j = 0; j < k14; j++)
				c |= (uint16_t)(sym[i + j] << (13 - j));
			i += k14;
		} else {
			c = 0xC000;
			for (size_t j = 0; j < k7; j++)
				c |= (uint16_t)(sym[i + j] << (12 - 2 * j));
			i += k7;
		}
		chunks[nchunks++] = c;
	}
	size_t body = 20 + 2 * nchunks + delta_bytes;
	size_t total = (body + 3) & ~(size_t)3;
	int r = write_fb(buf, cap, total, PARLEY_RTCP_RTPFB, PARLEY_RTCP_FMT_TCC, sender, media);
	if (r < 0)
		return r;
	wr16(buf + 12, pkts[0].seq);
	wr16(buf + 14, (uint16_t)n);
	wr24(buf + 16, (uint32_t)ref & 0xffffff);
	buf[19] = fb_count;
	size_t pos = 20;
	for (size_t i = 0; i < nchunks; i++, pos += 2)
		wr16(buf + pos, chunks[i]);
	for (size_t i = 0; i < n; i++) {
		if (sym[i] == SYM_SMALL) {
			buf[pos++] = (uint8_t)delta[i];
		} else if (sym[i] == SYM_LARGE) {
			wr16(buf + pos, (uint16_t)delta[i]);
			pos += 2;
		}
	}
	if (total > body) { /* RFC 3550 padding: last byte counts the pad bytes */
		buf[0] |= 0x20;
		buf[total - 1] = (uint8_t)(total - body);
	}
	return (int)total;
}
