/*
 * fuzz_sdp.c — libFuzzer target for the SDP parser, writer and answer
 * builder: any input must parse or fail cleanly; whatever parses must write,
 * re-parse and write again to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/media/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	parley_sdp_limits lim = { .max_media = 8, .max_formats = 16, .max_candidates = 8, .max_attributes = 16 };
	parley_sdp *s = parley_sdp_parse((const char *)data, size, &lim, err, sizeof(err));
	if (!s)
		return 0;
	size_t l1, l2;
	char *w1 = parley_sdp_write(s, &l1);
	if (!w1)
		abort();
	parley_sdp *s2 = parley_sdp_parse(w1, l1, &lim, err, sizeof(err));
	if (!s2)
		abort(); /* the writer produced text the parser refuses */
	char *w2 = parley_sdp_write(s2, &l2);
	if (!w2 || l1 != l2 || memcmp(w1, w2, l1) != 0)
		abort(); /* not a fixed point */
	const char *codecs[] = { "opus", "VP8", "H264", "VP9", "AV1" };
	const char *exts[] = { "urn:ietf:params:rtp-hdrext:sdes:mid",
		"urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
		"http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01" };
	parley_sdp_local_track tracks[2] = { { .ssrc = 1, .cname = "c" }, { .ssrc = 2, .rtx_ssrc = 3, .cname = "c" } };
	parley_sdp_answer_options o = { .codecs = codecs, .n_codecs = 5, .h264_packetization_mode = -1,
		.extensions = exts, .n_extensions = 3, .tracks = tracks, .n_tracks = 2,
		.accept_simulcast = true, .accept_data = true,
		.transport = { .ice_ufrag = "u", .ice_pwd = "p", .fingerprint = "AA" } };
	parley_sdp *ans = parley_sdp_build_answer(s, &o, err, sizeof(err));
	if (ans) {
		char *w3 = parley_sdp_write(ans, NULL);
		free(w3);
		parley_sdp_free(ans);
	}
	free(w1);
	free(w2);
	parley_sdp_free(s);
	parley_sdp_free(s2);
	return 0;
}
