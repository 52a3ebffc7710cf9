/*
 * pc_rewrite.c — what relay_rtp changes in a packet so that it matches the
 * destination m-line's negotiation, and the BUNDLE rule for header
 * extension ids in the descriptions we send.
 *
 *  - Header extensions: each element of the source packet is mapped by
 *    meaning (its URI on the source m-line) to the id the destination
 *    negotiated; elements the destination did not negotiate are removed;
 *    the mid extension carries the destination's mid. A packet without a
 *    known source (the plugin built it) keeps the ids it has, minus those
 *    the destination never negotiated. The block is rebuilt one-byte when
 *    every element fits, two-byte otherwise.
 *  - Payload type: the source pt's codec (H264: profile and
 *    packetization-mode) is looked up among the destination's formats.
 *  - BUNDLE: one extension id may mean only one URI across the m-lines of
 *    a BUNDLE group (RFC 8843 §9.2). Some clients offer the same id for
 *    different URIs on different m-lines and then decode every packet of
 *    the transport with one map; our descriptions keep the first meaning
 *    of an id and drop the later, conflicting extmaps.
 *
 * Everything works in caller-provided buffers: nothing is allocated per
 * packet.
 */
#include <stdlib.h>
#include <string.h>
#include "pc_internal.h"

void pc_formats_from_sdp(const parley_sdp_media *m, pc_format *formats, size_t *n)
{
	*n = 0;
	for (size_t f = 0; f < m->n_formats && *n < PC_MAX_FORMATS; f++) {
		const parley_sdp_format *fmt = &m->formats[f];
		if (fmt->pt < 0 || fmt->pt > 127)
			continue;
		pc_format *out = &formats[(*n)++];
		out->pt = (uint8_t)fmt->pt;
		out->codec = (uint8_t)fmt->codec;
		out->clock_rate = fmt->clock_rate;
		out->h264_profile = fmt->has_profile_level_id ? (uint8_t)(fmt->profile_level_id >> 16) : 0;
		out->h264_mode = (int8_t)(fmt->codec == PARLEY_SDP_CODEC_H264 ? (fmt->packetization_mode < 0 ? 0
			: fmt->packetization_mode) : -1);
	}
}

static const pc_format *format_by_pt(const pc_format *formats, size_t n, uint8_t pt)
{
	for (size_t i = 0; i < n; i++)
		if (formats[i].pt == pt)
			return &formats[i];
	return NULL;
}

/* The destination pt for a source format: same codec (H264: same
 * packetization-mode, preferably the same profile), -1 when none. */
static int map_pt(const pc_format *src, const pc_stream *dst)
{
	int fallback = -1;
	for (size_t i = 0; i < dst->n_local_formats; i++) {
		const pc_format *d = &dst->local_formats[i];
		if (d->codec != src->codec || d->codec == PARLEY_SDP_CODEC_UNKNOWN || d->codec == PARLEY_SDP_CODEC_RTX)
			continue;
		if (d->codec != PARLEY_SDP_CODEC_H264)
			return d->pt;
		if (d->h264_mode != src->h264_mode)
			continue;
		if (d->h264_profile == src->h264_profile)
			return d->pt;
		if (fallback < 0)
			fallback = d->pt;
	}
	return fallback;
}

typedef struct ext_out {
	uint8_t id;
	const uint8_t *data;
	size_t len;
} ext_out;

#define MAX_EXT_ELEMENTS 32

/* The elements to write, mapped to the destination's ids. Returns the
 * count, or -1 on a malformed block. */
static int collect_extensions(const uint8_t *in, const parley_util_rtp_info *info, const pc_stream *src,
                              const pc_stream *dst, ext_out *out)
{
	parley_util_rtp_ext_iter it;
	parley_util_rtp_ext_iter_init(&it, in, info);
	uint8_t id;
	const uint8_t *data;
	size_t len;
	int n = 0, r;
	while ((r = parley_util_rtp_ext_next(&it, &id, &data, &len)) > 0) {
		uint8_t kind, out_id;
		if (src) {
			kind = src->remote_ext_kind[id];
			if (kind == PARLEY_SDP_EXT_UNKNOWN || kind >= PARLEY_SDP_EXT_COUNT)
				continue;
			out_id = dst->local_ext_id[kind];
		} else {
			kind = dst->local_ext_kind[id];
			out_id = kind ? id : 0;
		}
		if (!out_id || n >= MAX_EXT_ELEMENTS)
			continue;
		if (kind == PARLEY_SDP_EXT_MID) {
			data = (const uint8_t *)dst->mid;
			len = strlen(dst->mid);
			if (len == 0)
				continue;
		}
		out[n++] = (ext_out){ .id = out_id, .data = data, .len = len };
	}
	return r < 0 ? -1 : n;
}

/* Writes the extension block (header included) at `p`; returns its size
 * or 0 when it does not fit. */
static size_t write_extensions(uint8_t *p, size_t room, const ext_out *ext, int n)
{
	bool one_byte = true;
	for (int i = 0; i < n; i++)
		if (ext[i].id > 14 || ext[i].len == 0 || ext[i].len > 16)
			one_byte = false;
	size_t body = 0;
	for (int i = 0; i < n; i++)
		body += (one_byte ? 1 : 2) + ext[i].len;
	size_t padded = (body + 3) & ~(size_t)3;
	if (4 + padded > room || padded / 4 > 0xffff)
		return 0;
	p[0] = one_byte ? 0xBE : 0x10;
	p[1] = one_byte ? 0xDE : 0x00;
	p[2] = (uint8_t)((padded / 4) >> 8);
	p[3] = (uint8_t)(padded / 4);
	uint8_t *w = p + 4;
	for (int i = 0; i < n; i++) {
		if (one_byte) {
			*w++ = (uint8_t)(ext[i].id << 4 | (ext[i].len - 1));
		} else {
			*w++ = ext[i].id;
			*w++ = (uint8_t)ext[i].len;
		}
		memcpy(w, ext[i].data, ext[i].len);
		w += ext[i].len;
	}
	memset(w, 0, padded - body);
	return 4 + padded;
}

size_t pc_rewrite_rtp(uint8_t *out, size_t capacity, const uint8_t *in, const parley_util_rtp_info *info,
                      const pc_stream *src, const pc_stream *dst)
{
	size_t fixed = 12 + 4u * info->csrc_count;
	size_t tail = info->payload_len + info->padding_len;
	if (fixed > capacity)
		return 0;
	memcpy(out, in, fixed);
	if (src && src != dst) {
		const pc_format *f = format_by_pt(src->remote_formats, src->n_remote_formats, info->pt);
		int pt = f ? map_pt(f, dst) : -1;
		if (f && pt < 0)
			return 0; /* the destination did not negotiate this codec */
		if (pt >= 0)
			parley_util_rtp_set_pt(out, (uint8_t)pt);
	}
	size_t ext_size = 0;
	if (info->extension) {
		ext_out ext[MAX_EXT_ELEMENTS];
		int n = collect_extensions(in, info, src, dst, ext);
		if (n < 0)
			return 0;
		if (n > 0 && !(ext_size = write_extensions(out + fixed, capacity - fixed, ext, n)))
			return 0;
	}
	out[0] = (uint8_t)((out[0] & ~0x10) | (ext_size ? 0x10 : 0));
	if (fixed + ext_size + tail > capacity)
		return 0;
	memcpy(out + fixed + ext_size, in + info->payload_offset, tail);
	return fixed + ext_size + tail;
}

static void drop_extmap(parley_sdp_media *m, size_t index)
{
	free(m->extmaps[index].uri);
	free(m->extmaps[index].attributes);
	memmove(&m->extmaps[index], &m->extmaps[index + 1], (m->n_extmaps - index - 1) * sizeof(m->extmaps[0]));
	m->n_extmaps--;
}

int pc_bundle_extmaps(parley_sdp *sdp)
{
	const char *meaning[256] = { 0 };
	int dropped = 0;
	for (size_t i = 0; i < sdp->n_media; i++) {
		parley_sdp_media *m = &sdp->media[i];
		if (m->port == 0)
			continue;
		for (size_t e = 0; e < m->n_extmaps;) {
			parley_sdp_extmap *x = &m->extmaps[e];
			if (x->id == 0 || x->id > 255 || !x->uri) {
				e++;
				continue;
			}
			if (meaning[x->id] && strcmp(meaning[x->id], x->uri) != 0) {
				drop_extmap(m, e);
				dropped++;
				continue;
			}
			meaning[x->id] = x->uri;
			e++;
		}
	}
	return dropped;
}
