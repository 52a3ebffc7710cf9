/*
 * rtpgen.c — owns the synthetic media of one publisher: the audio and video
 * clocks, frame sizes (keyframes three times a delta frame, the average
 * held at the configured bitrate), VP8 packetization (payload descriptor,
 * frame tag, keyframe start code and size), the payload trailer and the
 * pattern that proves a payload intact.
 */
#include "rtpgen.h"

#include <string.h>
#include <glib.h>
#include "srtp.h"

#define AUDIO_PERIOD_US 20000
#define AUDIO_TS_STEP 960          /* 20 ms at 48 kHz */
#define VIDEO_CLOCK_HZ 90000
#define MAX_CATCH_UP 3             /* periods sent at once after a stall */
#define KEYFRAME_REQUEST_GAP_US 500000
#define KEYFRAME_WEIGHT 3          /* a keyframe is this many delta frames */
#define VP8_DESC_LEN 4             /* X, I, 15-bit picture id */
#define VP8_TAG_LEN 3
#define VP8_KEY_HEADER_LEN 10      /* tag + start code + width + height */
#define VIDEO_WIDTH 640
#define VIDEO_HEIGHT 480
#define OPUS_TOC 0x78              /* config 15 (hybrid FB 20 ms), mono, one frame */

struct loadgen_rtpgen {
	loadgen_rtpgen_config config;
	loadgen_rtpgen_send_fn send;
	void *user_data;
	bool started;
	int64_t start_us;
	int64_t next_audio_us, next_video_us;
	int64_t video_period_us;
	int64_t last_keyframe_us;
	bool keyframe_wanted;
	uint16_t seq[LOADGEN_KIND_COUNT];
	uint32_t ts_base[LOADGEN_KIND_COUNT];
	uint32_t counter[LOADGEN_KIND_COUNT];
	uint16_t picture_id;
	size_t delta_frame_bytes;
	loadgen_rtpgen_counters counters;
	uint8_t buffer[LOADGEN_PACKET_BUFFER + PARLEY_SRTP_MAX_TAIL_ROOM];
};

static inline uint8_t pattern_byte(const loadgen_trailer *t, size_t offset)
{
	return (uint8_t)(t->counter * 7u + t->publisher * 13u + t->kind * 101u + offset);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int loadgen_rtpgen_trailer_read(const uint8_t *payload, size_t len, loadgen_trailer *t)
{
	if (payload == NULL || len < LOADGEN_TRAILER_LEN)
		return -1;
	const uint8_t *p = payload + len - LOADGEN_TRAILER_LEN;
	if (get32(p) != LOADGEN_TRAILER_MAGIC || p[4] >= LOADGEN_KIND_COUNT)
		return -1;
	t->kind = p[4];
	t->header_len = p[5];
	t->flags = p[6];
	t->publisher = get32(p + 8);
	t->counter = get32(p + 12);
	t->send_us = (int64_t)(((uint64_t)get32(p + 16) << 32) | get32(p + 20));
	if ((size_t)t->header_len + LOADGEN_TRAILER_LEN > len)
		return -1;
	return 0;
}

bool loadgen_rtpgen_payload_intact(const uint8_t *payload, size_t len, const loadgen_trailer *t)
{
	size_t end = len - LOADGEN_TRAILER_LEN;
	for (size_t i = t->header_len; i < end; i++)
		if (payload[i] != pattern_byte(t, i))
			return false;
	return true;
}

/* Writes pattern + trailer into payload[header_len .. len). */
static void finish_payload(uint8_t *payload, size_t len, const loadgen_trailer *t)
{
	size_t end = len - LOADGEN_TRAILER_LEN;
	for (size_t i = t->header_len; i < end; i++)
		payload[i] = pattern_byte(t, i);
	uint8_t *p = payload + end;
	put32(p, LOADGEN_TRAILER_MAGIC);
	p[4] = t->kind;
	p[5] = t->header_len;
	p[6] = t->flags;
	p[7] = 0;
	put32(p + 8, t->publisher);
	put32(p + 12, t->counter);
	put32(p + 16, (uint32_t)((uint64_t)t->send_us >> 32));
	put32(p + 20, (uint32_t)t->send_us);
}

static size_t write_rtp_header(loadgen_rtpgen *gen, loadgen_kind kind, bool marker, uint32_t ts)
{
	uint8_t *b = gen->buffer;
	bool video = kind == LOADGEN_KIND_VIDEO;
	b[0] = 0x80;
	b[1] = (uint8_t)((marker ? 0x80 : 0) | (video ? gen->config.video_pt : gen->config.audio_pt));
	uint16_t seq = gen->seq[kind]++;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	put32(b + 4, ts);
	put32(b + 8, video ? gen->config.video_ssrc : gen->config.audio_ssrc);
	return 12;
}

static void emit(loadgen_rtpgen *gen, loadgen_kind kind, size_t length)
{
	gen->counters.packets[kind]++;
	gen->counters.bytes[kind] += length - 12;
	if (gen->send(gen->user_data, gen->buffer, length, sizeof(gen->buffer)) < 0)
		gen->counters.send_failures++;
}

static void send_audio(loadgen_rtpgen *gen, int64_t now_us, uint32_t ts)
{
	size_t h = write_rtp_header(gen, LOADGEN_KIND_AUDIO, false, ts);
	uint8_t *payload = gen->buffer + h;
	size_t len = gen->config.audio_bytes + LOADGEN_TRAILER_LEN;
	payload[0] = OPUS_TOC;
	loadgen_trailer t = {
		.kind = LOADGEN_KIND_AUDIO, .header_len = 1, .publisher = gen->config.publisher,
		.counter = gen->counter[LOADGEN_KIND_AUDIO]++, .send_us = now_us,
	};
	finish_payload(payload, len, &t);
	emit(gen, LOADGEN_KIND_AUDIO, h + len);
}

/* VP8 frame header at f: the 3-byte tag, and for a keyframe the start code
 * and 14-bit width/height (scale 0). Returns its length. */
static size_t write_vp8_header(uint8_t *f, bool key, size_t frame_len)
{
	uint32_t first_partition = (uint32_t)(frame_len / 4);
	uint32_t tag = (key ? 0u : 1u) | (0u << 1) | (1u << 4) | (first_partition << 5);
	f[0] = (uint8_t)tag;
	f[1] = (uint8_t)(tag >> 8);
	f[2] = (uint8_t)(tag >> 16);
	if (!key)
		return VP8_TAG_LEN;
	f[3] = 0x9d; f[4] = 0x01; f[5] = 0x2a;
	f[6] = (uint8_t)VIDEO_WIDTH; f[7] = (uint8_t)(VIDEO_WIDTH >> 8);
	f[8] = (uint8_t)VIDEO_HEIGHT; f[9] = (uint8_t)(VIDEO_HEIGHT >> 8);
	return VP8_KEY_HEADER_LEN;
}

static void send_video_frame(loadgen_rtpgen *gen, int64_t now_us, uint32_t ts)
{
	int64_t gap_us = gen->config.keyframe_gap_ms ? (int64_t)gen->config.keyframe_gap_ms * 1000 : KEYFRAME_REQUEST_GAP_US;
	bool requested = gen->keyframe_wanted && now_us - gen->last_keyframe_us >= gap_us;
	bool key = requested || gen->counters.frames == 0 ||
		now_us - gen->last_keyframe_us >= (int64_t)gen->config.keyframe_interval_s * G_USEC_PER_SEC;
	size_t frame = gen->delta_frame_bytes * (key ? KEYFRAME_WEIGHT : 1);
	size_t per_packet_max = LOADGEN_MAX_PAYLOAD - VP8_DESC_LEN;
	size_t n = (frame + per_packet_max - 1) / per_packet_max;
	size_t chunk = frame / n;
	size_t min_chunk = VP8_KEY_HEADER_LEN + LOADGEN_TRAILER_LEN;
	if (chunk < min_chunk)
		chunk = min_chunk;
	uint16_t pid = gen->picture_id++ & 0x7FFF;
	for (size_t i = 0; i < n; i++) {
		bool first = i == 0, last = i == n - 1;
		size_t h = write_rtp_header(gen, LOADGEN_KIND_VIDEO, last, ts);
		uint8_t *payload = gen->buffer + h;
		payload[0] = 0x80 | (first ? 0x10 : 0);    /* X, S on the first packet, PID 0 */
		payload[1] = 0x80;                         /* I: picture id present */
		payload[2] = (uint8_t)(0x80 | (pid >> 8)); /* M: 15-bit picture id */
		payload[3] = (uint8_t)pid;
		size_t header = VP8_DESC_LEN + (first ? write_vp8_header(payload + VP8_DESC_LEN, key, frame) : 0);
		loadgen_trailer t = {
			.kind = LOADGEN_KIND_VIDEO, .header_len = (uint8_t)header,
			.flags = key ? LOADGEN_FLAG_KEYFRAME : 0, .publisher = gen->config.publisher,
			.counter = gen->counter[LOADGEN_KIND_VIDEO]++, .send_us = now_us,
		};
		size_t len = VP8_DESC_LEN + chunk;
		finish_payload(payload, len, &t);
		emit(gen, LOADGEN_KIND_VIDEO, h + len);
	}
	gen->counters.frames++;
	if (key) {
		gen->counters.keyframes++;
		gen->last_keyframe_us = now_us;
		gen->keyframe_wanted = false;
	}
}

void loadgen_rtpgen_tick(loadgen_rtpgen *gen, int64_t now_us)
{
	if (!gen->started) {
		gen->started = true;
		gen->start_us = gen->next_audio_us = gen->next_video_us = now_us;
		gen->last_keyframe_us = now_us;
	}
	if (gen->config.audio) {
		if (now_us - gen->next_audio_us > MAX_CATCH_UP * AUDIO_PERIOD_US)
			gen->next_audio_us = now_us - MAX_CATCH_UP * AUDIO_PERIOD_US;
		while (gen->next_audio_us <= now_us) {
			uint32_t ts = gen->ts_base[LOADGEN_KIND_AUDIO] +
				(uint32_t)((gen->next_audio_us - gen->start_us) / AUDIO_PERIOD_US) * AUDIO_TS_STEP;
			send_audio(gen, now_us, ts);
			gen->next_audio_us += AUDIO_PERIOD_US;
		}
	}
	if (gen->config.video) {
		if (now_us - gen->next_video_us > MAX_CATCH_UP * gen->video_period_us)
			gen->next_video_us = now_us - MAX_CATCH_UP * gen->video_period_us;
		while (gen->next_video_us <= now_us) {
			uint32_t ts = gen->ts_base[LOADGEN_KIND_VIDEO] +
				(uint32_t)((gen->next_video_us - gen->start_us) * VIDEO_CLOCK_HZ / G_USEC_PER_SEC);
			send_video_frame(gen, now_us, ts);
			gen->next_video_us += gen->video_period_us;
		}
	}
}

void loadgen_rtpgen_request_keyframe(loadgen_rtpgen *gen)
{
	gen->counters.keyframe_requests++;
	gen->keyframe_wanted = true;   /* served once KEYFRAME_REQUEST_GAP_US after the last one */
}

const loadgen_rtpgen_counters *loadgen_rtpgen_get_counters(const loadgen_rtpgen *gen)
{
	return &gen->counters;
}

loadgen_rtpgen *loadgen_rtpgen_new(const loadgen_rtpgen_config *config, loadgen_rtpgen_send_fn send,
                                   void *user_data)
{
	if (config == NULL || send == NULL || config->fps == 0 || config->fps > 120 ||
	    config->keyframe_interval_s == 0 || config->audio_bytes + 1 + LOADGEN_TRAILER_LEN > LOADGEN_MAX_PAYLOAD)
		return NULL;
	loadgen_rtpgen *gen = g_new0(loadgen_rtpgen, 1);
	gen->config = *config;
	gen->send = send;
	gen->user_data = user_data;
	gen->video_period_us = G_USEC_PER_SEC / config->fps;
	/* Average over one keyframe interval: (frames - 1) deltas + one keyframe. */
	uint64_t frames = (uint64_t)config->fps * config->keyframe_interval_s;
	uint64_t interval_bytes = (uint64_t)config->bitrate_kbps * 1000 / 8 * config->keyframe_interval_s;
	gen->delta_frame_bytes = (size_t)(interval_bytes / (frames - 1 + KEYFRAME_WEIGHT));
	for (int k = 0; k < LOADGEN_KIND_COUNT; k++) {
		gen->seq[k] = (uint16_t)g_random_int();
		gen->ts_base[k] = g_random_int();
	}
	gen->picture_id = (uint16_t)g_random_int_range(0, 0x7FFF);
	return gen;
}

void loadgen_rtpgen_free(loadgen_rtpgen *gen)
{
	g_free(gen);
}
