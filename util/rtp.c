/*
 * util/rtp.c — RTP header parsing (RFC 3550) and the header-extension
 * walk (RFC 8285 one-byte and two-byte elements), see rtp.h.
 *
 * Complexity: parse is O(1) with no allocation and no copy (CSRCs are
 * skipped, not read); extension lookups and id rewriting are O(extension
 * block length).
 */
#include "util/rtp.h"

#include <string.h>

static const char *const error_text[] = {
	[PARLEY_UTIL_RTP_OK] = "ok",
	[PARLEY_UTIL_RTP_ETOOSHORT] = "packet shorter than its header",
	[PARLEY_UTIL_RTP_EVERSION] = "RTP version is not 2",
	[PARLEY_UTIL_RTP_EPADDING] = "invalid padding length",
	[PARLEY_UTIL_RTP_EEXTENSION] = "malformed header extension",
	[PARLEY_UTIL_RTP_ENOTFOUND] = "header extension not present",
	[PARLEY_UTIL_RTP_EINVAL] = "invalid argument",
	[PARLEY_UTIL_RTP_ENOSPACE] = "output buffer too small",
	[PARLEY_UTIL_RTP_EOLD] = "packet older than the current stream segment",
};

const char *parley_util_rtp_strerror(int err)
{
	if (err < 0)
		err = -err;
	if ((size_t)err >= sizeof(error_text) / sizeof(error_text[0]) || !error_text[err])
		return "unknown RTP error";
	return error_text[err];
}

bool parley_util_rtp_is_rtp(const uint8_t *buf, size_t len)
{
	if (!buf || len < PARLEY_UTIL_RTP_HEADER_MIN || (buf[0] >> 6) != 2)
		return false;
	/* RFC 5761: RTCP packet types 192..223 collide with RTP pt 64..95. */
	uint8_t pt = buf[1] & 0x7f;
	return !(pt >= 64 && pt <= 95);
}

int parley_util_rtp_parse(const uint8_t *buf, size_t len, parley_util_rtp_info *info)
{
	if (!buf || !info)
		return -PARLEY_UTIL_RTP_EINVAL;
	if (len < PARLEY_UTIL_RTP_HEADER_MIN) {
		memset(info, 0, sizeof(*info));
		return -PARLEY_UTIL_RTP_ETOOSHORT;
	}
	/* every field is assigned below: no memset on the per-packet path */
	info->version = buf[0] >> 6;
	info->padding = buf[0] & 0x20;
	info->extension = buf[0] & 0x10;
	info->csrc_count = buf[0] & 0x0f;
	info->marker = buf[1] & 0x80;
	info->pt = buf[1] & 0x7f;
	info->seq = parley_util_rtp_read16(buf + 2);
	info->ts = parley_util_rtp_read32(buf + 4);
	info->ssrc = parley_util_rtp_read32(buf + 8);
	info->ext_profile = 0;
	info->ext_offset = 0;
	info->ext_len = 0;
	info->header_len = 0;
	info->payload_offset = 0;
	info->payload_len = 0;
	info->padding_len = 0;
	if (info->version != 2)
		return -PARLEY_UTIL_RTP_EVERSION;
	size_t off = PARLEY_UTIL_RTP_HEADER_MIN + 4u * info->csrc_count;
	if (off > len)
		return -PARLEY_UTIL_RTP_ETOOSHORT;
	if (info->extension) {
		if (off + 4 > len)
			return -PARLEY_UTIL_RTP_ETOOSHORT;
		info->ext_profile = parley_util_rtp_read16(buf + off);
		info->ext_len = 4u * parley_util_rtp_read16(buf + off + 2);
		info->ext_offset = off + 4;
		off += 4 + info->ext_len;
		if (off > len)
			return -PARLEY_UTIL_RTP_ETOOSHORT;
	}
	info->header_len = off;
	info->payload_offset = off;
	size_t payload = len - off;
	if (info->padding) {
		uint8_t pad = buf[len - 1];
		if (pad == 0 || pad > payload)
			return -PARLEY_UTIL_RTP_EPADDING;
		info->padding_len = pad;
		payload -= pad;
	}
	info->payload_len = payload;
	return 0;
}

/* ---- header extensions ---------------------------------------------- */

/* The elements of a one-byte (0xBEDE) or two-byte (0x100x) block; false
 * for any other profile, whose contents we do not interpret. */
static inline bool ext_block(const uint8_t *buf, const parley_util_rtp_info *info, const uint8_t **data,
	size_t *len, bool *two_byte)
{
	if (!info->extension || info->ext_len == 0)
		return false;
	if (info->ext_profile == 0xBEDE)
		*two_byte = false;
	else if ((info->ext_profile & 0xFFF0) == 0x1000)
		*two_byte = true;
	else
		return false;
	*data = buf + info->ext_offset;
	*len = info->ext_len;
	return true;
}

/* The element at or after data[*pos] (padding bytes skipped): 1 with its
 * id and value and *pos past it, 0 at the end of the block, negative when
 * an element runs past the block. */
static inline int ext_element(const uint8_t *data, size_t len, bool two_byte, size_t *pos, uint8_t *id,
	const uint8_t **value, size_t *value_len)
{
	size_t p = *pos;
	while (p < len && data[p] == 0)
		p++;
	*pos = p;
	if (p >= len)
		return 0;
	size_t l, hdr;
	uint8_t eid;
	if (!two_byte) {
		eid = data[p] >> 4;
		if (eid == 15) { /* reserved: stop processing (RFC 8285 §4.2) */
			*pos = len;
			return 0;
		}
		l = (data[p] & 0x0f) + 1u;
		hdr = 1;
	} else {
		if (p + 2 > len)
			return -PARLEY_UTIL_RTP_EEXTENSION;
		eid = data[p];
		l = data[p + 1];
		hdr = 2;
	}
	if (p + hdr + l > len)
		return -PARLEY_UTIL_RTP_EEXTENSION;
	*id = eid;
	*value = data + p + hdr;
	*value_len = l;
	*pos = p + hdr + l;
	return 1;
}

void parley_util_rtp_ext_iter_init(parley_util_rtp_ext_iter *it, const uint8_t *buf,
	const parley_util_rtp_info *info)
{
	memset(it, 0, sizeof(*it));
	if (!ext_block(buf, info, &it->data, &it->len, &it->two_byte))
		it->data = NULL;
}

int parley_util_rtp_ext_next(parley_util_rtp_ext_iter *it, uint8_t *id, const uint8_t **data, size_t *len)
{
	if (!it->data)
		return 0;
	return ext_element(it->data, it->len, it->two_byte, &it->pos, id, data, len);
}

int parley_util_rtp_ext_find(const uint8_t *buf, const parley_util_rtp_info *info, uint8_t id,
	const uint8_t **data, size_t *len)
{
	if (!buf || !info || id == 0)
		return -PARLEY_UTIL_RTP_EINVAL;
	const uint8_t *block;
	size_t block_len, pos = 0, l;
	bool two_byte;
	if (!ext_block(buf, info, &block, &block_len, &two_byte))
		return -PARLEY_UTIL_RTP_ENOTFOUND;
	uint8_t eid;
	const uint8_t *d;
	int r;
	while ((r = ext_element(block, block_len, two_byte, &pos, &eid, &d, &l)) > 0) {
		if (eid == id) {
			*data = d;
			*len = l;
			return 0;
		}
	}
	return r < 0 ? r : -PARLEY_UTIL_RTP_ENOTFOUND;
}

int parley_util_rtp_ext_value_offset(const uint8_t *buf, const parley_util_rtp_info *info, uint8_t id,
	size_t *offset, size_t *len)
{
	const uint8_t *d;
	int r = parley_util_rtp_ext_find(buf, info, id, &d, len);
	if (r < 0)
		return r;
	*offset = (size_t)(d - buf);
	return 0;
}

int parley_util_rtp_ext_rewrite_id(uint8_t *buf, const parley_util_rtp_info *info, uint8_t from, uint8_t to)
{
	if (!buf || !info || from == 0 || to == 0)
		return -PARLEY_UTIL_RTP_EINVAL;
	parley_util_rtp_ext_iter it;
	parley_util_rtp_ext_iter_init(&it, buf, info);
	if (!it.two_byte && (from > 14 || to > 14))
		return -PARLEY_UTIL_RTP_EINVAL;
	int count = 0, r;
	uint8_t eid;
	const uint8_t *d;
	size_t l;
	while ((r = parley_util_rtp_ext_next(&it, &eid, &d, &l)) > 0) {
		if (eid != from)
			continue;
		/* the element's header sits right before its value */
		uint8_t *p = buf + (d - buf) - (it.two_byte ? 2 : 1);
		p[0] = it.two_byte ? to : (uint8_t)(to << 4 | (p[0] & 0x0f));
		count++;
	}
	return r < 0 ? r : count;
}

/* The value of extension `id`, at least `min_len` bytes long. */
static int ext_value(const uint8_t *buf, const parley_util_rtp_info *info, uint8_t id, size_t min_len,
	const uint8_t **value)
{
	size_t l;
	int r = parley_util_rtp_ext_find(buf, info, id, value, &l);
	if (r < 0)
		return r;
	return l < min_len ? -PARLEY_UTIL_RTP_EEXTENSION : 0;
}

int parley_util_rtp_ext_audio_level(const uint8_t *buf, const parley_util_rtp_info *info, uint8_t id,
	bool *voice, uint8_t *level)
{
	const uint8_t *d;
	int r = ext_value(buf, info, id, 1, &d);
	if (r == 0) {
		*voice = d[0] & 0x80;
		*level = d[0] & 0x7f;
	}
	return r;
}

int parley_util_rtp_ext_transport_seq(const uint8_t *buf, const parley_util_rtp_info *info, uint8_t id,
	uint16_t *seq)
{
	const uint8_t *d;
	int r = ext_value(buf, info, id, 2, &d);
	if (r == 0)
		*seq = parley_util_rtp_read16(d);
	return r;
}

int parley_util_rtp_ext_abs_send_time(const uint8_t *buf, const parley_util_rtp_info *info, uint8_t id,
	uint32_t *value24)
{
	const uint8_t *d;
	int r = ext_value(buf, info, id, 3, &d);
	if (r == 0)
		*value24 = (uint32_t)d[0] << 16 | (uint32_t)d[1] << 8 | d[2];
	return r;
}
