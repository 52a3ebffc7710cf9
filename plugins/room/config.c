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

/* A comma list of non-empty, trimmed items (NULL-terminated), or NULL when
 * it has none. */
static char **comma_list(const char *text)
{
	if (text == NULL)
		return NULL;
	GPtrArray *items = g_ptr_array_new();
	gchar **parts = g_strsplit(text, ",", -1);
	for (gchar **p = parts; *p != NULL; p++) {
		g_strstrip(*p);
		if ((*p)[0] != '\0')
			g_ptr_array_add(items, g_strdup(*p));
	}
	g_strfreev(parts);
	if (items->len == 0) {
		g_ptr_array_free(items, TRUE);
		return NULL;
	}
	g_ptr_array_add(items, NULL);
	return (char **)g_ptr_array_free(items, FALSE);
}

/* `value` as an RFC 8288 quoted-string (backslash before '"' and '\\'). */
static void append_quoted(GString *out, const char *value)
{
	g_string_append_c(out, '"');
	for (const char *c = value; *c != '\0'; c++) {
		if ((unsigned char)*c < 0x20)
			continue;
		if (*c == '"' || *c == '\\')
			g_string_append_c(out, '\\');
		g_string_append_c(out, *c);
	}
	g_string_append_c(out, '"');
}

/* The URL of an ICE server: `scheme`:host:port unless the item has a scheme. */
static char *ice_url(const char *item, const char *scheme)
{
	if (g_str_has_prefix(item, "stun:") || g_str_has_prefix(item, "stuns:") || g_str_has_prefix(item, "turn:") ||
	    g_str_has_prefix(item, "turns:"))
		return g_strdup(item);
	return g_strdup_printf("%s:%s", scheme, item);
}

/* The Link header values of WHIP and WHEP answers (RFC 9725 section 4.6):
 * [whip] stun_servers and turn_servers (+ turn_username, turn_password),
 * else the core's [media] stun_server and turn_server. URLs with '<', '>'
 * or blanks are left out. */
static char **ice_links(const parley_plugin_core *core)
{
	const char *stun = conf_str(core, "whip", "stun_servers");
	const char *turn = conf_str(core, "whip", "turn_servers");
	const char *user = conf_str(core, "whip", "turn_username");
	const char *password = conf_str(core, "whip", "turn_password");
	if ((stun == NULL || stun[0] == '\0') && (turn == NULL || turn[0] == '\0') && core != NULL &&
	    core->config_get != NULL) {
		stun = core->config_get("parley", "media", "stun_server");
		turn = core->config_get("parley", "media", "turn_server");
		user = core->config_get("parley", "media", "turn_user");
		password = core->config_get("parley", "media", "turn_pwd");
	}
	char **stuns = comma_list(stun), **turns = comma_list(turn);
	GPtrArray *links = g_ptr_array_new();
	for (int kind = 0; kind < 2; kind++) {
		for (char **item = kind == 0 ? stuns : turns; item != NULL && *item != NULL; item++) {
			char *url = ice_url(*item, kind == 0 ? "stun" : "turn");
			if (strpbrk(url, "<> \t\"") != NULL) {
				g_free(url);
				continue;
			}
			GString *link = g_string_new(NULL);
			g_string_append_printf(link, "<%s>; rel=\"ice-server\"", url);
			if (kind == 1 && user != NULL && user[0] != '\0') {
				g_string_append(link, "; username=");
				append_quoted(link, user);
				g_string_append(link, "; credential=");
				append_quoted(link, password != NULL ? password : "");
				g_string_append(link, "; credential-type=\"password\"");
			}
			g_ptr_array_add(links, g_string_free(link, FALSE));
			g_free(url);
		}
	}
	g_strfreev(stuns);
	g_strfreev(turns);
	if (links->len == 0) {
		g_ptr_array_free(links, TRUE);
		return NULL;
	}
	g_ptr_array_add(links, NULL);
	return (char **)g_ptr_array_free(links, FALSE);
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
	cfg->loop_per_room = conf_bool(settings, "media", "loop_per_room", true);
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
	cfg->whip_enabled = conf_bool(settings, "whip", "enabled", true);
	cfg->whip_tokens = comma_list(conf_str(core, "whip", "tokens"));
	cfg->whep_tokens = comma_list(conf_str(core, "whep", "tokens"));
	cfg->whip_max_sdp = (size_t)conf_int(settings, "whip", "max_sdp_size", 65536, 1024, 1 << 20);
	cfg->whip_max_fragment = (size_t)conf_int(settings, "whip", "max_fragment_size", 16384, 256, 1 << 20);
	cfg->whip_rate_limit = (unsigned)conf_int(settings, "whip", "rate_limit", 60, 0, 1000000);
	cfg->whip_max_sessions = (unsigned)conf_int(settings, "whip", "max_sessions", 256, 1, 100000);
	cfg->whip_workers = (unsigned)conf_int(settings, "whip", "workers", 4, 1, 64);
	cfg->whep_max_viewers = (unsigned)conf_int(settings, "whep", "max_viewers", 200, 1, 100000);
	cfg->ice_links = ice_links(core);
}

void parley_room_config_clear(room_config *cfg)
{
	g_free(cfg->admin_key);
	g_free(cfg->audio_codecs);
	g_free(cfg->video_codecs);
	g_strfreev(cfg->whip_tokens);
	g_strfreev(cfg->whep_tokens);
	g_strfreev(cfg->ice_links);
	memset(cfg, 0, sizeof(*cfg));
}
