/*
 * loops.c — the fixed pool of event-loop threads and the timers that run on
 * them. Each loop is one GMainContext iterated by one thread (with its UDP
 * send batch, media/udp_batch.h, flushed per iteration); a handle picks
 * the least-loaded loop once and stays there.
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
};

typedef struct loop_timer {
	guint64 id;
	GSource *source;      /* owns this record through its callback data */
	parley_loop *loop;
	parley_timer_fn fn;
	void *user_data;
	void (*destroy)(void *);
} loop_timer;

static struct {
	GMutex lock;
	parley_loop **loops;
	unsigned count;
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

static gpointer loop_thread(gpointer data)
{
	parley_loop *loop = data;
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
		json_array_append_new(list, json_pack("{s:I, s:I, s:s, s:I}", "id", (json_int_t)loop->id,
		                                      "handles", (json_int_t)loop->handles,
		                                      "thread", loop->name, "tid", (json_int_t)loop->tid));
	}
	g_mutex_unlock(&pool.lock);
	return list;
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
