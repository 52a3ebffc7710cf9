/*
 * log.c — the core's logger. Owns the log destination (stderr, or a file
 * opened with O_APPEND that SIGHUP reopens), the current level, the two
 * line formats ([general] log_format):
 *   text:  2026-01-02T03:04:05.678Z [INFO] [module] message
 *   json:  {"time":"2026-01-02T03:04:05.678Z","level":"info","module":"...","message":"...",
 *           "session_id":N?,"handle_id":N?,"room":"..."?}
 * and each thread's log context: the session, handle and room the thread
 * is working for (set around requests, plugin messages and PeerConnection
 * callbacks), which JSON lines carry when they are known.
 * Every line is built in memory and written with one write(2), so lines from
 * different threads never interleave. The level is read without a lock; the
 * destination is guarded by a mutex held only for the write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include <jansson.h>

#include "log.h"
#include "util/setting.h"

/* Level names, indexed by level number. */
static const char *const level_names[] = {
	[0] = "none",
	[PARLEY_LOG_FATAL] = "fatal",
	[PARLEY_LOG_ERROR] = "error",
	[PARLEY_LOG_WARN] = "warn",
	[PARLEY_LOG_INFO] = "info",
	[PARLEY_LOG_VERB] = "verb",
	[PARLEY_LOG_DEBUG] = "debug",
};

/* Extra spellings accepted when parsing. */
static const struct {
	const char *name;
	parley_log_level level;
} level_aliases[] = {
	{"warning", PARLEY_LOG_WARN},
	{"verbose", PARLEY_LOG_VERB},
	{"err", PARLEY_LOG_ERROR},
};

static struct {
	GMutex lock;
	int fd;          /* -1: stderr */
	char *path;      /* NULL: stderr */
	bool json;
	gint level;      /* atomic */
} logger = {.fd = -1, .level = PARLEY_LOG_INFO};

static __thread parley_log_context thread_context;

void parley_log_context_set(uint64_t session_id, uint64_t handle_id)
{
	thread_context.session_id = session_id;
	thread_context.handle_id = handle_id;
}

void parley_log_context_room(const char *room)
{
	g_strlcpy(thread_context.room, room ? room : "", sizeof(thread_context.room));
}

parley_log_context parley_log_context_save(void)
{
	return thread_context;
}

void parley_log_context_restore(const parley_log_context *saved)
{
	thread_context = *saved;
}

void parley_log_context_clear(void)
{
	memset(&thread_context, 0, sizeof(thread_context));
}

const char *parley_log_level_name(parley_log_level level)
{
	if ((int)level < 0 || (int)level > PARLEY_LOG_DEBUG)
		return "unknown";
	return level_names[level];
}

int parley_log_level_parse(const char *text, parley_log_level *out)
{
	if (text == NULL)
		return -1;
	while (*text == ' ' || *text == '\t')
		text++;
	if (*text >= '0' && *text <= '9') {
		long n = 0;
		if (parley_util_setting_int(text, 0, PARLEY_LOG_DEBUG, &n) != PARLEY_UTIL_SETTING_SET)
			return -1;
		*out = (parley_log_level)n;
		return 0;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(level_names); i++) {
		if (g_ascii_strcasecmp(text, level_names[i]) == 0) {
			*out = (parley_log_level)i;
			return 0;
		}
	}
	for (size_t i = 0; i < G_N_ELEMENTS(level_aliases); i++) {
		if (g_ascii_strcasecmp(text, level_aliases[i].name) == 0) {
			*out = level_aliases[i].level;
			return 0;
		}
	}
	return -1;
}

static int open_log_file(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

int parley_log_open(const char *path, bool json_lines)
{
	int fd = -1;
	if (path != NULL && *path != '\0') {
		fd = open_log_file(path);
		if (fd < 0) {
			int err = errno;
			parley_log(PARLEY_LOG_ERROR, "log", "cannot open log file %s: %s", path, g_strerror(err));
			return -1;
		}
	}
	g_mutex_lock(&logger.lock);
	if (logger.fd >= 0)
		close(logger.fd);
	g_free(logger.path);
	logger.fd = fd;
	logger.path = fd >= 0 ? g_strdup(path) : NULL;
	logger.json = json_lines;
	g_mutex_unlock(&logger.lock);
	return 0;
}

void parley_log_reopen(void)
{
	g_mutex_lock(&logger.lock);
	char *path = logger.path ? g_strdup(logger.path) : NULL;
	g_mutex_unlock(&logger.lock);
	if (path == NULL)
		return;   /* stderr needs no reopening */
	int fd = open_log_file(path);
	int err = errno;
	if (fd >= 0) {
		g_mutex_lock(&logger.lock);
		int old = logger.fd;
		logger.fd = fd;
		g_mutex_unlock(&logger.lock);
		if (old >= 0)
			close(old);
		parley_log(PARLEY_LOG_INFO, "log", "reopened log file %s", path);
	} else {
		parley_log(PARLEY_LOG_ERROR, "log", "cannot reopen log file %s: %s (keeping the old one)",
		           path, g_strerror(err));
	}
	g_free(path);
}

void parley_log_close(void)
{
	g_mutex_lock(&logger.lock);
	if (logger.fd >= 0)
		close(logger.fd);
	logger.fd = -1;
	g_clear_pointer(&logger.path, g_free);
	logger.json = false;
	g_mutex_unlock(&logger.lock);
}

void parley_log_set_level(parley_log_level level)
{
	if ((int)level < 0)
		level = 0;
	if (level > PARLEY_LOG_DEBUG)
		level = PARLEY_LOG_DEBUG;
	g_atomic_int_set(&logger.level, (gint)level);
}

parley_log_level parley_log_get_level(void)
{
	return (parley_log_level)g_atomic_int_get(&logger.level);
}

/* "2026-01-02T03:04:05.678Z" (UTC) into `out` (at least 32 bytes). */
static void format_timestamp(char *out, size_t size)
{
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, size - n, ".%03ldZ", now.tv_nsec / 1000000L);
}

static void write_all(int fd, const char *data, size_t length)
{
	while (length > 0) {
		ssize_t n = write(fd, data, length);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		data += n;
		length -= (size_t)n;
	}
}

static char *format_json_line(const char *ts, parley_log_level level, const char *module, const char *msg)
{
	json_t *line = json_pack("{s:s, s:s, s:s, s:s}", "time", ts, "level", parley_log_level_name(level),
	                         "module", module, "message", msg);
	if (line == NULL) {
		/* The message was not valid UTF-8: log it with the bad bytes replaced. */
		char *fixed = g_utf8_make_valid(msg, -1);
		line = json_pack("{s:s, s:s, s:s, s:s}", "time", ts, "level", parley_log_level_name(level),
		                 "module", module, "message", fixed);
		g_free(fixed);
	}
	const parley_log_context *c = &thread_context;
	if (line && c->session_id)
		json_object_set_new(line, "session_id", json_integer((json_int_t)c->session_id));
	if (line && c->handle_id)
		json_object_set_new(line, "handle_id", json_integer((json_int_t)c->handle_id));
	if (line && c->room[0] && g_utf8_validate(c->room, -1, NULL))
		json_object_set_new(line, "room", json_string(c->room));
	char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	json_decref(line);
	if (text == NULL)
		return NULL;
	char *out = g_strconcat(text, "\n", NULL);
	free(text);
	return out;
}

void parley_log_v(parley_log_level level, const char *module, const char *format, va_list args)
{
	if ((int)level <= 0 || (gint)level > g_atomic_int_get(&logger.level))
		return;
	if (module == NULL || *module == '\0')
		module = "core";
	char *msg = g_strdup_vprintf(format, args);
	size_t length = strlen(msg);
	while (length > 0 && (msg[length - 1] == '\n' || msg[length - 1] == '\r'))
		msg[--length] = '\0';

	char ts[48];
	format_timestamp(ts, sizeof(ts));
	g_mutex_lock(&logger.lock);
	bool json = logger.json;
	char *line = json ? format_json_line(ts, level, module, msg) : NULL;
	if (line == NULL) {
		char *upper = g_ascii_strup(parley_log_level_name(level), -1);
		line = g_strdup_printf("%s [%s] [%s] %s\n", ts, upper, module, msg);
		g_free(upper);
	}
	write_all(logger.fd >= 0 ? logger.fd : STDERR_FILENO, line, strlen(line));
	g_mutex_unlock(&logger.lock);
	g_free(line);
	g_free(msg);
}

/* GLib's and its libraries' (libnice's) g_log messages, in our format. */
static void glib_line(const gchar *domain, GLogLevelFlags flags, const gchar *message, gpointer unused)
{
	parley_log_level level = (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) ? PARLEY_LOG_ERROR
	                       : (flags & G_LOG_LEVEL_WARNING) ? PARLEY_LOG_WARN
	                       : (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO)) ? PARLEY_LOG_INFO
	                                                                            : PARLEY_LOG_DEBUG;
	parley_log(level, domain && *domain ? domain : "glib", "%s", message ? message : "");
}

void parley_log_capture_glib(void)
{
	g_log_set_default_handler(glib_line, NULL);
}

void parley_log(parley_log_level level, const char *module, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	parley_log_v(level, module, format, args);
	va_end(args);
}
