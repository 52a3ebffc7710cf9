/*
 * sdp_model.c — the SDP model's memory: defaults for limits, name tables
 * (directions, setup roles, codecs, extension URIs), construction helpers
 * that enforce the limits, lookups, fmtp interpretation and freeing.
 *
 * Complexity: every add is O(current count) (arrays grow by one realloc,
 * counts are bounded by the limits); lookups are linear in the section.
 */
#include "sdp.h"
#include "sdp_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void parley_sdp_limits_default(parley_sdp_limits *l)
{
	static const parley_sdp_limits def = {
		.max_length = PARLEY_SDP_MAX_LENGTH, .max_line = 4096, .max_lines = PARLEY_SDP_MAX_LINES, .max_media = PARLEY_SDP_MAX_MEDIA,
		.max_formats = 64, .max_rtcp_fb = 16, .max_candidates = 64, .max_attributes = 64,
		.max_extmaps = 32, .max_ssrcs = 32, .max_rids = 16,
	};
	size_t *f = (size_t *)l;
	const size_t *d = (const size_t *)&def;
	for (size_t i = 0; i < sizeof(def) / sizeof(size_t); i++)
		if (f[i] == 0)
			f[i] = d[i];
}

/* ---- names ---- */

static const char *const direction_names[] = {
	[PARLEY_SDP_DIR_UNSET] = NULL, [PARLEY_SDP_SENDRECV] = "sendrecv", [PARLEY_SDP_SENDONLY] = "sendonly",
	[PARLEY_SDP_RECVONLY] = "recvonly", [PARLEY_SDP_INACTIVE] = "inactive",
};
static const char *const setup_names[] = {
	[PARLEY_SDP_SETUP_UNSET] = NULL, [PARLEY_SDP_SETUP_ACTPASS] = "actpass", [PARLEY_SDP_SETUP_ACTIVE] = "active",
	[PARLEY_SDP_SETUP_PASSIVE] = "passive", [PARLEY_SDP_SETUP_HOLDCONN] = "holdconn",
};
static const char *const codec_names[PARLEY_SDP_CODEC_COUNT] = {
	[PARLEY_SDP_CODEC_UNKNOWN] = NULL, [PARLEY_SDP_CODEC_OPUS] = "opus", [PARLEY_SDP_CODEC_VP8] = "VP8",
	[PARLEY_SDP_CODEC_VP9] = "VP9", [PARLEY_SDP_CODEC_H264] = "H264", [PARLEY_SDP_CODEC_AV1] = "AV1",
	[PARLEY_SDP_CODEC_RTX] = "rtx", [PARLEY_SDP_CODEC_RED] = "red", [PARLEY_SDP_CODEC_ULPFEC] = "ulpfec",
	[PARLEY_SDP_CODEC_FLEXFEC] = "flexfec-03", [PARLEY_SDP_CODEC_G722] = "G722", [PARLEY_SDP_CODEC_PCMU] = "PCMU",
	[PARLEY_SDP_CODEC_PCMA] = "PCMA", [PARLEY_SDP_CODEC_TELEPHONE_EVENT] = "telephone-event",
	[PARLEY_SDP_CODEC_CN] = "CN",
};
static const char *const ext_uris[PARLEY_SDP_EXT_COUNT] = {
	[PARLEY_SDP_EXT_UNKNOWN] = NULL,
	[PARLEY_SDP_EXT_MID] = "urn:ietf:params:rtp-hdrext:sdes:mid",
	[PARLEY_SDP_EXT_RID] = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
	[PARLEY_SDP_EXT_REPAIRED_RID] = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
	[PARLEY_SDP_EXT_AUDIO_LEVEL] = "urn:ietf:params:rtp-hdrext:ssrc-audio-level",
	[PARLEY_SDP_EXT_ABS_SEND_TIME] = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
	[PARLEY_SDP_EXT_TRANSPORT_CC] = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
	[PARLEY_SDP_EXT_VIDEO_ORIENTATION] = "urn:3gpp:video-orientation",
};

const char *parley_sdp_direction_name(parley_sdp_direction d)
{
	return (unsigned)d <= PARLEY_SDP_INACTIVE ? direction_names[d] : NULL;
}

const char *parley_sdp_setup_name(parley_sdp_setup s)
{
	return (unsigned)s <= PARLEY_SDP_SETUP_HOLDCONN ? setup_names[s] : NULL;
}

const char *parley_sdp_codec_name(parley_sdp_codec c)
{
	return (unsigned)c < PARLEY_SDP_CODEC_COUNT ? codec_names[c] : NULL;
}

parley_sdp_codec parley_sdp_codec_from_name(const char *name)
{
	for (int i = 1; name && i < PARLEY_SDP_CODEC_COUNT; i++)
		if (strcasecmp(codec_names[i], name) == 0)
			return (parley_sdp_codec)i;
	return PARLEY_SDP_CODEC_UNKNOWN;
}

const char *parley_sdp_ext_uri(parley_sdp_ext e)
{
	return (unsigned)e < PARLEY_SDP_EXT_COUNT ? ext_uris[e] : NULL;
}

parley_sdp_ext parley_sdp_ext_from_uri(const char *uri)
{
	for (int i = 1; uri && i < PARLEY_SDP_EXT_COUNT; i++)
		if (strcmp(ext_uris[i], uri) == 0)
			return (parley_sdp_ext)i;
	return PARLEY_SDP_EXT_UNKNOWN;
}

int sdp_name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

parley_sdp_direction sdp_direction_from(const char *s)
{
	int i = sdp_name_index(direction_names, sizeof(direction_names) / sizeof(*direction_names), s);
	return i < 0 ? PARLEY_SDP_DIR_UNSET : (parley_sdp_direction)i;
}

parley_sdp_setup sdp_setup_from(const char *s)
{
	int i = sdp_name_index(setup_names, sizeof(setup_names) / sizeof(*setup_names), s);
	return i < 0 ? PARLEY_SDP_SETUP_UNSET : (parley_sdp_setup)i;
}

/* ---- memory ---- */

int parley_sdp_set_string(char **slot, const char *value)
{
	char *copy = NULL;
	if (value && !(copy = strdup(value)))
		return -1;
	free(*slot);
	*slot = copy;
	return 0;
}

void *sdp_push(void **arr, size_t *n, size_t elem, size_t limit)
{
	if (*n >= limit)
		return NULL;
	void *grown = realloc(*arr, (*n + 1) * elem);
	if (!grown)
		return NULL;
	*arr = grown;
	void *slot = (char *)grown + *n * elem;
	memset(slot, 0, elem);
	(*n)++;
	return slot;
}

static void free_attrs(parley_sdp_attr *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].name);
		free(a[i].value);
	}
	free(a);
}

static void free_lines(parley_sdp_line *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i].value);
	free(l);
}

void sdp_free_candidate(parley_sdp_candidate *c)
{
	free(c->foundation);
	free(c->transport);
	free(c->address);
	free(c->type);
	free(c->raddr);
	free(c->tcptype);
	free(c->extra);
}

static void free_media(parley_sdp_media *m)
{
	free(m->type_name);
	free(m->proto);
	for (size_t i = 0; i < m->n_formats; i++) {
		parley_sdp_format *f = &m->formats[i];
		free(f->fmt);
		free(f->name);
		free(f->fmtp);
		for (size_t j = 0; j < f->n_rtcp_fb; j++)
			free(f->rtcp_fb[j]);
		free(f->rtcp_fb);
	}
	free(m->formats);
	free(m->connection);
	free_lines(m->lines, m->n_lines);
	free(m->rtcp);
	free(m->mid);
	free(m->ice_ufrag);
	free(m->ice_pwd);
	free(m->ice_options);
	free(m->fingerprint.hash);
	free(m->fingerprint.value);
	free(m->msid);
	for (size_t i = 0; i < m->n_extmaps; i++) {
		free(m->extmaps[i].uri);
		free(m->extmaps[i].attributes);
	}
	free(m->extmaps);
	for (size_t i = 0; i < m->n_ssrcs; i++) {
		free(m->ssrcs[i].cname);
		free(m->ssrcs[i].msid);
		free_attrs(m->ssrcs[i].attrs, m->ssrcs[i].n_attrs);
	}
	free(m->ssrcs);
	for (size_t i = 0; i < m->n_ssrc_groups; i++)
		free(m->ssrc_groups[i].semantics);
	free(m->ssrc_groups);
	for (size_t i = 0; i < m->n_rids; i++) {
		free(m->rids[i].id);
		free(m->rids[i].params);
	}
	free(m->rids);
	free(m->simulcast_send);
	free(m->simulcast_recv);
	for (size_t i = 0; i < m->n_candidates; i++)
		sdp_free_candidate(&m->candidates[i]);
	free(m->candidates);
	free_attrs(m->attrs, m->n_attrs);
}

void parley_sdp_free(parley_sdp *s)
{
	if (!s)
		return;
	free(s->origin_username);
	free(s->origin_sess_id);
	free(s->origin_sess_version);
	free(s->origin_address);
	free(s->name);
	free(s->timing);
	free(s->connection);
	free_lines(s->lines, s->n_lines);
	for (size_t i = 0; i < s->n_groups; i++) {
		free(s->groups[i].semantics);
		for (size_t j = 0; j < s->groups[i].n_mids; j++)
			free(s->groups[i].mids[j]);
		free(s->groups[i].mids);
	}
	free(s->groups);
	free(s->ice_ufrag);
	free(s->ice_pwd);
	free(s->ice_options);
	free(s->fingerprint.hash);
	free(s->fingerprint.value);
	free(s->msid_semantic);
	free_attrs(s->attrs, s->n_attrs);
	for (size_t i = 0; i < s->n_media; i++)
		free_media(&s->media[i]);
	free(s->media);
	free(s);
}

/* ---- construction ---- */

parley_sdp *parley_sdp_new(const parley_sdp_limits *limits)
{
	parley_sdp *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (limits)
		s->limits = *limits;
	parley_sdp_limits_default(&s->limits);
	return s;
}

static const char *const media_type_names[] = {
	[PARLEY_SDP_MEDIA_OTHER] = NULL, [PARLEY_SDP_MEDIA_AUDIO] = "audio",
	[PARLEY_SDP_MEDIA_VIDEO] = "video", [PARLEY_SDP_MEDIA_APPLICATION] = "application",
};

parley_sdp_media_type sdp_media_type_from(const char *s)
{
	int i = sdp_name_index(media_type_names, sizeof(media_type_names) / sizeof(*media_type_names), s);
	return i < 0 ? PARLEY_SDP_MEDIA_OTHER : (parley_sdp_media_type)i;
}

parley_sdp_media *parley_sdp_add_media(parley_sdp *sdp, parley_sdp_media_type type, const char *proto)
{
	if ((unsigned)type > PARLEY_SDP_MEDIA_APPLICATION || type == PARLEY_SDP_MEDIA_OTHER)
		return NULL;
	parley_sdp_media *m = sdp_push((void **)&sdp->media, &sdp->n_media, sizeof(*m), sdp->limits.max_media);
	if (!m)
		return NULL;
	m->type = type;
	m->sctp_port = -1;
	m->max_message_size = -1;
	if (parley_sdp_set_string(&m->type_name, media_type_names[type]) < 0 ||
		parley_sdp_set_string(&m->proto, proto) < 0)
		return NULL; /* the entry stays, half-filled, and is freed with sdp */
	return m;
}

parley_sdp_format *sdp_push_format(parley_sdp *sdp, parley_sdp_media *m, const char *fmt)
{
	parley_sdp_format *f = sdp_push((void **)&m->formats, &m->n_formats, sizeof(*f), sdp->limits.max_formats);
	if (!f)
		return NULL;
	f->pt = -1;
	f->apt = -1;
	f->vp9_profile = -1;
	f->packetization_mode = -1;
	f->level_asymmetry = -1;
	if (parley_sdp_set_string(&f->fmt, fmt) < 0)
		return NULL;
	char *end;
	long pt = strtol(fmt, &end, 10);
	if (*fmt >= '0' && *fmt <= '9' && *end == '\0' && pt <= 127)
		f->pt = (int)pt;
	return f;
}

parley_sdp_format *parley_sdp_add_format(parley_sdp *sdp, parley_sdp_media *m, int pt, const char *name,
	uint32_t clock_rate, uint32_t channels, const char *fmtp)
{
	if (pt < 0 || pt > 127 || !name || parley_sdp_format_by_pt(m, pt))
		return NULL;
	char tok[8];
	snprintf(tok, sizeof(tok), "%d", pt);
	parley_sdp_format *f = sdp_push_format(sdp, m, tok);
	if (!f)
		return NULL;
	f->has_rtpmap = true;
	f->codec = parley_sdp_codec_from_name(name);
	f->clock_rate = clock_rate;
	f->channels = channels;
	if (parley_sdp_set_string(&f->name, name) < 0)
		return NULL;
	if (fmtp) {
		if (parley_sdp_set_string(&f->fmtp, fmtp) < 0)
			return NULL;
		parley_sdp_format_set_fmtp(f, fmtp);
	}
	return f;
}

int parley_sdp_add_rtcp_fb(parley_sdp *sdp, parley_sdp_format *f, const char *value)
{
	char **slot = sdp_push((void **)&f->rtcp_fb, &f->n_rtcp_fb, sizeof(char *), sdp->limits.max_rtcp_fb);
	if (!slot)
		return -1;
	return parley_sdp_set_string(slot, value);
}

/* fmtp: "key=value;key=value" — only the keys we interpret are parsed. */
void parley_sdp_format_set_fmtp(parley_sdp_format *f, const char *fmtp)
{
	const char *p = fmtp;
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *eq = strchr(p, '='), *semi = strchr(p, ';');
		if (!semi)
			semi = p + strlen(p);
		if (eq && eq < semi) {
			size_t klen = (size_t)(eq - p);
			const char *v = eq + 1;
			char *end;
			long n = strtol(v, &end, 10);
			bool num = end != v && end <= semi;
			if (klen == 3 && !strncmp(p, "apt", 3) && num && n >= 0 && n <= 127)
				f->apt = (int)n;
			else if (klen == 10 && !strncmp(p, "profile-id", 10) && num && n >= 0 && n < 256)
				f->vp9_profile = (int)n;
			else if (klen == 18 && !strncmp(p, "packetization-mode", 18) && num && n >= 0 && n <= 2)
				f->packetization_mode = (int)n;
			else if (klen == 23 && !strncmp(p, "level-asymmetry-allowed", 23) && num && (n == 0 || n == 1))
				f->level_asymmetry = (int)n;
			else if (klen == 16 && !strncmp(p, "profile-level-id", 16) && semi - v == 6) {
				unsigned long id = strtoul(v, &end, 16);
				if (end == semi) {
					f->profile_level_id = (uint32_t)id;
					f->has_profile_level_id = true;
				}
			}
		}
		p = *semi ? semi + 1 : semi;
	}
}

int parley_sdp_add_extmap(parley_sdp *sdp, parley_sdp_media *m, uint16_t id, const char *uri)
{
	if (id == 0 || id > 255 || !uri)
		return -1;
	parley_sdp_extmap *e = sdp_push((void **)&m->extmaps, &m->n_extmaps, sizeof(*e), sdp->limits.max_extmaps);
	if (!e)
		return -1;
	e->id = id;
	e->ext = parley_sdp_ext_from_uri(uri);
	return parley_sdp_set_string(&e->uri, uri);
}

parley_sdp_ssrc *sdp_ssrc_get(parley_sdp *sdp, parley_sdp_media *m, uint32_t ssrc)
{
	for (size_t i = 0; i < m->n_ssrcs; i++)
		if (m->ssrcs[i].ssrc == ssrc)
			return &m->ssrcs[i];
	parley_sdp_ssrc *s = sdp_push((void **)&m->ssrcs, &m->n_ssrcs, sizeof(*s), sdp->limits.max_ssrcs);
	if (s)
		s->ssrc = ssrc;
	return s;
}

int parley_sdp_add_ssrc(parley_sdp *sdp, parley_sdp_media *m, uint32_t ssrc, const char *cname, const char *msid)
{
	parley_sdp_ssrc *s = sdp_ssrc_get(sdp, m, ssrc);
	if (!s)
		return -1;
	if ((cname && parley_sdp_set_string(&s->cname, cname) < 0) ||
		(msid && parley_sdp_set_string(&s->msid, msid) < 0))
		return -1;
	return 0;
}

int parley_sdp_add_ssrc_group(parley_sdp *sdp, parley_sdp_media *m, const char *semantics,
	const uint32_t *ssrcs, size_t n)
{
	if (!semantics || n == 0 || n > PARLEY_SDP_MAX_GROUP_SSRCS)
		return -1;
	parley_sdp_ssrc_group *g = sdp_push((void **)&m->ssrc_groups, &m->n_ssrc_groups, sizeof(*g),
		sdp->limits.max_ssrcs);
	if (!g)
		return -1;
	memcpy(g->ssrcs, ssrcs, n * sizeof(*ssrcs));
	g->n_ssrcs = n;
	return parley_sdp_set_string(&g->semantics, semantics);
}

int parley_sdp_add_rid(parley_sdp *sdp, parley_sdp_media *m, const char *id, bool send)
{
	if (!id || !*id)
		return -1;
	parley_sdp_rid *r = sdp_push((void **)&m->rids, &m->n_rids, sizeof(*r), sdp->limits.max_rids);
	if (!r)
		return -1;
	r->send = send;
	return parley_sdp_set_string(&r->id, id);
}

int parley_sdp_add_candidate(parley_sdp *sdp, parley_sdp_media *m, const parley_sdp_candidate *c)
{
	if (!c || !c->foundation || !c->transport || !c->address || !c->type)
		return -1;
	parley_sdp_candidate *d = sdp_push((void **)&m->candidates, &m->n_candidates, sizeof(*d),
		sdp->limits.max_candidates);
	if (!d)
		return -1;
	d->component = c->component;
	d->priority = c->priority;
	d->port = c->port;
	d->rport = c->rport;
	d->generation = c->generation;
	if (parley_sdp_set_string(&d->foundation, c->foundation) < 0 ||
		parley_sdp_set_string(&d->transport, c->transport) < 0 ||
		parley_sdp_set_string(&d->address, c->address) < 0 ||
		parley_sdp_set_string(&d->type, c->type) < 0 ||
		parley_sdp_set_string(&d->raddr, c->raddr) < 0 ||
		parley_sdp_set_string(&d->tcptype, c->tcptype) < 0 ||
		parley_sdp_set_string(&d->extra, c->extra) < 0)
		return -1;
	return 0;
}

int parley_sdp_add_group(parley_sdp *sdp, const char *semantics, const char *const *mids, size_t n)
{
	parley_sdp_group *g = sdp_push((void **)&sdp->groups, &sdp->n_groups, sizeof(*g), sdp->limits.max_attributes);
	if (!g || parley_sdp_set_string(&g->semantics, semantics) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char **slot = sdp_push((void **)&g->mids, &g->n_mids, sizeof(char *), sdp->limits.max_media);
		if (!slot || parley_sdp_set_string(slot, mids[i]) < 0)
			return -1;
	}
	return 0;
}

int parley_sdp_add_attr(parley_sdp *sdp, parley_sdp_media *m, const char *name, const char *value)
{
	parley_sdp_attr **arr = m ? &m->attrs : &sdp->attrs;
	size_t *n = m ? &m->n_attrs : &sdp->n_attrs;
	parley_sdp_attr *a = sdp_push((void **)arr, n, sizeof(*a), sdp->limits.max_attributes);
	if (!a)
		return -1;
	if (parley_sdp_set_string(&a->name, name) < 0 || parley_sdp_set_string(&a->value, value) < 0)
		return -1;
	return 0;
}

/* ---- lookups ---- */

parley_sdp_media *parley_sdp_media_by_mid(const parley_sdp *sdp, const char *mid)
{
	for (size_t i = 0; sdp && mid && i < sdp->n_media; i++)
		if (sdp->media[i].mid && strcmp(sdp->media[i].mid, mid) == 0)
			return &sdp->media[i];
	return NULL;
}

parley_sdp_format *parley_sdp_format_by_pt(const parley_sdp_media *m, int pt)
{
	for (size_t i = 0; m && i < m->n_formats; i++)
		if (m->formats[i].pt == pt && pt >= 0)
			return &m->formats[i];
	return NULL;
}

int parley_sdp_extmap_id(const parley_sdp_media *m, parley_sdp_ext ext)
{
	for (size_t i = 0; m && i < m->n_extmaps; i++)
		if (m->extmaps[i].ext == ext && ext != PARLEY_SDP_EXT_UNKNOWN)
			return m->extmaps[i].id;
	return 0;
}

int parley_sdp_rtx_pt(const parley_sdp_media *m, int pt)
{
	for (size_t i = 0; m && i < m->n_formats; i++)
		if (m->formats[i].codec == PARLEY_SDP_CODEC_RTX && m->formats[i].apt == pt)
			return m->formats[i].pt;
	return -1;
}

parley_sdp_direction parley_sdp_media_direction(const parley_sdp *sdp, const parley_sdp_media *m)
{
	if (m && m->direction != PARLEY_SDP_DIR_UNSET)
		return m->direction;
	if (sdp && sdp->direction != PARLEY_SDP_DIR_UNSET)
		return sdp->direction;
	return PARLEY_SDP_SENDRECV;
}

bool parley_sdp_is_bundled(const parley_sdp *sdp, const char *mid)
{
	for (size_t i = 0; sdp && mid && i < sdp->n_groups; i++) {
		if (strcmp(sdp->groups[i].semantics, "BUNDLE") != 0)
			continue;
		for (size_t j = 0; j < sdp->groups[i].n_mids; j++)
			if (strcmp(sdp->groups[i].mids[j], mid) == 0)
				return true;
	}
	return false;
}
