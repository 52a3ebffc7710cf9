/*
 * sdp_answer.c — SDP builders for plugins: an answer to an offer that keeps
 * only the codecs, extensions and directions the caller accepts, and an
 * offer from scratch (subscriber PeerConnections). ICE and DTLS values are
 * supplied by the caller.
 *
 * Complexity: answer O(m-lines × offered formats × allowed codecs);
 * offer O(total codecs + extensions). Allocates the resulting model only.
 */
#include "sdp.h"
#include "sdp_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

__attribute__((format(printf, 4, 5)))
static void *fail(parley_sdp *sdp, char *err, size_t err_len, const char *fmt, ...)
{
	if (err && err_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	parley_sdp_free(sdp);
	return NULL;
}

static int session_header(parley_sdp *s, const char *session_id, uint64_t version)
{
	char ver[24];
	snprintf(ver, sizeof(ver), "%llu", (unsigned long long)version);
	if (parley_sdp_set_string(&s->origin_username, "-") < 0 ||
		parley_sdp_set_string(&s->origin_sess_id, session_id ? session_id : "1") < 0 ||
		parley_sdp_set_string(&s->origin_sess_version, ver) < 0 ||
		parley_sdp_set_string(&s->origin_address, "IN IP4 0.0.0.0") < 0 ||
		parley_sdp_set_string(&s->name, "Parley") < 0 ||
		parley_sdp_set_string(&s->timing, "0 0") < 0)
		return -1;
	return 0;
}

/* ICE/DTLS attributes on one m-line; candidates only when with_candidates. */
static int media_transport(parley_sdp *s, parley_sdp_media *m, const parley_sdp_transport *t,
	parley_sdp_setup def_setup, bool with_candidates)
{
	char conn[80];
	snprintf(conn, sizeof(conn), "IN %s %s", t->address && strchr(t->address, ':') ? "IP6" : "IP4",
		t->address ? t->address : "0.0.0.0");
	m->port = t->port ? t->port : 9;
	m->setup = t->setup != PARLEY_SDP_SETUP_UNSET ? t->setup : def_setup;
	if (parley_sdp_set_string(&m->connection, conn) < 0 ||
		parley_sdp_set_string(&m->ice_ufrag, t->ice_ufrag) < 0 ||
		parley_sdp_set_string(&m->ice_pwd, t->ice_pwd) < 0 ||
		parley_sdp_set_string(&m->ice_options, t->trickle ? "trickle" : NULL) < 0 ||
		parley_sdp_set_string(&m->fingerprint.hash, t->fingerprint ? (t->fingerprint_hash ?
			t->fingerprint_hash : "sha-256") : NULL) < 0 ||
		parley_sdp_set_string(&m->fingerprint.value, t->fingerprint) < 0)
		return -1;
	if (!with_candidates)
		return 0;
	for (size_t i = 0; i < t->n_candidates; i++)
		if (parley_sdp_add_candidate(s, m, &t->candidates[i]) < 0)
			return -1;
	m->end_of_candidates = t->end_of_candidates;
	return 0;
}

static int copy_format(parley_sdp *s, parley_sdp_media *m, const parley_sdp_format *f, bool keep_twcc)
{
	parley_sdp_format *c = parley_sdp_add_format(s, m, f->pt, f->name, f->clock_rate, f->channels, f->fmtp);
	if (!c)
		return -1;
	for (size_t i = 0; i < f->n_rtcp_fb; i++) {
		if (!keep_twcc && !strcmp(f->rtcp_fb[i], "transport-cc"))
			continue;
		if (parley_sdp_add_rtcp_fb(s, c, f->rtcp_fb[i]) < 0)
			return -1;
	}
	return 0;
}

static bool listed(const char *const *list, size_t n, const char *s, bool icase)
{
	for (size_t i = 0; s && i < n; i++)
		if (icase ? !strcasecmp(list[i], s) : !strcmp(list[i], s))
			return true;
	return false;
}

/* Direction bits: 1 = we send, 2 = we receive. */
static unsigned dir_bits(parley_sdp_direction d)
{
	static const unsigned bits[] = { [PARLEY_SDP_DIR_UNSET] = 3, [PARLEY_SDP_SENDRECV] = 3,
		[PARLEY_SDP_SENDONLY] = 1, [PARLEY_SDP_RECVONLY] = 2, [PARLEY_SDP_INACTIVE] = 0 };
	return (unsigned)d <= PARLEY_SDP_INACTIVE ? bits[d] : 0;
}

static parley_sdp_direction from_bits(unsigned b)
{
	static const parley_sdp_direction dirs[] = { PARLEY_SDP_INACTIVE, PARLEY_SDP_SENDONLY,
		PARLEY_SDP_RECVONLY, PARLEY_SDP_SENDRECV };
	return dirs[b & 3];
}

/* Keeps allowed codecs in preference order, their RTX, and rejects the rest. */
static int answer_codecs(parley_sdp *s, parley_sdp_media *a, const parley_sdp_media *o,
	const parley_sdp_answer_options *opts, bool keep_twcc)
{
	unsigned kept = 0;
	for (size_t c = 0; c < opts->n_codecs; c++) {
		if (!strcasecmp(opts->codecs[c], "rtx"))
			continue;
		for (size_t i = 0; i < o->n_formats; i++) {
			const parley_sdp_format *f = &o->formats[i];
			if (opts->max_codecs_per_media && kept >= opts->max_codecs_per_media)
				return (int)kept;
			if (!f->has_rtpmap || !f->name || strcasecmp(f->name, opts->codecs[c]) != 0)
				continue;
			if (f->codec == PARLEY_SDP_CODEC_H264 && opts->h264_packetization_mode >= 0 &&
				f->packetization_mode != opts->h264_packetization_mode &&
				!(opts->h264_packetization_mode == 0 && f->packetization_mode < 0))
				continue;
			if (parley_sdp_format_by_pt(a, f->pt))
				continue;
			if (copy_format(s, a, f, keep_twcc) < 0)
				return -1;
			kept++;
			int rtx = parley_sdp_rtx_pt(o, f->pt);
			if (rtx >= 0 && copy_format(s, a, parley_sdp_format_by_pt(o, rtx), keep_twcc) < 0)
				return -1;
		}
	}
	return (int)kept;
}

static int answer_simulcast(parley_sdp *s, parley_sdp_media *a, const parley_sdp_media *o)
{
	for (size_t i = 0; i < o->n_rids; i++) {
		const parley_sdp_rid *r = &o->rids[i];
		if (!r->send)
			continue;
		parley_sdp_rid *d = sdp_push((void **)&a->rids, &a->n_rids, sizeof(*d), s->limits.max_rids);
		if (!d || parley_sdp_set_string(&d->id, r->id) < 0 || parley_sdp_set_string(&d->params, r->params) < 0)
			return -1;
		d->send = false;
		for (size_t j = 0; j < r->n_pts; j++)
			if (parley_sdp_format_by_pt(a, r->pts[j]))
				d->pts[d->n_pts++] = r->pts[j];
	}
	return parley_sdp_set_string(&a->simulcast_recv, o->simulcast_send);
}

static int answer_media(parley_sdp *s, const parley_sdp *offer, size_t idx,
	const parley_sdp_answer_options *opts, bool *first_bundled)
{
	const parley_sdp_media *o = &offer->media[idx];
	parley_sdp_media *a = sdp_push((void **)&s->media, &s->n_media, sizeof(*a), s->limits.max_media);
	if (!a)
		return -1;
	a->type = o->type;
	a->sctp_port = -1;
	a->max_message_size = -1;
	if (parley_sdp_set_string(&a->type_name, o->type_name) < 0 || parley_sdp_set_string(&a->proto, o->proto) < 0 ||
		parley_sdp_set_string(&a->mid, o->mid) < 0)
		return -1;
	bool rtp = o->type == PARLEY_SDP_MEDIA_AUDIO || o->type == PARLEY_SDP_MEDIA_VIDEO;
	bool sctp = o->type == PARLEY_SDP_MEDIA_APPLICATION && o->proto && strstr(o->proto, "DTLS/SCTP");
	/* a bundle-only m-line (port 0) of the offer's BUNDLE group is offered too */
	bool in_offer = o->port != 0 || (o->bundle_only && o->mid && parley_sdp_is_bundled(offer, o->mid));
	bool accept = in_offer && (rtp || (sctp && opts->accept_data));
	bool keep_twcc = listed(opts->extensions, opts->n_extensions, parley_sdp_ext_uri(PARLEY_SDP_EXT_TRANSPORT_CC), false);
	if (accept && rtp) {
		int kept = answer_codecs(s, a, o, opts, keep_twcc);
		if (kept < 0)
			return -1;
		accept = kept > 0;
	}
	if (!accept) { /* rejected: port 0, one format echoed back */
		a->port = 0;
		a->direction = PARLEY_SDP_INACTIVE;
		return sdp_push_format(s, a, o->formats[0].fmt) && parley_sdp_set_string(&a->connection, "IN IP4 0.0.0.0") == 0
			? 0 : -1;
	}
	bool bundled = parley_sdp_is_bundled(offer, o->mid);
	bool cands = !bundled || *first_bundled;
	if (bundled)
		*first_bundled = false;
	if (media_transport(s, a, &opts->transport, PARLEY_SDP_SETUP_ACTIVE, cands) < 0)
		return -1;
	if (!rtp) {
		/* Data channels, in the form offered: our SCTP port as
		 * a=sctp-port, or (legacy "DTLS/SCTP <port>") as the format with
		 * a=sctpmap. a=max-message-size is the core's to write. */
		if (strcmp(o->proto, "DTLS/SCTP") != 0) {
			a->sctp_port = 5000;
			return sdp_push_format(s, a, "webrtc-datachannel") ? 0 : -1;
		}
		return sdp_push_format(s, a, "5000") && parley_sdp_add_attr(s, a, "sctpmap", "5000 webrtc-datachannel 1024") == 0
			? 0 : -1;
	}
	for (size_t i = 0; i < o->n_extmaps; i++) {
		const parley_sdp_extmap *e = &o->extmaps[i];
		bool sim_ext = e->ext == PARLEY_SDP_EXT_RID || e->ext == PARLEY_SDP_EXT_REPAIRED_RID;
		if (!listed(opts->extensions, opts->n_extensions, e->uri, false) || (sim_ext && !opts->accept_simulcast))
			continue;
		if (parley_sdp_add_extmap(s, a, e->id, e->uri) < 0)
			return -1;
	}
	unsigned offered = dir_bits(parley_sdp_media_direction(offer, o));
	unsigned reversed = ((offered & 1) << 1) | ((offered & 2) >> 1);
	parley_sdp_direction want = idx < opts->n_directions ? opts->directions[idx] : PARLEY_SDP_DIR_UNSET;
	a->direction = from_bits(reversed & dir_bits(want));
	a->rtcp_mux = o->rtcp_mux;
	a->rtcp_rsize = o->rtcp_rsize && opts->rtcp_rsize;
	const parley_sdp_local_track *t = opts->tracks && idx < opts->n_tracks ? &opts->tracks[idx] : NULL;
	if (t && t->ssrc && (dir_bits(a->direction) & 1)) {
		char msid[256];
		snprintf(msid, sizeof(msid), "%s %s", t->msid_stream ? t->msid_stream : "-",
			t->msid_track ? t->msid_track : "track");
		if (parley_sdp_set_string(&a->msid, msid) < 0)
			return -1;
		bool rtx = t->rtx_ssrc && parley_sdp_rtx_pt(a, a->formats[0].pt) >= 0;
		uint32_t fid[2] = { t->ssrc, t->rtx_ssrc };
		if (parley_sdp_add_ssrc(s, a, t->ssrc, t->cname, NULL) < 0 ||
			(rtx && (parley_sdp_add_ssrc_group(s, a, "FID", fid, 2) < 0 ||
				parley_sdp_add_ssrc(s, a, t->rtx_ssrc, t->cname, NULL) < 0)))
			return -1;
	}
	if (opts->accept_simulcast && o->simulcast_send && o->n_rids && answer_simulcast(s, a, o) < 0)
		return -1;
	return 0;
}

parley_sdp *parley_sdp_build_answer(const parley_sdp *offer, const parley_sdp_answer_options *opts,
	char *err, size_t err_len)
{
	if (!offer || !opts)
		return fail(NULL, err, err_len, "missing offer or options");
	if (!opts->transport.ice_ufrag || !opts->transport.ice_pwd || !opts->transport.fingerprint)
		return fail(NULL, err, err_len, "ICE credentials and DTLS fingerprint are required");
	parley_sdp *s = parley_sdp_new(&offer->limits);
	if (!s || session_header(s, opts->session_id, 1) < 0)
		return fail(s, err, err_len, "out of memory");
	s->ice_lite = opts->transport.ice_lite;
	if (offer->msid_semantic && parley_sdp_set_string(&s->msid_semantic, " WMS") < 0)
		return fail(s, err, err_len, "out of memory");
	bool first_bundled = true;
	for (size_t i = 0; i < offer->n_media; i++) {
		if (!offer->media[i].mid && parley_sdp_is_bundled(offer, NULL))
			return fail(s, err, err_len, "m-line %zu has no mid", i);
		if (answer_media(s, offer, i, opts, &first_bundled) < 0)
			return fail(s, err, err_len, "m-line %zu: out of memory or limit reached", i);
	}
	/* BUNDLE: the accepted mids of the offer's group, in offer order */
	for (size_t g = 0; g < offer->n_groups; g++) {
		const parley_sdp_group *og = &offer->groups[g];
		if (strcmp(og->semantics, "BUNDLE") != 0)
			continue;
		const char *mids[256];
		size_t n = 0;
		for (size_t j = 0; j < og->n_mids && n < 256; j++) {
			const parley_sdp_media *am = parley_sdp_media_by_mid(s, og->mids[j]);
			if (am && am->port != 0)
				mids[n++] = og->mids[j];
		}
		if (n && parley_sdp_add_group(s, "BUNDLE", mids, n) < 0)
			return fail(s, err, err_len, "out of memory");
	}
	return s;
}

parley_sdp *parley_sdp_build_offer(const parley_sdp_offer_options *opts, char *err, size_t err_len)
{
	if (!opts || !opts->media || opts->n_media == 0)
		return fail(NULL, err, err_len, "no m-lines to offer");
	if (!opts->transport.ice_ufrag || !opts->transport.ice_pwd || !opts->transport.fingerprint)
		return fail(NULL, err, err_len, "ICE credentials and DTLS fingerprint are required");
	parley_sdp *s = parley_sdp_new(NULL);
	if (!s || session_header(s, opts->session_id, opts->session_version) < 0 ||
		parley_sdp_set_string(&s->msid_semantic, " WMS") < 0)
		return fail(s, err, err_len, "out of memory");
	s->ice_lite = opts->transport.ice_lite;
	const char *mids[256];
	for (size_t i = 0; i < opts->n_media; i++) {
		const parley_sdp_offer_media *om = &opts->media[i];
		bool rtp = om->type == PARLEY_SDP_MEDIA_AUDIO || om->type == PARLEY_SDP_MEDIA_VIDEO;
		if (!om->mid || i >= 256)
			return fail(s, err, err_len, "m-line %zu needs a mid", i);
		if (rtp && om->n_codecs == 0)
			return fail(s, err, err_len, "m-line %zu has no codecs", i);
		mids[i] = om->mid;
		parley_sdp_media *m = parley_sdp_add_media(s, om->type,
			rtp ? "UDP/TLS/RTP/SAVPF" : "UDP/DTLS/SCTP");
		if (!m || parley_sdp_set_string(&m->mid, om->mid) < 0 ||
			media_transport(s, m, &opts->transport, PARLEY_SDP_SETUP_ACTPASS, i == 0 || !opts->bundle) < 0)
			return fail(s, err, err_len, "m-line %zu: out of memory or limit reached", i);
		if (!rtp) {
			m->sctp_port = om->sctp_port > 0 ? om->sctp_port : 5000;
			m->max_message_size = om->max_message_size;
			if (!sdp_push_format(s, m, "webrtc-datachannel"))
				return fail(s, err, err_len, "out of memory");
			continue;
		}
		m->direction = om->direction != PARLEY_SDP_DIR_UNSET ? om->direction : PARLEY_SDP_SENDONLY;
		m->rtcp_mux = true;
		m->rtcp_rsize = opts->rtcp_rsize;
		for (size_t e = 0; e < om->n_extmaps; e++)
			if (parley_sdp_add_extmap(s, m, om->extmap_ids[e], om->extmap_uris[e]) < 0)
				return fail(s, err, err_len, "m-line %zu: invalid or too many extmaps", i);
		for (size_t c = 0; c < om->n_codecs; c++) {
			const parley_sdp_offer_codec *oc = &om->codecs[c];
			parley_sdp_format *f = parley_sdp_add_format(s, m, oc->pt, oc->name, oc->clock_rate,
				oc->channels, oc->fmtp);
			if (!f)
				return fail(s, err, err_len, "m-line %zu: invalid or duplicate pt %d", i, oc->pt);
			for (size_t k = 0; k < oc->n_rtcp_fb; k++)
				if (parley_sdp_add_rtcp_fb(s, f, oc->rtcp_fb[k]) < 0)
					return fail(s, err, err_len, "m-line %zu: too many rtcp-fb", i);
			if (oc->rtx_pt >= 0) {
				char apt[16];
				snprintf(apt, sizeof(apt), "apt=%d", oc->pt);
				if (!parley_sdp_add_format(s, m, oc->rtx_pt, "rtx", oc->clock_rate, 0, apt))
					return fail(s, err, err_len, "m-line %zu: invalid or duplicate rtx pt %d", i, oc->rtx_pt);
			}
		}
		const parley_sdp_local_track *t = &om->track;
		if (t->ssrc) {
			char msid[256];
			snprintf(msid, sizeof(msid), "%s %s", t->msid_stream ? t->msid_stream : "-",
				t->msid_track ? t->msid_track : "track");
			if (parley_sdp_set_string(&m->msid, msid) < 0)
				return fail(s, err, err_len, "out of memory");
			if (t->rtx_ssrc) {
				uint32_t fid[2] = { t->ssrc, t->rtx_ssrc };
				if (parley_sdp_add_ssrc_group(s, m, "FID", fid, 2) < 0)
					return fail(s, err, err_len, "out of memory");
			}
			if (parley_sdp_add_ssrc(s, m, t->ssrc, t->cname, NULL) < 0 ||
				(t->rtx_ssrc && parley_sdp_add_ssrc(s, m, t->rtx_ssrc, t->cname, NULL) < 0))
				return fail(s, err, err_len, "out of memory");
		}
	}
	if (opts->bundle && parley_sdp_add_group(s, "BUNDLE", mids, opts->n_media) < 0)
		return fail(s, err, err_len, "out of memory");
	return s;
}
