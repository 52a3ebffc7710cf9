/*
 * rtcp.c — RTCP compound walk and validation, and the report packets:
 * SR, RR, SDES (CNAME) and BYE (RFC 3550 §6). Feedback packets live in
 * rtcp_fb.c, statistics in rtcp_stats.c.
 *
 * Complexity: the walk is O(number of packets); each parser is O(its
 * packet length). Nothing allocates; parsed strings point into the buffer.
 */
#include "rtcp.h"
#include "rtcp_util.h"

#include <string.h>

static const char *const error_text[] = {
	[PARLEY_RTCP_OK] = "ok",
	[PARLEY_RTCP_ETOOSHORT] = "truncated RTCP packet",
	[PARLEY_RTCP_EVERSION] = "RTCP version is not 2",
	[PARLEY_RTCP_ELENGTH] = "RTCP length runs past the buffer",
	[PARLEY_RTCP_EPADDING] = "invalid RTCP padding",
	[PARLEY_RTCP_ETYPE] = "unexpected RTCP packet type",
	[PARLEY_RTCP_EFIRST] = "compound RTCP does not start with SR or RR",
	[PARLEY_RTCP_EFORMAT] = "malformed RTCP content",
	[PARLEY_RTCP_ENOSPACE] = "output buffer too small",
	[PARLEY_RTCP_EINVAL] = "invalid argument",
	[PARLEY_RTCP_ELIMIT] = "more items than the output array holds",
};

const char *parley_rtcp_strerror(int err)
{
	if (err < 0)
		err = -err;
	if ((size_t)err >= sizeof(error_text) / sizeof(error_text[0]) || !error_text[err])
		return "unknown RTCP error";
	return error_text[err];
}

void parley_rtcp_iter_init(parley_rtcp_iter *it, const uint8_t *buf, size_t len)
{
	it->buf = buf;
	it->len = buf ? len : 0;
	it->pos = 0;
}

int parley_rtcp_next(parley_rtcp_iter *it, parley_rtcp_header *hdr)
{
	if (it->pos >= it->len)
		return 0;
	const uint8_t *p = it->buf + it->pos;
	size_t left = it->len - it->pos;
	if (left < 4)
		return -PARLEY_RTCP_ETOOSHORT;
	if ((p[0] >> 6) != 2)
		return -PARLEY_RTCP_EVERSION;
	size_t plen = ((size_t)rd16(p + 2) + 1) * 4;
	if (plen > left)
		return -PARLEY_RTCP_ELENGTH;
	hdr->padding = p[0] & 0x20;
	hdr->count = p[0] & 0x1f;
	hdr->pt = p[1];
	hdr->data = p;
	hdr->len = plen;
	if (hdr->padding) {
		uint8_t pad = p[plen - 1];
		if (pad == 0 || pad > plen - 4 || it->pos + plen != it->len)
			return -PARLEY_RTCP_EPADDING;
	}
	it->pos += plen;
	return 1;
}

int parley_rtcp_validate(const uint8_t *buf, size_t len, bool require_report)
{
	if (!buf || len == 0)
		return -PARLEY_RTCP_ETOOSHORT;
	parley_rtcp_iter it;
	parley_rtcp_header h;
	parley_rtcp_iter_init(&it, buf, len);
	int count = 0, r;
	while ((r = parley_rtcp_next(&it, &h)) > 0) {
		if (count == 0 && require_report && h.pt != PARLEY_RTCP_SR && h.pt != PARLEY_RTCP_RR)
			return -PARLEY_RTCP_EFIRST;
		if (h.pt < 192 || h.pt > 223)
			return -PARLEY_RTCP_ETYPE;
		count++;
	}
	return r < 0 ? r : count;
}

/* Length of the content of a packet without its padding. */
size_t parley_rtcp_content_len(const parley_rtcp_header *hdr)
{
	size_t len = hdr->len;
	if (hdr->padding)
		len -= hdr->data[len - 1];
	return len;
}

void parley_rtcp_write_header(uint8_t *p, uint8_t count, uint8_t pt, size_t total)
{
	p[0] = (uint8_t)(0x80 | (count & 0x1f));
	p[1] = pt;
	wr16(p + 2, (uint16_t)(total / 4 - 1));
}

static void parse_block(const uint8_t *p, parley_rtcp_report_block *b)
{
	b->ssrc = rd32(p);
	b->fraction_lost = p[4];
	uint32_t cl = (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	b->cumulative_lost = (cl & 0x800000) ? (int32_t)(cl | 0xff000000u) : (int32_t)cl;
	b->highest_seq = rd32(p + 8);
	b->jitter = rd32(p + 12);
	b->lsr = rd32(p + 16);
	b->dlsr = rd32(p + 20);
}

static void write_block(uint8_t *p, const parley_rtcp_report_block *b)
{
	int32_t cl = b->cumulative_lost;
	if (cl > 0x7fffff)
		cl = 0x7fffff;
	if (cl < -0x800000)
		cl = -0x800000;
	uint32_t u = (uint32_t)cl & 0xffffff;
	wr32(p, b->ssrc);
	p[4] = b->fraction_lost;
	p[5] = (uint8_t)(u >> 16);
	p[6] = (uint8_t)(u >> 8);
	p[7] = (uint8_t)u;
	wr32(p + 8, b->highest_seq);
	wr32(p + 12, b->jitter);
	wr32(p + 16, b->lsr);
	wr32(p + 20, b->dlsr);
}

int parley_rtcp_parse_sr(const parley_rtcp_header *hdr, parley_rtcp_sr *out)
{
	if (!hdr || !out)
		return -PARLEY_RTCP_EINVAL;
	if (hdr->pt != PARLEY_RTCP_SR)
		return -PARLEY_RTCP_ETYPE;
	size_t len = parley_rtcp_content_len(hdr);
	if (len < 28 + 24u * hdr->count)
		return -PARLEY_RTCP_ETOOSHORT;
	const uint8_t *p = hdr->data;
	out->ssrc = rd32(p + 4);
	out->ntp = (uint64_t)rd32(p + 8) << 32 | rd32(p + 12);
	out->rtp_ts = rd32(p + 16);
	out->packet_count = rd32(p + 20);
	out->octet_count = rd32(p + 24);
	out->block_count = hdr->count;
	for (unsigned i = 0; i < hdr->count; i++)
		parse_block(p + 28 + 24 * i, &out->blocks[i]);
	return 0;
}

int parley_rtcp_parse_rr(const parley_rtcp_header *hdr, parley_rtcp_rr *out)
{
	if (!hdr || !out)
		return -PARLEY_RTCP_EINVAL;
	if (hdr->pt != PARLEY_RTCP_RR)
		return -PARLEY_RTCP_ETYPE;
	size_t len = parley_rtcp_content_len(hdr);
	if (len < 8 + 24u * hdr->count)
		return -PARLEY_RTCP_ETOOSHORT;
	const uint8_t *p = hdr->data;
	out->ssrc = rd32(p + 4);
	out->block_count = hdr->count;
	for (unsigned i = 0; i < hdr->count; i++)
		parse_block(p + 8 + 24 * i, &out->blocks[i]);
	return 0;
}

int parley_rtcp_build_sr(uint8_t *buf, size_t cap, const parley_rtcp_sr *sr)
{
	if (!buf || !sr || sr->block_count > PARLEY_RTCP_MAX_BLOCKS)
		return -PARLEY_RTCP_EINVAL;
	size_t total = 28 + 24u * sr->block_count;
	if (total > cap)
		return -PARLEY_RTCP_ENOSPACE;
	parley_rtcp_write_header(buf, sr->block_count, PARLEY_RTCP_SR, total);
	wr32(buf + 4, sr->ssrc);
	wr32(buf + 8, (uint32_t)(sr->ntp >> 32));
	wr32(buf + 12, (uint32_t)sr->ntp);
	wr32(buf + 16, sr->rtp_ts);
	wr32(buf + 20, sr->packet_count);
	wr32(buf + 24, sr->octet_count);
	for (unsigned i = 0; i < sr->block_count; i++)
		write_block(buf + 28 + 24 * i, &sr->blocks[i]);
	return (int)total;
}

int parley_rtcp_build_rr(uint8_t *buf, size_t cap, const parley_rtcp_rr *rr)
{
	if (!buf || !rr || rr->block_count > PARLEY_RTCP_MAX_BLOCKS)
		return -PARLEY_RTCP_EINVAL;
	size_t total = 8 + 24u * rr->block_count;
	if (total > cap)
		return -PARLEY_RTCP_ENOSPACE;
	parley_rtcp_write_header(buf, rr->block_count, PARLEY_RTCP_RR, total);
	wr32(buf + 4, rr->ssrc);
	for (unsigned i = 0; i < rr->block_count; i++)
		write_block(buf + 8 + 24 * i, &rr->blocks[i]);
	return (int)total;
}

int parley_rtcp_parse_sdes(const parley_rtcp_header *hdr, parley_rtcp_sdes *out)
{
	if (!hdr || !out)
		return -PARLEY_RTCP_EINVAL;
	if (hdr->pt != PARLEY_RTCP_SDES)
		return -PARLEY_RTCP_ETYPE;
	size_t len = parley_rtcp_content_len(hdr);
	const uint8_t *p = hdr->data;
	size_t pos = 4;
	memset(out, 0, sizeof(*out));
	for (unsigned c = 0; c < hdr->count; c++) {
		if (pos + 4 > len)
			return -PARLEY_RTCP_ETOOSHORT;
		parley_rtcp_sdes_chunk *ch = &out->chunks[c];
		ch->ssrc = rd32(p + pos);
		pos += 4;
		for (;;) { /* items; bounded by len since pos grows each turn */
			if (pos >= len)
				return -PARLEY_RTCP_ETOOSHORT;
			uint8_t type = p[pos];
			if (type == 0) { /* end of items: skip to the next 32-bit boundary */
				pos = (pos + 4) & ~(size_t)3;
				break;
			}
			if (pos + 2 > len || pos + 2 + p[pos + 1] > len)
				return -PARLEY_RTCP_ETOOSHORT;
			if (type == 1) {
				ch->cname = (const char *)p + pos + 2;
				ch->cname_len = p[pos + 1];
			}
			pos += 2 + p[pos + 1];
		}
		if (pos > len)
			return -PARLEY_RTCP_ETOOSHORT;
		out->chunk_count = (uint8_t)(c + 1);
	}
	return 0;
}

int parley_rtcp_build_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc, const char *cname)
{
	if (!buf || !cname)
		return -PARLEY_RTCP_EINVAL;
	size_t clen = strlen(cname);
	if (clen > 255)
		return -PARLEY_RTCP_EINVAL;
	/* header + ssrc + type + len + text + at least one zero byte, padded */
	size_t total = (4 + 4 + 2 + clen + 1 + 3) & ~(size_t)3;
	if (total > cap)
		return -PARLEY_RTCP_ENOSPACE;
	memset(buf, 0, total);
	parley_rtcp_write_header(buf, 1, PARLEY_RTCP_SDES, total);
	wr32(buf + 4, ssrc);
	buf[8] = 1;
	buf[9] = (uint8_t)clen;
	memcpy(buf + 10, cname, clen);
	return (int)total;
}

int parley_rtcp_parse_bye(const parley_rtcp_header *hdr, parley_rtcp_bye *out)
{
	if (!hdr || !out)
		return -PARLEY_RTCP_EINVAL;
	if (hdr->pt != PARLEY_RTCP_BYE)
		return -PARLEY_RTCP_ETYPE;
	size_t len = parley_rtcp_content_len(hdr);
	if (len < 4 + 4u * hdr->count)
		return -PARLEY_RTCP_ETOOSHORT;
	memset(out, 0, sizeof(*out));
	out->ssrc_count = hdr->count;
	for (unsigned i = 0; i < hdr->count; i++)
		out->ssrcs[i] = rd32(hdr->data + 4 + 4 * i);
	size_t pos = 4 + 4u * hdr->count;
	if (pos < len) {
		uint8_t rl = hdr->data[pos];
		if (pos + 1 + rl > len)
			return -PARLEY_RTCP_ETOOSHORT;
		out->reason = (const char *)hdr->data + pos + 1;
		out->reason_len = rl;
	}
	return 0;
}

int parley_rtcp_build_bye(uint8_t *buf, size_t cap, const uint32_t *ssrcs, size_t n, const char *reason)
{
	if (!buf || (n && !ssrcs) || n > PARLEY_RTCP_MAX_BLOCKS)
		return -PARLEY_RTCP_EINVAL;
	size_t rlen = reason ? strlen(reason) : 0;
	if (rlen > 255)
		return -PARLEY_RTCP_EINVAL;
	size_t total = 4 + 4 * n + (reason ? (1 + rlen + 3) & ~(size_t)3 : 0);
	if (total > cap)
		return -PARLEY_RTCP_ENOSPACE;
	memset(buf, 0, total);
	parley_rtcp_write_header(buf, (uint8_t)n, PARLEY_RTCP_BYE, total);
	for (size_t i = 0; i < n; i++)
		wr32(buf + 4 + 4 * i, ssrcs[i]);
	if (reason) {
		buf[4 + 4 * n] = (uint8_t)rlen;
		memcpy(buf + 5 + 4 * n, reason, rlen);
	}
	return (int)total;
}
