/*
 * rtp.c — RTX wrap/unwrap (RFC 4588), sequence-number extension and the
 * per-stream seq/ts rewriter, over the header parser of util/rtp.c.
 *
 * Complexity: RTX wrap is one copy into the caller's buffer, unwrap one
 * memmove in place; the rewriter is O(1) per packet.
 */
#include "rtp.h"

#include <string.h>

/* ---- RTX --------------------------------------------------------------- */

int parley_rtp_rtx_wrap(const uint8_t *pkt, size_t len, uint8_t rtx_pt, uint32_t rtx_ssrc,
	uint16_t rtx_seq, uint8_t *out, size_t cap)
{
	parley_util_rtp_info info;
	int r = parley_util_rtp_parse(pkt, len, &info);
	if (r < 0)
		return r;
	if (!out || rtx_pt > 127)
		return -PARLEY_UTIL_RTP_EINVAL;
	size_t total = info.header_len + PARLEY_RTP_RTX_OSN_LEN + info.payload_len;
	if (total > cap || total > INT32_MAX)
		return -PARLEY_UTIL_RTP_ENOSPACE;
	memcpy(out, pkt, info.header_len);
	out[0] &= ~0x20; /* the original padding is not carried */
	parley_util_rtp_write16(out + info.header_len, info.seq);
	memcpy(out + info.header_len + PARLEY_RTP_RTX_OSN_LEN, pkt + info.payload_offset, info.payload_len);
	parley_util_rtp_set_pt(out, rtx_pt);
	parley_util_rtp_set_seq(out, rtx_seq);
	parley_util_rtp_set_ssrc(out, rtx_ssrc);
	return (int)total;
}

int parley_rtp_rtx_unwrap(uint8_t *pkt, size_t len, uint8_t orig_pt, uint32_t orig_ssrc)
{
	parley_util_rtp_info info;
	int r = parley_util_rtp_parse(pkt, len, &info);
	if (r < 0)
		return r;
	if (orig_pt > 127)
		return -PARLEY_UTIL_RTP_EINVAL;
	if (info.payload_len < PARLEY_RTP_RTX_OSN_LEN)
		return -PARLEY_UTIL_RTP_ETOOSHORT;
	uint16_t osn = parley_util_rtp_read16(pkt + info.payload_offset);
	size_t rest = info.payload_len - PARLEY_RTP_RTX_OSN_LEN;
	memmove(pkt + info.payload_offset, pkt + info.payload_offset + PARLEY_RTP_RTX_OSN_LEN, rest);
	pkt[0] &= ~0x20;
	parley_util_rtp_set_seq(pkt, osn);
	parley_util_rtp_set_pt(pkt, orig_pt);
	parley_util_rtp_set_ssrc(pkt, orig_ssrc);
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
	int64_t ext = (int64_t)ctx->highest + parley_util_rtp_seq_diff(seq, low);
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

static void rebase(parley_rtp_rewriter *rw, const parley_util_rtp_info *info, int64_t now_us)
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

int parley_rtp_rewrite(parley_rtp_rewriter *rw, uint8_t *buf, const parley_util_rtp_info *info, int64_t now_us)
{
	bool rebased = false;
	if (!rw->started || rw->switch_pending || info->ssrc != rw->src_ssrc) {
		rebase(rw, info, now_us);
		rebased = true;
	} else if (parley_util_rtp_seq_diff(info->seq, rw->base_in_seq) < 0) {
		return -PARLEY_UTIL_RTP_EOLD;
	}
	uint16_t out_seq = (uint16_t)(info->seq + rw->seq_offset);
	uint32_t out_ts = info->ts + rw->ts_offset;
	parley_util_rtp_set_seq(buf, out_seq);
	parley_util_rtp_set_ts(buf, out_ts);
	parley_util_rtp_set_ssrc(buf, rw->out_ssrc);
	if (rebased || !rw->started || parley_util_rtp_seq_newer(out_seq, rw->last_out_seq)) {
		rw->last_out_seq = out_seq;
		rw->last_out_ts = out_ts;
		rw->last_time_us = now_us;
	}
	rw->started = true;
	return 0;
}

void parley_rtp_rewriter_drop(parley_rtp_rewriter *rw, const parley_util_rtp_info *info)
{
	if (!rw->started || rw->switch_pending || info->ssrc != rw->src_ssrc)
		return;
	uint16_t would_be = (uint16_t)(info->seq + rw->seq_offset);
	/* only a packet newer than anything sent can be hidden by shifting */
	if (parley_util_rtp_seq_newer(would_be, rw->last_out_seq))
		rw->seq_offset--;
}
