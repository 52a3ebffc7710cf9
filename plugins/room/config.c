/*
 * plugins/room/config.c — the room plugin's settings: every key read
 * through core->config_get from conf/parley.plugin.room.conf, checked
 * against its range (an unusable value logs a warning and keeps the
 * default). The table below is the list of keys; README.md documents them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "room.h"

static const char *conf_str(const parley_plugin_core *core, const char *section, const char *key)
{
	return core != NULL && core->config_get != NULL ? core->config_get(PARLEY_ROOM_PACKAGE, section, key) : NULL;
}

static long conf_int(const parley_plugin_core *core, const char *section, const char *key, long fallback,
                     long min, long max)
{
	const char *text = conf_str(core, section, key);
	if (text == NULL || text[0] == '\0')
		return fallback;
	char *end = NULL;
	errno = 0;
	long value = strtol(text, &end, 10);
	while (end != NULL && (*end == ' ' || *end == '\t'))
		end++;
	if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
		if (core->log != NULL)
			core->log(PARLEY_LOG_WARN, PARLEY_ROOM_PACKAGE, "[%s] %s = '%s' is not a number in %ld..%ld; using %ld",
			          section, key, text, min, max, fallback);
		return fallback;
	}
	return value;
}

static bool conf_bool(const parley_plugin_core *core, const char *section, const char *key, bool fallback)
{
	const char *text = conf_str(core, section, key);
	static const struct { const char *word; bool value; } words[] = {
		{"true", true}, {"yes", true}, {"1", true}, {"on", true},
		{"false", false}, {"no", false}, {"0", false}, {"off", false},
	};
	if (text == NULL || text[0] == '\0')
		return fallback;
	for (size_t i = 0; i < G_N_ELEMENTS(words); i++)
		if (g_ascii_strcasecmp(text, words[i].word) == 0)
			return words[i].value;
	if (core->log != NULL)
		core->log(PARLEY_LOG_WARN, PARLEY_ROOM_PACKAGE, "[%s] %s = '%s' is not a boolean; using %s", section, key,
		          text, fallback ? "true" : "false");
	return fallback;
}

/* "150000,500000,1500000": increasing bitrates per simulcast layer. */
static void conf_layer_bitrates(const parley_plugin_core *core, uint32_t out[ROOM_MAX_LAYERS])
{
	static const uint32_t defaults[ROOM_MAX_LAYERS] = {150000, 500000, 1500000};
	memcpy(out, defaults, sizeof(defaults));
	const char *text = conf_str(core, "media", "layer_bitrates");
	if (text == NULL || text[0] == '\0')
		return;
	gchar **parts = g_strsplit(text, ",", -1);
	uint32_t parsed[ROOM_MAX_LAYERS];
	bool ok = g_strv_length(parts) == ROOM_MAX_LAYERS;
	for (unsigned i = 0; ok && i < ROOM_MAX_LAYERS; i++) {
		char *end = NULL;
		gint64 v = g_ascii_strtoll(g_strstrip(parts[i]), &end, 10);
		ok = end != parts[i] && *end == '\0' && v > 0 && v <= 100000000 && (i == 0 || v > parsed[i - 1]);
		parsed[i] = ok ? (uint32_t)v : 0;
	}
	g_strfreev(parts);
	if (ok)
		memcpy(out, parsed, sizeof(parsed));
	else if (core->log != NULL)
		core->log(PARLEY_LOG_WARN, PARLEY_ROOM_PACKAGE,
		          "[media] layer_bitrates = '%s' is not three increasing bitrates; using the defaults", text);
}

void parley_room_config_load(room_config *cfg, const parley_plugin_core *core)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_participants_limit = (int)conf_int(core, "general", "max_participants_limit", 100, 2, 10000);
	cfg->max_participants = (int)conf_int(core, "general", "max_participants", 7, 1, cfg->max_participants_limit);
	cfg->max_rooms = (int)conf_int(core, "general", "max_rooms", 1000, 1, 1000000);
	cfg->implicit_rooms = conf_bool(core, "general", "implicit_rooms", true);
	cfg->room_idle_ms = conf_int(core, "general", "room_idle_timeout", 1800, 1, 31L * 86400) * 1000;
	cfg->peer_timeout_ms = conf_int(core, "general", "peer_timeout", 60, 1, 86400) * 1000;
	cfg->reconnect_ms = conf_int(core, "general", "reconnect_window", 30, 0, 3600) * 1000;
	cfg->sweep_interval_ms = (unsigned)conf_int(core, "general", "sweep_interval", 5, 1, 3600) * 1000;
	cfg->offer_timeout_ms = conf_int(core, "general", "offer_timeout", 30, 1, 3600) * 1000;
	cfg->max_metadata = (size_t)conf_int(core, "general", "max_metadata", 4096, 16, 1 << 20);
	const char *key = conf_str(core, "general", "admin_key");
	cfg->admin_key = key != NULL && key[0] != '\0' ? g_strdup(key) : NULL;
	cfg->pli_interval_ms = (unsigned)conf_int(core, "media", "pli_interval_ms", 500, 50, 60000);
	cfg->max_bitrate = (uint32_t)conf_int(core, "media", "max_bitrate", 2500000, 30000, 100000000);
	cfg->remb_interval_ms = (uint32_t)conf_int(core, "media", "remb_interval_ms", 1000, 100, 60000);
	cfg->simulcast = conf_bool(core, "media", "simulcast", true);
	cfg->auto_layers = conf_bool(core, "media", "auto_layers", true);
	conf_layer_bitrates(core, cfg->layer_bitrates);
	cfg->speaker_interval_ms = (unsigned)conf_int(core, "media", "speaker_interval_ms", 500, 0, 60000);
	cfg->speaker_threshold = (int)conf_int(core, "media", "speaker_threshold", 60, 0, 127);
	const char *audio = conf_str(core, "media", "audio_codecs");
	const char *video = conf_str(core, "media", "video_codecs");
	cfg->audio_codecs = g_strdup(audio != NULL && audio[0] != '\0' ? audio : "opus");
	cfg->video_codecs = g_strdup(video != NULL && video[0] != '\0' ? video : "vp8,h264,vp9");
	cfg->stats_interval_ms = (unsigned)conf_int(core, "media", "stats_interval_ms", 1000, 100, 60000);
	cfg->mline_budget = (unsigned)conf_int(core, "media", "subscriber_mlines", 32, 0, ROOM_MAX_MLINES);
}

void parley_room_config_clear(room_config *cfg)
{
	g_free(cfg->admin_key);
	g_free(cfg->audio_codecs);
	g_free(cfg->video_codecs);
	memset(cfg, 0, sizeof(*cfg));
}
