/*
 * plugins/room/rewrite.c — the rewriting context (see rewrite.h). A
 * segment is a run of packets from one source SSRC forwarded without
 * interruption; each segment keeps a fixed (seq, ts) delta, and a new
 * segment starts right after the last packet sent: the sequence continues
 * at last+1 and the timestamp advances by the wall time elapsed (at least
 * one tick), so decoders see neither a gap nor a jump back.
 */
#include <string.h>

#include "rewrite.h"
#include "util/rtp.h"

void parley_room_rewriter_init(room_rewriter *rw, uint32_t out_ssrc, uint32_t clock_rate)
{
	memset(rw, 0, sizeof(*rw));
	rw->out_ssrc = out_ssrc;
	rw->clock_rate = clock_rate != 0 ? clock_rate : 90000;
}

void parley_room_rewriter_switch(room_rewriter *rw)
{
	rw->rebase = true;
}

/* Starts a segment at packet (seq, ts) so it follows the last one sent. */
static void start_segment(room_rewriter *rw, uint32_t ssrc, uint16_t seq, uint32_t ts, int64_t now_us)
{
	if (!rw->started) {
		/* the first segment keeps the source's numbering */
		rw->seq_delta = 0;
		rw->ts_delta = 0;
		rw->started = true;
	} else {
		int64_t elapsed_us = now_us - rw->last_us;
		if (elapsed_us < 0)
			elapsed_us = 0;
		uint64_t ticks = ((uint64_t)elapsed_us * rw->clock_rate + 500000u) / 1000000u;   /* nearest */
		if (ticks == 0)
			ticks = 1;
		uint16_t next_seq = (uint16_t)(rw->last_out_seq + 1);
		uint32_t next_ts = rw->last_out_ts + (uint32_t)ticks;
		rw->seq_delta = (uint16_t)(next_seq - seq);
		rw->ts_delta = next_ts - ts;
	}
	rw->src_ssrc = ssrc;
	rw->span = 0;
	rw->highest_in_seq = seq;
	rw->rebase = false;
	rw->segments++;
}

room_rewrite_result parley_room_rewriter_map(room_rewriter *rw, uint32_t ssrc, uint16_t seq, uint32_t ts,
                                             int64_t now_us, uint16_t *out_seq, uint32_t *out_ts)
{
	if (!rw->started || rw->rebase || ssrc != rw->src_ssrc)
		start_segment(rw, ssrc, seq, ts, now_us);
	/* Measured from the highest seq (a 16-bit distance is only meaningful
	 * near it): before the segment's first packet = the previous segment.
	 * Never against the first seq itself, which 32768 packets later reads
	 * as "behind" and would refuse every packet from then on. */
	int16_t ahead = parley_util_rtp_seq_diff(seq, rw->highest_in_seq);
	if (ahead < 0 && (uint64_t)(-(int32_t)ahead) > rw->span)
		return ROOM_REWRITE_OLD;
	uint16_t mapped_seq = (uint16_t)(seq + rw->seq_delta);
	uint32_t mapped_ts = ts + rw->ts_delta;
	if (ahead >= 0) {
		rw->span += (uint64_t)ahead;
		rw->highest_in_seq = seq;
		rw->last_out_seq = mapped_seq;
		rw->last_out_ts = mapped_ts;
		rw->last_us = now_us;
	}
	*out_seq = mapped_seq;
	*out_ts = mapped_ts;
	return ROOM_REWRITE_OK;
}

void parley_room_rewriter_drop(room_rewriter *rw, uint32_t ssrc, uint16_t seq)
{
	if (!rw->started || rw->rebase || ssrc != rw->src_ssrc)
		return;   /* nothing sent in this segment yet: nothing to close */
	if (parley_util_rtp_seq_diff(seq, rw->highest_in_seq) <= 0)
		return;   /* late duplicate or reordered: numbering already moved on */
	/* the packet vanishes: every later packet moves one number down */
	rw->span += (uint64_t)parley_util_rtp_seq_diff(seq, rw->highest_in_seq);
	rw->highest_in_seq = seq;
	rw->seq_delta--;
}
