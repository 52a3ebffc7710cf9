/*
 * sdp_write.c — parley_sdp → SDP text: CRLF line ends, a fixed order per
 * section (close to what browsers emit), unknown attributes and other
 * lines written back where the model keeps them.
 *
 * Complexity: O(output length); the output buffer doubles as it grows.
 */
#include "sdp.h"
#include "sdp_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct out {
	char *buf;
	size_t len, cap;
	bool failed;
} out;

__attribute__((format(printf, 2, 3)))
static void put(out *o, const char *fmt, ...)
{
	if (o->failed)
		return;
	for (int attempt = 0; attempt < 2; attempt++) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = true;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = o->cap * 2;
		while (cap - o->len <= (size_t)n)
			cap *= 2;
		char *grown = realloc(o->buf, cap);
		if (!grown) {
			o->failed = true;
			return;
		}
		o->buf = grown;
		o->cap = cap;
	}
}

static void put_opt(out *o, const char *name, const char *value)
{
	if (value)
		put(o, "a=%s:%s\r\n", name, value);
}

static void put_lines(out *o, const parley_sdp_line *l, size_t n, const char *types, bool others)
{
	for (size_t i = 0; i < n; i++) {
		bool listed = strchr(types, l[i].type) != NULL;
		if (listed != others)
			put(o, "%c=%s\r\n", l[i].type, l[i].value);
	}
}

static void put_attrs(out *o, const parley_sdp_attr *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].value)
			put(o, "a=%s:%s\r\n", a[i].name, a[i].value);
		else
			put(o, "a=%s\r\n", a[i].name);
	}
}

static void put_transport(out *o, const char *ufrag, const char *pwd, const char *options,
	const parley_sdp_fingerprint *fp, parley_sdp_setup setup)
{
	put_opt(o, "ice-ufrag", ufrag);
	put_opt(o, "ice-pwd", pwd);
	put_opt(o, "ice-options", options);
	if (fp->hash && fp->value)
		put(o, "a=fingerprint:%s %s\r\n", fp->hash, fp->value);
	put_opt(o, "setup", parley_sdp_setup_name(setup));
}

static void put_candidate(out *o, const parley_sdp_candidate *c)
{
	put(o, "a=candidate:%s %u %s %llu %s %u typ %s", c->foundation, (unsigned)c->component, c->transport,
		(unsigned long long)c->priority, c->address, (unsigned)c->port, c->type);
	if (c->raddr)
		put(o, " raddr %s", c->raddr);
	if (c->rport >= 0)
		put(o, " rport %d", (int)c->rport);
	if (c->tcptype)
		put(o, " tcptype %s", c->tcptype);
	if (c->generation >= 0)
		put(o, " generation %lld", (long long)c->generation);
	if (c->extra)
		put(o, " %s", c->extra);
	put(o, "\r\n");
}

static void put_format(out *o, const parley_sdp_format *f)
{
	if (f->pt < 0)
		return;
	if (f->has_rtpmap) {
		put(o, "a=rtpmap:%d %s/%u", f->pt, f->name, (unsigned)f->clock_rate);
		if (f->channels)
			put(o, "/%u", (unsigned)f->channels);
		put(o, "\r\n");
	}
	for (size_t i = 0; i < f->n_rtcp_fb; i++)
		put(o, "a=rtcp-fb:%d %s\r\n", f->pt, f->rtcp_fb[i]);
	if (f->fmtp)
		put(o, "a=fmtp:%d %s\r\n", f->pt, f->fmtp);
}

static void put_rid(out *o, const parley_sdp_rid *r)
{
	put(o, "a=rid:%s %s", r->id, r->send ? "send" : "recv");
	if (r->n_pts || r->params) {
		put(o, " ");
		if (r->n_pts) {
			put(o, "pt=");
			for (size_t i = 0; i < r->n_pts; i++)
				put(o, "%s%d", i ? "," : "", r->pts[i]);
		}
		if (r->params)
			put(o, "%s%s", r->n_pts ? ";" : "", r->params);
	}
	put(o, "\r\n");
}

static void put_media(out *o, const parley_sdp_media *m)
{
	put(o, "m=%s %u", m->type_name, (unsigned)m->port);
	if (m->port_count)
		put(o, "/%u", (unsigned)m->port_count);
	put(o, " %s", m->proto);
	for (size_t i = 0; i < m->n_formats; i++)
		put(o, " %s", m->formats[i].fmt);
	put(o, "\r\n");
	put_lines(o, m->lines, m->n_lines, "i", false);
	if (m->connection)
		put(o, "c=%s\r\n", m->connection);
	put_lines(o, m->lines, m->n_lines, "i", true);
	put_opt(o, "rtcp", m->rtcp);
	for (size_t i = 0; i < m->n_candidates; i++)
		put_candidate(o, &m->candidates[i]);
	put_transport(o, m->ice_ufrag, m->ice_pwd, m->ice_options, &m->fingerprint, m->setup);
	put_opt(o, "mid", m->mid);
	if (m->extmap_allow_mixed)
		put(o, "a=extmap-allow-mixed\r\n");
	for (size_t i = 0; i < m->n_extmaps; i++) {
		const parley_sdp_extmap *e = &m->extmaps[i];
		put(o, "a=extmap:%u", (unsigned)e->id);
		if (e->direction != PARLEY_SDP_DIR_UNSET)
			put(o, "/%s", parley_sdp_direction_name(e->direction));
		put(o, " %s%s%s\r\n", e->uri, e->attributes ? " " : "", e->attributes ? e->attributes : "");
	}
	if (m->direction != PARLEY_SDP_DIR_UNSET)
		put(o, "a=%s\r\n", parley_sdp_direction_name(m->direction));
	put_opt(o, "msid", m->msid);
	if (m->rtcp_mux)
		put(o, "a=rtcp-mux\r\n");
	if (m->rtcp_mux_only)
		put(o, "a=rtcp-mux-only\r\n");
	if (m->bundle_only)
		put(o, "a=bundle-only\r\n");
	if (m->rtcp_rsize)
		put(o, "a=rtcp-rsize\r\n");
	put_attrs(o, m->attrs, m->n_attrs);
	for (size_t i = 0; i < m->n_formats; i++)
		put_format(o, &m->formats[i]);
	for (size_t i = 0; i < m->n_ssrc_groups; i++) {
		put(o, "a=ssrc-group:%s", m->ssrc_groups[i].semantics);
		for (size_t j = 0; j < m->ssrc_groups[i].n_ssrcs; j++)
			put(o, " %u", (unsigned)m->ssrc_groups[i].ssrcs[j]);
		put(o, "\r\n");
	}
	for (size_t i = 0; i < m->n_ssrcs; i++) {
		const parley_sdp_ssrc *s = &m->ssrcs[i];
		if (s->cname)
			put(o, "a=ssrc:%u cname:%s\r\n", (unsigned)s->ssrc, s->cname);
		if (s->msid)
			put(o, "a=ssrc:%u msid:%s\r\n", (unsigned)s->ssrc, s->msid);
		for (size_t j = 0; j < s->n_attrs; j++)
			put(o, "a=ssrc:%u %s%s%s\r\n", (unsigned)s->ssrc, s->attrs[j].name,
				s->attrs[j].value ? ":" : "", s->attrs[j].value ? s->attrs[j].value : "");
	}
	for (size_t i = 0; i < m->n_rids; i++)
		put_rid(o, &m->rids[i]);
	if (m->simulcast_send || m->simulcast_recv) {
		put(o, "a=simulcast:");
		if (m->simulcast_send)
			put(o, "send %s", m->simulcast_send);
		if (m->simulcast_recv)
			put(o, "%srecv %s", m->simulcast_send ? " " : "", m->simulcast_recv);
		put(o, "\r\n");
	}
	if (m->sctp_port >= 0)
		put(o, "a=sctp-port:%d\r\n", (int)m->sctp_port);
	if (m->max_message_size >= 0)
		put(o, "a=max-message-size:%lld\r\n", (long long)m->max_message_size);
	if (m->end_of_candidates)
		put(o, "a=end-of-candidates\r\n");
}

char *parley_sdp_write(const parley_sdp *s, size_t *len)
{
	if (!s)
		return NULL;
	out o = { .cap = 4096 };
	o.buf = malloc(o.cap);
	if (!o.buf)
		return NULL;
	o.buf[0] = '\0';
	put(&o, "v=%d\r\n", s->version);
	put(&o, "o=%s %s %s %s\r\n", s->origin_username ? s->origin_username : "-",
		s->origin_sess_id ? s->origin_sess_id : "0", s->origin_sess_version ? s->origin_sess_version : "0",
		s->origin_address ? s->origin_address : "IN IP4 0.0.0.0");
	put(&o, "s=%s\r\n", s->name ? s->name : "-");
	put_lines(&o, s->lines, s->n_lines, "iuep", false);
	if (s->connection)
		put(&o, "c=%s\r\n", s->connection);
	put_lines(&o, s->lines, s->n_lines, "b", false);
	put(&o, "t=%s\r\n", s->timing ? s->timing : "0 0");
	put_lines(&o, s->lines, s->n_lines, "iuepb", true);
	if (s->ice_lite)
		put(&o, "a=ice-lite\r\n");
	put_transport(&o, s->ice_ufrag, s->ice_pwd, s->ice_options, &s->fingerprint, s->setup);
	for (size_t i = 0; i < s->n_groups; i++) {
		put(&o, "a=group:%s", s->groups[i].semantics);
		for (size_t j = 0; j < s->groups[i].n_mids; j++)
			put(&o, " %s", s->groups[i].mids[j]);
		put(&o, "\r\n");
	}
	if (s->extmap_allow_mixed)
		put(&o, "a=extmap-allow-mixed\r\n");
	put_opt(&o, "msid-semantic", s->msid_semantic);
	if (s->direction != PARLEY_SDP_DIR_UNSET)
		put(&o, "a=%s\r\n", parley_sdp_direction_name(s->direction));
	put_attrs(&o, s->attrs, s->n_attrs);
	for (size_t i = 0; i < s->n_media; i++)
		put_media(&o, &s->media[i]);
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	if (len)
		*len = o.len;
	return o.buf;
}
