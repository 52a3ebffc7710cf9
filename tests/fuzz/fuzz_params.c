/*
 * fuzz_params.c — libFuzzer target for the rtpParameters translation
 * (core/media/params_rtp.c, params_caps.c): any JSON must be taken or
 * refused cleanly, as audio and as video. What is taken must write as SDP
 * the parser takes back, must read back as rtpParameters that translate
 * again, and one more round must give the same rtpParameters (a fixed
 * point). The input is also tried as a consumer's rtpCapabilities.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/media/params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* rtp as an m-line of `type` in a new model (NULL when refused). */
static parley_sdp *translate(json_t *rtp, parley_sdp_media_type type)
{
	char err[512];
	parley_sdp *sdp = parley_sdp_new(NULL);
	parley_sdp_media *m = parley_sdp_add_media(sdp, type, "UDP/TLS/RTP/SAVPF");
	if (!m)
		abort();
	if (parley_params_rtp_to_media(rtp, type, PARLEY_PARAMS_SOURCES, sdp, m, err, sizeof(err)) != 0) {
		if (!err[0])
			abort(); /* a refusal always says why */
		parley_sdp_free(sdp);
		return NULL;
	}
	return sdp;
}

static void round_trip(json_t *rtp, parley_sdp_media_type type)
{
	parley_sdp *sdp = translate(rtp, type);
	if (!sdp)
		return;
	char err[512];
	parley_params_caps_accept(&sdp->media[0], err, sizeof(err));
	sdp->media[0].port = 9;
	size_t len = 0;
	char *text = parley_sdp_write(sdp, &len);
	parley_sdp *parsed = text ? parley_sdp_parse(text, len, NULL, err, sizeof(err)) : NULL;
	if (!parsed)
		abort(); /* the model of accepted parameters is not valid SDP */
	json_t *back = parley_params_rtp_from_media(&parsed->media[0]);
	parley_sdp *again = translate(back, type);
	if (!again)
		abort(); /* what we read back is refused */
	json_t *twice = parley_params_rtp_from_media(&again->media[0]);
	if (!json_equal(back, twice))
		abort(); /* not a fixed point */
	json_decref(twice);
	parley_sdp_free(again);
	json_decref(back);
	parley_sdp_free(parsed);
	free(text);
	parley_sdp_free(sdp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *input = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!input)
		return 0;
	round_trip(input, PARLEY_SDP_MEDIA_AUDIO);
	round_trip(input, PARLEY_SDP_MEDIA_VIDEO);
	char err[512];
	for (int type = PARLEY_SDP_MEDIA_AUDIO; type <= PARLEY_SDP_MEDIA_VIDEO; type++) {
		parley_sdp *sdp = parley_sdp_new(NULL);
		parley_sdp_media *m = parley_sdp_add_media(sdp, (parley_sdp_media_type)type, "UDP/TLS/RTP/SAVPF");
		parley_params_caps_fill_send(input, json_object_get(input, "wanted"), sdp, m, err, sizeof(err));
		parley_sdp_free(sdp);
	}
	json_decref(input);
	return 0;
}
