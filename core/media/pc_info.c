/*
 * pc_info.c — a PeerConnection as the admin API's handle_info shows it.
 * The "webrtc" object has the shape of Janus's, so the tools written for
 * Janus's admin API (its admin page, scripts) read it: "ice" (state, the
 * candidates each way, the selected pair, when it gathered and connected),
 * "dtls" (fingerprints, role, state, SRTP profile, when the handshake
 * started and ended), "media" by mid (type, SSRCs, direction, codec, RTCP
 * figures, packet counters), "extensions" and "bwe". Parley's own figures
 * sit beside them under names Janus's object does not use ("ice-role",
 * ufrags, "selected-local"/"selected-remote", "ice-lite", "connection",
 * "closed", "streams", "data"). Also what Janus puts beside "webrtc" in
 * handle_info (flags, sdps, ICE mode and role), and the remote candidates
 * and descriptions kept for all that. Everything here runs on the pc's
 * loop (handle_info invokes it there), never on the packet path.
 */
#include <stdio.h>
#include <string.h>
#include "pc_internal.h"

/* A kept candidate line or description longer than this is cut: what the
 * peer sends is bounded by the API's message size, not by this copy. */
#define KEPT_CANDIDATE_MAX 256
#define KEPT_DESCRIPTION_MAX (64 * 1024)

/* ---- what is kept for the summary ---- */

/* A copy of at most `max` bytes of `text`, sized to what it holds
 * (g_strndup(text, max) would always take max + 1 bytes). */
static char *copy_cut(const char *text, size_t max)
{
	return g_strndup(text, strnlen(text, max));
}

void pc_keep_remote_candidate(parley_pc *pc, const char *line)
{
	if (!line || !*line || pc->n_remote_candidates >= PC_MAX_CANDIDATES)
		return;
	if (strncmp(line, "a=", 2) == 0)
		line += 2;
	for (size_t i = 0; i < pc->n_remote_candidates; i++)   /* a renegotiation repeats them */
		if (strncmp(pc->remote_candidates[i], line, KEPT_CANDIDATE_MAX) == 0)
			return;
	pc->remote_candidates[pc->n_remote_candidates++] = copy_cut(line, KEPT_CANDIDATE_MAX);
}

void pc_forget_remote_candidates(parley_pc *pc)
{
	for (size_t i = 0; i < pc->n_remote_candidates; i++)
		g_free(pc->remote_candidates[i]);
	pc->n_remote_candidates = 0;
}

void pc_keep_description(char **slot, const char *sdp)
{
	g_free(*slot);
	*slot = sdp ? copy_cut(sdp, KEPT_DESCRIPTION_MAX) : NULL;
}

/* ---- names ---- */

/* Janus's names of the ICE states (its libnice component states). */
static const char *ice_state_name(parley_ice_state state)
{
	static const char *const names[] = {
		[PARLEY_ICE_STATE_NEW] = "disconnected", [PARLEY_ICE_STATE_GATHERING] = "gathering",
		[PARLEY_ICE_STATE_CHECKING] = "connecting", [PARLEY_ICE_STATE_CONNECTED] = "connected",
		[PARLEY_ICE_STATE_READY] = "ready", [PARLEY_ICE_STATE_FAILED] = "failed",
	};
	return (unsigned)state < G_N_ELEMENTS(names) && names[state] ? names[state] : "unknown";
}

static const char *dtls_state_name(parley_dtls_state state)
{
	static const char *const names[] = {
		[PARLEY_DTLS_STATE_NEW] = "created", [PARLEY_DTLS_STATE_CONNECTING] = "trying",
		[PARLEY_DTLS_STATE_CONNECTED] = "connected", [PARLEY_DTLS_STATE_CLOSED] = "closed",
		[PARLEY_DTLS_STATE_FAILED] = "failed",
	};
	return (unsigned)state < G_N_ELEMENTS(names) && names[state] ? names[state] : "unknown";
}

/* The profile as OpenSSL (and so Janus) names it. */
static const char *srtp_profile_name(parley_srtp_profile profile)
{
	switch (profile) {
	case PARLEY_SRTP_AES128_CM_SHA1_80:
		return "SRTP_AES128_CM_SHA1_80";
	case PARLEY_SRTP_AEAD_AES_128_GCM:
		return "SRTP_AEAD_AES_128_GCM";
	default:
		return "none";
	}
}

static void set_time(json_t *object, const char *key, gint64 us)
{
	if (us > 0)
		json_object_set_new(object, key, json_integer((json_int_t)us));
}

static json_t *address_json(const char *ip, uint16_t port, const char *type)
{
	char text[96];
	snprintf(text, sizeof(text), "%s:%u [%s]", ip, port, type ? type : "?");
	return json_string(text);
}

static json_t *strings_json(char *const *strings, size_t n, const char *strip)
{
	json_t *list = json_array();
	size_t skip = strip ? strlen(strip) : 0;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_string(skip && strncmp(strings[i], strip, skip) == 0
		                                        ? strings[i] + skip : strings[i]));
	return list;
}

/* ---- "ice" ---- */

static json_t *ice_json(parley_pc *pc, const parley_ice_pair *pair)
{
	json_t *ice = json_pack("{si si ss}", "stream_id", 1, "component_id", 1,
	                        "state", pc->ice ? ice_state_name(pc->ice_state) : "disconnected");
	set_time(ice, "gathered", pc->gathered_us);
	set_time(ice, "connected", pc->ice_connected_us);
	json_object_set_new(ice, "local-candidates",
	                    strings_json(pc->local_candidates, pc->n_local_candidates, "candidate:"));
	json_object_set_new(ice, "remote-candidates",
	                    strings_json(pc->remote_candidates, pc->n_remote_candidates, NULL));
	if (pair) {
		char text[256];
		snprintf(text, sizeof(text), "%s:%u [%s,%s] <-> %s:%u [%s,%s]",
		         pair->local_ip, pair->local_port, pair->local_type ? pair->local_type : "host",
		         pair->protocol ? pair->protocol : "udp", pair->remote_ip, pair->remote_port,
		         pair->remote_type ? pair->remote_type : "prflx", pair->protocol ? pair->protocol : "udp");
		json_object_set_new(ice, "selected-pair", json_string(text));
	}
	json_object_set_new(ice, "ready", json_integer(pc->have_remote && pc->ice ? 1 : 0));
	return ice;
}

/* ---- "dtls" ---- */

static const char *role_name(const parley_pc *pc)
{
	if (!pc->role_known)
		return "actpass";
	return pc->role == PARLEY_DTLS_ROLE_CLIENT ? "active" : "passive";
}

static json_t *dtls_json(parley_pc *pc)
{
	json_t *dtls = json_object();
	const char *fingerprint = parley_dtls_certificate_fingerprint();
	if (fingerprint)
		json_object_set_new(dtls, "fingerprint", json_string(fingerprint));
	if (pc->remote_fp)
		json_object_set_new(dtls, "remote-fingerprint", json_string(pc->remote_fp));
	if (pc->remote_fp_hash)
		json_object_set_new(dtls, "remote-fingerprint-hash", json_string(pc->remote_fp_hash));
	json_object_set_new(dtls, "dtls-role", json_string(role_name(pc)));
	if (!pc->dtls)
		return dtls;
	g_mutex_lock(&pc->lock);
	bool valid = pc->srtp != NULL;
	g_mutex_unlock(&pc->lock);
	json_object_set_new(dtls, "dtls-state", json_string(dtls_state_name(parley_dtls_get_state(pc->dtls))));
	json_object_set_new(dtls, "retransmissions", json_integer(parley_dtls_get_retransmissions(pc->dtls)));
	json_object_set_new(dtls, "valid", json_boolean(valid));
	json_object_set_new(dtls, "srtp-profile",
	                    json_string(srtp_profile_name(parley_dtls_get_srtp_profile(pc->dtls))));
	json_object_set_new(dtls, "ready", json_boolean(pc->webrtc_up));
	set_time(dtls, "handshake-started", pc->dtls_started_us);
	set_time(dtls, "connected", pc->dtls_connected_us);
	json_object_set_new(dtls, "sctp-association", json_boolean(pc->data.sctp != NULL));
	return dtls;
}

/* ---- "media", "extensions", "bwe" ---- */

static void set_ssrc(json_t *object, const char *key, uint32_t ssrc)
{
	if (ssrc)
		json_object_set_new(object, key, json_integer(ssrc));
}

static json_t *ssrc_json(const pc_stream *s)
{
	static const char *const peer[PC_MAX_SSRCS] = { "ssrc-peer", "ssrc-peer-sim-1", "ssrc-peer-sim-2",
	                                                "ssrc-peer-sim-3" };
	static const char *const peer_rtx[PC_MAX_SSRCS] = { "ssrc-peer-rtx", "ssrc-peer-sim-1-rtx",
	                                                    "ssrc-peer-sim-2-rtx", "ssrc-peer-sim-3-rtx" };
	json_t *ssrc = json_object();
	set_ssrc(ssrc, "ssrc", s->local_ssrc);
	set_ssrc(ssrc, "ssrc-rtx", s->local_rtx_ssrc);
	for (int l = 0; l < PC_MAX_SSRCS; l++) {
		set_ssrc(ssrc, peer[l], s->remote_ssrc[l]);
		set_ssrc(ssrc, peer_rtx[l], s->remote_rtx_ssrc[l]);
	}
	return ssrc;
}

static json_t *codecs_json(const pc_stream *s)
{
	const pc_format *f = s->n_local_formats ? &s->local_formats[0]
	                     : s->n_remote_formats ? &s->remote_formats[0] : NULL;
	if (!f)
		return NULL;
	json_t *codecs = json_pack("{si}", "pt", f->pt);
	const char *name = parley_sdp_codec_name((parley_sdp_codec)f->codec);
	if (name) {
		char *lower = g_ascii_strdown(name, -1);
		json_object_set_new(codecs, "codec", json_string(lower));
		g_free(lower);
	}
	if ((size_t)f->pt < G_N_ELEMENTS(s->local_rtx_pt) && s->local_rtx_pt[f->pt] >= 0)
		json_object_set_new(codecs, "rtx-pt", json_integer(s->local_rtx_pt[f->pt]));
	return codecs;
}

/* Milliseconds of a jitter in RTP timestamp units. */
static json_int_t jitter_ms(double units, uint32_t clock_rate)
{
	return (json_int_t)(clock_rate ? units / (clock_rate / 1000.0) : 0);
}

/* Called with pc->lock held (the counters and RTCP figures are written under it). */
static json_t *medium_json(const parley_pc *pc, const pc_stream *s)
{
	json_t *m = json_pack("{ss si ss}", "type", s->video ? "video" : "audio", "mindex", s->mindex, "mid", s->mid);
	json_object_set_new(m, "do_nacks", json_boolean(s->history != NULL));
	json_object_set_new(m, "nack-queue-ms",
	                    json_integer(pc->settings.nack_buffer_ms ? pc->settings.nack_buffer_ms : 1000));
	json_object_set_new(m, "ssrc", ssrc_json(s));
	json_object_set_new(m, "direction", json_pack("{sb sb}", "send", s->we_send, "recv", s->we_receive));
	json_t *codecs = codecs_json(s);
	if (codecs)
		json_object_set_new(m, "codecs", codecs);
	int64_t lost = 0;
	double jitter = 0;
	bool receiving = false;
	for (int l = 0; l < PC_MAX_SSRCS; l++)
		if (s->rx[l].started) {
			lost += parley_rtcp_rx_cumulative_lost(&s->rx[l]);
			if (!receiving)
				jitter = s->rx[l].jitter;
			receiving = true;
		}
	if (receiving || s->packets_out) {
		json_t *main = json_pack("{sI sI sI sI sI}", "rtt", (json_int_t)(s->rtt_us / 1000),
		                         "lost", (json_int_t)lost, "lost-by-remote", (json_int_t)s->remote_lost,
		                         "jitter-local", jitter_ms(jitter, s->clock_rate),
		                         "jitter-remote", jitter_ms(s->remote_jitter, s->clock_rate));
		json_object_set_new(m, "rtcp", json_pack("{so}", "main", main));
	}
	json_t *in = json_pack("{sI sI sI sI}", "packets", (json_int_t)s->packets_in, "bytes", (json_int_t)s->bytes_in,
	                       "nacks", (json_int_t)s->nacks_out, "retransmissions", (json_int_t)s->retransmitted);
	json_t *out = json_pack("{sI sI sI}", "packets", (json_int_t)s->packets_out, "bytes", (json_int_t)s->bytes_out,
	                        "nacks", (json_int_t)s->nacks_in);
	json_object_set_new(m, "stats", json_pack("{soso}", "in", in, "out", out));
	return m;
}

static const pc_stream *first_active(const parley_pc *pc)
{
	for (size_t i = 0; i < pc->n_streams; i++)
		if (pc->streams[i]->active)
			return pc->streams[i];
	return NULL;
}

/* Our extension ids, by URI (one BUNDLE transport: the first active m-line's). */
static json_t *extensions_json(const parley_pc *pc)
{
	json_t *extensions = json_object();
	const pc_stream *s = first_active(pc);
	for (int e = 1; s && e < PARLEY_SDP_EXT_COUNT; e++) {
		const char *uri = parley_sdp_ext_uri((parley_sdp_ext)e);
		if (s->local_ext_id[e] && uri)
			json_object_set_new(extensions, uri, json_integer(s->local_ext_id[e]));
	}
	return extensions;
}

static json_t *bwe_json(const parley_pc *pc)
{
	const pc_stream *s = first_active(pc);
	int id = s ? s->local_ext_id[PARLEY_SDP_EXT_TRANSPORT_CC] : 0;
	json_t *bwe = json_pack("{sb}", "twcc", id > 0);
	if (id > 0)
		json_object_set_new(bwe, "twcc-ext-id", json_integer(id));
	return bwe;
}

static json_t *media_json(parley_pc *pc)
{
	json_t *media = json_object();
	g_mutex_lock(&pc->lock);
	for (size_t i = 0; i < pc->n_streams; i++)
		if (pc->streams[i]->active)
			json_object_set_new(media, pc->streams[i]->mid, medium_json(pc, pc->streams[i]));
	g_mutex_unlock(&pc->lock);
	return media;
}

/* ---- the objects ---- */

json_t *parley_pc_info(parley_pc *pc)
{
	parley_ice_pair pair;
	bool have_pair = pc->ice && pc->ice_ops->get_selected_pair(pc->ice, &pair) == 0;
	json_t *info = json_object();
	json_object_set_new(info, "ice", ice_json(pc, have_pair ? &pair : NULL));
	json_object_set_new(info, "dtls", dtls_json(pc));
	json_object_set_new(info, "extensions", extensions_json(pc));
	json_object_set_new(info, "bwe", bwe_json(pc));
	json_object_set_new(info, "media", media_json(pc));
	/* Parley's own, beside Janus's */
	json_object_set_new(info, "ice-role", json_string(pc->ice ? (pc->ice_ops->is_controlling(pc->ice)
		? "controlling" : "controlled") : "none"));
	const char *ufrag = NULL, *pwd = NULL;
	if (pc->ice)
		pc->ice_ops->get_local_credentials(pc->ice, &ufrag, &pwd);
	json_object_set_new(info, "local-ufrag", ufrag ? json_string(ufrag) : json_null());
	json_object_set_new(info, "remote-ufrag", pc->remote_ufrag ? json_string(pc->remote_ufrag) : json_null());
	if (have_pair) {
		json_object_set_new(info, "selected-local", address_json(pair.local_ip, pair.local_port, pair.local_type));
		json_object_set_new(info, "selected-remote",
		                    address_json(pair.remote_ip, pair.remote_port, pair.remote_type));
	}
	json_t *transport = pc->ice && pc->ice_ops->info ? pc->ice_ops->info(pc->ice) : NULL;
	if (transport)
		json_object_set_new(info, "ice-lite", transport);
	json_object_set_new(info, "closed", json_boolean(pc->closed));
	json_object_set_new(info, "connection", json_pack("{ss sI sI sI}", "state",
		pc->closed ? "closed" : !pc->webrtc_up ? "new" : pc->disconnected ? "disconnected" : "connected",
		"disconnects", (json_int_t)pc->disconnects, "recoveries", (json_int_t)pc->recoveries,
		"ice-restarts", (json_int_t)pc->ice_restarts));
	json_object_set_new(info, "streams", parley_pc_streams_json(pc));
	json_t *data = pc_data_info(pc);
	if (data)
		json_object_set_new(info, "data", data);
	return info;
}

static json_t *flags_json(const parley_pc *pc)
{
	bool audio = false, video = false, rtx = false;
	for (size_t i = 0; i < pc->n_streams; i++) {
		const pc_stream *s = pc->streams[i];
		if (!s->active)
			continue;
		audio |= !s->video;
		video |= s->video;
		rtx |= s->local_rtx_ssrc != 0 || s->remote_rtx_ssrc[0] != 0;
	}
	bool data = pc->data.remote_accepts && pc->data.local_accepts;
	return json_pack("{sb sb sb sb sb sb sb sb sb sb sb}",
		"got-offer", pc->got_offer, "got-answer", pc->got_answer,
		"negotiated", pc->have_remote && pc->have_local,
		"ready", pc->webrtc_up, "stopped", pc->closed, "trickle", true,
		"ice-restart", pc->ice_restarts > 0,
		"data-channels", data, "has-audio", audio, "has-video", video, "rfc4588-rtx", rtx);
}

json_t *parley_pc_handle_info(parley_pc *pc)
{
	json_t *info = json_object();
	json_object_set_new(info, "flags", flags_json(pc));
	if (pc->ice) {
		set_time(info, "agent-created", pc->transport_created_us);
		json_object_set_new(info, "ice-mode", json_string(pc->settings.ice.lite ? "lite" : "full"));
		json_object_set_new(info, "ice-role",
		                    json_string(pc->ice_ops->is_controlling(pc->ice) ? "controlling" : "controlled"));
	}
	json_t *sdps = json_object();
	if (first_active(pc))
		json_object_set_new(sdps, "profile", json_string("UDP/TLS/RTP/SAVPF"));
	else if (pc->data.remote_accepts || pc->data.local_accepts)
		json_object_set_new(sdps, "profile", json_string("UDP/DTLS/SCTP"));
	if (pc->local_sdp)
		json_object_set_new(sdps, "local", json_string(pc->local_sdp));
	if (pc->remote_sdp)
		json_object_set_new(sdps, "remote", json_string(pc->remote_sdp));
	json_object_set_new(info, "sdps", sdps);
	return info;
}
