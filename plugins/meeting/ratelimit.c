/*
 * plugins/meeting/ratelimit.c — fixed one-minute windows per key, in one
 * GHashTable under a mutex (REST requests only, never the media path).
 */
#include <glib.h>

#include "ratelimit.h"

#define WINDOW_MS 60000

typedef struct window {
	int64_t start;
	unsigned count;
} window;

struct parley_meeting_ratelimit {
	GMutex lock;
	unsigned per_minute;
	unsigned max_keys;
	GHashTable *windows; /* key (owned) → window (owned) */
};

parley_meeting_ratelimit *parley_meeting_ratelimit_new(unsigned per_minute, unsigned max_keys)
{
	parley_meeting_ratelimit *rl = g_new0(parley_meeting_ratelimit, 1);
	g_mutex_init(&rl->lock);
	rl->per_minute = per_minute;
	rl->max_keys = max_keys > 0 ? max_keys : 65536;
	rl->windows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return rl;
}

void parley_meeting_ratelimit_free(parley_meeting_ratelimit *rl)
{
	if (rl == NULL)
		return;
	g_hash_table_destroy(rl->windows);
	g_mutex_clear(&rl->lock);
	g_free(rl);
}

static gboolean window_is_over(gpointer key, gpointer value, gpointer now)
{
	return *(int64_t *)now - ((window *)value)->start >= WINDOW_MS;
}

bool parley_meeting_ratelimit_allow(parley_meeting_ratelimit *rl, const char *key, int64_t now_ms)
{
	if (rl == NULL || rl->per_minute == 0)
		return true;
	if (key == NULL)
		key = "";
	g_mutex_lock(&rl->lock);
	window *w = g_hash_table_lookup(rl->windows, key);
	if (w == NULL) {
		if (g_hash_table_size(rl->windows) >= rl->max_keys) {
			g_hash_table_foreach_remove(rl->windows, window_is_over, &now_ms);
			if (g_hash_table_size(rl->windows) >= rl->max_keys)
				g_hash_table_remove_all(rl->windows);
		}
		w = g_new0(window, 1);
		w->start = now_ms;
		g_hash_table_insert(rl->windows, g_strdup(key), w);
	} else if (now_ms - w->start >= WINDOW_MS || now_ms < w->start) {
		w->start = now_ms;
		w->count = 0;
	}
	bool allowed = w->count < rl->per_minute;
	if (allowed)
		w->count++;
	g_mutex_unlock(&rl->lock);
	return allowed;
}
