/*
 * plugins/room/config.c — the room plugin's settings: every key read
 * through core->config_get from conf/parley.plugin.room.conf, checked
 * against its range (an unusable value logs a warning and keeps the
 * default). The table below is the list of keys; README.md documents them.
 */
#include <string.h>

#include "room.h"
#include "util/setting.h"

static const char *conf_str(const parley_plugin_core *core, const char *section, const char *key)
{
	return core != NULL && core->config_get != NULL ? core->config_get(PARLEY_ROOM_PACKAGE, section, key) : NULL;
}

static const char *settings_get(const void *context, const char *section, const char *key)
{
	return conf_str(context, section, key);
}

static void settings_warn(const void *context, const char *line)
{
	const parley_plugin_core *core = context;
	if (core != NULL && core->log != NULL)
		core->log(PARLEY_LOG_WARN, PARLEY_ROOM_PACKAGE, "%s", line);
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
		long v = 0;
		ok = parley_util_setting_int(parts[i], 1, 100000000, &v) == PARLEY_UTIL_SETTING_SET &&
		     (i == 0 || v > parsed[i - 1]);
		parsed[i] = ok ? (uint32_t)v : 0;
	}
	g_strfreev(parts);
	if (ok)
		memcpy(out, parsed, sizeof(parsed));
	else if (core->log != NULL)
		core->log(PARLEY_LOG_WARN, PARLEY_ROOM_PACKAGE,
		          "[media] layer_bitrates = '%s' is not three increasing bitrates; using the defaults", text);
}

/* An integer in [min, max] / a boolean, else the fallback (after a warning
 * when the value is set but unusable). */
static long conf_int(const parley_util_setting_source *settings, const char *section, const char *key,
                     long fallback, long min, long max)
{
	return parley_util_setting_read_int(settings, section, key, fallback, min, max);
}

static bool conf_bool(const parley_util_setting_source *settings, const char *section, const char *key,
                      bool fallback)
{
	return parley_util_setting_read_bool(settings, section, key, fallback);
}

void parley_room_config_load(room_config *cfg, const parley_plugin_core *core)
{
	memset(cfg, 0, sizeof(*cfg));
	const parley_util_setting_source source = {settings_get, settings_warn, core}, *settings = &source;
	cfg->max_participants_limit = (int)conf_int(settings, "general", "max_participants_limit", 100, 2, 10000);
	cfg->max_participants = (int)conf_int(settings, "general", "max_participants", 7, 1, cfg->max_participants_limit);
	cfg->max_rooms = (int)conf_int(settings, "general", "max_rooms", 1000, 1, 1000000);
	cfg->implicit_rooms = conf_bool(settings, "general", "implicit_rooms", true);
	cfg->room_idle_ms = conf_int(settings, "general", "room_idle_timeout", 1800, 1, 31L * 86400) * 1000;
	cfg->peer_timeout_ms = conf_int(settings, "general", "peer_timeout", 60, 1, 86400) * 1000;
	cfg->reconnect_ms = conf_int(settings, "general", "reconnect_window", 30, 0, 3600) * 1000;
	cfg->sweep_interval_ms = (unsigned)conf_int(settings, "general", "sweep_interval", 5, 1, 3600) * 1000;
	cfg->offer_timeout_ms = conf_int(settings, "general", "offer_timeout", 30, 1, 3600) * 1000;
	cfg->max_metadata = (size_t)conf_int(settings, "general", "max_metadata", 4096, 16, 1 << 20);
	const char *key = conf_str(core, "general", "admin_key");
	cfg->admin_key = key != NULL && key[0] != '\0' ? g_strdup(key) : NULL;
	cfg->pli_interval_ms = (unsigned)conf_int(settings, "media", "pli_interval_ms", 500, 50, 60000);
	cfg->max_bitrate = (uint32_t)conf_int(settings, "media", "max_bitrate", 2500000, 30000, 100000000);
	cfg->remb_interval_ms = (uint32_t)conf_int(settings, "media", "remb_interval_ms", 1000, 100, 60000);
	cfg->simulcast = conf_bool(settings, "media", "simulcast", true);
	cfg->auto_layers = conf_bool(settings, "media", "auto_layers", true);
	conf_layer_bitrates(core, cfg->layer_bitrates);
	cfg->speaker_interval_ms = (unsigned)conf_int(settings, "media", "speaker_interval_ms", 500, 0, 60000);
	cfg->speaker_threshold = (int)conf_int(settings, "media", "speaker_threshold", 60, 0, 127);
	const char *audio = conf_str(core, "media", "audio_codecs");
	const char *video = conf_str(core, "media", "video_codecs");
	cfg->audio_codecs = g_strdup(audio != NULL && audio[0] != '\0' ? audio : "opus");
	cfg->video_codecs = g_strdup(video != NULL && video[0] != '\0' ? video : "vp8,h264,vp9");
	cfg->stats_interval_ms = (unsigned)conf_int(settings, "media", "stats_interval_ms", 1000, 100, 60000);
	cfg->mline_budget = (unsigned)conf_int(settings, "media", "subscriber_mlines", 32, 0, ROOM_MAX_MLINES);
}

void parley_room_config_clear(room_config *cfg)
{
	g_free(cfg->admin_key);
	g_free(cfg->audio_codecs);
	g_free(cfg->video_codecs);
	memset(cfg, 0, sizeof(*cfg));
}
