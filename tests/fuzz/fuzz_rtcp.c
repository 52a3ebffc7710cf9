/*
 * fuzz_rtcp.c — libFuzzer target for the RTCP compound walk and every
 * packet parser; parsed NACK lists and transport-cc reports are rebuilt.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/media/rtcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static parley_rtcp_tcc_packet pkts[65536];
	static uint8_t out[65536 * 3];
	parley_rtcp_validate(data, size, true);
	parley_rtcp_iter it;
	parley_rtcp_header h;
	parley_rtcp_iter_init(&it, data, size);
	for (int guard = 0; guard < 4096 && parley_rtcp_next(&it, &h) > 0; guard++) {
		if (h.data < data || h.data + h.len > data + size)
			abort();
		parley_rtcp_sr sr;
		parley_rtcp_rr rr;
		parley_rtcp_sdes sd;
		parley_rtcp_bye bye;
		parley_rtcp_remb remb;
		parley_rtcp_fir_entry fir[8];
		parley_rtcp_tcc tcc;
		uint16_t seqs[512];
		uint32_t a, b;
		size_t n;
		if (parley_rtcp_parse_sr(&h, &sr) == 0)
			parley_rtcp_build_sr(out, sizeof(out), &sr);
		if (parley_rtcp_parse_rr(&h, &rr) == 0)
			parley_rtcp_build_rr(out, sizeof(out), &rr);
		parley_rtcp_parse_sdes(&h, &sd);
		parley_rtcp_parse_bye(&h, &bye);
		parley_rtcp_parse_fb_ssrcs(&h, &a, &b);
		parley_rtcp_parse_fir(&h, &a, fir, 8, &n);
		if (parley_rtcp_parse_remb(&h, &remb) == 0)
			parley_rtcp_build_remb(out, sizeof(out), &remb);
		if (parley_rtcp_parse_nack(&h, &a, &b, seqs, 512, &n) == 0 && n > 0)
			parley_rtcp_build_nack(out, sizeof(out), a, b, seqs, n);
		if (parley_rtcp_parse_tcc(&h, &tcc, pkts, 65536, &n) == 0 && n > 0 && pkts[0].received)
			parley_rtcp_build_tcc(out, sizeof(out), 1, 2, 0, pkts, n);
	}
	return 0;
}
