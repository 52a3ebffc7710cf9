/*
 * tests/unit/rtp_sample.h — one hand-built RTP packet shared by the tests
 * of the header parser (test_util_rtp.c) and of RTX (test_rtp.c).
 */
#ifndef PARLEY_TEST_RTP_SAMPLE_H
#define PARLEY_TEST_RTP_SAMPLE_H

#include <stdint.h>

/* V=2 P=1 X=1 CC=1, M=1 PT=96, seq 0x1234, ts 0xdeadbeef, ssrc 0x11223344,
 * one CSRC, one-byte extension block with id1 (1 byte) id3 (2 bytes) and a
 * padding byte, payload "ABC", 2 bytes of padding. */
static const uint8_t pkt1[] = {
	0xb1, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x11, 0x22, 0x33, 0x44,
	0xaa, 0xbb, 0xcc, 0xdd,
	0xbe, 0xde, 0x00, 0x02, 0x10, 0x85, 0x31, 0x00, 0x07, 0x00, 0x00, 0x00,
	'A', 'B', 'C', 0x00, 0x02,
};

#endif
