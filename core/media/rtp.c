/*
 * rtp.c — RTP header parsing and in-place rewriting (RFC 3550), header
 * extensions (RFC 8285 one- and two-byte forms), RTX wrap/unwrap (RFC 4588),
 * sequence-number extension and the per-stream seq/ts rewriter.
 *
 * Complexity: parse is O(CSRC count) with no allocation and no copy;
 * extension lookups and id rewriting are O(extension block length); RTX wrap
 * is one copy into the caller's buffer, unwrap one memmove in place; the
 * rewriter is O(1) per packet.
 */
#include "rtp.h"

#include <string.h>

static const char *const error_text[] = {
	[PARLEY_RTP_OK] = "ok",
	[PARLEY_RTP_ETOOSHORT] = "packet shorter than its header",
	[PARLEY_RTP_EVERSION] = "RTP version is not 2",
	[PARLEY_RTP_EPADDING] = "invalid padding length",
	[PARLEY_RTP_EEXTENSION] = "malformed header extension",
	[PARLEY_RTP_ENOTFOUND] = "header extension not present",
	[PARLEY_RTP_EINVAL] = "invalid argument",
	[PARLEY_RTP_ENOSPACE] = "output buffer too small",
	[PARLEY_RTP_EOLD] = "packet older than the current stream segment",
};

const char *parley_rtp_strerror(int err)
{
	if (err < 0)
		err = -err;
	if ((size_t)err >= sizeof(error_text) / sizeof(error_text[0]) || !error_text[err])
		return "unknown RTP error";
	return error_text[err];
}

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = (v >> 16) & 0xff; p[2] = (v >> 8) & 0xff; p[3] = v & 0xff;
}

bool parley_rtp_is_rtp(const uint8_t *buf, size_t len)
{
	if (!buf || len < PARLEY_RTP_HEADER_MIN || (buf[0] >> 6) != 2)
		return false;
	/* RFC 5761: RTCP packet types 192..223 collide with RTP pt 64..95. */
	uint8_t pt = buf[1] & 0x7f;
	return !(pt >= 64 && pt <= 95);
}

int parley_rtp_parse(const uint8_t *buf, size_t len, parley_rtp_info *info)
{
	if (!buf || !info)
		return -PARLEY_RTP_EINVAL;
	memset(info, 0, sizeof(*info));
	if (len < PARLEY_RTP_HEADER_MIN)
		return -PARLEY_RTP_ETOOSHORT;
	info->version = buf[0] >> 6;
	if (info->version != 2)
		return -PARLEY_RTP_EVERSION;
	info->padding = buf[0] & 0x20;
	info->extension = buf[0] & 0x10;
	info->csrc_count = buf[0] & 0x0f;
	info->marker = buf[1] & 0x80;
	info->pt = buf[1] & 0x7f;
	info->seq = rd16(buf + 2);
	info->ts = rd32(buf + 4);
	info->ssrc = rd32(buf + 8);
	size_t off = PARLEY_RTP_HEADER_MIN + 4u * info->csrc_count;
	if (off > len)
		return -PARLEY_RTP_ETOOSHORT;
	if (info->extension) {
		if (off + 4 > len)
			return -PARLEY_RTP_ETOOSHORT;
		info->ext_profile = rd16(buf + off);
		info->ext_len = 4u * rd16(buf + off + 2);
		info->ext_offset = off + 4;
		off += 4 + info->ext_len;
		if (off > len)
			return -PARLEY_RTP_ETOOSHORT;
	}
	info->header_len = off;
	info->payload_offset = off;
	size_t payload = len - off;
	if (info->padding) {
		uint8_t pad = buf[len - 1];
		if (pad == 0 || pad > payload)
			return -PARLEY_RTP_EPADDING;
		info->padding_len = pad;
		payload -= pad;
	}
	info->payload_len = payload;
	return 0;
}

/* ---- header extensions ---------------------------------------------- */

void parley_rtp_ext_iter_init(parley_rtp_ext_iter *it, const uint8_t *buf, const parley_rtp_info *info)
{
	memset(it, 0, sizeof(*it));
	if (!info->extension || info->ext_len == 0)
		return;
	if (info->ext_profile == 0xBEDE) {
		it->two_byte = false;
	} else if ((info->ext_profile & 0xFFF0) == 0x1000) {
		it->two_byte = true;
	} else {
		return; /* a profile we do not interpret: no elements */
	}
	it->data = buf + info->ext_offset;
	it->len = info->ext_len;
}

int parley_rtp_ext_next(parley_rtp_ext_iter *it, uint8_t *id, const uint8_t **data, size_t *len)
{
	while (it->data && it->pos < it->len) {
		uint8_t b = it->data[it->pos];
		if (b == 0) { /* padding byte */
			it->pos++;
			continue;
		}
		size_t l, hdr;
		uint8_t eid;
		if (!it->two_byte) {
			eid = b >> 4;
			if (eid == 15) { /* reserved: stop processing (RFC 8285 §4.2) */
				it->pos = it->len;
				return 0;
			}
			l = (b & 0x0f) + 1u;
			hdr = 1;
		} else {
			if (it->pos + 2 > it->len)
				return -PARLEY_RTP_EEXTENSION;
			eid = b;
			l = it->data[it->pos + 1];
			hdr = 2;
		}
		if (it->pos + hdr + l > it->len)
			return -PARLEY_RTP_EEXTENSION;
		*id = eid;
		*data = it->data + it->pos + hdr;
		*len = l;
		it->pos += hdr + l;
		return 1;
	}
	return 0;
}

int parley_rtp_ext_find(const uint8_t *buf, const parley_rtp_info *info, uint8_t id,
	const uint8_t **data, size_t *len)
{
	if (!buf || !info || id == 0)
		return -PARLEY_RTP_EINVAL;
	parley_rtp_ext_iter it;
	parley_rtp_ext_iter_init(&it, buf, info);
	uint8_t eid;
	const uint8_t *d;
	size_t l;
	int r;
	while ((r = parley_rtp_ext_next(&it, &eid, &d, &l)) > 0) {
		if (eid == id) {
			*data = d;
			*len = l;
			return 0;
		}
	}
	return r < 0 ? r : -PARLEY_RTP_ENOTFOUND;
}

int parley_rtp_ext_value_offset(const uint8_t *buf, const parley_rtp_info *info, uint8_t id,
	size_t *offset, size_t *len)
{
	const uint8_t *d;
	int r = parley_rtp_ext_find(buf, info, id, &d, len);
	if (r < 0)
		return r;
	*offset = (size_t)(d - buf);
	return 0;
}

int parley_rtp_ext_rewrite_id(uint8_t *buf, const parley_rtp_info *info, uint8_t from, uint8_t to)
{
	if (!buf || !info || from == 0 || to == 0)
		return -PARLEY_RTP_EINVAL;
	parley_rtp_ext_iter it;
	parley_rtp_ext_iter_init(&it, buf, info);
	if (!it.two_byte && (from > 14 || to > 14))
		return -PARLEY_RTP_EINVAL;
	int count = 0, r;
	uint8_t eid;
	const uint8_t *d;
	size_t l;
	while ((r = parley_rtp_ext_next(&it, &eid, &d, &l)) > 0) {
		if (eid != from)
			continue;
		if (it.two_byte) {
			uint8_t *p = (uint8_t *)d - 2;
			p[0] = to;
		} else {
			uint8_t *p = (uint8_t *)d - 1;
			p[0] = (uint8_t)(to << 4 | (p[0] & 0x0f));
		}
		count++;
	}
	return r < 0 ? r : count;
}

int parley_rtp_ext_audio_level(const uint8_t *buf, const parley_rtp_info *info, uint8_t id,
	bool *voice, uint8_t *level)
{
	const uint8_t *d;
	size_t l;
	int r = parley_rtp_ext_find(buf, info, id, &d, &l);
	if (r < 0)
		return r;
	if (l < 1)
		return -PARLEY_RTP_EEXTENSION;
	*voice = d[0] & 0x80;
	*level = d[0] & 0x7f;
	return 0;
}

int parley_rtp_ext_transport_seq(const uint8_t *buf, const parley_rtp_info *info, uint8_t id,
	uint16_t *seq)
{
	const uint8_t *d;
	size_t l;
	int r = parley_rtp_ext_find(buf, info, id, &d, &l);
	if (r < 0)
		return r;
	if (l < 2)
		return -PARLEY_RTP_EEXTENSION;
	*seq = rd16(d);
	return 0;
}

int parley_rtp_ext_abs_send_time(const uint8_t *buf, const parley_rtp_info *info, uint8_t id,
	uint32_t *value24)
{
	const uint8_t *d;
	size_t l;
	int r = parley_rtp_ext_find(buf, info, id, &d, &l);
	if (r < 0)
		return r;
	if (l < 3)
		return -PARLEY_RTP_EEXTENSION;
	*value24 = (uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2];
	return 0;
}

/* ---- in-place writers -------------------------------------------------- */

void parley_rtp_set_seq(uint8_t *buf, uint16_t seq) { wr16(buf + 2, seq); }
void parley_rtp_set_ts(uint8_t *buf, uint32_t ts) { wr32(buf + 4, ts); }
void parley_rtp_set_ssrc(uint8_t *buf, uint32_t ssrc) { wr32(buf + 8, ssrc); }
void parley_rtp_set_pt(uint8_t *buf, uint8_t pt) { buf[1] = (uint8_t)((buf[1] & 0x80) | (pt & 0x7f)); }
void parley_rtp_set_marker(uint8_t *buf, bool marker)
{
	buf[1] = (uint8_t)((buf[1] & 0x7f) | (marker ? 0x80 : 0));
}

/* ---- RTX --------------------------------------------------------------- */

int parley_rtp_rtx_wrap(const uint8_t *pkt, size_t len, uint8_t rtx_pt, uint32_t rtx_ssrc,
	uint16_t rtx_seq, uint8_t *out, size_t cap)
{
	parley_rtp_info info;
	int r = parley_rtp_parse(pkt, len, &info);
	if (r < 0)
		return r;
	if (!out || rtx_pt > 127)
		return -PARLEY_RTP_EINVAL;
	size_t total = info.header_len + PARLEY_RTP_RTX_OSN_LEN + info.payload_len;
	if (total > cap || total > INT32_MAX)
		return -PARLEY_RTP_ENOSPACE;
	memcpy(out, pkt, info.header_len);
	out[0] &= ~0x20; /* the original padding is not carried */
	wr16(out + info.header_len, info.seq);
	memcpy(out + info.header_len + PARLEY_RTP_RTX_OSN_LEN, pkt + info.payload_offset, info.payload_len);
	parley_rtp_set_pt(out, rtx_pt);
	parley_rtp_set_seq(out, rtx_seq);
	parley_rtp_set_ssrc(out, rtx_ssrc);
	return (int)total;
}

int parley_rtp_rtx_unwrap(uint8_t *pkt, size_t len, uint8_t orig_pt, uint32_t orig_ssrc)
{
	parley_rtp_info info;
	int r = parley_rtp_parse(pkt, len, &info);
	if (r < 0)
		return r;
	if (orig_pt > 127)
		return -PARLEY_RTP_EINVAL;
	if (info.payload_len < PARLEY_RTP_RTX_OSN_LEN)
		return -PARLEY_RTP_ETOOSHORT;
	uint16_t osn = rd16(pkt + info.payload_offset);
	size_t rest = info.payload_len - PARLEY_RTP_RTX_OSN_LEN;
	memmove(pkt + info.payload_offset, pkt + info.payload_offset + PARLEY_RTP_RTX_OSN_LEN, rest);
	pkt[0] &= ~0x20;
	parley_rtp_set_seq(pkt, osn);
	parley_rtp_set_pt(pkt, orig_pt);
	parley_rtp_set_ssrc(pkt, orig_ssrc);
	return (int)(info.header_len + rest);
}

/* ---- sequence numbers ------------------------------------------------- */

uint64_t parley_rtp_seq_extend(parley_rtp_seq_ext *ctx, uint16_t seq)
{
	if (!ctx->started) {
		ctx->started = true;
		/* start one cycle up so early reordered packets do not go below 0 */
		ctx->highest = 0x10000u + seq;
		return ctx->highest;
	}
	uint16_t low = (uint16_t)ctx->highest;
	int64_t ext = (int64_t)ctx->highest + parley_rtp_seq_diff(seq, low);
	if (ext < 0)
		ext = seq;
	if ((uint64_t)ext > ctx->highest)
		ctx->highest = (uint64_t)ext;
	return (uint64_t)ext;
}

/* ---- rewriter ----------------------------------------------------------- */

void parley_rtp_rewriter_init(parley_rtp_rewriter *rw, uint32_t out_ssrc, uint32_t clock_rate)
{
	memset(rw, 0, sizeof(*rw));
	rw->out_ssrc = out_ssrc;
	rw->clock_rate = clock_rate ? clock_rate : 90000;
}

void parley_rtp_rewriter_switch(parley_rtp_rewriter *rw)
{
	rw->switch_pending = true;
}

static void rebase(parley_rtp_rewriter *rw, const parley_rtp_info *info, int64_t now_us)
{
	if (!rw->started) {
		rw->seq_offset = 0;
		rw->ts_offset = 0;
	} else {
		uint16_t out_seq = (uint16_t)(rw->last_out_seq + 1);
		int64_t gap_us = now_us - rw->last_time_us;
		if (gap_us < 0)
			gap_us = 0;
		if (gap_us > 3600LL * 1000000)
			gap_us = 3600LL * 1000000;
		uint64_t gap_ts = (uint64_t)gap_us * rw->clock_rate / 1000000u;
		if (gap_ts == 0)
			gap_ts = 1; /* never repeat a timestamp across segments */
		uint32_t out_ts = rw->last_out_ts + (uint32_t)gap_ts;
		rw->seq_offset = (uint16_t)(out_seq - info->seq);
		rw->ts_offset = out_ts - info->ts;
	}
	rw->src_ssrc = info->ssrc;
	rw->base_in_seq = info->seq;
	rw->switch_pending = false;
	rw->rebases++;
}

int parley_rtp_rewrite(parley_rtp_rewriter *rw, uint8_t *buf, const parley_rtp_info *info, int64_t now_us)
{
	bool rebased = false;
	if (!rw->started || rw->switch_pending || info->ssrc != rw->src_ssrc) {
		rebase(rw, info, now_us);
		rebased = true;
	} else if (parley_rtp_seq_diff(info->seq, rw->base_in_seq) < 0) {
		return -PARLEY_RTP_EOLD;
	}
	uint16_t out_seq = (uint16_t)(info->seq + rw->seq_offset);
	uint32_t out_ts = info->ts + rw->ts_offset;
	parley_rtp_set_seq(buf, out_seq);
	parley_rtp_set_ts(buf, out_ts);
	parley_rtp_set_ssrc(buf, rw->out_ssrc);
	if (rebased || !rw->started || parley_rtp_seq_newer(out_seq, rw->last_out_seq)) {
		rw->last_out_seq = out_seq;
		rw->last_out_ts = out_ts;
		rw->last_time_us = now_us;
	}
	rw->started = true;
	return 0;
}

void parley_rtp_rewriter_drop(parley_rtp_rewriter *rw, const parley_rtp_info *info)
{
	if (!rw->started || rw->switch_pending || info->ssrc != rw->src_ssrc)
		return;
	uint16_t would_be = (uint16_t)(info->seq + rw->seq_offset);
	/* only a packet newer than anything sent can be hidden by shifting */
	if (parley_rtp_seq_newer(would_be, rw->last_out_seq))
		rw->seq_offset--;
}
