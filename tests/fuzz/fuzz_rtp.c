/*
 * fuzz_rtp.c — libFuzzer target for the RTP header and extension parser
 * (util/rtp.c) and the core's RTP code on top of it: RTX wrap/unwrap, the
 * rewriter and the NACK history. Keyframe detection: fuzz_keyframe.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/media/rtp.h"
#include "util/rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536 + 64], out[65536 + 64];
	static parley_rtp_history *hist;
	if (!hist)
		hist = parley_rtp_history_new(64, 1500);
	if (size > 65536)
		return 0;
	memcpy(buf, data, size);
	parley_util_rtp_info i;
	(void)parley_util_rtp_is_rtp(buf, size);
	if (parley_util_rtp_parse(buf, size, &i) < 0)
		return 0;
	if (i.payload_offset + i.payload_len + i.padding_len != size)
		abort();
	parley_util_rtp_ext_iter it;
	parley_util_rtp_ext_iter_init(&it, buf, &i);
	uint8_t id;
	const uint8_t *d;
	size_t l;
	for (int n = 0; n < 512 && parley_util_rtp_ext_next(&it, &id, &d, &l) > 0; n++)
		if (d < buf || d + l > buf + size)
			abort();
	for (uint8_t k = 1; k < 16; k++) {
		bool v;
		uint8_t lv;
		uint16_t s;
		uint32_t a;
		parley_util_rtp_ext_audio_level(buf, &i, k, &v, &lv);
		parley_util_rtp_ext_transport_seq(buf, &i, k, &s);
		parley_util_rtp_ext_abs_send_time(buf, &i, k, &a);
	}
	for (uint8_t k = 1; k < 16; k++) {
		size_t offset, len;
		if (parley_util_rtp_ext_find(buf, &i, k, &d, &l) == 0 && (d < buf || d + l > buf + size))
			abort();
		if (parley_util_rtp_ext_value_offset(buf, &i, k, &offset, &len) == 0 && offset + len > size)
			abort();
	}
	parley_util_rtp_ext_rewrite_id(buf, &i, 1, 2);
	parley_rtp_history_store(hist, buf, size, 0);
	parley_rtp_history_get(hist, i.seq, 0, 0, &l);
	int n = parley_rtp_rtx_wrap(buf, size, 97, 5, 1, out, sizeof(out));
	if (n > 0 && parley_rtp_rtx_unwrap(out, (size_t)n, i.pt, i.ssrc) != (int)(i.header_len + i.payload_len))
		abort();
	static parley_rtp_rewriter rw;
	if (!rw.clock_rate)
		parley_rtp_rewriter_init(&rw, 7, 90000);
	parley_rtp_rewrite(&rw, buf, &i, (int64_t)i.ts);
	return 0;
}
