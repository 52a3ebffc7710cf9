/*
 * loops.c — the fixed pool of event-loop threads and the timers that run on
 * them. Each loop is one GMainContext iterated by one thread (with its UDP
 * send batch, media/udp_batch.h, flushed per iteration); a handle picks
 * the least-loaded loop once and stays there.
 *
 * Load and lag: each loop's poll function (g_main_context_set_poll_func)
 * adds the time since the previous poll() returned to the loop's busy
 * total (two clock reads per iteration, none per packet); a probe timer on
 * the loop every second turns that into the load of the last window (busy
 * share of the wall time) and measures its own lateness (the lag a new
 * event waits); a probe seconds late is logged with what the thread did
 * meanwhile (lateness.c).
 * The loop's thread writes these, readers load them (relaxed atomics).
 *
 * Groups: handles that relay media to one another (a room's) may join a
 * named group; the group lives on one loop, the one its first member
 * held, and a later member's slot moves there. One room's forwarding then
 * runs on one thread: no packet crosses a core, no subscriber's
 * PeerConnection state bounces between two (as a mediasoup Router lives in
 * one worker). The group ends with its last member. Under pool.lock.
 *
 * Timers: a parley_timer handle is an opaque, never-reused 64-bit id, not a
 * pointer. The timer itself (a GSource plus its callback) lives in a table
 * keyed by that id until the source is destroyed. So parley_timer_stop is
 * safe from any thread, from inside the callback, and even after the timer
 * already ended (then it does nothing): it never touches freed memory and
 * never stops another timer. The timer record belongs to its GSource and is
 * freed by the source's destroy notify, after the user's `destroy`.
 */
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <glib.h>

#include "loops.h"
#include "lateness.h"
#include "media/udp_batch.h"
#include "log.h"

#define PARLEY_LOG_MODULE "loops"
#define MAX_LOOPS 1024

struct parley_loop {
	unsigned id;
	GMainContext *context;
	GMainLoop *main_loop;
	GThread *thread;
	char name[24];
	gint tid;          /* kernel thread id, for loops_info */
	unsigned handles;  /* guarded by pool.lock */
	GMutex ready_lock;
	GCond ready_cond;
	bool ready;
	/* load and lag: written by the loop's thread, read anywhere (relaxed) */
	gint64 busy_us;          /* time outside poll() since the start */
	gint64 poll_exit_us;     /* when poll() last returned (loop thread only) */
	gint64 window_start_us, window_busy_us; /* the probe's last window (loop thread only) */
	gint load_permille;      /* busy share of the last window */
	gint64 lag_us;           /* the probe's latest lateness */
	gint64 probe_due_us;     /* loop thread only */
	parley_lateness lateness; /* a probe seconds late is logged (loop thread only) */
};

#define PROBE_INTERVAL_MS 1000

/* The loop the current thread runs (for the poll function). */
static __thread parley_loop *current_loop;

typedef struct loop_timer {
	guint64 id;
	GSource *source;      /* owns this record through its callback data */
	parley_loop *loop;
	parley_timer_fn fn;
	void *user_data;
	void (*destroy)(void *);
} loop_timer;

typedef struct loop_group {
	parley_loop *loop;
	unsigned members;
} loop_group;

static struct {
	GMutex lock;
	parley_loop **loops;
	unsigned count;
	GHashTable *groups;  /* name (owned) -> loop_group* (owned); NULL when none */
} pool;

static struct {
	GMutex lock;
	GHashTable *by_id;  /* guint64* id -> loop_timer* (not owned) */
	guint64 next_id;
} timers = {.next_id = 1};

/* Runs inside g_main_loop_run, so a quit after this can never be lost. */
static gboolean loop_announce_ready(gpointer data)
{
	parley_loop *loop = data;
	g_mutex_lock(&loop->ready_lock);
	loop->tid = (gint)syscall(SYS_gettid);
	loop->ready = true;
	g_cond_signal(&loop->ready_cond);
	g_mutex_unlock(&loop->ready_lock);
	return G_SOURCE_REMOVE;
}

/* poll() for every iteration of a loop: what ran since the last one was work. */
static gint timed_poll(GPollFD *fds, guint n, gint timeout)
{
	parley_loop *loop = current_loop;
	if (loop) {
		gint64 now = g_get_monotonic_time();
		if (loop->poll_exit_us)
			__atomic_store_n(&loop->busy_us, loop->busy_us + (now - loop->poll_exit_us), __ATOMIC_RELAXED);
	}
	gint rc = g_poll(fds, n, timeout);
	if (loop)
		loop->poll_exit_us = g_get_monotonic_time();
	return rc;
}

/* Every second on the loop: its lateness, and the load of the window. */
static gboolean probe_tick(gpointer data)
{
	parley_loop *loop = data;
	gint64 now = g_get_monotonic_time();
	gint64 lag = now > loop->probe_due_us ? now - loop->probe_due_us : 0;
	__atomic_store_n(&loop->lag_us, lag, __ATOMIC_RELAXED);
	/* this callback's own work so far counts for the window it closes */
	gint64 busy_total = loop->busy_us + (loop->poll_exit_us ? now - loop->poll_exit_us : 0);
	gint64 wall = now - loop->window_start_us;
	if (wall > 0) {
		gint64 busy = busy_total - loop->window_busy_us;
		gint permille = (gint)(busy <= 0 ? 0 : busy >= wall ? 1000 : busy * 1000 / wall);
		__atomic_store_n(&loop->load_permille, permille, __ATOMIC_RELAXED);
	}
	loop->window_start_us = now;
	loop->window_busy_us = busy_total;
	loop->probe_due_us = now + PROBE_INTERVAL_MS * 1000;
	parley_lateness_probe(&loop->lateness, now, lag);
	return G_SOURCE_CONTINUE;
}

static void start_probe(parley_loop *loop)
{
	parley_lateness_init(&loop->lateness, loop->name);
	loop->window_start_us = g_get_monotonic_time();
	loop->probe_due_us = loop->window_start_us + PROBE_INTERVAL_MS * 1000;
	GSource *probe = g_timeout_source_new(PROBE_INTERVAL_MS);
	g_source_set_callback(probe, probe_tick, loop, NULL);
	g_source_attach(probe, loop->context);
	g_source_unref(probe);
}

static gpointer loop_thread(gpointer data)
{
	parley_loop *loop = data;
	current_loop = loop;
	start_probe(loop);
	g_main_context_push_thread_default(loop->context);
	GSource *idle = g_idle_source_new();
	g_source_set_callback(idle, loop_announce_ready, loop, NULL);
	g_source_attach(idle, loop->context);
	g_source_unref(idle);
	parley_udp_batch_attach(loop->context);
	g_main_loop_run(loop->main_loop);
	parley_udp_batch_detach();
	g_main_context_pop_thread_default(loop->context);
	return NULL;
}

static parley_loop *loop_new(unsigned id)
{
	parley_loop *loop = g_new0(parley_loop, 1);
	loop->id = id;
	loop->context = g_main_context_new();
	g_main_context_set_poll_func(loop->context, timed_poll);
	loop->main_loop = g_main_loop_new(loop->context, FALSE);
	g_mutex_init(&loop->ready_lock);
	g_cond_init(&loop->ready_cond);
	g_snprintf(loop->name, sizeof(loop->name), "parley-loop-%u", id);
	GError *error = NULL;
	loop->thread = g_thread_try_new(loop->name, loop_thread, loop, &error);
	if (loop->thread == NULL) {
		PLOG_ERR("cannot start event loop %u: %s", id, error->message);
		g_error_free(error);
		g_main_loop_unref(loop->main_loop);
		g_main_context_unref(loop->context);
		g_free(loop);
		return NULL;
	}
	g_mutex_lock(&loop->ready_lock);
	while (!loop->ready)
		g_cond_wait(&loop->ready_cond, &loop->ready_lock);
	g_mutex_unlock(&loop->ready_lock);
	return loop;
}

/* Destroys every timer still attached to `loop` (their destroy notifies run). */
static void destroy_loop_timers(parley_loop *loop)
{
	GPtrArray *sources = g_ptr_array_new();
	g_mutex_lock(&timers.lock);
	if (timers.by_id != NULL) {
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, timers.by_id);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			loop_timer *t = v;
			if (t->loop == loop)
				g_ptr_array_add(sources, g_source_ref(t->source));
		}
	}
	g_mutex_unlock(&timers.lock);
	for (guint i = 0; i < sources->len; i++) {
		GSource *source = g_ptr_array_index(sources, i);
		g_source_destroy(source);
		g_source_unref(source);
	}
	g_ptr_array_unref(sources);
}

static void loop_free(parley_loop *loop)
{
	g_main_loop_quit(loop->main_loop);
	g_thread_join(loop->thread);
	destroy_loop_timers(loop);
	g_main_loop_unref(loop->main_loop);
	g_main_context_unref(loop->context);
	g_mutex_clear(&loop->ready_lock);
	g_cond_clear(&loop->ready_cond);
	g_free(loop);
}

int parley_loops_start(unsigned count)
{
	if (count == 0)
		count = g_get_num_processors();
	if (count > MAX_LOOPS) {
		PLOG_ERR("event_loops = %u is more than the limit of %u", count, MAX_LOOPS);
		return -1;
	}
	g_mutex_lock(&pool.lock);
	if (pool.count > 0) {
		g_mutex_unlock(&pool.lock);
		PLOG_ERR("event loops already started");
		return -1;
	}
	g_mutex_lock(&timers.lock);
	if (timers.by_id == NULL)
		timers.by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_mutex_unlock(&timers.lock);
	pool.loops = g_new0(parley_loop *, count);
	for (unsigned i = 0; i < count; i++) {
		pool.loops[i] = loop_new(i);
		if (pool.loops[i] == NULL) {
			for (unsigned j = 0; j < i; j++)
				loop_free(pool.loops[j]);
			g_clear_pointer(&pool.loops, g_free);
			g_mutex_unlock(&pool.lock);
			return -1;
		}
	}
	pool.count = count;
	g_mutex_unlock(&pool.lock);
	PLOG_INFO("started %u event loop%s", count, count == 1 ? "" : "s");
	return 0;
}

void parley_loops_stop(void)
{
	g_mutex_lock(&pool.lock);
	parley_loop **loops = pool.loops;
	unsigned count = pool.count;
	pool.loops = NULL;
	pool.count = 0;
	g_clear_pointer(&pool.groups, g_hash_table_destroy);
	g_mutex_unlock(&pool.lock);
	for (unsigned i = 0; i < count; i++)
		loop_free(loops[i]);
	g_free(loops);
	g_mutex_lock(&timers.lock);
	if (timers.by_id != NULL && g_hash_table_size(timers.by_id) == 0)
		g_clear_pointer(&timers.by_id, g_hash_table_destroy);
	g_mutex_unlock(&timers.lock);
}

unsigned parley_loops_count(void)
{
	g_mutex_lock(&pool.lock);
	unsigned count = pool.count;
	g_mutex_unlock(&pool.lock);
	return count;
}

parley_loop *parley_loops_pick(void)
{
	parley_loop *best = NULL;
	g_mutex_lock(&pool.lock);
	for (unsigned i = 0; i < pool.count; i++) {
		if (best == NULL || pool.loops[i]->handles < best->handles)
			best = pool.loops[i];
	}
	if (best != NULL)
		best->handles++;
	g_mutex_unlock(&pool.lock);
	return best;
}

void parley_loops_release(parley_loop *loop)
{
	if (loop == NULL)
		return;
	g_mutex_lock(&pool.lock);
	if (loop->handles > 0)
		loop->handles--;
	g_mutex_unlock(&pool.lock);
}

parley_loop *parley_loops_group_join(parley_loop *from, const char *group)
{
	g_mutex_lock(&pool.lock);
	if (pool.groups == NULL)
		pool.groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	loop_group *g = g_hash_table_lookup(pool.groups, group);
	if (g == NULL) {
		g = g_new0(loop_group, 1);
		g->loop = from;
		g_hash_table_insert(pool.groups, g_strdup(group), g);
	}
	g->members++;
	if (g->loop != from) {
		if (from->handles > 0)
			from->handles--;
		g->loop->handles++;
	}
	parley_loop *loop = g->loop;
	g_mutex_unlock(&pool.lock);
	return loop;
}

void parley_loops_group_leave(const char *group)
{
	g_mutex_lock(&pool.lock);
	loop_group *g = pool.groups != NULL ? g_hash_table_lookup(pool.groups, group) : NULL;
	if (g != NULL && --g->members == 0)
		g_hash_table_remove(pool.groups, group);
	if (pool.groups != NULL && g_hash_table_size(pool.groups) == 0)
		g_clear_pointer(&pool.groups, g_hash_table_destroy);
	g_mutex_unlock(&pool.lock);
}

unsigned parley_loops_group_members(const char *group)
{
	g_mutex_lock(&pool.lock);
	loop_group *g = pool.groups != NULL ? g_hash_table_lookup(pool.groups, group) : NULL;
	unsigned members = g != NULL ? g->members : 0;
	g_mutex_unlock(&pool.lock);
	return members;
}

parley_loop *parley_loops_first(void)
{
	g_mutex_lock(&pool.lock);
	parley_loop *loop = pool.count > 0 ? pool.loops[0] : NULL;
	g_mutex_unlock(&pool.lock);
	return loop;
}

GMainContext *parley_loops_context_at(unsigned index)
{
	g_mutex_lock(&pool.lock);
	GMainContext *context = index < pool.count ? pool.loops[index]->context : NULL;
	g_mutex_unlock(&pool.lock);
	return context;
}

GMainContext *parley_loop_context(parley_loop *loop)
{
	return loop ? loop->context : NULL;
}

unsigned parley_loop_id(parley_loop *loop)
{
	return loop ? loop->id : 0;
}

GThread *parley_loop_thread(parley_loop *loop)
{
	return loop ? loop->thread : NULL;
}

json_t *parley_loops_info(void)
{
	json_t *list = json_array();
	g_mutex_lock(&pool.lock);
	for (unsigned i = 0; i < pool.count; i++) {
		parley_loop *loop = pool.loops[i];
		json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:I, s:f, s:f}", "id", (json_int_t)loop->id,
		                                      "handles", (json_int_t)loop->handles,
		                                      "thread", loop->name, "tid", (json_int_t)loop->tid,
		                                      "load", __atomic_load_n(&loop->load_permille, __ATOMIC_RELAXED) / 1000.0,
		                                      "lag_ms", __atomic_load_n(&loop->lag_us, __ATOMIC_RELAXED) / 1000.0));
	}
	g_mutex_unlock(&pool.lock);
	return list;
}

unsigned parley_loops_stats(parley_loop_stats *out, unsigned max)
{
	g_mutex_lock(&pool.lock);
	unsigned n = 0;
	for (; n < pool.count && n < max; n++) {
		parley_loop *loop = pool.loops[n];
		gint64 busy = __atomic_load_n(&loop->busy_us, __ATOMIC_RELAXED);
		out[n] = (parley_loop_stats){
			.id = loop->id,
			.handles = loop->handles,
			.load = __atomic_load_n(&loop->load_permille, __ATOMIC_RELAXED) / 1000.0,
			.lag_seconds = __atomic_load_n(&loop->lag_us, __ATOMIC_RELAXED) / 1e6,
			.busy_seconds = busy > 0 ? busy / 1e6 : 0,
		};
	}
	g_mutex_unlock(&pool.lock);
	return n;
}

/* GSource callback: runs on the loop's thread. */
static gboolean timer_fire(gpointer data)
{
	loop_timer *t = data;
	return t->fn(t->user_data) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Destroy notify of the GSource's callback data: the timer can no longer fire. */
static void timer_finished(gpointer data)
{
	loop_timer *t = data;
	g_mutex_lock(&timers.lock);
	if (timers.by_id != NULL)
		g_hash_table_remove(timers.by_id, &t->id);
	g_mutex_unlock(&timers.lock);
	if (t->destroy != NULL)
		t->destroy(t->user_data);
	g_free(t);
}

parley_timer *parley_timer_start(parley_loop *loop, unsigned interval_ms, parley_timer_fn fn,
                                 void *user_data, void (*destroy)(void *))
{
	if (fn == NULL)
		return NULL;
	if (loop == NULL)
		loop = parley_loops_first();
	if (loop == NULL) {
		PLOG_ERR("cannot start a timer: no event loop is running");
		return NULL;
	}
	loop_timer *t = g_new0(loop_timer, 1);
	t->loop = loop;
	t->fn = fn;
	t->user_data = user_data;
	t->destroy = destroy;
	t->source = g_timeout_source_new(interval_ms);
	g_source_set_callback(t->source, timer_fire, t, timer_finished);

	g_mutex_lock(&timers.lock);
	if (timers.by_id == NULL) {
		g_mutex_unlock(&timers.lock);
		t->destroy = NULL;   /* not started: the caller keeps user_data */
		g_source_unref(t->source);
		PLOG_ERR("cannot start a timer: event loops are stopped");
		return NULL;
	}
	t->id = timers.next_id++;
	g_hash_table_insert(timers.by_id, &t->id, t);
	/* Attach while holding the lock, so a concurrent stop finds a live source. */
	GSource *source = t->source;
	guint64 id = t->id;
	g_source_attach(source, loop->context);
	g_mutex_unlock(&timers.lock);
	g_source_unref(source);   /* the context owns it now */
	return (parley_timer *)(uintptr_t)id;
}

void parley_timer_stop(parley_timer *timer)
{
	guint64 id = (guint64)(uintptr_t)timer;
	if (id == 0)
		return;
	GSource *source = NULL;
	g_mutex_lock(&timers.lock);
	loop_timer *t = timers.by_id ? g_hash_table_lookup(timers.by_id, &id) : NULL;
	if (t != NULL)
		source = g_source_ref(t->source);
	g_mutex_unlock(&timers.lock);
	if (source == NULL)
		return;   /* already ended */
	g_source_destroy(source);
	g_source_unref(source);
}

bool parley_timer_active(parley_timer *timer)
{
	guint64 id = (guint64)(uintptr_t)timer;
	g_mutex_lock(&timers.lock);
	bool active = timers.by_id != NULL && g_hash_table_contains(timers.by_id, &id);
	g_mutex_unlock(&timers.lock);
	return active;
}
