/*
 * pc_sdp.c — PeerConnection negotiation. A remote description (offer or
 * answer) gives the peer's ICE credentials, fingerprint, setup, candidates
 * and, per m-line, mid, kind, direction, SSRCs, rids, RTX and extension ids:
 * they (re)build the stream table. The description we send is a plugin's
 * SDP with our ICE credentials, fingerprint, a=setup, rtcp-mux, BUNDLE and
 * gathered candidates merged in; its SSRCs and RTX pts become what
 * relay_rtp writes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pc_internal.h"
#include "sdp_internal.h"

__attribute__((format(printf, 3, 4)))
static int sdp_fail(char *err, size_t err_size, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(err, err_size, format, args);
	va_end(args);
	return PARLEY_PC_ERR_SDP;
}

/* The first m-line that carries media (not rejected). */
static const parley_sdp_media *first_active(const parley_sdp *sdp)
{
	for (size_t i = 0; i < sdp->n_media; i++)
		if (parley_sdp_media_in_use(&sdp->media[i]))
			return &sdp->media[i];
	return sdp->n_media ? &sdp->media[0] : NULL;
}

static void set_string(char **slot, const char *value)
{
	g_free(*slot);
	*slot = g_strdup(value);
}

static bool direction_sends(parley_sdp_direction d)
{
	return d == PARLEY_SDP_SENDRECV || d == PARLEY_SDP_SENDONLY;
}

static bool direction_receives(parley_sdp_direction d)
{
	return d == PARLEY_SDP_SENDRECV || d == PARLEY_SDP_RECVONLY;
}

/* FID partner of `ssrc` in the m-line, 0 when none. */
static uint32_t fid_partner(const parley_sdp_media *m, uint32_t ssrc)
{
	for (size_t g = 0; g < m->n_ssrc_groups; g++) {
		const parley_sdp_ssrc_group *group = &m->ssrc_groups[g];
		if (!strcmp(group->semantics, "FID") && group->n_ssrcs == 2 && group->ssrcs[0] == ssrc)
			return group->ssrcs[1];
	}
	return 0;
}

static bool is_fid_secondary(const parley_sdp_media *m, uint32_t ssrc)
{
	for (size_t g = 0; g < m->n_ssrc_groups; g++) {
		const parley_sdp_ssrc_group *group = &m->ssrc_groups[g];
		if (!strcmp(group->semantics, "FID") && group->n_ssrcs == 2 && group->ssrcs[1] == ssrc)
			return true;
	}
	return false;
}

/* The stream at `index`, reset when its mid or kind changed. Under lock. */
static pc_stream *stream_at(parley_pc *pc, size_t index, const parley_sdp_media *m)
{
	if (!pc->streams[index])
		pc->streams[index] = g_new0(pc_stream, 1);
	pc_stream *s = pc->streams[index];
	bool video = m->type == PARLEY_SDP_MEDIA_VIDEO;
	if (index >= pc->n_streams || strcmp(s->mid, m->mid ? m->mid : "") != 0 || s->video != video) {
		pc_stream_free(s);
		memset(s, 0, sizeof(*s));
		s->mindex = (int)index;
		g_strlcpy(s->mid, m->mid ? m->mid : "", sizeof(s->mid));
		s->video = video;
		for (int pt = 0; pt < 128; pt++)
			s->local_rtx_pt[pt] = -1;
		pc_stream_reset_remote(s);
	}
	if (index >= pc->n_streams)
		pc->n_streams = index + 1;
	return s;
}

/* Fills the remote half of each stream from the peer's description. */
void pc_take_remote_streams(parley_pc *pc, const parley_sdp *sdp)
{
	g_mutex_lock(&pc->lock);
	for (size_t i = 0; i < sdp->n_media && i < PC_MAX_STREAMS; i++) {
		const parley_sdp_media *m = &sdp->media[i];
		pc_stream *s = stream_at(pc, i, m);
		bool rtp = m->type == PARLEY_SDP_MEDIA_AUDIO || m->type == PARLEY_SDP_MEDIA_VIDEO;
		s->active = rtp && parley_sdp_media_in_use(m);
		parley_sdp_direction d = parley_sdp_media_direction(sdp, m);
		s->we_receive = direction_sends(d);
		s->we_send = direction_receives(d);
		s->ext_mid = (uint8_t)parley_sdp_extmap_id(m, PARLEY_SDP_EXT_MID);
		s->ext_rid = (uint8_t)parley_sdp_extmap_id(m, PARLEY_SDP_EXT_RID);
		s->ext_rrid = (uint8_t)parley_sdp_extmap_id(m, PARLEY_SDP_EXT_REPAIRED_RID);
		s->ext_audio_level = (uint8_t)parley_sdp_extmap_id(m, PARLEY_SDP_EXT_AUDIO_LEVEL);
		s->ext_twcc = (uint8_t)parley_sdp_extmap_id(m, PARLEY_SDP_EXT_TRANSPORT_CC);
		memset(s->remote_ext_kind, 0, sizeof(s->remote_ext_kind));
		for (size_t e = 0; e < m->n_extmaps; e++)
			if (m->extmaps[e].id > 0 && m->extmaps[e].id < 256)
				s->remote_ext_kind[m->extmaps[e].id] = (uint8_t)m->extmaps[e].ext;
		pc_formats_from_sdp(m, s->remote_formats, &s->n_remote_formats);
		s->clock_rate = m->n_formats && m->formats[0].clock_rate ? m->formats[0].clock_rate
			: (s->video ? 90000 : 48000);
		for (int pt = 0; pt < 128; pt++)
			s->remote_pt_rtx_apt[pt] = -1;
		for (size_t f = 0; f < m->n_formats; f++)
			if (m->formats[f].codec == PARLEY_SDP_CODEC_RTX && m->formats[f].pt >= 0 && m->formats[f].apt >= 0)
				s->remote_pt_rtx_apt[m->formats[f].pt] = m->formats[f].apt;
		/* rids the peer sends; SSRCs it announced (primary ones; FID
		 * partners as RTX). A stream kept with the same rids and no SSRC
		 * announced keeps those learnt from its packets' mid/rid
		 * extensions: a browser stops sending those extensions once its
		 * SSRCs are acknowledged, so a renegotiation must not forget them. */
		char rids[PC_MAX_SSRCS][16] = { { 0 } };
		size_t n_rids = 0;
		for (size_t r = 0; r < m->n_rids && n_rids < PC_MAX_SSRCS; r++)
			if (m->rids[r].send)
				g_strlcpy(rids[n_rids++], m->rids[r].id, sizeof(rids[0]));
		bool same_rids = n_rids == s->n_rids && !memcmp(rids, s->rids, n_rids * sizeof(rids[0]));
		bool keep_learnt = m->n_ssrcs == 0 && same_rids;
		size_t n = 0;
		if (!keep_learnt) {
			memset(s->remote_ssrc, 0, sizeof(s->remote_ssrc));
			memset(s->remote_rtx_ssrc, 0, sizeof(s->remote_rtx_ssrc));
		}
		for (size_t k = 0; k < m->n_ssrcs && n < PC_MAX_SSRCS; k++) {
			uint32_t ssrc = m->ssrcs[k].ssrc;
			if (is_fid_secondary(m, ssrc))
				continue;
			s->remote_ssrc[n] = ssrc;
			s->remote_rtx_ssrc[n] = fid_partner(m, ssrc);
			n++;
		}
		memcpy(s->rids, rids, sizeof(rids));
		s->n_rids = n_rids;
		if (!s->history && s->active)
			s->history = parley_rtp_history_new_for(s->video, pc->settings.nack_buffer_ms ?
			                                         pc->settings.nack_buffer_ms : 1000, 0);
	}
	g_mutex_unlock(&pc->lock);
}

/* New local ICE credentials: candidates are gathered again and go out
 * with the next description we send. */
void pc_restart_ice(parley_pc *pc)
{
	for (size_t i = 0; i < pc->n_local_candidates; i++)
		g_free(pc->local_candidates[i]);
	pc->n_local_candidates = 0;
	pc->gathering_done = false;
	pc->have_local = false;
	pc->trickling = false;
	pc->ice_ops->restart(pc->ice);
	pc->ice_restarts++;
	pc_count_event(PARLEY_PC_EVENT_ICE_RESTART);
	pc_liveness_restart(pc);
}

/* An answer must answer our last offer: as many m-lines, the same mids in
 * the same order (a late answer to an offer since replaced does not). */
static int check_answer_matches_offer(parley_pc *pc, const parley_sdp *sdp, char *err, size_t err_size)
{
	if (sdp->n_media != pc->offered_media) {
		snprintf(err, err_size, "the answer has %zu m-lines, our offer had %zu", sdp->n_media, pc->offered_media);
		return PARLEY_PC_ERR_STATE;
	}
	for (size_t i = 0; i < sdp->n_media && i < pc->n_streams; i++) {
		const char *mid = sdp->media[i].mid;
		if (mid && strcmp(mid, pc->streams[i]->mid) != 0) {
			snprintf(err, err_size, "m-line %zu of the answer is mid %s, our offer said %s", i, mid,
			         pc->streams[i]->mid);
			return PARLEY_PC_ERR_STATE;
		}
	}
	return 0;
}

/* Remote ICE credentials, fingerprint and setup; restart when the
 * credentials changed. */
static int take_remote_transport(parley_pc *pc, const parley_sdp *sdp, bool offer, char *err, size_t err_size)
{
	const parley_sdp_media *m = first_active(sdp);
	const char *ufrag = m && m->ice_ufrag ? m->ice_ufrag : sdp->ice_ufrag;
	const char *pwd = m && m->ice_pwd ? m->ice_pwd : sdp->ice_pwd;
	const char *hash = m && m->fingerprint.value ? m->fingerprint.hash : sdp->fingerprint.hash;
	const char *fp = m && m->fingerprint.value ? m->fingerprint.value : sdp->fingerprint.value;
	parley_sdp_setup setup = m && m->setup ? m->setup : sdp->setup;
	if (!ufrag || !pwd)
		return sdp_fail(err, err_size, "missing ICE credentials (a=ice-ufrag / a=ice-pwd)");
	if (!fp || !hash)
		return sdp_fail(err, err_size, "missing DTLS fingerprint (a=fingerprint)");
	for (size_t i = 0; i < sdp->n_media; i++) {
		const parley_sdp_media *rtp = &sdp->media[i];
		bool media = rtp->type == PARLEY_SDP_MEDIA_AUDIO || rtp->type == PARLEY_SDP_MEDIA_VIDEO;
		if (media && parley_sdp_media_in_use(rtp) && !rtp->rtcp_mux)
			return sdp_fail(err, err_size, "rtcp-mux is required (m-line %zu)", i);
	}
	bool restart = pc->remote_ufrag && (strcmp(pc->remote_ufrag, ufrag) || strcmp(pc->remote_pwd, pwd));
	pc->remote_ice_lite = sdp->ice_lite;
	int rc = pc_ensure_transport(pc, !offer || sdp->ice_lite, err, err_size);
	if (rc)
		return rc;
	if (restart)
		pc_forget_remote_candidates(pc);
	if (restart && offer)
		pc_restart_ice(pc);   /* the peer restarts ICE: new credentials of ours too */
	set_string(&pc->remote_ufrag, ufrag);
	set_string(&pc->remote_pwd, pwd);
	if (pc->ice_ops->set_remote_credentials(pc->ice, ufrag, pwd) != 0)
		return sdp_fail(err, err_size, "the ICE agent refused the remote credentials");
	if (!pc->role_known) {
		/* Answering actpass we take the passive (DTLS server) side. */
		parley_dtls_role role = PARLEY_DTLS_ROLE_SERVER;
		if (setup == PARLEY_SDP_SETUP_ACTIVE)
			role = PARLEY_DTLS_ROLE_SERVER;
		else if (setup == PARLEY_SDP_SETUP_PASSIVE)
			role = PARLEY_DTLS_ROLE_CLIENT;
		else if (setup == PARLEY_SDP_SETUP_ACTPASS && !offer)
			return sdp_fail(err, err_size, "an answer may not say a=setup:actpass");
		else if (setup == PARLEY_SDP_SETUP_HOLDCONN)
			return sdp_fail(err, err_size, "a=setup:holdconn is not supported");
		pc->role = role;
		pc->role_known = true;
	}
	pc->remote_setup = setup;
	set_string(&pc->remote_fp_hash, hash);
	set_string(&pc->remote_fp, fp);
	if (pc->dtls && parley_dtls_get_state(pc->dtls) != PARLEY_DTLS_STATE_CONNECTED)
		parley_dtls_set_remote_fingerprint(pc->dtls, hash, fp);
	/* Candidates: those of the BUNDLE transport (the first active m-line). */
	for (size_t c = 0; m && c < m->n_candidates; c++) {
		const parley_sdp_candidate *cand = &m->candidates[c];
		if (cand->component != 1 || g_ascii_strcasecmp(cand->transport, "udp") != 0)
			continue;
		char line[512];
		int n = snprintf(line, sizeof(line), "candidate:%s %u %s %llu %s %u typ %s", cand->foundation,
		                 cand->component, cand->transport, (unsigned long long)cand->priority,
		                 cand->address, cand->port, cand->type);
		if (cand->raddr && n > 0 && (size_t)n < sizeof(line))
			snprintf(line + n, sizeof(line) - (size_t)n, " raddr %s rport %d", cand->raddr,
			         cand->rport >= 0 ? cand->rport : 0);
		/* Unusable candidates (mDNS names, IPv6 off) are skipped, not fatal. */
		pc_note_remote_candidate(pc, cand->address, cand->port, cand->type);
		pc_keep_remote_candidate(pc, line);
		pc->ice_ops->add_remote_candidate(pc->ice, line, NULL);
	}
	if (m && m->end_of_candidates)
		pc->ice_ops->remote_gathering_done(pc->ice);
	return 0;
}

int parley_pc_set_remote_description(parley_pc *pc, bool offer, const char *text, char *err, size_t err_size)
{
	if (!pc || !text)
		return PARLEY_PC_ERR_INVALID;
	if (pc->closed) {
		snprintf(err, err_size, "the PeerConnection is closed");
		return PARLEY_PC_ERR_STATE;
	}
	/* An answer answers our last offer. A second answer to it (the first
	 * was a late answer to an offer it replaced, the same shape) is taken
	 * too: it is the one that describes the peer now. */
	if (!offer && !pc->last_local_offer) {
		snprintf(err, err_size, "an answer arrived but no offer is pending");
		return PARLEY_PC_ERR_STATE;
	}
	char perr[200] = "";
	parley_sdp *sdp = parley_sdp_parse(text, strlen(text), NULL, perr, sizeof(perr));
	if (!sdp)
		return sdp_fail(err, err_size, "%s", perr);
	int rc = 0;
	if (sdp->n_media == 0)
		rc = sdp_fail(err, err_size, "no m-lines");
	else if (sdp->n_media > PC_MAX_STREAMS)
		rc = sdp_fail(err, err_size, "too many m-lines (%zu, limit %d)", sdp->n_media, PC_MAX_STREAMS);
	else if (!offer)
		rc = check_answer_matches_offer(pc, sdp, err, err_size);
	if (!rc)
		rc = take_remote_transport(pc, sdp, offer, err, err_size);
	if (!rc) {
		pc_take_remote_streams(pc, sdp);
		pc_data_take_remote(pc, sdp);
		pc->have_remote = true;
		if (offer)
			pc->got_offer = true;
		else
			pc->got_answer = true;
		pc_keep_description(&pc->remote_sdp, text);
		if (!offer)
			pc->offerer = false;
		rc = pc_start_dtls(pc, err, err_size);
		pc_data_maybe_start(pc);
	}
	parley_sdp_free(sdp);
	return rc;
}

int parley_pc_add_remote_candidate(parley_pc *pc, const char *candidate, char *err, size_t err_size)
{
	if (pc->closed || !pc->ice) {
		snprintf(err, err_size, "no ICE agent yet");
		return PARLEY_PC_ERR_STATE;
	}
	if (!candidate) {
		pc->ice_ops->remote_gathering_done(pc->ice);
		return 0;
	}
	pc_note_remote_candidate_line(pc, candidate);
	pc_keep_remote_candidate(pc, candidate);
	GError *error = NULL;
	if (pc->ice_ops->add_remote_candidate(pc->ice, candidate, &error) != 0) {
		snprintf(err, err_size, "%s", error ? error->message : "invalid candidate");
		g_clear_error(&error);
		return PARLEY_PC_ERR_ICE;
	}
	return 0;
}

/* ---- the description we send ---- */

static void clear_candidates(parley_sdp_media *m)
{
	for (size_t i = 0; i < m->n_candidates; i++)
		sdp_free_candidate(&m->candidates[i]);
	free(m->candidates);
	m->candidates = NULL;
	m->n_candidates = 0;
	m->end_of_candidates = false;
}

static void wait_for_gathering(parley_pc *pc)
{
	unsigned wait_ms = pc->settings.gather_wait_ms ? pc->settings.gather_wait_ms : 1000;
	gint64 deadline = g_get_monotonic_time() + (gint64)wait_ms * 1000;
	bool owner = g_main_context_is_owner(pc->context);
	while (!pc->gathering_done && pc->ice && g_get_monotonic_time() < deadline) {
		if (owner)
			g_main_context_iteration(pc->context, FALSE);
		g_usleep(2000);
	}
}

/* Our SSRCs and RTX pts per m-line, for relay_rtp and NACK answers. */
void pc_take_local_streams(parley_pc *pc, const parley_sdp *sdp)
{
	g_mutex_lock(&pc->lock);
	for (size_t i = 0; i < sdp->n_media && i < PC_MAX_STREAMS; i++) {
		const parley_sdp_media *m = &sdp->media[i];
		pc_stream *s = stream_at(pc, i, m);
		bool rtp = m->type == PARLEY_SDP_MEDIA_AUDIO || m->type == PARLEY_SDP_MEDIA_VIDEO;
		if (!pc->have_remote || pc->offerer) {
			s->active = rtp && m->port != 0;
			parley_sdp_direction d = parley_sdp_media_direction(sdp, m);
			s->we_send = direction_sends(d);
			s->we_receive = direction_receives(d);
			s->clock_rate = m->n_formats && m->formats[0].clock_rate ? m->formats[0].clock_rate
				: (s->video ? 90000 : 48000);
		}
		s->local_ssrc = s->local_rtx_ssrc = 0;
		for (size_t k = 0; k < m->n_ssrcs; k++)
			if (!is_fid_secondary(m, m->ssrcs[k].ssrc)) {
				s->local_ssrc = m->ssrcs[k].ssrc;
				s->local_rtx_ssrc = fid_partner(m, s->local_ssrc);
				break;
			}
		for (int pt = 0; pt < 128; pt++)
			s->local_rtx_pt[pt] = -1;
		for (size_t f = 0; f < m->n_formats; f++)
			if (m->formats[f].codec == PARLEY_SDP_CODEC_RTX && m->formats[f].apt >= 0 && m->formats[f].apt < 128)
				s->local_rtx_pt[m->formats[f].apt] = m->formats[f].pt;
		s->local_ext_mid = (uint8_t)parley_sdp_extmap_id(m, PARLEY_SDP_EXT_MID);
		memset(s->local_ext_id, 0, sizeof(s->local_ext_id));
		memset(s->local_ext_kind, 0, sizeof(s->local_ext_kind));
		for (size_t e = 0; e < m->n_extmaps; e++) {
			const parley_sdp_extmap *x = &m->extmaps[e];
			if (x->id == 0 || x->id > 255)
				continue;
			bool known = x->ext != PARLEY_SDP_EXT_UNKNOWN && x->ext < PARLEY_SDP_EXT_COUNT;
			s->local_ext_kind[x->id] = known ? (uint8_t)x->ext : PC_EXT_NEGOTIATED_OTHER;
			if (known && !s->local_ext_id[x->ext])
				s->local_ext_id[x->ext] = (uint8_t)x->id;
		}
		pc_formats_from_sdp(m, s->local_formats, &s->n_local_formats);
		s->local_known = true;
		if (!s->history && s->active)
			s->history = parley_rtp_history_new_for(s->video, pc->settings.nack_buffer_ms ?
			                                         pc->settings.nack_buffer_ms : 1000, 0);
	}
	g_mutex_unlock(&pc->lock);
}

/* ICE/DTLS attributes on every m-line; candidates on every active one. */
static int merge_transport(parley_pc *pc, parley_sdp *sdp, bool offer)
{
	const char *ufrag = NULL, *pwd = NULL;
	pc->ice_ops->get_local_credentials(pc->ice, &ufrag, &pwd);
	parley_sdp_setup setup = offer ? PARLEY_SDP_SETUP_ACTPASS
		: pc->role == PARLEY_DTLS_ROLE_SERVER ? PARLEY_SDP_SETUP_PASSIVE : PARLEY_SDP_SETUP_ACTIVE;
	sdp->ice_lite = pc->settings.ice.lite;
	parley_sdp_set_string(&sdp->ice_ufrag, NULL);
	parley_sdp_set_string(&sdp->ice_pwd, NULL);
	parley_sdp_set_string(&sdp->fingerprint.hash, NULL);
	parley_sdp_set_string(&sdp->fingerprint.value, NULL);
	sdp->setup = PARLEY_SDP_SETUP_UNSET;
	const char *mids[PC_MAX_STREAMS];
	size_t n_mids = 0;
	pc->bundle_mid[0] = '\0';
	for (size_t i = 0; i < sdp->n_media; i++) {
		parley_sdp_media *m = &sdp->media[i];
		if (parley_sdp_set_string(&m->ice_ufrag, ufrag) < 0 || parley_sdp_set_string(&m->ice_pwd, pwd) < 0 ||
		    parley_sdp_set_string(&m->ice_options, "trickle") < 0 ||
		    parley_sdp_set_string(&m->fingerprint.hash, "sha-256") < 0 ||
		    parley_sdp_set_string(&m->fingerprint.value, parley_dtls_certificate_fingerprint()) < 0)
			return -1;
		m->setup = setup;
		m->rtcp_mux = m->type != PARLEY_SDP_MEDIA_APPLICATION;
		clear_candidates(m);
		if (m->port == 0)
			continue;
		if (m->mid && n_mids < PC_MAX_STREAMS)
			mids[n_mids++] = m->mid;
		if (!pc->bundle_mid[0] && m->mid)
			g_strlcpy(pc->bundle_mid, m->mid, sizeof(pc->bundle_mid));
		for (size_t c = 0; c < pc->n_local_candidates; c++)
			if (parley_sdp_add_attr(sdp, m, "candidate", pc->local_candidates[c] + strlen("candidate:")) < 0)
				return -1;
		if (pc->gathering_done && parley_sdp_add_attr(sdp, m, "end-of-candidates", NULL) < 0)
			return -1;
	}
	bool has_bundle = false;
	for (size_t g = 0; g < sdp->n_groups; g++)
		has_bundle |= !strcmp(sdp->groups[g].semantics, "BUNDLE");
	if (!has_bundle && n_mids && parley_sdp_add_group(sdp, "BUNDLE", mids, n_mids) < 0)
		return -1;
	return 0;
}

char *parley_pc_local_description(parley_pc *pc, bool offer, const char *text, bool ice_restart,
                                  char *err, size_t err_size)
{
	if (!pc || !text)
		return NULL;
	if (pc->closed) {
		snprintf(err, err_size, "the PeerConnection is closed");
		return NULL;
	}
	if (!offer && !pc->have_remote) {
		snprintf(err, err_size, "an answer needs the peer's offer first");
		return NULL;
	}
	char perr[200] = "";
	parley_sdp *sdp = parley_sdp_parse(text, strlen(text), NULL, perr, sizeof(perr));
	if (!sdp) {
		snprintf(err, err_size, "SDP from the plugin: %s", perr);
		return NULL;
	}
	if (offer) {
		if (pc_ensure_transport(pc, true, err, err_size)) {
			parley_sdp_free(sdp);
			return NULL;
		}
		if (ice_restart && pc->have_remote)
			pc_restart_ice(pc);
	}
	wait_for_gathering(pc);
	char *result = NULL;
	pc_bundle_extmaps(sdp);
	if (merge_transport(pc, sdp, offer) < 0 || pc_data_merge_local(pc, sdp) < 0) {
		snprintf(err, err_size, "out of memory or an SDP limit reached while merging");
	} else {
		pc_take_local_streams(pc, sdp);
		pc_data_take_local(pc, sdp);
		size_t len = 0;
		char *written = parley_sdp_write(sdp, &len);
		result = written ? g_strndup(written, len) : NULL;
		free(written);
		pc_keep_description(&pc->local_sdp, result);
		pc->have_local = true;
		pc->last_local_offer = offer;
		if (offer) {
			pc->offerer = true;
			pc->offered_media = sdp->n_media;
		}
		pc_data_maybe_start(pc);
	}
	parley_sdp_free(sdp);
	return result;
}
