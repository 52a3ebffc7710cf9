/*
 * sdp_parse.c — SDP text → parley_sdp. Lines dispatch by type letter, then
 * a= attributes by name through a table; attributes we do not model (or
 * that appear at a level we do not model them at) are kept verbatim so the
 * writer round-trips them. Every count is checked against the limits and
 * every error names its line.
 *
 * Complexity: O(text length + lines × section size) (lookups of formats
 * and ssrcs are linear in the bounded counts). Allocates the model only.
 */
#include "sdp.h"
#include "sdp_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct ctx {
	parley_sdp *sdp;
	parley_sdp_media *m;   /* current m-section, NULL at session level */
	size_t line_no;
	char *err;
	size_t err_len;
} ctx;

__attribute__((format(printf, 2, 3)))
static int fail(ctx *c, const char *fmt, ...)
{
	if (!c->err || c->err_len == 0)
		return -1;
	int n = snprintf(c->err, c->err_len, "line %zu: ", c->line_no);
	if (n < 0 || (size_t)n >= c->err_len)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->err_len - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

#define OOM(c) fail((c), "out of memory or limit reached")

/* Next space-separated token, NUL-terminated in place; NULL at the end. */
static char *token(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	char *e = s;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

static char *rest(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return *p ? p : NULL;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || !*s)
		return false;
	uint64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

static int set(ctx *c, char **slot, const char *value)
{
	if (!value)
		return fail(c, "missing value");
	return parley_sdp_set_string(slot, value) < 0 ? OOM(c) : 0;
}

/* ---- attribute handlers ---- */

typedef int (*attr_fn)(ctx *c, char *value);

#define SLOT(c, field) ((c)->m ? &(c)->m->field : &(c)->sdp->field)

static int a_group(ctx *c, char *v)
{
	char *sem = token(&v);
	if (!sem)
		return fail(c, "a=group without semantics");
	const char *mids[256];
	size_t n = 0;
	char *t;
	while ((t = token(&v))) {
		if (n >= c->sdp->limits.max_media || n >= sizeof(mids) / sizeof(*mids))
			return fail(c, "a=group lists more than %zu mids", c->sdp->limits.max_media);
		mids[n++] = t;
	}
	return parley_sdp_add_group(c->sdp, sem, mids, n) < 0 ? OOM(c) : 0;
}

static int a_ice_ufrag(ctx *c, char *v) { return set(c, SLOT(c, ice_ufrag), v); }
static int a_ice_pwd(ctx *c, char *v) { return set(c, SLOT(c, ice_pwd), v); }
static int a_ice_options(ctx *c, char *v) { return set(c, SLOT(c, ice_options), v); }
static int a_msid_semantic(ctx *c, char *v) { return set(c, &c->sdp->msid_semantic, v); }
static int a_rtcp(ctx *c, char *v) { return set(c, &c->m->rtcp, v); }
static int a_msid(ctx *c, char *v) { return set(c, &c->m->msid, v); }

static int a_mid(ctx *c, char *v)
{
	if (!v || strchr(v, ' '))
		return fail(c, "invalid a=mid");
	return set(c, &c->m->mid, v);
}

static int a_ice_lite(ctx *c, char *v) { c->sdp->ice_lite = true; return 0; }
static int a_allow_mixed(ctx *c, char *v) { *SLOT(c, extmap_allow_mixed) = true; return 0; }
static int a_rtcp_mux(ctx *c, char *v) { c->m->rtcp_mux = true; return 0; }
static int a_rtcp_mux_only(ctx *c, char *v) { c->m->rtcp_mux_only = true; return 0; }
static int a_rtcp_rsize(ctx *c, char *v) { c->m->rtcp_rsize = true; return 0; }
static int a_bundle_only(ctx *c, char *v) { c->m->bundle_only = true; return 0; }
static int a_eoc(ctx *c, char *v) { c->m->end_of_candidates = true; return 0; }

static int direction(ctx *c, parley_sdp_direction d)
{
	*SLOT(c, direction) = d;
	return 0;
}
static int a_sendrecv(ctx *c, char *v) { return direction(c, PARLEY_SDP_SENDRECV); }
static int a_sendonly(ctx *c, char *v) { return direction(c, PARLEY_SDP_SENDONLY); }
static int a_recvonly(ctx *c, char *v) { return direction(c, PARLEY_SDP_RECVONLY); }
static int a_inactive(ctx *c, char *v) { return direction(c, PARLEY_SDP_INACTIVE); }

static int a_fingerprint(ctx *c, char *v)
{
	char *hash = v ? token(&v) : NULL, *value = hash ? token(&v) : NULL;
	if (!value)
		return fail(c, "a=fingerprint needs a hash function and a value");
	parley_sdp_fingerprint *fp = SLOT(c, fingerprint);
	if (set(c, &fp->hash, hash) < 0)
		return -1;
	return set(c, &fp->value, value);
}

static int a_setup(ctx *c, char *v)
{
	parley_sdp_setup s = v ? sdp_setup_from(v) : PARLEY_SDP_SETUP_UNSET;
	if (s == PARLEY_SDP_SETUP_UNSET)
		return fail(c, "unknown a=setup role");
	*SLOT(c, setup) = s;
	return 0;
}

static int a_ssrc(ctx *c, char *v)
{
	char *id = v ? token(&v) : NULL;
	uint64_t ssrc;
	if (!id || !parse_u64(id, UINT32_MAX, &ssrc))
		return fail(c, "invalid a=ssrc id");
	char *attr = rest(v);
	if (!attr)
		return fail(c, "a=ssrc without a source attribute");
	parley_sdp_ssrc *s = sdp_ssrc_get(c->sdp, c->m, (uint32_t)ssrc);
	if (!s)
		return fail(c, "more than %zu ssrcs", c->sdp->limits.max_ssrcs);
	char *colon = strchr(attr, ':');
	char *value = NULL;
	if (colon) {
		*colon = '\0';
		value = colon + 1;
	}
	if (!strcmp(attr, "cname") && value && !s->cname)
		return set(c, &s->cname, value);
	if (!strcmp(attr, "msid") && value && !s->msid)
		return set(c, &s->msid, value);
	parley_sdp_attr *a = sdp_push((void **)&s->attrs, &s->n_attrs, sizeof(*a), c->sdp->limits.max_attributes);
	if (!a)
		return fail(c, "too many attributes for ssrc %u", s->ssrc);
	if (set(c, &a->name, attr) < 0)
		return -1;
	return value ? set(c, &a->value, value) : 0;
}

static int a_ssrc_group(ctx *c, char *v)
{
	char *sem = v ? token(&v) : NULL;
	if (!sem)
		return fail(c, "a=ssrc-group without semantics");
	uint32_t ssrcs[PARLEY_SDP_MAX_GROUP_SSRCS];
	size_t n = 0;
	char *t;
	while ((t = token(&v))) {
		uint64_t s;
		if (!parse_u64(t, UINT32_MAX, &s))
			return fail(c, "invalid ssrc in a=ssrc-group");
		if (n >= PARLEY_SDP_MAX_GROUP_SSRCS)
			return fail(c, "a=ssrc-group with more than %d ssrcs", PARLEY_SDP_MAX_GROUP_SSRCS);
		ssrcs[n++] = (uint32_t)s;
	}
	if (n == 0)
		return fail(c, "a=ssrc-group without ssrcs");
	return parley_sdp_add_ssrc_group(c->sdp, c->m, sem, ssrcs, n) < 0 ? OOM(c) : 0;
}

static int a_rid(ctx *c, char *v)
{
	char *id = v ? token(&v) : NULL, *dir = id ? token(&v) : NULL;
	if (!dir || (strcmp(dir, "send") && strcmp(dir, "recv")))
		return fail(c, "a=rid needs an id and send or recv");
	parley_sdp_rid *r = sdp_push((void **)&c->m->rids, &c->m->n_rids, sizeof(*r), c->sdp->limits.max_rids);
	if (!r)
		return fail(c, "more than %zu rids", c->sdp->limits.max_rids);
	r->send = !strcmp(dir, "send");
	if (set(c, &r->id, id) < 0)
		return -1;
	char *params = rest(v);
	if (!params)
		return 0;
	/* split off pt=a,b,c; keep the other restrictions verbatim */
	char other[1024] = "";
	size_t olen = 0;
	for (char *save = NULL, *p = strtok_r(params, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
		if (!strncmp(p, "pt=", 3)) {
			for (char *s2 = NULL, *q = strtok_r(p + 3, ",", &s2); q; q = strtok_r(NULL, ",", &s2)) {
				uint64_t pt;
				if (!parse_u64(q, 127, &pt))
					return fail(c, "invalid pt in a=rid");
				if (r->n_pts >= PARLEY_SDP_MAX_RID_PTS)
					return fail(c, "a=rid with more than %d pts", PARLEY_SDP_MAX_RID_PTS);
				r->pts[r->n_pts++] = (int)pt;
			}
		} else {
			int w = snprintf(other + olen, sizeof(other) - olen, "%s%s", olen ? ";" : "", p);
			if (w < 0 || (size_t)w >= sizeof(other) - olen)
				return fail(c, "a=rid restrictions too long");
			olen += (size_t)w;
		}
	}
	return olen ? set(c, &r->params, other) : 0;
}

static int a_simulcast(ctx *c, char *v)
{
	char *t;
	int seen = 0;
	while (v && (t = token(&v))) {
		char *list = token(&v);
		char **slot = !strcmp(t, "send") ? &c->m->simulcast_send : !strcmp(t, "recv") ? &c->m->simulcast_recv : NULL;
		if (!slot || !list || *slot)
			return fail(c, "invalid a=simulcast");
		if (set(c, slot, list) < 0)
			return -1;
		seen++;
	}
	return seen ? 0 : fail(c, "empty a=simulcast");
}

static int a_extmap(ctx *c, char *v)
{
	char *idtok = v ? token(&v) : NULL, *uri = idtok ? token(&v) : NULL;
	if (!uri)
		return fail(c, "a=extmap needs an id and a URI");
	parley_sdp_direction d = PARLEY_SDP_DIR_UNSET;
	char *slash = strchr(idtok, '/');
	if (slash) {
		*slash = '\0';
		d = sdp_direction_from(slash + 1);
		if (d == PARLEY_SDP_DIR_UNSET)
			return fail(c, "invalid a=extmap direction");
	}
	uint64_t id;
	if (!parse_u64(idtok, 255, &id) || id == 0)
		return fail(c, "invalid a=extmap id");
	for (size_t i = 0; i < c->m->n_extmaps; i++)
		if (c->m->extmaps[i].id == id)
			return fail(c, "duplicate a=extmap id %u", (unsigned)id);
	if (parley_sdp_add_extmap(c->sdp, c->m, (uint16_t)id, uri) < 0)
		return fail(c, "more than %zu extmaps", c->sdp->limits.max_extmaps);
	parley_sdp_extmap *e = &c->m->extmaps[c->m->n_extmaps - 1];
	e->direction = d;
	char *attrs = rest(v);
	return attrs ? set(c, &e->attributes, attrs) : 0;
}

/* Format for "<pt> ..." attributes; NULL when the pt is not on the m-line.
 * Does not modify the value; on success *v points past the pt. */
static parley_sdp_format *format_of(ctx *c, char **v)
{
	char *s = *v;
	int pt = 0, digits = 0;
	while (*s >= '0' && *s <= '9' && digits < 4) {
		pt = pt * 10 + (*s++ - '0');
		digits++;
	}
	if (digits == 0 || digits > 3 || (*s != ' ' && *s != '\0'))
		return NULL;
	parley_sdp_format *f = parley_sdp_format_by_pt(c->m, pt);
	if (f)
		*v = s;
	return f;
}

static int keep(ctx *c, const char *name, const char *value);

static int a_rtpmap(ctx *c, char *v)
{
	char *orig = v, *sv = NULL;
	parley_sdp_format *f = v ? format_of(c, &v) : NULL;
	if (f && f->has_rtpmap)
		return fail(c, "duplicate a=rtpmap for pt %d", f->pt);
	if (!f) /* rtpmap for a pt not on the m-line: keep verbatim */
		return orig ? keep(c, "rtpmap", orig) : fail(c, "a=rtpmap without a value");
	char *enc = token(&v);
	char *name = enc ? strtok_r(enc, "/", &sv) : NULL, *clock = name ? strtok_r(NULL, "/", &sv) : NULL;
	char *chans = clock ? strtok_r(NULL, "/", &sv) : NULL;
	uint64_t rate, ch = 0;
	if (!clock || !parse_u64(clock, UINT32_MAX, &rate) || (chans && !parse_u64(chans, 255, &ch)))
		return fail(c, "invalid a=rtpmap encoding");
	f->has_rtpmap = true;
	f->clock_rate = (uint32_t)rate;
	f->channels = (uint32_t)ch;
	f->codec = parley_sdp_codec_from_name(name);
	return set(c, &f->name, name);
}

static int a_fmtp(ctx *c, char *v)
{
	char *orig = v;
	parley_sdp_format *f = v ? format_of(c, &v) : NULL;
	char *params = f ? rest(v) : NULL;
	if (f && f->fmtp)
		return fail(c, "duplicate a=fmtp for pt %d", f->pt);
	if (!f || !params)
		return orig ? keep(c, "fmtp", orig) : fail(c, "a=fmtp without a value");
	parley_sdp_format_set_fmtp(f, params);
	return set(c, &f->fmtp, params);
}

static int a_rtcp_fb(ctx *c, char *v)
{
	char *orig = v;
	parley_sdp_format *f = v ? format_of(c, &v) : NULL;
	char *val = f ? rest(v) : NULL;
	if (!f || !val)
		return orig ? keep(c, "rtcp-fb", orig) : fail(c, "a=rtcp-fb without a value");
	if (parley_sdp_add_rtcp_fb(c->sdp, f, val) < 0)
		return fail(c, "more than %zu rtcp-fb for pt %d", c->sdp->limits.max_rtcp_fb, f->pt);
	return 0;
}

static int a_candidate(ctx *c, char *v)
{
	parley_sdp_candidate k = { .rport = -1, .generation = -1 };
	char *t[8];
	for (int i = 0; i < 8; i++)
		if (!v || !(t[i] = token(&v)))
			return fail(c, "a=candidate has too few fields");
	uint64_t comp, prio, port;
	if (!parse_u64(t[1], 256, &comp) || !parse_u64(t[3], UINT32_MAX, &prio) ||
		!parse_u64(t[5], 65535, &port) || strcmp(t[6], "typ"))
		return fail(c, "invalid a=candidate");
	k.foundation = t[0];
	k.component = (uint32_t)comp;
	k.transport = t[2];
	k.priority = prio;
	k.address = t[4];
	k.port = (uint16_t)port;
	k.type = t[7];
	char extra[1024] = "";
	size_t elen = 0;
	char *name;
	while ((name = token(&v))) {
		char *val = token(&v);
		uint64_t n;
		if (!val)
			return fail(c, "a=candidate extension %s without a value", name);
		if (!strcmp(name, "raddr") && !k.raddr) {
			k.raddr = val;
		} else if (!strcmp(name, "rport") && k.rport < 0 && parse_u64(val, 65535, &n)) {
			k.rport = (int32_t)n;
		} else if (!strcmp(name, "tcptype") && !k.tcptype) {
			k.tcptype = val;
		} else if (!strcmp(name, "generation") && k.generation < 0 && parse_u64(val, UINT32_MAX, &n)) {
			k.generation = (int64_t)n;
		} else {
			int w = snprintf(extra + elen, sizeof(extra) - elen, "%s%s %s", elen ? " " : "", name, val);
			if (w < 0 || (size_t)w >= sizeof(extra) - elen)
				return fail(c, "a=candidate too long");
			elen += (size_t)w;
		}
	}
	k.extra = elen ? extra : NULL;
	if (parley_sdp_add_candidate(c->sdp, c->m, &k) < 0)
		return fail(c, "more than %zu candidates", c->sdp->limits.max_candidates);
	return 0;
}

static int a_sctp_port(ctx *c, char *v)
{
	uint64_t n;
	if (!v || !parse_u64(v, 65535, &n))
		return fail(c, "invalid a=sctp-port");
	c->m->sctp_port = (int32_t)n;
	return 0;
}

static int a_max_message_size(ctx *c, char *v)
{
	uint64_t n;
	if (!v || !parse_u64(v, INT64_MAX, &n))
		return fail(c, "invalid a=max-message-size");
	c->m->max_message_size = (int64_t)n;
	return 0;
}

enum { AT_SESSION = 1, AT_MEDIA = 2, AT_BOTH = 3 };

static const struct {
	const char *name;
	int levels;
	attr_fn fn;
} attr_table[] = {
	{ "group", AT_SESSION, a_group },
	{ "ice-lite", AT_SESSION, a_ice_lite },
	{ "msid-semantic", AT_SESSION, a_msid_semantic },
	{ "ice-ufrag", AT_BOTH, a_ice_ufrag },
	{ "ice-pwd", AT_BOTH, a_ice_pwd },
	{ "ice-options", AT_BOTH, a_ice_options },
	{ "fingerprint", AT_BOTH, a_fingerprint },
	{ "setup", AT_BOTH, a_setup },
	{ "extmap-allow-mixed", AT_BOTH, a_allow_mixed },
	{ "sendrecv", AT_BOTH, a_sendrecv },
	{ "sendonly", AT_BOTH, a_sendonly },
	{ "recvonly", AT_BOTH, a_recvonly },
	{ "inactive", AT_BOTH, a_inactive },
	{ "mid", AT_MEDIA, a_mid },
	{ "rtcp", AT_MEDIA, a_rtcp },
	{ "rtcp-mux", AT_MEDIA, a_rtcp_mux },
	{ "rtcp-mux-only", AT_MEDIA, a_rtcp_mux_only },
	{ "bundle-only", AT_MEDIA, a_bundle_only },
	{ "rtcp-rsize", AT_MEDIA, a_rtcp_rsize },
	{ "msid", AT_MEDIA, a_msid },
	{ "ssrc", AT_MEDIA, a_ssrc },
	{ "ssrc-group", AT_MEDIA, a_ssrc_group },
	{ "rid", AT_MEDIA, a_rid },
	{ "simulcast", AT_MEDIA, a_simulcast },
	{ "extmap", AT_MEDIA, a_extmap },
	{ "rtpmap", AT_MEDIA, a_rtpmap },
	{ "fmtp", AT_MEDIA, a_fmtp },
	{ "rtcp-fb", AT_MEDIA, a_rtcp_fb },
	{ "candidate", AT_MEDIA, a_candidate },
	{ "end-of-candidates", AT_MEDIA, a_eoc },
	{ "sctp-port", AT_MEDIA, a_sctp_port },
	{ "max-message-size", AT_MEDIA, a_max_message_size },
};

static int keep(ctx *c, const char *name, const char *value)
{
	if (parley_sdp_add_attr(c->sdp, c->m, name, value) < 0)
		return fail(c, "more than %zu unmodelled attributes", c->sdp->limits.max_attributes);
	return 0;
}

/* Flags (a=name) must not carry a value and values must not be empty. */
static bool is_flag(attr_fn fn)
{
	static const attr_fn flags[] = { a_ice_lite, a_allow_mixed, a_rtcp_mux, a_rtcp_mux_only, a_rtcp_rsize,
		a_bundle_only, a_eoc, a_sendrecv, a_sendonly, a_recvonly, a_inactive };
	for (size_t i = 0; i < sizeof(flags) / sizeof(*flags); i++)
		if (flags[i] == fn)
			return true;
	return false;
}

static int line_a(ctx *c, char *v)
{
	char *colon = strchr(v, ':');
	char *value = NULL;
	if (colon) {
		*colon = '\0';
		value = colon + 1;
	}
	if (!*v)
		return fail(c, "empty attribute name");
	int level = c->m ? AT_MEDIA : AT_SESSION;
	for (size_t i = 0; i < sizeof(attr_table) / sizeof(*attr_table); i++) {
		if (strcmp(attr_table[i].name, v) != 0)
			continue;
		if (!(attr_table[i].levels & level) || (is_flag(attr_table[i].fn) != (value == NULL)))
			break; /* not modelled in this form: keep it */
		return attr_table[i].fn(c, value);
	}
	return keep(c, v, value);
}

/* ---- line handlers ---- */

static int line_v(ctx *c, char *v)
{
	if (strcmp(v, "0") != 0)
		return fail(c, "unsupported SDP version");
	return 0;
}

static int line_o(ctx *c, char *v)
{
	char *u = token(&v), *id = u ? token(&v) : NULL, *ver = id ? token(&v) : NULL;
	char *addr = ver ? rest(v) : NULL;
	uint64_t n;
	if (!addr || !parse_u64(id, UINT64_MAX, &n) || !parse_u64(ver, UINT64_MAX, &n))
		return fail(c, "invalid o= line");
	parley_sdp *s = c->sdp;
	if (set(c, &s->origin_username, u) < 0 || set(c, &s->origin_sess_id, id) < 0 ||
		set(c, &s->origin_sess_version, ver) < 0)
		return -1;
	return set(c, &s->origin_address, addr);
}

static int line_s(ctx *c, char *v) { return set(c, &c->sdp->name, v); }
static int line_t(ctx *c, char *v) { return set(c, &c->sdp->timing, v); }
static int line_c(ctx *c, char *v) { return set(c, c->m ? &c->m->connection : &c->sdp->connection, v); }

static int line_m(ctx *c, char *v)
{
	parley_sdp *s = c->sdp;
	char *type = token(&v), *port = type ? token(&v) : NULL, *proto = port ? token(&v) : NULL;
	if (!proto)
		return fail(c, "invalid m= line");
	parley_sdp_media *m = sdp_push((void **)&s->media, &s->n_media, sizeof(*m), s->limits.max_media);
	if (!m)
		return fail(c, "more than %zu m-lines", s->limits.max_media);
	c->m = m;
	m->sctp_port = -1;
	m->max_message_size = -1;
	m->type = sdp_media_type_from(type);
	char *slash = strchr(port, '/');
	uint64_t p, count = 0;
	if (slash) {
		*slash = '\0';
		if (!parse_u64(slash + 1, 65535, &count) || count == 0)
			return fail(c, "invalid m= port count");
	}
	if (!parse_u64(port, 65535, &p))
		return fail(c, "invalid m= port");
	m->port = (uint16_t)p;
	m->port_count = (uint16_t)count;
	if (set(c, &m->type_name, type) < 0 || set(c, &m->proto, proto) < 0)
		return -1;
	char *fmt;
	while ((fmt = token(&v))) {
		if (!sdp_push_format(s, m, fmt))
			return fail(c, "more than %zu formats", s->limits.max_formats);
		parley_sdp_format *f = &m->formats[m->n_formats - 1];
		for (size_t i = 0; f->pt >= 0 && i + 1 < m->n_formats; i++)
			if (m->formats[i].pt == f->pt)
				return fail(c, "payload type %d listed twice", f->pt);
	}
	if (m->n_formats == 0)
		return fail(c, "m= line without formats");
	return 0;
}

static int line_other(ctx *c, char type, char *v)
{
	parley_sdp_line **arr = c->m ? &c->m->lines : &c->sdp->lines;
	size_t *n = c->m ? &c->m->n_lines : &c->sdp->n_lines;
	parley_sdp_line *l = sdp_push((void **)arr, n, sizeof(*l), c->sdp->limits.max_attributes);
	if (!l)
		return fail(c, "more than %zu other lines", c->sdp->limits.max_attributes);
	l->type = type;
	return set(c, &l->value, v);
}

typedef int (*line_fn)(ctx *c, char *value);
static const line_fn line_table[26] = {
	['v' - 'a'] = line_v, ['o' - 'a'] = line_o, ['s' - 'a'] = line_s, ['t' - 'a'] = line_t,
	['c' - 'a'] = line_c, ['m' - 'a'] = line_m, ['a' - 'a'] = line_a,
};

parley_sdp *parley_sdp_parse(const char *text, size_t len, const parley_sdp_limits *limits,
	char *err, size_t err_len)
{
	ctx c = { .err = err, .err_len = err_len };
	if (err && err_len)
		err[0] = '\0';
	c.sdp = parley_sdp_new(limits);
	if (!c.sdp) {
		fail(&c, "out of memory");
		return NULL;
	}
	const parley_sdp_limits *l = &c.sdp->limits;
	char *line = NULL;
	if (!text || len == 0) {
		fail(&c, "empty SDP");
		goto error;
	}
	if (len > l->max_length) {
		fail(&c, "SDP longer than %zu bytes", l->max_length);
		goto error;
	}
	line = malloc(l->max_line + 1);
	if (!line) {
		fail(&c, "out of memory");
		goto error;
	}
	bool seen_o = false, seen_s = false, seen_t = false;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, llen = end - pos;
		const char *start = text + pos;
		pos = nl ? end + 1 : len;
		c.line_no++;
		if (llen && start[llen - 1] == '\r')
			llen--;
		if (c.line_no > l->max_lines) {
			fail(&c, "more than %zu lines", l->max_lines);
			goto error;
		}
		if (llen == 0)
			continue; /* tolerate blank lines (e.g. a trailing newline) */
		if (llen > l->max_line) {
			fail(&c, "line longer than %zu bytes", l->max_line);
			goto error;
		}
		if (llen < 2 || start[1] != '=' || start[0] < 'a' || start[0] > 'z') {
			fail(&c, "not a <type>=<value> line");
			goto error;
		}
		memcpy(line, start, llen);
		line[llen] = '\0';
		for (size_t i = 2; i < llen; i++) {
			if (line[i] == '\0' || line[i] == '\r' || (unsigned char)line[i] < 0x09) {
				fail(&c, "control character in line");
				goto error;
			}
		}
		if (c.line_no == 1 && line[0] != 'v') {
			fail(&c, "SDP must start with v=");
			goto error;
		}
		if (c.line_no > 1 && line[0] == 'v') {
			fail(&c, "duplicate v= line");
			goto error;
		}
		seen_o |= line[0] == 'o';
		seen_s |= line[0] == 's';
		seen_t |= line[0] == 't';
		line_fn fn = line_table[line[0] - 'a'];
		if ((line[0] == 'o' || line[0] == 's' || line[0] == 't') && c.m) {
			fail(&c, "%c= line inside a media section", line[0]);
			goto error;
		}
		int r = fn ? fn(&c, line + 2) : line_other(&c, line[0], line + 2);
		if (r < 0)
			goto error;
	}
	if (!seen_o || !seen_s || !seen_t) {
		fail(&c, "missing o=, s= or t= line");
		goto error;
	}
	free(line);
	return c.sdp;
error:
	free(line);
	parley_sdp_free(c.sdp);
	return NULL;
}
