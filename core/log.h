/*
 * log.h — the core's logger: levels, timestamps, optional JSON lines, a log
 * file that SIGHUP reopens. Thread-safe; one write(2) per line.
 */
#ifndef PARLEY_LOG_H
#define PARLEY_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <parley/common.h>

/* What the calling thread is working for; JSON lines name it (0 / "" =
 * unknown). Set around requests, plugin messages and PeerConnection
 * callbacks; a plugin names its room through its core table (log_context). */
typedef struct parley_log_context {
	uint64_t session_id, handle_id;
	char room[65];
} parley_log_context;
void parley_log_context_set(uint64_t session_id, uint64_t handle_id);
void parley_log_context_room(const char *room);   /* NULL clears */
parley_log_context parley_log_context_save(void);
void parley_log_context_restore(const parley_log_context *saved);
void parley_log_context_clear(void);

/* Opens the log: `path` NULL means stderr only. */
int parley_log_open(const char *path, bool json_lines);
void parley_log_reopen(void);           /* SIGHUP: reopen the file */
/* GLib's g_log messages (GLib's own, libnice's) go through this logger too,
 * so every line has the chosen format. */
void parley_log_capture_glib(void);
void parley_log_close(void);
void parley_log_set_level(parley_log_level level);
parley_log_level parley_log_get_level(void);
void parley_log(parley_log_level level, const char *module, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
void parley_log_v(parley_log_level level, const char *module, const char *format, va_list args);
/* "fatal", "error", "warn", "info", "verb", "debug" ("none" for 0). */
const char *parley_log_level_name(parley_log_level level);
/* Parses a level given as a number 0-6 or a name (case-insensitive, also
 * "warning", "verbose"): 0 and *out set, or -1 when `text` is neither. */
int parley_log_level_parse(const char *text, parley_log_level *out);

#define PLOG_ERR(...)   parley_log(PARLEY_LOG_ERROR, PARLEY_LOG_MODULE, __VA_ARGS__)
#define PLOG_WARN(...)  parley_log(PARLEY_LOG_WARN, PARLEY_LOG_MODULE, __VA_ARGS__)
#define PLOG_INFO(...)  parley_log(PARLEY_LOG_INFO, PARLEY_LOG_MODULE, __VA_ARGS__)
#define PLOG_VERB(...)  parley_log(PARLEY_LOG_VERB, PARLEY_LOG_MODULE, __VA_ARGS__)
#define PLOG_DEBUG(...) parley_log(PARLEY_LOG_DEBUG, PARLEY_LOG_MODULE, __VA_ARGS__)

#endif
