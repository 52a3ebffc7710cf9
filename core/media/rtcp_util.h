/*
 * rtcp_util.h — internal to core/media's RTCP files: big-endian byte
 * access and the shared header writer. Not for other modules.
 */
#ifndef PARLEY_MEDIA_RTCP_UTIL_H
#define PARLEY_MEDIA_RTCP_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "rtcp.h"

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t rd24(const uint8_t *p) { return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]; }
static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void wr24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16); p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)v;
}
static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Content length of a packet without its trailing padding. */
size_t parley_rtcp_content_len(const parley_rtcp_header *hdr);
/* Writes V=2, no padding, count, pt and the length field for `total` bytes. */
void parley_rtcp_write_header(uint8_t *p, uint8_t count, uint8_t pt, size_t total);

#endif
