/*
 * fuzz_keyframe.c — libFuzzer target for the payload inspection of
 * util/keyframe.c. The first byte picks the codec (modulo the codec count,
 * so "not inspected" is fuzzed too), the rest is one RTP payload. Whatever
 * comes back must be consistent: is_key agrees with inspect, a temporal
 * layer id is -1..3 and only VP8 has one, dimensions only on a VP8
 * keyframe, and a parsed VP8 descriptor lies inside the payload.
 */
#include <stdint.h>
#include <stdlib.h>

#include "util/keyframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	parley_util_keyframe_codec codec = (parley_util_keyframe_codec)(data[0] % PARLEY_UTIL_KEYFRAME_CODEC_COUNT);
	const uint8_t *payload = data + 1;
	size_t len = size - 1;
	parley_util_keyframe_facts facts;
	parley_util_keyframe_inspect(codec, payload, len, &facts);
	if (facts.keyframe != parley_util_keyframe_is_key(codec, payload, len))
		abort();
	if (facts.temporal < -1 || facts.temporal > 3 || (facts.temporal != -1 && codec != PARLEY_UTIL_KEYFRAME_VP8))
		abort();
	if ((facts.width != 0 || facts.height != 0) && !(facts.keyframe && codec == PARLEY_UTIL_KEYFRAME_VP8))
		abort();
	if (codec == PARLEY_UTIL_KEYFRAME_OTHER && facts.keyframe)
		abort();
	parley_util_keyframe_vp8_desc d;
	if (parley_util_keyframe_vp8_parse(payload, len, &d) == 0 && (d.header_len == 0 || d.header_len > len))
		abort();
	return 0;
}
