/*
 * test_rtcp.c — unit tests of core/media's RTCP code on hand-built vectors:
 * compound walk and validation, SR/RR/SDES/BYE, PLI/FIR, NACK, REMB, a
 * transport-cc feedback checked byte by byte, loss/jitter/RTT helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/media/rtcp.h"

static parley_rtcp_header first(const uint8_t *b, size_t len)
{
	parley_rtcp_iter it;
	parley_rtcp_header h;
	parley_rtcp_iter_init(&it, b, len);
	assert_int_equal(parley_rtcp_next(&it, &h), 1);
	return h;
}

static void test_sr_vector(void **state)
{
	/* SR with one report block, built by hand */
	static const uint8_t sr[] = {
		0x81, 200, 0x00, 0x0c, 0x11, 0x22, 0x33, 0x44,
		0xe7, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00, /* NTP 3875536897.5 */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x04, 0x00,
		0x55, 0x66, 0x77, 0x88, 0x40, 0xff, 0xff, 0xfe, /* 25% lost, cumulative -2 */
		0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00, 0x20, 0x12, 0x34, 0x56, 0x78, 0x00, 0x01, 0x00, 0x00,
	};
	assert_int_equal(parley_rtcp_validate(sr, sizeof(sr), true), 1);
	parley_rtcp_header h = first(sr, sizeof(sr));
	parley_rtcp_sr s;
	assert_int_equal(parley_rtcp_parse_sr(&h, &s), 0);
	assert_int_equal(s.ssrc, 0x11223344);
	assert_true(s.ntp == ((uint64_t)0xe7000001 << 32 | 0x80000000u));
	assert_int_equal(s.rtp_ts, 0x10000);
	assert_int_equal(s.packet_count, 10);
	assert_int_equal(s.octet_count, 1024);
	assert_int_equal(s.block_count, 1);
	assert_int_equal(s.blocks[0].ssrc, 0x55667788);
	assert_int_equal(s.blocks[0].fraction_lost, 64);
	assert_int_equal(s.blocks[0].cumulative_lost, -2);
	assert_int_equal(s.blocks[0].highest_seq, 0x10005);
	assert_int_equal(s.blocks[0].jitter, 32);
	assert_int_equal(s.blocks[0].lsr, 0x12345678);
	assert_int_equal(s.blocks[0].dlsr, 0x10000);
	uint8_t out[64];
	assert_int_equal(parley_rtcp_build_sr(out, sizeof(out), &s), sizeof(sr));
	assert_memory_equal(out, sr, sizeof(sr));
	assert_int_equal(parley_rtcp_build_sr(out, 20, &s), -PARLEY_RTCP_ENOSPACE);
	parley_rtcp_rr rr = { .ssrc = 1, .block_count = 1, .blocks = { s.blocks[0] } };
	int n = parley_rtcp_build_rr(out, sizeof(out), &rr);
	assert_int_equal(n, 32);
	parley_rtcp_rr back;
	h = first(out, (size_t)n);
	assert_int_equal(parley_rtcp_parse_rr(&h, &back), 0);
	assert_int_equal(back.blocks[0].cumulative_lost, -2);
	assert_int_equal(parley_rtcp_parse_sr(&h, &s), -PARLEY_RTCP_ETYPE);
}

static void test_compound_and_validation(void **state)
{
	uint8_t b[256];
	size_t len = 0;
	parley_rtcp_rr rr = { .ssrc = 7 };
	len += (size_t)parley_rtcp_build_rr(b + len, sizeof(b) - len, &rr);
	len += (size_t)parley_rtcp_build_sdes_cname(b + len, sizeof(b) - len, 7, "parley-cname");
	uint32_t ssrcs[2] = { 7, 8 };
	len += (size_t)parley_rtcp_build_bye(b + len, sizeof(b) - len, ssrcs, 2, "bye now");
	len += (size_t)parley_rtcp_build_pli(b + len, sizeof(b) - len, 7, 9);
	assert_int_equal(len, 8 + 24 + 20 + 12);
	assert_int_equal(parley_rtcp_validate(b, len, true), 4);
	parley_rtcp_iter it;
	parley_rtcp_header h;
	parley_rtcp_iter_init(&it, b, len);
	assert_int_equal(parley_rtcp_next(&it, &h), 1);
	assert_int_equal(parley_rtcp_next(&it, &h), 1);
	parley_rtcp_sdes sd;
	assert_int_equal(parley_rtcp_parse_sdes(&h, &sd), 0);
	assert_int_equal(sd.chunk_count, 1);
	assert_int_equal(sd.chunks[0].ssrc, 7);
	assert_int_equal(sd.chunks[0].cname_len, 12);
	assert_memory_equal(sd.chunks[0].cname, "parley-cname", 12);
	assert_int_equal(parley_rtcp_next(&it, &h), 1);
	parley_rtcp_bye bye;
	assert_int_equal(parley_rtcp_parse_bye(&h, &bye), 0);
	assert_int_equal(bye.ssrc_count, 2);
	assert_int_equal(bye.ssrcs[1], 8);
	assert_int_equal(bye.reason_len, 7);
	assert_memory_equal(bye.reason, "bye now", 7);
	assert_int_equal(parley_rtcp_next(&it, &h), 1);
	uint32_t snd, med;
	assert_int_equal(h.pt, PARLEY_RTCP_PSFB);
	assert_int_equal(h.count, PARLEY_RTCP_FMT_PLI);
	assert_int_equal(parley_rtcp_parse_fb_ssrcs(&h, &snd, &med), 0);
	assert_int_equal(med, 9);
	assert_int_equal(parley_rtcp_next(&it, &h), 0);
	/* errors */
	assert_int_equal(parley_rtcp_validate(b + 8, len - 8, true), -PARLEY_RTCP_EFIRST);
	assert_int_equal(parley_rtcp_validate(b + 8, len - 8, false), 3);
	assert_int_equal(parley_rtcp_validate(b, len - 1, true), -PARLEY_RTCP_ELENGTH);
	assert_int_equal(parley_rtcp_validate(b, 3, true), -PARLEY_RTCP_ETOOSHORT);
	b[0] = 0x40;
	assert_int_equal(parley_rtcp_validate(b, len, true), -PARLEY_RTCP_EVERSION);
	b[0] = 0xa0; /* padding on the first of several packets */
	assert_int_equal(parley_rtcp_validate(b, len, true), -PARLEY_RTCP_EPADDING);
	/* SDES chunk without terminating zero item */
	uint8_t bad[] = { 0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, 'a', 'b' };
	h = first(bad, sizeof(bad));
	assert_int_equal(parley_rtcp_parse_sdes(&h, &sd), -PARLEY_RTCP_ETOOSHORT);
}

static void test_fir_nack(void **state)
{
	uint8_t b[128];
	parley_rtcp_fir_entry e[2] = { { 0xaabbccdd, 5 }, { 0x01020304, 255 } };
	int n = parley_rtcp_build_fir(b, sizeof(b), 0x11, e, 2);
	static const uint8_t fir[] = { 0x84, 206, 0, 6, 0, 0, 0, 0x11, 0, 0, 0, 0,
		0xaa, 0xbb, 0xcc, 0xdd, 5, 0, 0, 0, 1, 2, 3, 4, 255, 0, 0, 0 };
	assert_int_equal(n, sizeof(fir));
	assert_memory_equal(b, fir, sizeof(fir));
	parley_rtcp_header h = first(b, (size_t)n);
	parley_rtcp_fir_entry got[1];
	size_t cnt;
	uint32_t snd, med;
	assert_int_equal(parley_rtcp_parse_fir(&h, &snd, got, 1, &cnt), -PARLEY_RTCP_ELIMIT);
	assert_int_equal(cnt, 2);
	parley_rtcp_fir_entry got2[2];
	assert_int_equal(parley_rtcp_parse_fir(&h, &snd, got2, 2, &cnt), 0);
	assert_int_equal(got2[1].seq, 255);

	/* hand vector: PID 100, BLP 0x8005 -> 100 101 103 116 */
	static const uint8_t nack[] = { 0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 100, 0x80, 0x05 };
	h = first(nack, sizeof(nack));
	uint16_t seqs[64];
	assert_int_equal(parley_rtcp_parse_nack(&h, &snd, &med, seqs, 64, &cnt), 0);
	assert_int_equal(cnt, 4);
	assert_int_equal(seqs[0], 100);
	assert_int_equal(seqs[1], 101);
	assert_int_equal(seqs[2], 103);
	assert_int_equal(seqs[3], 116);
	assert_int_equal(parley_rtcp_parse_nack(&h, &snd, &med, seqs, 3, &cnt), -PARLEY_RTCP_ELIMIT);
	/* build across the wrap, unsorted, with a duplicate */
	uint16_t in[] = { 3, 65534, 65535, 0, 65534, 40 };
	n = parley_rtcp_build_nack(b, sizeof(b), 1, 2, in, 6);
	static const uint8_t want[] = { 0x81, 205, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2,
		0xff, 0xfe, 0x00, 0x13, 0, 40, 0, 0 }; /* 65534 + bits 0,1,4 (65535, 0, 3); 40 */
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	h = first(b, (size_t)n);
	assert_int_equal(parley_rtcp_parse_nack(&h, &snd, &med, seqs, 64, &cnt), 0);
	assert_int_equal(cnt, 5);
	assert_int_equal(seqs[2], 0);
}

static void test_remb(void **state)
{
	/* 1,000,000 bps = 250000 * 2^2 (250000 < 2^18) */
	parley_rtcp_remb r = { .sender = 1, .bitrate = 1000000, .ssrc_count = 2, .ssrcs = { 0x10, 0x20 } };
	uint8_t b[64];
	int n = parley_rtcp_build_remb(b, sizeof(b), &r);
	static const uint8_t want[] = { 0x8f, 206, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B',
		2, (1 << 2) | 0x1, 0xe8, 0x48, 0, 0, 0, 0x10, 0, 0, 0, 0x20 };
	/* 1000000 >> 1 = 500000 = 0x7a120 > 0x3ffff -> >>2 = 250000 = 0x3d090: exp 2 */
	assert_int_equal(n, sizeof(want));
	assert_int_equal(b[17] >> 2, 2);
	assert_int_equal(((b[17] & 3) << 16) | (b[18] << 8) | b[19], 250000);
	(void)want;
	parley_rtcp_header h = first(b, (size_t)n);
	assert_true(parley_rtcp_is_remb(&h));
	parley_rtcp_remb back;
	assert_int_equal(parley_rtcp_parse_remb(&h, &back), 0);
	assert_int_equal(back.bitrate, 1000000);
	assert_int_equal(back.ssrc_count, 2);
	assert_int_equal(back.ssrcs[1], 0x20);
	r.bitrate = 123456789; /* not exact: precision of 18 bits */
	n = parley_rtcp_build_remb(b, sizeof(b), &r);
	h = first(b, (size_t)n);
	parley_rtcp_parse_remb(&h, &back);
	assert_true(back.bitrate <= 123456789 && back.bitrate > 123456789 - 1024);
}

static void test_tcc_vector(void **state)
{
	/* reference time 1 (64 ms); 10 at 65.000 ms (+4 ticks), 11 lost,
	 * 12 at 64.750 ms (-1 tick: large), 13 at 70 ms (+21), 14 at 70 ms (+0).
	 * One two-bit vector chunk: 01 00 10 01 01 00 00 -> 0xD250 */
	static const uint8_t want[] = {
		0xaf, 205, 0x00, 0x06, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x00, 0x0a, 0x00, 0x05, 0x00, 0x00, 0x01, 0x07,
		0xd2, 0x50, 0x04, 0xff, 0xff, 0x15, 0x00, 0x01,
	};
	parley_rtcp_tcc_packet in[5] = {
		{ 10, true, 65000 }, { 11, false, 0 }, { 12, true, 64750 }, { 13, true, 70000 }, { 14, true, 70000 },
	};
	uint8_t b[128];
	int n = parley_rtcp_build_tcc(b, sizeof(b), 0x01020304, 0x05060708, 7, in, 5);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(b, want, sizeof(want));
	assert_int_equal(parley_rtcp_validate(want, sizeof(want), false), 1);
	parley_rtcp_header h = first(want, sizeof(want));
	parley_rtcp_tcc t;
	parley_rtcp_tcc_packet out[8];
	size_t cnt;
	assert_int_equal(parley_rtcp_parse_tcc(&h, &t, out, 8, &cnt), 0);
	assert_int_equal(cnt, 5);
	assert_int_equal(t.base_seq, 10);
	assert_int_equal(t.reference_time, 1);
	assert_int_equal(t.fb_count, 7);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(out[i].seq, in[i].seq);
		assert_int_equal(out[i].received, in[i].received);
		if (in[i].received)
			assert_int_equal(out[i].arrival_us, in[i].arrival_us);
	}
	assert_int_equal(parley_rtcp_parse_tcc(&h, &t, out, 4, &cnt), -PARLEY_RTCP_ELIMIT);

	/* 20 received packets 1 ms apart: one run-length chunk 0x2014 */
	parley_rtcp_tcc_packet run[20];
	for (int i = 0; i < 20; i++)
		run[i] = (parley_rtcp_tcc_packet){ (uint16_t)(65530 + i), true, 128000 + 1000 * i };
	n = parley_rtcp_build_tcc(b, sizeof(b), 1, 2, 0, run, 20);
	assert_int_equal(n, 20 + 2 + 20 + 2);
	assert_int_equal(b[20], 0x20);
	assert_int_equal(b[21], 0x14);
	assert_int_equal(b[22], 0); /* first delta: 128 ms is exactly the reference */
	assert_int_equal(b[23], 4);
	h = first(b, (size_t)n);
	parley_rtcp_tcc_packet out20[20];
	assert_int_equal(parley_rtcp_parse_tcc(&h, &t, out20, 20, &cnt), 0);
	assert_int_equal(out20[19].seq, 13);
	assert_int_equal(out20[19].arrival_us, 128000 + 19000);

	/* 14 one-bit symbols: received/lost alternating */
	parley_rtcp_tcc_packet alt[14];
	for (int i = 0; i < 14; i++)
		alt[i] = (parley_rtcp_tcc_packet){ (uint16_t)i, i % 2 == 0, 64000 + 500 * i };
	n = parley_rtcp_build_tcc(b, sizeof(b), 1, 2, 0, alt, 14);
	assert_int_equal(b[20], 0xaa); /* 1 0 101010 10101010 */
	assert_int_equal(b[21], 0xaa);
	h = first(b, (size_t)n);
	assert_int_equal(parley_rtcp_parse_tcc(&h, &t, out20, 20, &cnt), 0);
	assert_int_equal(cnt, 14);
	assert_false(out20[13].received);
	assert_int_equal(out20[12].arrival_us, 64000 + 6000);

	/* malformed: reserved symbol, truncated deltas */
	uint8_t bad[sizeof(want)];
	memcpy(bad, want, sizeof(bad));
	bad[20] = 0xff;
	h = first(bad, sizeof(bad));
	assert_int_equal(parley_rtcp_parse_tcc(&h, &t, out, 8, &cnt), -PARLEY_RTCP_EFORMAT);
	memcpy(bad, want, sizeof(bad));
	bad[15] = 40; /* 40 statuses but one chunk */
	h = first(bad, sizeof(bad));
	parley_rtcp_tcc_packet many[64];
	assert_int_equal(parley_rtcp_parse_tcc(&h, &t, many, 64, &cnt), -PARLEY_RTCP_ETOOSHORT);
}

static void test_stats(void **state)
{
	parley_rtcp_rx_stats s;
	parley_rtcp_rx_init(&s, 90000);
	/* 65530..65535, 0..9 with 2 and 5 missing; constant transit: jitter 0 */
	for (int i = 0; i < 16; i++) {
		uint16_t seq = (uint16_t)(65530 + i);
		if (seq == 2 || seq == 5)
			continue;
		parley_rtcp_rx_update(&s, seq, 3000u * (uint32_t)i, 33333 * (int64_t)i + 1);
	}
	assert_int_equal(parley_rtcp_rx_extended_max(&s), 0x10000 + 9);
	assert_int_equal(parley_rtcp_rx_cumulative_lost(&s), 2);
	parley_rtcp_report_block rb;
	parley_rtcp_rx_report(&s, 42, 0x1234, 0x10, &rb);
	assert_int_equal(rb.ssrc, 42);
	assert_int_equal(rb.cumulative_lost, 2);
	assert_int_equal(rb.fraction_lost, (2 << 8) / 16);
	assert_true(rb.jitter <= 1);
	parley_rtcp_rx_update(&s, 10, 3000u * 16, 33333 * 16 + 1 + 10000); /* 10 ms late */
	parley_rtcp_rx_report(&s, 42, 0, 0, &rb);
	assert_int_equal(rb.fraction_lost, 0);
	assert_int_equal(rb.jitter, 900 / 16); /* |D| = 900 ticks, J += 900/16 */

	uint64_t ntp = parley_rtcp_ntp_from_unix_us(1500000);
	assert_true(ntp >> 32 == 2208988801ULL);
	assert_int_equal((uint32_t)ntp, 0x80000000u);
	assert_int_equal(parley_rtcp_dlsr_from_us(500000), 0x8000);
	/* LSR 0x00010000 (1 s), DLSR 0.5 s, now 1.75 s -> RTT 250 ms */
	assert_int_equal(parley_rtcp_rtt_us(0x0001c000, 0x00010000, 0x8000), 250000);
	assert_int_equal(parley_rtcp_rtt_us(0x0001c000, 0, 0x8000), -1);
	assert_int_equal(parley_rtcp_rtt_us(0x00010000, 0x00010000, 0x8000), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sr_vector),
		cmocka_unit_test(test_compound_and_validation),
		cmocka_unit_test(test_fir_nack),
		cmocka_unit_test(test_remb),
		cmocka_unit_test(test_tcc_vector),
		cmocka_unit_test(test_stats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
