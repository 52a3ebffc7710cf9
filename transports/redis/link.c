/*
 * transports/redis/link.c — the two hiredis async connections (reader and
 * writer) on the transport's GMainContext: a GSource that drives one
 * redisAsyncContext (it stops touching the context once hiredis frees it),
 * AUTH and SELECT from the URL, the blocking probe run at start, and the
 * reconnect policy: when either link drops, both are dropped and a timer
 * reconnects after a delay that doubles from reconnect_min_ms up to
 * reconnect_max_ms, reset once both links are back.
 */
#include "redis.h"

#include <string.h>
#include <sys/time.h>

/* ---- the GLib source of one async context --------------------------------- */

typedef struct rd_source {
	GSource source;
	redisAsyncContext *ac; /* NULL once hiredis freed it */
	GPollFD poll;
} rd_source;

static void source_events(void *data, gushort add, gushort remove)
{
	rd_source *source = data;
	source->poll.events = (gushort)((source->poll.events | add) & ~remove);
	GMainContext *context = g_source_get_context(&source->source);
	if (context != NULL)
		g_main_context_wakeup(context);
}

static void add_read(void *data)
{
	source_events(data, G_IO_IN, 0);
}
static void del_read(void *data)
{
	source_events(data, 0, G_IO_IN);
}
static void add_write(void *data)
{
	source_events(data, G_IO_OUT, 0);
}
static void del_write(void *data)
{
	source_events(data, 0, G_IO_OUT);
}

/* hiredis frees the context: forget it and leave the loop. */
static void cleanup(void *data)
{
	rd_source *source = data;
	source->ac = NULL;
	if (source->poll.fd >= 0) {
		g_source_remove_poll(&source->source, &source->poll);
		source->poll.fd = -1;
	}
	g_source_destroy(&source->source);
}

static gboolean source_prepare(GSource *base, gint *timeout)
{
	*timeout = -1;
	return FALSE;
}

static gboolean source_check(GSource *base)
{
	rd_source *source = (rd_source *)base;
	return source->ac != NULL && source->poll.fd >= 0 &&
	       (source->poll.revents & (source->poll.events | G_IO_ERR | G_IO_HUP)) != 0;
}

static gboolean source_dispatch(GSource *base, GSourceFunc callback, gpointer data)
{
	rd_source *source = (rd_source *)base;
	gushort revents = source->poll.revents;
	source->poll.revents = 0;
	if (source->ac != NULL && (revents & G_IO_OUT))
		redisAsyncHandleWrite(source->ac);
	/* Errors and hang-ups are found by reading. */
	if (source->ac != NULL && (revents & (G_IO_IN | G_IO_ERR | G_IO_HUP)))
		redisAsyncHandleRead(source->ac);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs source_funcs = {
	.prepare = source_prepare,
	.check = source_check,
	.dispatch = source_dispatch,
};

static void attach_source(redisAsyncContext *ac)
{
	rd_source *source = (rd_source *)g_source_new(&source_funcs, sizeof(rd_source));
	source->ac = ac;
	source->poll.fd = ac->c.fd;
	source->poll.events = 0;
	g_source_add_poll(&source->source, &source->poll);
	ac->ev.addRead = add_read;
	ac->ev.delRead = del_read;
	ac->ev.addWrite = add_write;
	ac->ev.delWrite = del_write;
	ac->ev.cleanup = cleanup;
	ac->ev.data = source;
	g_source_attach(&source->source, parley_rd.context);
	g_source_unref(&source->source); /* the context holds it until cleanup destroys it */
}

/* ---- the probe at start ---------------------------------------------------- */

/* Runs `argv` on a blocking context: 0, or -1 with the error. */
static int sync_command(redisContext *c, int argc, const char **argv, char *error, size_t size)
{
	redisReply *reply = redisCommandArgv(c, argc, argv, NULL);
	if (reply == NULL) {
		snprintf(error, size, "%s", c->errstr[0] ? c->errstr : "no answer");
		return -1;
	}
	int rc = reply->type == REDIS_REPLY_ERROR ? -1 : 0;
	if (rc)
		snprintf(error, size, "%s: %s", argv[0], reply->str);
	freeReplyObject(reply);
	return rc;
}

/* AUTH and SELECT as the URL asks, as argv lists (NULL-terminated set). */
static int login_commands(const char *argv[3][3], int argc[3], char *db, size_t db_size)
{
	int n = 0;
	const parley_util_redis_url *url = &parley_rd.url;
	if (url->password != NULL) {
		argv[n][0] = "AUTH";
		if (url->user != NULL) {
			argv[n][1] = url->user;
			argv[n][2] = url->password;
			argc[n++] = 3;
		} else {
			argv[n][1] = url->password;
			argc[n++] = 2;
		}
	}
	if (url->db != 0) {
		snprintf(db, db_size, "%d", url->db);
		argv[n][0] = "SELECT";
		argv[n][1] = db;
		argc[n++] = 2;
	}
	return n;
}

int parley_rd_link_probe(char *error, size_t error_size)
{
	long ms = parley_rd.connect_timeout_ms;
	struct timeval timeout = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	redisContext *c = redisConnectWithTimeout(parley_rd.url.host, parley_rd.url.port, timeout);
	if (c == NULL || c->err) {
		snprintf(error, error_size, "%s", c ? c->errstr : "out of memory");
		if (c)
			redisFree(c);
		return -1;
	}
	const char *argv[3][3];
	int argc[3];
	char db[16];
	int n = login_commands(argv, argc, db, sizeof(db));
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = sync_command(c, argc[i], argv[i], error, error_size);
	const char *ping[] = { "PING" };
	if (rc == 0)
		rc = sync_command(c, 1, ping, error, error_size);
	redisFree(c);
	return rc;
}

/* ---- connecting, losing, reconnecting ------------------------------------------ */

static void connect_both(void);

static gboolean on_reconnect_timer(gpointer data)
{
	g_source_unref(parley_rd.reconnect_timer);
	parley_rd.reconnect_timer = NULL;
	connect_both();
	return G_SOURCE_REMOVE;
}

static void schedule_reconnect(void)
{
	if (parley_rd.reconnect_timer != NULL || g_atomic_int_get(&parley_rd.stopping))
		return;
	if (parley_rd.reader.ac != NULL || parley_rd.writer.ac != NULL)
		return; /* the other link's disconnect comes first */
	long delay = parley_rd.backoff_ms;
	parley_rd.backoff_ms = MIN(parley_rd.backoff_ms * 2, parley_rd.reconnect_max_ms);
	parley_rd.reconnect_timer = g_timeout_source_new((guint)delay);
	g_source_set_callback(parley_rd.reconnect_timer, on_reconnect_timer, NULL, NULL);
	g_source_attach(parley_rd.reconnect_timer, parley_rd.context);
}

/* Frees a link's context from outside its own callbacks. */
static void drop_link(rd_link *link)
{
	redisAsyncContext *ac = link->ac;
	if (ac == NULL)
		return;
	link->ac = NULL;
	link->ready = false;
	redisAsyncFree(ac);
}

void parley_rd_link_lost(const char *why)
{
	bool was_online = g_atomic_int_get(&parley_rd.online);
	g_atomic_int_set(&parley_rd.online, 0);
	parley_rd.reading = false;
	if (was_online && !g_atomic_int_get(&parley_rd.stopping))
		RD_LOG(PARLEY_LOG_ERROR,
		       "lost Redis at %s:%d (%s): requests through Redis fail until it is back; "
		       "reconnecting",
		       parley_rd.url.host, parley_rd.url.port, why);
	/* A link whose own callback is running goes through redisAsyncDisconnect. */
	if (parley_rd.reader.ac != NULL && !(parley_rd.reader.ac->c.flags & REDIS_IN_CALLBACK))
		drop_link(&parley_rd.reader);
	if (parley_rd.writer.ac != NULL && !(parley_rd.writer.ac->c.flags & REDIS_IN_CALLBACK))
		drop_link(&parley_rd.writer);
	if (parley_rd.reader.ac != NULL)
		redisAsyncDisconnect(parley_rd.reader.ac);
	if (parley_rd.writer.ac != NULL)
		redisAsyncDisconnect(parley_rd.writer.ac);
	schedule_reconnect();
}

static rd_link *link_of(const redisAsyncContext *ac)
{
	rd_link *link = ac->data;
	return link != NULL && link->ac == ac ? link : NULL;
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	rd_link *link = link_of(ac);
	char why[160];
	snprintf(why, sizeof(why), "%s link: %s", ((rd_link *)ac->data)->name,
	         status == REDIS_OK ? "closed" : (ac->errstr ? ac->errstr : "error"));
	if (link != NULL) {
		link->ac = NULL;
		link->ready = false;
	}
	parley_rd_link_lost(why);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
	rd_link *link = link_of(ac);
	if (link == NULL)
		return;
	if (status != REDIS_OK) {
		link->ac = NULL; /* hiredis frees it after this callback */
		link->ready = false;
		RD_LOG(PARLEY_LOG_VERB, "Redis %s link: cannot connect (%s)", link->name,
		       ac->errstr ? ac->errstr : "error");
		parley_rd_link_lost(ac->errstr ? ac->errstr : "connect failed");
		return;
	}
	link->ready = true;
	if (parley_rd.reader.ready && parley_rd.writer.ready) {
		parley_rd.backoff_ms = parley_rd.reconnect_min_ms;
		parley_rd_streams_online();
	}
}

static void on_login(redisAsyncContext *ac, void *r, void *privdata)
{
	redisReply *reply = r;
	if (reply == NULL || reply->type != REDIS_REPLY_ERROR)
		return;
	RD_LOG(PARLEY_LOG_ERROR, "Redis refused %s: %s", (const char *)privdata, reply->str);
	redisAsyncDisconnect(ac);
}

static bool open_link(rd_link *link)
{
	redisAsyncContext *ac = redisAsyncConnect(parley_rd.url.host, parley_rd.url.port);
	if (ac == NULL)
		return false;
	if (ac->err) {
		RD_LOG(PARLEY_LOG_VERB, "Redis %s link: %s", link->name, ac->errstr);
		redisAsyncFree(ac);
		return false;
	}
	ac->data = link;
	link->ac = ac;
	link->ready = false;
	attach_source(ac);
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	const char *argv[3][3];
	int argc[3];
	char db[16];
	int n = login_commands(argv, argc, db, sizeof(db));
	for (int i = 0; i < n; i++)
		redisAsyncCommandArgv(ac, on_login, (void *)argv[i][0], argc[i], argv[i], NULL);
	return true;
}

static void connect_both(void)
{
	if (g_atomic_int_get(&parley_rd.stopping))
		return;
	__atomic_add_fetch(&parley_rd.reconnects, 1, __ATOMIC_RELAXED);
	if (!open_link(&parley_rd.reader) || !open_link(&parley_rd.writer))
		parley_rd_link_lost("cannot create a connection");
}

void parley_rd_link_start(void)
{
	parley_rd.reader.name = "reader";
	parley_rd.writer.name = "writer";
	parley_rd.backoff_ms = parley_rd.reconnect_min_ms;
	__atomic_sub_fetch(&parley_rd.reconnects, 1, __ATOMIC_RELAXED); /* the first connect is no reconnect */
	connect_both();
}

void parley_rd_link_stop(void)
{
	if (parley_rd.reconnect_timer != NULL) {
		g_source_destroy(parley_rd.reconnect_timer);
		g_source_unref(parley_rd.reconnect_timer);
		parley_rd.reconnect_timer = NULL;
	}
	g_atomic_int_set(&parley_rd.online, 0);
	drop_link(&parley_rd.reader);
	drop_link(&parley_rd.writer);
}

int parley_rd_command(rd_link *link, redisCallbackFn *fn, void *privdata, int argc, const char **argv,
                      const size_t *lengths)
{
	if (link->ac == NULL || !link->ready)
		return -1;
	return redisAsyncCommandArgv(link->ac, fn, privdata, argc, argv, lengths) == REDIS_OK ? 0 : -1;
}
