/*
 * pc_media.c — the PeerConnection media path. In: SRTP unprotect in place,
 * RTP header parse (no copy), stream lookup (SSRC, then mid / rid header
 * extensions), RTX unwrap, receive statistics, NACKs for gaps in incoming
 * video, the plugin's incoming_rtp; RTCP: SR/RR bookkeeping (RTT), NACK
 * answers from the retransmission ring, PLI/FIR/REMB/RR to the plugin.
 * Out: relay_rtp / relay_rtcp / PLI / REMB protected into preallocated
 * buffers under the pc's send mutex: RTP and RTCP into a slot of the loop
 * thread's send batch (udp_batch.c) when the selected pair allows it, so
 * no syscall is made under the mutex; else scratch. A 1 s timer sends SR/RR +
 * SDES per stream and raises media on/off and slow-link events. Nothing
 * here allocates per packet.
 */
#include <string.h>
#include "pc_internal.h"
#include "counters.h"

#define RECEIVING_TIMEOUT_US (1000 * 1000)
#define SLOWLINK_LOST 8        /* lost packets per second that make a link slow */

void pc_stream_reset_remote(pc_stream *s)
{
	for (int i = 0; i < PC_MAX_SSRCS; i++)
		parley_rtcp_rx_init(&s->rx[i], s->video ? 90000 : 48000);
	for (int pt = 0; pt < 128; pt++)
		s->remote_pt_rtx_apt[pt] = -1;
}

void pc_stream_free(pc_stream *s)
{
	if (s->history)
		parley_rtp_history_free(s->history);
	s->history = NULL;
}

/* ---- sending (callers hold pc->lock) ---- */

/* Where the next outgoing packet is written: a slot of this thread's send
 * batch when the selected pair is a plain UDP route (sent when the loop
 * iteration ends), else the pc's scratch (sent through the transport). */
static uint8_t *out_buffer(parley_pc *pc)
{
	uint8_t *slot = pc->route.socket ? parley_udp_batch_slot(PC_SCRATCH + PARLEY_SRTP_MAX_TAIL_ROOM) : NULL;
	return slot ? slot : pc->scratch;
}

/* Queues the `out` protected bytes at buf (from out_buffer) or sends them. */
static int send_out(parley_pc *pc, uint8_t *buf, size_t out)
{
	if (buf != pc->scratch)
		return parley_udp_batch_commit(&pc->route, out);
	return pc->ice && pc->ice_ops->send(pc->ice, buf, out) == 0 ? 0 : -1;
}

/* Protects buf (from out_buffer) in place and sends or queues it. */
static int send_protected_rtp(parley_pc *pc, uint8_t *buf, size_t len)
{
	size_t out = 0;
	if (!pc->srtp || parley_srtp_protect_rtp(pc->srtp, buf, len, PC_SCRATCH + PARLEY_SRTP_MAX_TAIL_ROOM, &out) != 0)
		return -1;
	return send_out(pc, buf, out);
}

/* Protects the RTCP built at buf (at most PC_SCRATCH bytes) in a copy at
 * out_buffer and queues or sends it like RTP: on a loop thread nothing
 * enters the kernel while pc->lock is held, so a relay from another loop
 * never waits on a sender the kernel preempted. */
static int send_protected_rtcp(parley_pc *pc, const uint8_t *buf, size_t len)
{
	uint8_t *copy = out_buffer(pc);
	memcpy(copy, buf, len);
	size_t out = 0;
	if (!pc->srtp || parley_srtp_protect_rtcp(pc->srtp, copy, len, PC_SCRATCH + PARLEY_SRTP_MAX_TAIL_ROOM, &out) != 0)
		return -1;
	return send_out(pc, copy, out);
}

/* Takes pc->lock to send: a full send batch is sent first, so that the
 * slot taken under the lock does not send it there. */
static void lock_to_send(parley_pc *pc)
{
	parley_udp_batch_make_room();
	g_mutex_lock(&pc->lock);
}

static bool can_send(parley_pc *pc)
{
	return !pc->closed && pc->srtp && pc->ice &&
	       (pc->ice_state == PARLEY_ICE_STATE_CONNECTED || pc->ice_state == PARLEY_ICE_STATE_READY);
}

int parley_pc_relay_rtp(parley_pc *pc, const parley_rtp_packet *packet)
{
	if (!pc || !packet || !packet->buffer || packet->length < PARLEY_UTIL_RTP_HEADER_MIN || packet->length > PC_SCRATCH)
		return -1;
	int rc = -1;
	lock_to_send(pc);
	pc_stream *s = packet->mindex < pc->n_streams ? pc->streams[packet->mindex] : NULL;
	if (s && s->active && s->we_send && can_send(pc)) {
		uint8_t *buf = out_buffer(pc);
		gint64 now = g_get_monotonic_time();
		parley_util_rtp_info info;
		size_t len = 0;
		if (parley_util_rtp_parse((const uint8_t *)packet->buffer, packet->length, &info) == 0)
			len = pc_rewrite_rtp(buf, PC_SCRATCH, (const uint8_t *)packet->buffer, &info, packet->source, s);
		if (len > 0) {
			if (s->local_ssrc)
				parley_util_rtp_set_ssrc(buf, s->local_ssrc);
			if (s->history)
				parley_rtp_history_store(s->history, buf, len, now);
			s->sr_packets++;
			s->sr_octets += (uint32_t)info.payload_len;
			s->last_out_ts = info.ts;
			s->last_out_time = now;
			rc = send_protected_rtp(pc, buf, len);
			if (rc == 0) {
				s->packets_out++;
				s->bytes_out += len;
				parley_media_count(PARLEY_MC_PACKETS_OUT, 1);
				parley_media_count(PARLEY_MC_BYTES_OUT, len);
				parley_media_count(PARLEY_MC_FORWARDED, 1);
			}
		}
	}
	g_mutex_unlock(&pc->lock);
	return rc;
}

int parley_pc_relay_rtcp(parley_pc *pc, const parley_rtcp_packet *packet)
{
	if (!pc || !packet || !packet->buffer || packet->length < 8 || packet->length > PC_SCRATCH)
		return -1;
	if (parley_rtcp_validate((const uint8_t *)packet->buffer, packet->length, false) < 0)
		return -1;
	int rc = -1;
	lock_to_send(pc);
	if (can_send(pc)) {
		memcpy(pc->rtcp_scratch, packet->buffer, packet->length);
		rc = send_protected_rtcp(pc, pc->rtcp_scratch, packet->length);
	}
	g_mutex_unlock(&pc->lock);
	return rc;
}

/* The SSRC the peer sends on `s` (first layer), 0 when not known yet. */
static uint32_t remote_ssrc(const pc_stream *s)
{
	for (int i = 0; i < PC_MAX_SSRCS; i++)
		if (s->remote_ssrc[i])
			return s->remote_ssrc[i];
	return 0;
}

int parley_pc_send_pli(parley_pc *pc, int mindex)
{
	if (!pc)
		return -1;
	int sent = 0;
	lock_to_send(pc);
	for (size_t i = 0; i < pc->n_streams && can_send(pc); i++) {
		pc_stream *s = pc->streams[i];
		if (!s->active || !s->video || (mindex >= 0 && (size_t)mindex != i))
			continue;
		for (int l = 0; l < PC_MAX_SSRCS; l++) {
			if (!s->remote_ssrc[l])
				continue;
			int len = parley_rtcp_build_pli(pc->rtcp_scratch, PC_SCRATCH, pc->cname_ssrc, s->remote_ssrc[l]);
			if (len > 0 && send_protected_rtcp(pc, pc->rtcp_scratch, (size_t)len) == 0) {
				s->plis_out++;
				parley_media_count(PARLEY_MC_PLIS_OUT, 1);
				sent++;
			}
		}
	}
	g_mutex_unlock(&pc->lock);
	return sent > 0 ? 0 : -1;
}

int parley_pc_send_remb(parley_pc *pc, uint32_t bitrate)
{
	if (!pc)
		return -1;
	parley_rtcp_remb remb = { .sender = pc->cname_ssrc, .bitrate = bitrate };
	int rc = -1;
	lock_to_send(pc);
	for (size_t i = 0; i < pc->n_streams; i++) {
		pc_stream *s = pc->streams[i];
		for (int l = 0; s->active && s->video && l < PC_MAX_SSRCS; l++)
			if (s->remote_ssrc[l] && remb.ssrc_count < PARLEY_RTCP_REMB_MAX_SSRCS)
				remb.ssrcs[remb.ssrc_count++] = s->remote_ssrc[l];
	}
	if (remb.ssrc_count && can_send(pc)) {
		int len = parley_rtcp_build_remb(pc->rtcp_scratch, PC_SCRATCH, &remb);
		if (len > 0)
			rc = send_protected_rtcp(pc, pc->rtcp_scratch, (size_t)len);
	}
	g_mutex_unlock(&pc->lock);
	return rc;
}

/* Answers a NACK from the retransmission ring: RTX when negotiated. Under lock. */
static void retransmit(parley_pc *pc, pc_stream *s, uint16_t seq)
{
	size_t len = 0;
	int64_t max_age = (int64_t)(pc->settings.nack_buffer_ms ? pc->settings.nack_buffer_ms : 1000) * 1000;
	const uint8_t *stored = s->history ? parley_rtp_history_get(s->history, seq, g_get_monotonic_time(),
	                                                             max_age, &len) : NULL;
	if (!stored || len > PC_SCRATCH - PARLEY_RTP_RTX_OSN_LEN)
		return;
	uint8_t pt = stored[1] & 0x7f;
	uint8_t *buf = out_buffer(pc);
	int out_len;
	if (s->local_rtx_ssrc && s->local_rtx_pt[pt] >= 0)
		out_len = parley_rtp_rtx_wrap(stored, len, (uint8_t)s->local_rtx_pt[pt], s->local_rtx_ssrc,
		                              s->rtx_seq++, buf, PC_SCRATCH);
	else {
		memcpy(buf, stored, len);
		out_len = (int)len;
	}
	if (out_len > 0 && send_protected_rtp(pc, buf, (size_t)out_len) == 0) {
		s->retransmitted++;
		parley_media_count(PARLEY_MC_RETRANSMITTED, 1);
		parley_media_count(PARLEY_MC_PACKETS_OUT, 1);
		parley_media_count(PARLEY_MC_BYTES_OUT, (uint64_t)out_len);
	}
}

/* ---- receiving (loop thread) ---- */

static pc_stream *stream_by_remote_ssrc(parley_pc *pc, uint32_t ssrc, int *layer, bool *rtx)
{
	for (size_t i = 0; i < pc->n_streams; i++) {
		pc_stream *s = pc->streams[i];
		for (int l = 0; s->active && l < PC_MAX_SSRCS; l++) {
			if (s->remote_ssrc[l] == ssrc) {
				*layer = l;
				*rtx = false;
				return s;
			}
			if (s->remote_rtx_ssrc[l] == ssrc) {
				*layer = l;
				*rtx = true;
				return s;
			}
		}
	}
	return NULL;
}

static pc_stream *stream_by_local_ssrc(parley_pc *pc, uint32_t ssrc)
{
	for (size_t i = 0; i < pc->n_streams; i++)
		if (pc->streams[i]->active && pc->streams[i]->local_ssrc == ssrc)
			return pc->streams[i];
	return NULL;
}

/* Learns an unknown SSRC from the mid / rid / repaired-rid extensions. */
static pc_stream *learn_ssrc(parley_pc *pc, const uint8_t *buf, const parley_util_rtp_info *info, int *layer, bool *rtx)
{
	if (!info->extension)
		return NULL;
	const uint8_t *value;
	size_t vlen;
	pc_stream *s = NULL;
	for (size_t i = 0; i < pc->n_streams && !s; i++) {
		pc_stream *c = pc->streams[i];
		if (!c->active || !c->ext_mid)
			continue;
		if (parley_util_rtp_ext_find(buf, info, c->ext_mid, &value, &vlen) == 0 && vlen == strlen(c->mid) &&
		    memcmp(value, c->mid, vlen) == 0)
			s = c;
	}
	if (!s)
		return NULL;
	*rtx = false;
	*layer = 0;
	bool repaired = s->ext_rrid && parley_util_rtp_ext_find(buf, info, s->ext_rrid, &value, &vlen) == 0;
	if (repaired || (s->ext_rid && parley_util_rtp_ext_find(buf, info, s->ext_rid, &value, &vlen) == 0)) {
		for (size_t r = 0; r < s->n_rids; r++)
			if (strlen(s->rids[r]) == vlen && memcmp(s->rids[r], value, vlen) == 0)
				*layer = (int)r;
		*rtx = repaired;
	} else if (s->remote_pt_rtx_apt[info->pt] >= 0) {
		*rtx = true;
	}
	g_mutex_lock(&pc->lock);
	if (*rtx) {
		if (!s->remote_rtx_ssrc[*layer])
			s->remote_rtx_ssrc[*layer] = info->ssrc;
	} else {
		s->remote_ssrc[*layer] = info->ssrc;
		parley_rtcp_rx_init(&s->rx[*layer], s->clock_rate);
		s->rx_seen[*layer] = false;
	}
	g_mutex_unlock(&pc->lock);
	return s;
}

/* NACKs for the packets missing between the highest seen and `seq`. */
static void nack_gap(parley_pc *pc, pc_stream *s, int layer, uint16_t seq)
{
	if (!s->rx_seen[layer]) {
		s->rx_seen[layer] = true;
		s->rx_highest[layer] = seq;
		return;
	}
	int16_t diff = parley_util_rtp_seq_diff(seq, s->rx_highest[layer]);
	if (diff <= 0)
		return;
	s->rx_highest[layer] = seq;
	if (diff == 1 || !s->video)
		return;
	unsigned max = pc->settings.max_nack_per_packet ? pc->settings.max_nack_per_packet : 16;
	uint16_t missing[PC_MAX_NACK];
	size_t n = 0;
	for (int k = 1; k < diff && n < max && n < PC_MAX_NACK; k++)
		missing[n++] = (uint16_t)(seq - diff + k);
	lock_to_send(pc);
	if (can_send(pc)) {
		int len = parley_rtcp_build_nack(pc->rtcp_scratch, PC_SCRATCH, pc->cname_ssrc, s->remote_ssrc[layer],
		                                 missing, n);
		if (len > 0 && send_protected_rtcp(pc, pc->rtcp_scratch, (size_t)len) == 0) {
			s->nacks_out++;
			parley_media_count(PARLEY_MC_NACKS_OUT, 1);
		}
	}
	g_mutex_unlock(&pc->lock);
}

static void incoming_rtp(parley_pc *pc, uint8_t *data, size_t length)
{
	size_t plain = 0;
	if (parley_srtp_unprotect_rtp(pc->srtp, data, length, &plain) != 0)
		return;
	pc->heard++;
	parley_util_rtp_info info;
	if (parley_util_rtp_parse(data, plain, &info) != 0)
		return;
	int layer = 0;
	bool rtx = false;
	pc_stream *s = stream_by_remote_ssrc(pc, info.ssrc, &layer, &rtx);
	if (!s)
		s = learn_ssrc(pc, data, &info, &layer, &rtx);
	if (!s || !s->we_receive)
		return;
	if (rtx) {
		int apt = s->remote_pt_rtx_apt[info.pt];
		if (apt < 0 || !s->remote_ssrc[layer] || info.payload_len <= PARLEY_RTP_RTX_OSN_LEN)
			return; /* padding-only probe or unknown mapping */
		int n = parley_rtp_rtx_unwrap(data, plain, (uint8_t)apt, s->remote_ssrc[layer]);
		if (n <= 0 || parley_util_rtp_parse(data, (size_t)n, &info) != 0)
			return;
		plain = (size_t)n;
	} else if (info.payload_len == 0) {
		return; /* padding only */
	}
	gint64 now = g_get_monotonic_time();
	s->packets_in++;
	s->bytes_in += plain;
	parley_media_count(PARLEY_MC_PACKETS_IN, 1);
	parley_media_count(PARLEY_MC_BYTES_IN, plain);
	s->last_rx_us = now;
	parley_rtcp_rx_update(&s->rx[layer], info.seq, info.ts, now);
	if (!rtx)
		nack_gap(pc, s, layer, info.seq);
	if (!s->receiving) {
		s->receiving = true;
		if (pc->cb.media)
			pc->cb.media(pc->user_data, s->mindex, s->mid, s->video, true);
	}
	parley_rtp_packet packet = {
		.buffer = (char *)data, .length = (uint16_t)plain, .mindex = (uint8_t)s->mindex,
		.video = s->video, .simulcast_layer = (uint8_t)layer, .audio_level = -1, .source = s,
	};
	bool voice;
	uint8_t level;
	if (s->ext_audio_level && parley_util_rtp_ext_audio_level(data, &info, s->ext_audio_level, &voice, &level) == 0) {
		packet.audio_level = level;
		packet.voice_activity = voice;
	}
	uint16_t tseq;
	if (s->ext_twcc && parley_util_rtp_ext_transport_seq(data, &info, s->ext_twcc, &tseq) == 0)
		packet.transport_seq = tseq;
	if (pc->cb.incoming_rtp && !pc->closed)
		pc->cb.incoming_rtp(pc->user_data, &packet);
}

/* One RTCP packet of a compound; returns the stream it concerns or NULL,
 * and whether the plugin should see the compound. */
static pc_stream *handle_rtcp_packet(parley_pc *pc, const parley_rtcp_header *hdr, bool *for_plugin)
{
	uint32_t sender = 0, media = 0;
	pc_stream *s = NULL;
	int layer;
	bool rtx;
	if (hdr->pt == PARLEY_RTCP_SR) {
		parley_rtcp_sr sr;
		if (parley_rtcp_parse_sr(hdr, &sr) == 0 && (s = stream_by_remote_ssrc(pc, sr.ssrc, &layer, &rtx))) {
			s->last_sr_lsr[layer] = parley_rtcp_ntp_middle(sr.ntp);
			s->last_sr_time[layer] = g_get_monotonic_time();
		}
		return s;
	}
	if (hdr->pt == PARLEY_RTCP_RR) {
		parley_rtcp_rr rr;
		if (parley_rtcp_parse_rr(hdr, &rr) != 0)
			return NULL;
		uint32_t now = parley_rtcp_ntp_middle(parley_rtcp_ntp_from_unix_us(g_get_real_time()));
		for (int b = 0; b < rr.block_count; b++) {
			pc_stream *o = stream_by_local_ssrc(pc, rr.blocks[b].ssrc);
			if (!o)
				continue;
			int64_t rtt = parley_rtcp_rtt_us(now, rr.blocks[b].lsr, rr.blocks[b].dlsr);
			if (rtt >= 0 && rr.blocks[b].lsr)
				parley_media_observe_rtt(rtt);
			parley_media_observe_loss(PARLEY_MC_LOSS_OUT, rr.blocks[b].fraction_lost);
			g_mutex_lock(&pc->lock);
			if (rtt >= 0) {
				o->rtt_us = rtt;
				parley_rtp_history_follow_rtt(o->history, rtt);
			}
			o->remote_lost = (uint32_t)(rr.blocks[b].cumulative_lost > 0 ? rr.blocks[b].cumulative_lost : 0);
			o->remote_jitter = rr.blocks[b].jitter;
			g_mutex_unlock(&pc->lock);
			s = o;
		}
		*for_plugin = true;
		return s;
	}
	if (hdr->pt == PARLEY_RTCP_RTPFB && hdr->count == PARLEY_RTCP_FMT_NACK) {
		uint16_t seqs[PC_MAX_NACK];
		size_t n = 0;
		int rc = parley_rtcp_parse_nack(hdr, &sender, &media, seqs, PC_MAX_NACK, &n);
		if ((rc != 0 && rc != -PARLEY_RTCP_ELIMIT) || !(s = stream_by_local_ssrc(pc, media)))
			return NULL;
		lock_to_send(pc);
		s->nacks_in++;
		parley_media_count(PARLEY_MC_NACKS_IN, 1);
		for (size_t i = 0; i < n && i < PC_MAX_NACK && can_send(pc); i++)
			retransmit(pc, s, seqs[i]);
		g_mutex_unlock(&pc->lock);
		return s;
	}
	if (hdr->pt == PARLEY_RTCP_PSFB) {
		if (parley_rtcp_parse_fb_ssrcs(hdr, &sender, &media) != 0)
			return NULL;
		s = stream_by_local_ssrc(pc, media);
		if (s && (hdr->count == PARLEY_RTCP_FMT_PLI || hdr->count == PARLEY_RTCP_FMT_FIR)) {
			s->plis_in++;
			parley_media_count(PARLEY_MC_PLIS_IN, 1);
		}
		*for_plugin = true;
		return s;
	}
	return NULL;
}

static void incoming_rtcp(parley_pc *pc, uint8_t *data, size_t length)
{
	size_t plain = 0;
	if (parley_srtp_unprotect_rtcp(pc->srtp, data, length, &plain) != 0)
		return;
	pc->heard++;
	if (parley_rtcp_validate(data, plain, false) < 0)
		return;
	parley_rtcp_iter it;
	parley_rtcp_header hdr;
	parley_rtcp_iter_init(&it, data, plain);
	bool for_plugin = false;
	pc_stream *target = NULL;
	while (parley_rtcp_next(&it, &hdr) == 1) {
		pc_stream *s = handle_rtcp_packet(pc, &hdr, &for_plugin);
		if (s && !target)
			target = s;
	}
	if (for_plugin && pc->cb.incoming_rtcp && !pc->closed) {
		parley_rtcp_packet packet = {
			.buffer = (char *)data, .length = (uint16_t)plain,
			.mindex = target ? (uint8_t)target->mindex : 0, .video = target ? target->video : false,
		};
		pc->cb.incoming_rtcp(pc->user_data, &packet);
	}
}

void pc_media_incoming(parley_pc *pc, uint8_t *data, size_t length)
{
	if (!pc->srtp || pc->closed)
		return;
	if (parley_util_rtp_is_rtp(data, length))
		incoming_rtp(pc, data, length);
	else
		incoming_rtcp(pc, data, length);
}

/* ---- periodic reports and events (loop thread) ---- */

/* SR (when we send) or RR for one stream, + SDES; under lock. */
static void send_report(parley_pc *pc, pc_stream *s, gint64 now_mono)
{
	parley_rtcp_sr local_sr;
	memset(&local_sr, 0, sizeof(local_sr));
	uint8_t blocks = 0;
	for (int l = 0; l < PC_MAX_SSRCS && s->we_receive; l++) {
		if (!s->remote_ssrc[l] || !s->rx[l].started)
			continue;
		uint32_t dlsr = s->last_sr_time[l] ? parley_rtcp_dlsr_from_us(now_mono - s->last_sr_time[l]) : 0;
		parley_rtcp_rx_report(&s->rx[l], s->remote_ssrc[l], s->last_sr_lsr[l], dlsr, &local_sr.blocks[blocks]);
		parley_media_observe_loss(PARLEY_MC_LOSS_IN, local_sr.blocks[blocks].fraction_lost);
		blocks++;
	}
	int len;
	bool sending = s->we_send && s->local_ssrc && s->sr_packets > 0;
	if (sending) {
		local_sr.ssrc = s->local_ssrc;
		local_sr.ntp = parley_rtcp_ntp_from_unix_us(g_get_real_time());
		uint32_t elapsed_ticks = (uint32_t)((now_mono - s->last_out_time) * (int64_t)s->clock_rate / 1000000);
		local_sr.rtp_ts = s->last_out_ts + elapsed_ticks;
		local_sr.packet_count = s->sr_packets;
		local_sr.octet_count = s->sr_octets;
		local_sr.block_count = blocks;
		len = parley_rtcp_build_sr(pc->rtcp_scratch, PC_SCRATCH, &local_sr);
	} else if (blocks) {
		parley_rtcp_rr rr = { .ssrc = pc->cname_ssrc, .block_count = blocks };
		memcpy(rr.blocks, local_sr.blocks, sizeof(rr.blocks[0]) * blocks);
		len = parley_rtcp_build_rr(pc->rtcp_scratch, PC_SCRATCH, &rr);
	} else {
		return;
	}
	if (len <= 0)
		return;
	int more = parley_rtcp_build_sdes_cname(pc->rtcp_scratch + len, PC_SCRATCH - (size_t)len,
	                                        sending ? s->local_ssrc : pc->cname_ssrc, "parley");
	if (more > 0)
		len += more;
	send_protected_rtcp(pc, pc->rtcp_scratch, (size_t)len);
}

static void check_events(parley_pc *pc, pc_stream *s, gint64 now)
{
	if (s->receiving && now - s->last_rx_us > RECEIVING_TIMEOUT_US) {
		s->receiving = false;
		if (pc->cb.media)
			pc->cb.media(pc->user_data, s->mindex, s->mid, s->video, false);
	}
	int64_t lost = 0;
	for (int l = 0; l < PC_MAX_SSRCS; l++)
		if (s->rx[l].started)
			lost += parley_rtcp_rx_cumulative_lost(&s->rx[l]);
	uint32_t lost_now = lost > 0 ? (uint32_t)lost : 0;
	uint32_t delta = lost_now > s->lost_prev ? lost_now - s->lost_prev : 0;
	uint64_t nacks = s->nacks_out - s->nacks_sent_prev;
	s->lost_prev = lost_now;
	s->nacks_sent_prev = s->nacks_out;
	if (delta >= SLOWLINK_LOST && pc->cb.slow_link)
		pc->cb.slow_link(pc->user_data, s->mindex, s->mid, s->video, true, delta, (unsigned)nacks);
}

static gboolean report_tick(gpointer data)
{
	parley_pc *pc = data;
	if (pc->closed)
		return G_SOURCE_CONTINUE;
	gint64 now = g_get_monotonic_time();
	for (size_t i = 0; i < pc->n_streams && !pc->closed; i++) {
		pc_stream *s = pc->streams[i];
		if (!s->active)
			continue;
		lock_to_send(pc);
		if (can_send(pc))
			send_report(pc, s, now);
		g_mutex_unlock(&pc->lock);
		check_events(pc, s, now);
	}
	pc_liveness_tick(pc, now);
	if (!pc->closed && pc->cb.stats && pc->settings.stats_period_s && ++pc->stats_ticks >= pc->settings.stats_period_s) {
		pc->stats_ticks = 0;
		pc->cb.stats(pc->user_data, pc, false);
	}
	return G_SOURCE_CONTINUE;
}

void pc_media_start_timer(parley_pc *pc)
{
	if (pc->timer)
		return;
	/* A seconds timer: GLib fires every such timer of a context in the
	 * same loop iteration, so all the loop's PeerConnections report on
	 * one wake-up instead of one each. */
	pc->timer = g_timeout_source_new_seconds(1);
	g_source_set_callback(pc->timer, report_tick, pc, NULL);
	g_source_attach(pc->timer, pc->context);
}

void pc_media_stop_timer(parley_pc *pc)
{
	if (!pc->timer)
		return;
	g_source_destroy(pc->timer);
	g_source_unref(pc->timer);
	pc->timer = NULL;
}

json_t *pc_media_stream_info(parley_pc *pc, pc_stream *s)
{
	g_mutex_lock(&pc->lock);
	int64_t lost = 0;
	double jitter = 0;
	for (int l = 0; l < PC_MAX_SSRCS; l++)
		if (s->rx[l].started) {
			lost += parley_rtcp_rx_cumulative_lost(&s->rx[l]);
			jitter = s->rx[l].jitter / (s->clock_rate ? s->clock_rate / 1000.0 : 1.0);
		}
	json_t *info = json_pack("{si ss ss sI sI sI sI sI sI sI sf sI sI sI sI sI sI sI sb}",
		"mindex", s->mindex, "mid", s->mid, "type", s->video ? "video" : "audio",
		"ssrc", (json_int_t)s->local_ssrc, "remote-ssrc", (json_int_t)remote_ssrc(s),
		"packets-in", (json_int_t)s->packets_in, "bytes-in", (json_int_t)s->bytes_in,
		"packets-out", (json_int_t)s->packets_out, "bytes-out", (json_int_t)s->bytes_out,
		"lost", (json_int_t)lost, "jitter-ms", jitter,
		"rtt-ms", (json_int_t)(s->rtt_us / 1000), "lost-by-peer", (json_int_t)s->remote_lost,
		"nacks-in", (json_int_t)s->nacks_in, "nacks-out", (json_int_t)s->nacks_out,
		"plis-in", (json_int_t)s->plis_in, "plis-out", (json_int_t)s->plis_out,
		"retransmitted", (json_int_t)s->retransmitted, "receiving", s->receiving);
	g_mutex_unlock(&pc->lock);
	return info;
}
