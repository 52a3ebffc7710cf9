/*
 * session.c — owns one loadgen peer: its ICE agent, DTLS session and SRTP
 * contexts, the SDP it sends (offer or answer built with sdp.h's builders,
 * gathered candidates inlined) and what it takes from the remote SDP
 * (credentials, candidates, fingerprint, setup role), the datagram path
 * (RFC 7983 demux, SRTP unprotect, RTP into stats, PLI/FIR into a keyframe
 * request) and the send path (rtpgen → SRTP protect in place → ICE);
 * in data mode, DTLS application data to and from its data channels.
 */
#include "session.h"

#include <string.h>
#include "dtls.h"
#include "ice.h"
#include "rtcp.h"
#include "rtp.h"
#include "sdp.h"
#include "session_data.h"
#include "srtp.h"
#include "util/keyframe.h"

#define AUDIO_PT 111
#define VIDEO_PT 96
#define MAX_LOCAL_CANDIDATES 16
#define RTCP_PT_PSFB 206
#define PSFB_PLI 1
#define PSFB_FIR 4
#define RR_INTERVAL_US 1000000     /* receivers report once a second, like browsers */
#define MAX_RTP_SOURCES 16
#define RECEIVER_SSRC_BASE 0x10000000u

/* What a receiver reports per RTP source (RFC 3550 receiver report). */
typedef struct rtp_source {
	uint32_t ssrc;
	parley_rtp_seq_ext seq;
	uint64_t first, received;
	uint64_t expected_prior, received_prior;
} rtp_source;

struct loadgen_peer {
	loadgen_run *run;
	loadgen_peer_mode mode;
	uint32_t publisher_id;
	loadgen_peer_callbacks callbacks;
	void *user_data;
	loadgen_peer_janus janus;
	parley_ice_agent *ice;
	parley_dtls *dtls;
	parley_srtp *srtp;
	parley_sdp *remote;          /* the remote offer, kept until we answer */
	bool remote_is_offer;
	bool gathered, answered, dtls_started, failed;
	bool dtls_client;            /* our DTLS role */
	loadgen_datachan *data;      /* data mode, once DTLS is up */
	GPtrArray *local_candidates; /* "candidate:..." strings (owned) */
	loadgen_rtpgen *gen;
	loadgen_stats stats;
	int64_t connected_us;
	int64_t last_rr_us;
	rtp_source sources[MAX_RTP_SOURCES];
	unsigned n_sources;
	uint8_t scratch[LOADGEN_PACKET_BUFFER + PARLEY_SRTP_MAX_TAIL_ROOM];
};

static void fail(loadgen_peer *peer, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void fail(loadgen_peer *peer, const char *fmt, ...)
{
	if (peer->failed)
		return;
	peer->failed = true;
	va_list ap;
	va_start(ap, fmt);
	char *reason = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	peer->callbacks.failed(peer->user_data, peer, reason);
	g_free(reason);
}

/* ---- candidates ---- */

/* "candidate:f 1 udp prio addr port typ host [raddr a rport p] ..." into c
 * (strings point into `copy`, which the caller frees). */
static bool candidate_parse(char *copy, parley_sdp_candidate *c)
{
	memset(c, 0, sizeof(*c));
	c->rport = -1;
	c->generation = -1;
	char *save = NULL;
	char *tok[16];
	int n = 0;
	for (char *t = strtok_r(copy, " ", &save); t && n < 16; t = strtok_r(NULL, " ", &save))
		tok[n++] = t;
	if (n < 8 || strncmp(tok[0], "candidate:", 10) != 0 || strcmp(tok[6], "typ") != 0)
		return false;
	c->foundation = tok[0] + 10;
	c->component = (uint32_t)g_ascii_strtoull(tok[1], NULL, 10);
	c->transport = tok[2];
	c->priority = g_ascii_strtoull(tok[3], NULL, 10);
	c->address = tok[4];
	c->port = (uint16_t)g_ascii_strtoull(tok[5], NULL, 10);
	c->type = tok[7];
	for (int i = 8; i + 1 < n; i += 2) {
		if (strcmp(tok[i], "raddr") == 0)
			c->raddr = tok[i + 1];
		else if (strcmp(tok[i], "rport") == 0)
			c->rport = (int32_t)g_ascii_strtoll(tok[i + 1], NULL, 10);
	}
	return true;
}

static char *candidate_format(const parley_sdp_candidate *c)
{
	GString *s = g_string_new(NULL);
	g_string_printf(s, "candidate:%s %u %s %" G_GUINT64_FORMAT " %s %u typ %s", c->foundation,
	                c->component, c->transport, (guint64)c->priority, c->address, c->port, c->type);
	if (c->raddr && c->rport >= 0)
		g_string_append_printf(s, " raddr %s rport %d", c->raddr, c->rport);
	return g_string_free(s, FALSE);
}

/* ---- our descriptions ---- */

static const char *const video_feedback[] = { "goog-remb", "ccm fir", "nack", "nack pli" };
static const char *const answer_codecs[] = { "opus", "VP8" };

static void fill_transport(loadgen_peer *peer, parley_sdp_transport *t, parley_sdp_candidate *cands,
                           char **copies, size_t *n)
{
	const char *ufrag = NULL, *pwd = NULL;
	parley_ice_agent_get_local_credentials(peer->ice, &ufrag, &pwd);
	*n = 0;
	for (guint i = 0; i < peer->local_candidates->len && *n < MAX_LOCAL_CANDIDATES; i++) {
		copies[*n] = g_strdup(peer->local_candidates->pdata[i]);
		if (candidate_parse(copies[*n], &cands[*n]))
			(*n)++;
		else
			g_free(copies[*n]);
	}
	*t = (parley_sdp_transport){
		.ice_ufrag = ufrag, .ice_pwd = pwd, .trickle = true,
		.fingerprint_hash = "sha-256", .fingerprint = parley_dtls_certificate_fingerprint(),
		.candidates = cands, .n_candidates = *n, .end_of_candidates = true,
	};
}

static parley_sdp *build_offer(loadgen_peer *peer, const parley_sdp_transport *t, char *err, size_t err_size)
{
	const loadgen_options *o = peer->run->options;
	parley_sdp_direction dir = peer->mode == LOADGEN_PEER_ECHO   ? PARLEY_SDP_SENDRECV
	                           : peer->mode == LOADGEN_PEER_PLAY ? PARLEY_SDP_RECVONLY
	                                                             : PARLEY_SDP_SENDONLY;
	uint32_t ssrc_base = peer->mode == LOADGEN_PEER_PLAY ? 0 : peer->publisher_id * 2 + 1000;
	static const parley_sdp_offer_codec opus = {
		.name = "opus", .pt = AUDIO_PT, .clock_rate = 48000, .channels = 2,
		.fmtp = "minptime=10;useinbandfec=1", .rtx_pt = -1,
	};
	static const parley_sdp_offer_codec vp8 = {
		.name = "VP8", .pt = VIDEO_PT, .clock_rate = 90000, .rtcp_fb = video_feedback,
		.n_rtcp_fb = G_N_ELEMENTS(video_feedback), .rtx_pt = -1,
	};
	char stream[32], audio_track[32], video_track[32], session_id[24];
	g_snprintf(session_id, sizeof(session_id), "%u", g_random_int_range(1, G_MAXINT32));
	g_snprintf(stream, sizeof(stream), "loadgen-%u", peer->publisher_id);
	g_snprintf(audio_track, sizeof(audio_track), "audio-%u", peer->publisher_id);
	g_snprintf(video_track, sizeof(video_track), "video-%u", peer->publisher_id);
	parley_sdp_offer_media media[2];
	size_t n = 0;
	if (!o->no_audio)
		media[n++] = (parley_sdp_offer_media){
			.type = PARLEY_SDP_MEDIA_AUDIO, .mid = "0", .direction = dir, .codecs = &opus, .n_codecs = 1,
			.track = { .ssrc = ssrc_base, .cname = stream, .msid_stream = stream, .msid_track = audio_track },
		};
	if (!o->no_video) {
		const char *mid = n ? "1" : "0";
		media[n++] = (parley_sdp_offer_media){
			.type = PARLEY_SDP_MEDIA_VIDEO, .mid = mid, .direction = dir, .codecs = &vp8,
			.n_codecs = 1,
			.track = { .ssrc = ssrc_base ? ssrc_base + 1 : 0, .cname = stream, .msid_stream = stream,
			           .msid_track = video_track },
		};
	}
	parley_sdp_offer_options opts = {
		.media = media, .n_media = n, .bundle = true, .session_id = session_id, .session_version = 1,
		.transport = *t,
	};
	return parley_sdp_build_offer(&opts, err, err_size);
}

static parley_sdp *build_answer(loadgen_peer *peer, const parley_sdp_transport *t, char *err, size_t err_size)
{
	size_t n = peer->remote->n_media;
	parley_sdp_direction *dirs = g_new0(parley_sdp_direction, n);
	for (size_t i = 0; i < n; i++)
		dirs[i] = PARLEY_SDP_RECVONLY;
	parley_sdp_answer_options opts = {
		.codecs = answer_codecs, .n_codecs = G_N_ELEMENTS(answer_codecs), .h264_packetization_mode = -1,
		.directions = dirs, .n_directions = n, .transport = *t, .session_id = "1",
		.accept_data = peer->mode == LOADGEN_PEER_DATA,
	};
	parley_sdp *answer = parley_sdp_build_answer(peer->remote, &opts, err, err_size);
	g_free(dirs);
	return answer;
}

/* Gathering is done: write the offer or the answer and hand it out. */
static void describe(loadgen_peer *peer)
{
	parley_sdp_candidate cands[MAX_LOCAL_CANDIDATES];
	char *copies[MAX_LOCAL_CANDIDATES];
	size_t n = 0;
	parley_sdp_transport t;
	fill_transport(peer, &t, cands, copies, &n);
	char err[256] = "";
	bool answer = peer->remote_is_offer;
	parley_sdp *sdp = answer ? build_answer(peer, &t, err, sizeof(err)) : build_offer(peer, &t, err, sizeof(err));
	for (size_t i = 0; i < n; i++)
		g_free(copies[i]);
	if (sdp == NULL) {
		fail(peer, "building our %s: %s", answer ? "answer" : "offer", err);
		return;
	}
	char *text = parley_sdp_write(sdp, NULL);
	parley_sdp_free(sdp);
	if (text == NULL) {
		fail(peer, "writing our SDP: out of memory");
		return;
	}
	peer->answered = answer;
	loadgen_log(peer->run, 3, "peer %u local %s:\n%s", peer->publisher_id, answer ? "answer" : "offer", text);
	peer->callbacks.local_description(peer->user_data, peer, answer ? "answer" : "offer", text);
	free(text);
}

/* ---- data channels (data mode) ---- */

static void data_output(void *user_data, const uint8_t *packet, size_t length)
{
	loadgen_peer *peer = user_data;
	if (peer->dtls && parley_dtls_get_state(peer->dtls) == PARLEY_DTLS_STATE_CONNECTED)
		parley_dtls_send_data(peer->dtls, packet, length);
}

static void data_writable(void *user_data)
{
	loadgen_peer *peer = user_data;
	if (peer->callbacks.data_writable)
		peer->callbacks.data_writable(peer->user_data, peer);
}

static void data_text(void *user_data, const char *text, size_t length)
{
	loadgen_peer *peer = user_data;
	if (peer->callbacks.data_text)
		peer->callbacks.data_text(peer->user_data, peer, text, length);
}

static void data_lost(void *user_data, const char *reason)
{
	loadgen_peer *peer = user_data;
	if (!peer->run->stopping)
		fail(peer, "%s", reason);
}

/* The association over the DTLS just connected, to the SCTP port and
 * maximum message size of the offer's m=application line. */
static int start_data(loadgen_peer *peer)
{
	const parley_sdp_media *m = NULL;
	for (size_t i = 0; peer->remote && i < peer->remote->n_media && m == NULL; i++)
		if (peer->remote->media[i].type == PARLEY_SDP_MEDIA_APPLICATION && peer->remote->media[i].port != 0)
			m = &peer->remote->media[i];
	if (m == NULL) {
		fail(peer, "the offer has no m=application line to carry data channels");
		return -1;
	}
	uint16_t port = m->sctp_port > 0 && m->sctp_port <= 65535 ? (uint16_t)m->sctp_port : 0;
	static const loadgen_datachan_callbacks callbacks = {
		.output = data_output, .writable = data_writable, .text = data_text, .lost = data_lost,
	};
	char err[160] = "";
	peer->data = loadgen_datachan_new(peer->run->context, peer->dtls_client, port, m->max_message_size, &callbacks,
	                                  peer, err, sizeof(err));
	if (peer->data == NULL) {
		fail(peer, "SCTP: %s", err);
		return -1;
	}
	return 0;
}

int loadgen_peer_send_text(loadgen_peer *peer, const char *label, const char *text, size_t length,
                           char *reason, size_t reason_size)
{
	if (peer->data == NULL || peer->failed) {
		g_snprintf(reason, reason_size, "no data channel association");
		return -1;
	}
	int rc = loadgen_datachan_send_text(peer->data, label, text, length, reason, reason_size);
	return rc == 0 ? 0 : -1;
}

uint64_t loadgen_peer_data_busy(const loadgen_peer *peer)
{
	return peer->data ? loadgen_datachan_busy(peer->data) : 0;
}

/* ---- DTLS / SRTP ---- */

static void dtls_send(void *user_data, const uint8_t *data, size_t length)
{
	loadgen_peer *peer = user_data;
	parley_ice_agent_send(peer->ice, data, length);
}

static void dtls_connected(void *user_data, const parley_srtp_keys *keys)
{
	loadgen_peer *peer = user_data;
	GError *error = NULL;
	peer->srtp = parley_srtp_new(keys, 0, &error);
	if (peer->srtp == NULL) {
		fail(peer, "SRTP: %s", error->message);
		g_error_free(error);
		return;
	}
	peer->connected_us = g_get_monotonic_time();
	if (peer->mode == LOADGEN_PEER_DATA && start_data(peer) < 0)
		return;
	peer->callbacks.connected(peer->user_data, peer);
}

static void dtls_failed(void *user_data, int code, const char *reason)
{
	fail(user_data, "DTLS: %s (%s)", reason ? reason : "", parley_dtls_strerror(code));
}

static void dtls_closed(void *user_data)
{
	loadgen_peer *peer = user_data;
	if (!peer->run->stopping)
		fail(peer, "DTLS: the gateway sent close_notify");
}

static void dtls_data(void *user_data, const uint8_t *data, size_t length)
{
	loadgen_peer *peer = user_data;
	if (peer->data)
		loadgen_datachan_input(peer->data, data, length);
}

static unsigned srtp_profiles(const char *name)
{
	if (name && strcmp(name, "gcm") == 0)
		return PARLEY_DTLS_SRTP_GCM;
	if (name && strcmp(name, "cm") == 0)
		return PARLEY_DTLS_SRTP_CM_SHA1_80;
	return PARLEY_DTLS_SRTP_ALL;
}

static int start_dtls(loadgen_peer *peer, const parley_sdp *sdp, const parley_sdp_media *m, GError **error)
{
	parley_sdp_setup setup = m->setup != PARLEY_SDP_SETUP_UNSET ? m->setup : sdp->setup;
	const parley_sdp_fingerprint *fp = m->fingerprint.value ? &m->fingerprint : &sdp->fingerprint;
	const char *setup_name = parley_sdp_setup_name(setup);
	parley_dtls_options options = {
		.remote_fingerprint_hash = fp->hash, .remote_fingerprint = fp->value,
		.srtp_profiles = srtp_profiles(peer->run->options->srtp),
		.handshake_timeout_ms = (unsigned)peer->run->options->setup_timeout_s * 1000,
	};
	if (fp->value == NULL || setup_name == NULL ||
	    parley_dtls_role_for_remote_setup(setup_name, &options.role) != PARLEY_DTLS_OK) {
		g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_INVALID,
		            "remote SDP lacks a usable a=fingerprint or a=setup");
		return -1;
	}
	peer->dtls_client = options.role == PARLEY_DTLS_ROLE_CLIENT;
	static const parley_dtls_callbacks callbacks = {
		.send = dtls_send, .connected = dtls_connected, .failed = dtls_failed,
		.closed = dtls_closed, .data = dtls_data,
	};
	peer->dtls = parley_dtls_new(peer->run->context, &options, &callbacks, peer, error);
	if (peer->dtls == NULL)
		return -1;
	/* A server waits for the ClientHello; a client starts once ICE connects. */
	if (options.role == PARLEY_DTLS_ROLE_SERVER) {
		peer->dtls_started = true;
		parley_dtls_start(peer->dtls);
	} else if (parley_ice_agent_get_state(peer->ice) >= PARLEY_ICE_STATE_CONNECTED) {
		peer->dtls_started = true;
		parley_dtls_start(peer->dtls);
	}
	return 0;
}

/* ---- datagrams ---- */

static void handle_rtcp(loadgen_peer *peer, const uint8_t *data, size_t length)
{
	peer->stats.rtcp++;
	if (peer->gen == NULL)
		return;
	parley_rtcp_iter it;
	parley_rtcp_header h;
	parley_rtcp_iter_init(&it, data, length);
	for (int i = 0; i < 64 && parley_rtcp_next(&it, &h) == 1; i++)
		if (h.pt == RTCP_PT_PSFB && (h.count == PSFB_PLI || h.count == PSFB_FIR))
			loadgen_rtpgen_request_keyframe(peer->gen);
}

static void note_source(loadgen_peer *peer, const parley_util_rtp_info *info)
{
	rtp_source *src = NULL;
	for (unsigned i = 0; i < peer->n_sources && src == NULL; i++)
		if (peer->sources[i].ssrc == info->ssrc)
			src = &peer->sources[i];
	if (src == NULL) {
		if (peer->n_sources == MAX_RTP_SOURCES)
			return;
		src = &peer->sources[peer->n_sources++];
		memset(src, 0, sizeof(*src));
		src->ssrc = info->ssrc;
	}
	uint64_t ext = parley_rtp_seq_extend(&src->seq, info->seq);
	if (src->received++ == 0)
		src->first = ext;
}

/* A receiver report on every source heard, once a second. */
static void send_receiver_report(loadgen_peer *peer, int64_t now_us)
{
	peer->last_rr_us = now_us;
	parley_rtcp_rr rr = { .ssrc = RECEIVER_SSRC_BASE + peer->publisher_id };
	for (unsigned i = 0; i < peer->n_sources && rr.block_count < PARLEY_RTCP_MAX_BLOCKS; i++) {
		rtp_source *src = &peer->sources[i];
		uint64_t expected = src->seq.highest - src->first + 1;
		uint64_t expected_interval = expected - src->expected_prior;
		uint64_t received_interval = src->received - src->received_prior;
		int64_t lost_interval = (int64_t)expected_interval - (int64_t)received_interval;
		src->expected_prior = expected;
		src->received_prior = src->received;
		int64_t lost = (int64_t)expected - (int64_t)src->received;
		rr.blocks[rr.block_count++] = (parley_rtcp_report_block){
			.ssrc = src->ssrc, .highest_seq = (uint32_t)src->seq.highest,
			.cumulative_lost = (int32_t)CLAMP(lost, -0x800000, 0x7FFFFF),
			.fraction_lost = expected_interval && lost_interval > 0
				? (uint8_t)MIN(255, (lost_interval << 8) / (int64_t)expected_interval) : 0,
		};
	}
	uint8_t *buf = peer->scratch;
	int len = parley_rtcp_build_rr(buf, LOADGEN_PACKET_BUFFER, &rr);
	size_t out = 0;
	if (len > 0 && parley_srtp_protect_rtcp(peer->srtp, buf, (size_t)len, sizeof(peer->scratch), &out) == PARLEY_SRTP_OK)
		parley_ice_agent_send(peer->ice, buf, out);
}

static void handle_rtp(loadgen_peer *peer, uint8_t *data, size_t length)
{
	parley_util_rtp_info info;
	if (parley_util_rtp_parse(data, length, &info) < 0 || info.payload_len == 0)
		return;
	note_source(peer, &info);
	const uint8_t *payload = data + info.payload_offset;
	loadgen_trailer t;
	bool key = loadgen_rtpgen_trailer_read(payload, info.payload_len, &t) == 0 && t.kind == LOADGEN_KIND_VIDEO &&
		parley_util_keyframe_is_key(PARLEY_UTIL_KEYFRAME_VP8, payload, info.payload_len);
	loadgen_stats_packet(&peer->stats, peer->run->delays, payload, info.payload_len, key,
	                     g_get_monotonic_time());
}

static void ice_receive(void *user_data, const uint8_t *data, size_t length)
{
	loadgen_peer *peer = user_data;
	parley_packet_kind kind = parley_dtls_classify(data, length);
	if (kind == PARLEY_PACKET_DTLS) {
		if (peer->dtls)
			parley_dtls_incoming(peer->dtls, data, length);
		return;
	}
	if ((kind != PARLEY_PACKET_RTP && kind != PARLEY_PACKET_RTCP) || peer->srtp == NULL ||
	    length > LOADGEN_PACKET_BUFFER)
		return;
	memcpy(peer->scratch, data, length);
	size_t plain = 0;
	int rc = kind == PARLEY_PACKET_RTP
		? parley_srtp_unprotect_rtp(peer->srtp, peer->scratch, length, &plain)
		: parley_srtp_unprotect_rtcp(peer->srtp, peer->scratch, length, &plain);
	if (rc != PARLEY_SRTP_OK) {
		peer->stats.undecryptable++;
		return;
	}
	if (kind == PARLEY_PACKET_RTP)
		handle_rtp(peer, peer->scratch, plain);
	else
		handle_rtcp(peer, peer->scratch, plain);
}

static int send_rtp(void *user_data, uint8_t *packet, size_t length, size_t capacity)
{
	loadgen_peer *peer = user_data;
	size_t out = 0;
	if (parley_srtp_protect_rtp(peer->srtp, packet, length, capacity, &out) != PARLEY_SRTP_OK)
		return -1;
	return parley_ice_agent_send(peer->ice, packet, out) == PARLEY_ICE_OK ? 0 : -1;
}

void loadgen_peer_tick(loadgen_peer *peer, int64_t now_us)
{
	if (peer->srtp == NULL || peer->failed)
		return;
	if (peer->gen)
		loadgen_rtpgen_tick(peer->gen, now_us);
	if (peer->mode != LOADGEN_PEER_PUBLISH && peer->mode != LOADGEN_PEER_DATA &&
	    now_us - peer->last_rr_us >= RR_INTERVAL_US)
		send_receiver_report(peer, now_us);
}

/* ---- ICE ---- */

static void ice_candidate(void *user_data, const char *sdp_candidate)
{
	loadgen_peer *peer = user_data;
	if (peer->local_candidates->len < MAX_LOCAL_CANDIDATES)
		g_ptr_array_add(peer->local_candidates, g_strdup(sdp_candidate));
}

static void ice_gathering_done(void *user_data)
{
	loadgen_peer *peer = user_data;
	if (peer->gathered)
		return;
	peer->gathered = true;
	if (peer->local_candidates->len == 0) {
		fail(peer, "ICE gathered no candidate on '%s'", peer->run->options->iface);
		return;
	}
	describe(peer);
}

static void ice_state_changed(void *user_data, parley_ice_state state)
{
	loadgen_peer *peer = user_data;
	if (state == PARLEY_ICE_STATE_FAILED) {
		fail(peer, "ICE failed");
		return;
	}
	if ((state == PARLEY_ICE_STATE_CONNECTED || state == PARLEY_ICE_STATE_READY) && peer->dtls &&
	    !peer->dtls_started) {
		peer->dtls_started = true;
		parley_dtls_start(peer->dtls);
	}
}

static int make_agent(loadgen_peer *peer, bool controlling, GError **error)
{
	const char *interfaces[] = { peer->run->options->iface, NULL };
	parley_ice_config config = {
		.controlling = controlling, .interfaces = interfaces,
		.connect_timeout_ms = (unsigned)peer->run->options->setup_timeout_s * 1000,
	};
	static const parley_ice_callbacks callbacks = {
		.candidate = ice_candidate, .gathering_done = ice_gathering_done,
		.state_changed = ice_state_changed, .receive = ice_receive,
	};
	peer->ice = parley_ice_agent_new(peer->run->context, &config, &callbacks, peer, error);
	return peer->ice ? 0 : -1;
}

int loadgen_peer_create_offer(loadgen_peer *peer, GError **error)
{
	if (peer->ice != NULL || peer->mode == LOADGEN_PEER_SUBSCRIBE || peer->mode == LOADGEN_PEER_DATA) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "this peer does not offer");
		return -1;
	}
	if (make_agent(peer, true, error) < 0)
		return -1;
	return parley_ice_agent_gather(peer->ice, error) == PARLEY_ICE_OK ? 0 : -1;
}

/* Credentials and candidates of the first bundled m-line. */
static int take_remote_transport(loadgen_peer *peer, const parley_sdp *sdp, GError **error)
{
	if (sdp->n_media == 0) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "remote SDP has no m-line");
		return -1;
	}
	const parley_sdp_media *m = &sdp->media[0];
	const char *ufrag = m->ice_ufrag ? m->ice_ufrag : sdp->ice_ufrag;
	const char *pwd = m->ice_pwd ? m->ice_pwd : sdp->ice_pwd;
	if (ufrag == NULL || pwd == NULL ||
	    parley_ice_agent_set_remote_credentials(peer->ice, ufrag, pwd) != PARLEY_ICE_OK) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "remote SDP lacks usable ICE credentials");
		return -1;
	}
	for (size_t i = 0; i < sdp->n_media; i++) {
		if (sdp->media[i].n_candidates == 0)
			continue;
		for (size_t c = 0; c < sdp->media[i].n_candidates; c++) {
			char *line = candidate_format(&sdp->media[i].candidates[c]);
			GError *cerr = NULL;
			if (parley_ice_agent_add_remote_candidate(peer->ice, line, &cerr) != PARLEY_ICE_OK) {
				/* TCP and mDNS candidates are refused: the others may do. */
				loadgen_log(peer->run, 2, "peer %u: candidate '%s' skipped: %s", peer->publisher_id, line,
				            cerr ? cerr->message : "refused");
				g_clear_error(&cerr);
			}
			g_free(line);
		}
		if (sdp->media[i].end_of_candidates)
			parley_ice_agent_remote_gathering_done(peer->ice);
		break;
	}
	return start_dtls(peer, sdp, m, error);
}

int loadgen_peer_set_remote(loadgen_peer *peer, const char *type, const char *sdp_text, GError **error)
{
	bool offer = type && strcmp(type, "offer") == 0;
	if (!offer && !(type && strcmp(type, "answer") == 0)) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "jsep type '%s' is neither offer nor answer",
		            type ? type : "(none)");
		return -1;
	}
	bool renegotiate = offer && peer->dtls != NULL && peer->gathered;
	bool answers = peer->mode == LOADGEN_PEER_SUBSCRIBE || peer->mode == LOADGEN_PEER_DATA;
	if (offer != answers || (peer->dtls != NULL && !renegotiate)) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "unexpected remote %s", type);
		return -1;
	}
	if (!offer && peer->ice == NULL) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "an answer before our offer");
		return -1;
	}
	char err[256] = "";
	loadgen_log(peer->run, 3, "peer %u remote %s:\n%s", peer->publisher_id, type, sdp_text ? sdp_text : "");
	parley_sdp *sdp = parley_sdp_parse(sdp_text, sdp_text ? strlen(sdp_text) : 0, NULL, err, sizeof(err));
	if (sdp == NULL) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "remote %s: %s", type, err);
		return -1;
	}
	if (renegotiate) {
		/* Same transport (no ICE restart here): new m-lines, a new answer. */
		if (peer->remote)
			parley_sdp_free(peer->remote);
		peer->remote = sdp;
		describe(peer);
		return 0;
	}
	/* RFC 8445 §6.1.1: facing a lite agent, the full agent controls,
	 * whoever offered. */
	if (offer && make_agent(peer, sdp->ice_lite, error) < 0) {
		parley_sdp_free(sdp);
		return -1;
	}
	if (take_remote_transport(peer, sdp, error) < 0) {
		parley_sdp_free(sdp);
		return -1;
	}
	if (!offer) {
		parley_sdp_free(sdp);
		return 0;
	}
	peer->remote = sdp;
	peer->remote_is_offer = true;
	return parley_ice_agent_gather(peer->ice, error) == PARLEY_ICE_OK ? 0 : -1;
}

void loadgen_peer_trickle(loadgen_peer *peer, json_t *candidate)
{
	if (peer->ice == NULL || !json_is_object(candidate))
		return;
	if (json_is_true(json_object_get(candidate, "completed"))) {
		parley_ice_agent_remote_gathering_done(peer->ice);
		return;
	}
	const char *line = json_string_value(json_object_get(candidate, "candidate"));
	loadgen_log(peer->run, 3, "peer %u trickled %s", peer->publisher_id, line ? line : "(none)");
	if (line != NULL)
		parley_ice_agent_add_remote_candidate(peer->ice, line, NULL);
}

/* ---- lifetime and accessors ---- */

loadgen_peer *loadgen_peer_new(loadgen_run *run, loadgen_peer_mode mode, uint32_t publisher_id,
                               const loadgen_peer_callbacks *callbacks, void *user_data, GError **error)
{
	loadgen_peer *peer = g_new0(loadgen_peer, 1);
	peer->run = run;
	peer->mode = mode;
	peer->publisher_id = publisher_id;
	peer->callbacks = *callbacks;
	peer->user_data = user_data;
	peer->local_candidates = g_ptr_array_new_with_free_func(g_free);
	if (mode == LOADGEN_PEER_PUBLISH || mode == LOADGEN_PEER_ECHO) {
		const loadgen_options *o = run->options;
		loadgen_rtpgen_config config = {
			.publisher = publisher_id, .audio = !o->no_audio, .video = !o->no_video,
			.audio_ssrc = publisher_id * 2 + 1000, .video_ssrc = publisher_id * 2 + 1001,
			.audio_pt = AUDIO_PT, .video_pt = VIDEO_PT, .audio_bytes = (unsigned)o->audio_bytes,
			.bitrate_kbps = (unsigned)o->bitrate_kbps, .fps = (unsigned)o->fps,
			.keyframe_interval_s = (unsigned)o->keyframe_interval_s,
			.keyframe_gap_ms = (unsigned)o->keyframe_gap_ms,
		};
		peer->gen = loadgen_rtpgen_new(&config, send_rtp, peer);
		if (peer->gen == NULL) {
			g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "bad media settings");
			loadgen_peer_free(peer);
			return NULL;
		}
	}
	return peer;
}

void loadgen_peer_free(loadgen_peer *peer)
{
	if (peer == NULL)
		return;
	if (peer->janus.keepalive_source)
		g_source_remove(peer->janus.keepalive_source);
	if (peer->janus.retry_source)
		g_source_remove(peer->janus.retry_source);
	loadgen_datachan_free(peer->data);   /* its ABORT goes out through DTLS */
	if (peer->dtls) {
		parley_dtls_close(peer->dtls);
		parley_dtls_free(peer->dtls);
	}
	parley_srtp_free(peer->srtp);
	parley_ice_agent_free(peer->ice);
	if (peer->remote)
		parley_sdp_free(peer->remote);
	loadgen_rtpgen_free(peer->gen);
	g_ptr_array_free(peer->local_candidates, TRUE);
	g_free(peer);
}

loadgen_peer_janus *loadgen_peer_janus_ids(loadgen_peer *peer) { return &peer->janus; }
loadgen_peer_mode loadgen_peer_get_mode(const loadgen_peer *peer) { return peer->mode; }
bool loadgen_peer_is_connected(const loadgen_peer *peer) { return peer->srtp != NULL; }
uint32_t loadgen_peer_publisher_id(const loadgen_peer *peer) { return peer->publisher_id; }
loadgen_stats *loadgen_peer_stats(loadgen_peer *peer) { return &peer->stats; }
int64_t loadgen_peer_connected_us(const loadgen_peer *peer) { return peer->connected_us; }

const loadgen_rtpgen_counters *loadgen_peer_sent(const loadgen_peer *peer)
{
	return peer->gen ? loadgen_rtpgen_get_counters(peer->gen) : NULL;
}

const char *loadgen_peer_srtp_profile(const loadgen_peer *peer)
{
	return peer->srtp ? parley_srtp_profile_name(parley_srtp_get_profile(peer->srtp)) : "none";
}
