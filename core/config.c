/*
 * config.c — the settings of the core and of every module. Owns three
 * layers of values, looked up in order:
 *   1. command-line overrides (parley_config_set),
 *   2. environment variables (the core's own list below, read at load; a
 *      module's list, from its vtable, read when the loader loads it),
 *   3. the INI files of the configs folder (parley.conf is module "parley",
 *      <package>.conf is module <package>),
 * and the caller's fallback after that. Each layer is a hash table from
 * "module\x1fsection\x1fkey" to a string. Strings handed out stay valid until
 * parley_config_free: a value replaced by parley_config_set is parked, not
 * freed. Lookups take one mutex, so they work from any thread.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "config.h"
#include "log.h"
#include "util/setting.h"

#define PARLEY_LOG_MODULE "config"

#ifndef PARLEY_LOCALSTATEDIR
#define PARLEY_LOCALSTATEDIR "/var/lib/parley"
#endif

/* The core's own environment variables (the modules declare theirs in
 * their vtables). When several set the same key, the one listed first wins
 * (ANNOUNCED_IP beats MEDIASOUP_ANNOUNCED_IP). */
static const parley_env_override core_env_overrides[] = {
	{"API_SECRET", "auth", "api_secret"},
	{"ADMIN_SECRET", "auth", "admin_secret"},
	{"LOG_LEVEL", "general", "log_level"},
	{"LOG_FORMAT", "general", "log_format"},
	{"ANNOUNCED_IP", "media", "announced_ip"},
	{"MEDIASOUP_ANNOUNCED_IP", "media", "announced_ip"},
	{"MEDIASOUP_ANNOUNCED_DOMAIN", "media", "announced_domain"},
	{"MEDIASOUP_LISTEN_IP", "media", "listen_ip"},
	{"RTC_MIN_PORT", "media", "rtc_min_port"},
	{"MEDIASOUP_MIN_PORT", "media", "rtc_min_port"},
	{"RTC_MAX_PORT", "media", "rtc_max_port"},
	{"MEDIASOUP_MAX_PORT", "media", "rtc_max_port"},
	{"MEDIASOUP_NUM_WORKERS", "general", "event_loops"},
	{NULL},
};

static struct {
	GMutex lock;
	GHashTable *cli;    /* full key -> value (owned) */
	GHashTable *env;
	GHashTable *file;
	GPtrArray *parked;  /* replaced values, freed at parley_config_free */
	char *folder;
	char *state_dir_made; /* the state_dir already created */
} config;

static char *full_key(const char *module, const char *section, const char *key)
{
	return g_strdup_printf("%s\x1f%s\x1f%s", module, section, key);
}

static GHashTable *new_layer(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

/* Creates the layers on first use (called with the lock held). */
static void ensure_layers(void)
{
	if (config.cli == NULL)
		config.cli = new_layer();
	if (config.env == NULL)
		config.env = new_layer();
	if (config.file == NULL)
		config.file = new_layer();
	if (config.parked == NULL)
		config.parked = g_ptr_array_new_with_free_func(g_free);
}

/* Stores `value` (taken) under the key; an older value is parked so strings
 * already handed out stay valid. */
static void layer_put(GHashTable *layer, char *fkey, char *value)
{
	char *old = g_hash_table_lookup(layer, fkey);
	if (old != NULL)
		g_ptr_array_add(config.parked, old);
	g_hash_table_replace(layer, fkey, value);
}

static void layer_free(GHashTable **layer)
{
	if (*layer == NULL)
		return;
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, *layer);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_free(v);
	g_hash_table_destroy(*layer);
	*layer = NULL;
}

/* INI files may comment with ';' as well as '#': GKeyFile knows only '#',
 * so a line whose first non-blank character is ';' becomes a '#' line. */
static void convert_semicolon_comments(char *text)
{
	for (char *line = text; line != NULL && *line != '\0';) {
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ';')
			*p = '#';
		line = strchr(p, '\n');
		if (line != NULL)
			line++;
	}
}

/* Reads one INI file into the file layer under `module`. */
static int load_file(const char *path, const char *module)
{
	GKeyFile *kf = g_key_file_new();
	GError *error = NULL;
	char *text = NULL;
	gsize length = 0;
	bool ok = g_file_get_contents(path, &text, &length, &error);
	if (ok) {
		convert_semicolon_comments(text);
		ok = g_key_file_load_from_data(kf, text, length, G_KEY_FILE_NONE, &error);
	}
	g_free(text);
	if (!ok) {
		PLOG_ERR("cannot read %s: %s", path, error->message);
		g_error_free(error);
		g_key_file_free(kf);
		return -1;
	}
	gsize ngroups = 0;
	char **groups = g_key_file_get_groups(kf, &ngroups);
	for (gsize g = 0; g < ngroups; g++) {
		gsize nkeys = 0;
		char **keys = g_key_file_get_keys(kf, groups[g], &nkeys, NULL);
		for (gsize k = 0; keys && k < nkeys; k++) {
			char *value = g_key_file_get_string(kf, groups[g], keys[k], &error);
			if (value == NULL) {
				PLOG_WARN("%s: [%s] %s ignored: %s", path, groups[g], keys[k], error->message);
				g_clear_error(&error);
				continue;
			}
			g_strstrip(value);
			layer_put(config.file, full_key(module, groups[g], keys[k]), value);
		}
		g_strfreev(keys);
	}
	g_strfreev(groups);
	g_key_file_free(kf);
	PLOG_VERB("read %s (module %s)", path, module);
	return 0;
}

static int compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads every *.conf in `folder`; a missing folder is not an error. */
static int load_folder(const char *folder)
{
	GError *error = NULL;
	GDir *dir = g_dir_open(folder, 0, &error);
	if (dir == NULL) {
		PLOG_WARN("configs folder %s: %s (using defaults)", folder, error->message);
		g_error_free(error);
		return 0;
	}
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_suffix(name, ".conf") && strlen(name) > strlen(".conf"))
			g_ptr_array_add(names, g_strdup(name));
	}
	g_dir_close(dir);
	g_ptr_array_sort(names, compare_names);
	int rc = 0;
	for (guint i = 0; i < names->len; i++) {
		const char *file = g_ptr_array_index(names, i);
		char *module = g_strndup(file, strlen(file) - strlen(".conf"));
		char *path = g_build_filename(folder, file, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_REGULAR) && load_file(path, module) != 0)
			rc = -1;
		g_free(path);
		g_free(module);
	}
	g_ptr_array_unref(names);
	return rc;
}

/* Fills the environment layer from `overrides` (called with the lock held). */
static void load_environment(const char *module, const parley_env_override *overrides)
{
	for (const parley_env_override *o = overrides; o != NULL && o->variable != NULL; o++) {
		const char *value = g_getenv(o->variable);
		if (o->section == NULL || o->key == NULL || value == NULL || *value == '\0')
			continue;
		char *fkey = full_key(module, o->section, o->key);
		if (g_hash_table_contains(config.env, fkey)) {
			g_free(fkey);   /* an earlier variable already set it */
			continue;
		}
		layer_put(config.env, fkey, g_strstrip(g_strdup(value)));
		PLOG_VERB("%s sets %s [%s] %s", o->variable, module, o->section, o->key);
	}
}

void parley_config_read_environment(const char *module, const parley_env_override *overrides)
{
	if (module == NULL || overrides == NULL)
		return;
	g_mutex_lock(&config.lock);
	ensure_layers();
	load_environment(module, overrides);
	g_mutex_unlock(&config.lock);
}

int parley_config_load(const char *folder)
{
	g_mutex_lock(&config.lock);
	ensure_layers();
	g_free(config.folder);
	config.folder = g_strdup(folder ? folder : ".");
	int rc = load_folder(config.folder);
	load_environment("parley", core_env_overrides);
	g_mutex_unlock(&config.lock);
	return rc;
}

void parley_config_free(void)
{
	g_mutex_lock(&config.lock);
	layer_free(&config.cli);
	layer_free(&config.env);
	layer_free(&config.file);
	if (config.parked)
		g_ptr_array_unref(config.parked);
	config.parked = NULL;
	g_clear_pointer(&config.folder, g_free);
	g_clear_pointer(&config.state_dir_made, g_free);
	g_mutex_unlock(&config.lock);
}

void parley_config_set(const char *module, const char *section, const char *key, const char *value)
{
	if (module == NULL || section == NULL || key == NULL || value == NULL)
		return;
	g_mutex_lock(&config.lock);
	ensure_layers();
	layer_put(config.cli, full_key(module, section, key), g_strdup(value));
	g_mutex_unlock(&config.lock);
}

const char *parley_config_get(const char *module, const char *section, const char *key)
{
	if (module == NULL || section == NULL || key == NULL)
		return NULL;
	char *fkey = full_key(module, section, key);
	const char *value = NULL;
	g_mutex_lock(&config.lock);
	GHashTable *layers[] = {config.cli, config.env, config.file};
	for (size_t i = 0; i < G_N_ELEMENTS(layers) && value == NULL; i++) {
		if (layers[i] != NULL)
			value = g_hash_table_lookup(layers[i], fkey);
	}
	g_mutex_unlock(&config.lock);
	g_free(fkey);
	return value;
}

const char *parley_config_get_string(const char *module, const char *section, const char *key, const char *fallback)
{
	const char *value = parley_config_get(module, section, key);
	return value != NULL && *value != '\0' ? value : fallback;
}

/* The core's settings as a source for util/setting.h: context is the module. */
static const char *settings_get(const void *module, const char *section, const char *key)
{
	return parley_config_get(module, section, key);
}

static void settings_warn(const void *module, const char *line)
{
	PLOG_WARN("%s %s", (const char *)module, line);
}

long parley_config_get_int(const char *module, const char *section, const char *key, long fallback)
{
	const parley_util_setting_source settings = {settings_get, settings_warn, module};
	return parley_util_setting_read_int(&settings, section, key, fallback, LONG_MIN, LONG_MAX);
}

bool parley_config_get_bool(const char *module, const char *section, const char *key, bool fallback)
{
	const parley_util_setting_source settings = {settings_get, settings_warn, module};
	return parley_util_setting_read_bool(&settings, section, key, fallback);
}

const char *parley_config_folder(void)
{
	g_mutex_lock(&config.lock);
	const char *folder = config.folder;
	g_mutex_unlock(&config.lock);
	return folder;
}

const char *parley_config_state_dir(void)
{
	const char *dir = parley_config_get_string("parley", "general", "state_dir", PARLEY_LOCALSTATEDIR);
	g_mutex_lock(&config.lock);
	if (g_strcmp0(config.state_dir_made, dir) != 0) {
		if (g_mkdir_with_parents(dir, 0750) != 0) {
			int err = errno;
			PLOG_ERR("cannot create state_dir %s: %s", dir, g_strerror(err));
		} else {
			g_free(config.state_dir_made);
			config.state_dir_made = g_strdup(dir);
		}
	}
	g_mutex_unlock(&config.lock);
	return dir;
}
