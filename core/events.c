/*
 * events.c — the event bus between the core (and modules) and the event
 * handlers. Owns a bounded ring of pending events guarded by one mutex and
 * condition, and the single thread that drains it. Emitting never blocks:
 * when the ring is full the event is dropped and counted. The thread hands
 * each event (borrowed) to every registered handler whose events_mask
 * matches its type, in registration order.
 *
 * Event shape: {"type", "timestamp" (µs, wall clock), "session_id"?,
 * "handle_id"?, "emitter": [general] server_name, "event": <a copy>}.
 * [events] enabled = false turns the bus off even with handlers loaded.
 */
#include <string.h>
#include <glib.h>

#include "events.h"
#include "config.h"
#include "log.h"
#include "registry.h"

#define PARLEY_LOG_MODULE "events"
#define DEFAULT_QUEUE_SIZE 4096
#define MAX_QUEUE_SIZE (1u << 20)
#define MAX_HANDLERS 128

typedef struct queued_event {
	uint32_t type;
	json_t *event;
} queued_event;

static struct {
	GMutex lock;
	GCond cond;
	queued_event *ring;
	unsigned capacity, head, count;
	bool stopping;
	GThread *thread;
	gint running;      /* atomic */
	bool enabled;
	char *emitter;
	guint64 emitted, dropped;  /* under lock; kept after stop for reporting */
} bus;

/* Union of the masks of every registered handler. */
static uint32_t handlers_mask(void)
{
	const parley_handler *handlers[MAX_HANDLERS];
	unsigned n = parley_registry_handlers(handlers, MAX_HANDLERS);
	uint32_t mask = 0;
	for (unsigned i = 0; i < n; i++)
		mask |= handlers[i]->events_mask;
	return mask;
}

static void deliver(const queued_event *q)
{
	const parley_handler *handlers[MAX_HANDLERS];
	unsigned n = parley_registry_handlers(handlers, MAX_HANDLERS);
	for (unsigned i = 0; i < n; i++) {
		if ((handlers[i]->events_mask & q->type) != 0)
			handlers[i]->incoming_event(q->event);
	}
}

static gpointer bus_thread(gpointer unused)
{
	for (;;) {
		g_mutex_lock(&bus.lock);
		while (bus.count == 0 && !bus.stopping)
			g_cond_wait(&bus.cond, &bus.lock);
		if (bus.count == 0) {   /* stopping and drained */
			g_mutex_unlock(&bus.lock);
			break;
		}
		queued_event q = bus.ring[bus.head];
		bus.head = (bus.head + 1) % bus.capacity;
		bus.count--;
		g_mutex_unlock(&bus.lock);
		deliver(&q);
		json_decref(q.event);
	}
	return NULL;
}

int parley_events_start(unsigned queue_size)
{
	if (g_atomic_int_get(&bus.running)) {
		PLOG_ERR("the event bus is already running");
		return -1;
	}
	if (queue_size == 0)
		queue_size = DEFAULT_QUEUE_SIZE;
	if (queue_size > MAX_QUEUE_SIZE) {
		PLOG_ERR("[events] queue_size %u is more than the limit of %u", queue_size, MAX_QUEUE_SIZE);
		return -1;
	}
	g_mutex_lock(&bus.lock);
	bus.ring = g_new0(queued_event, queue_size);
	bus.capacity = queue_size;
	bus.head = bus.count = 0;
	bus.stopping = false;
	bus.emitted = bus.dropped = 0;
	bus.enabled = parley_config_get_bool("parley", "events", "enabled", true);
	g_free(bus.emitter);
	bus.emitter = g_strdup(parley_config_get_string("parley", "general", "server_name", "parley"));
	g_mutex_unlock(&bus.lock);
	bus.thread = g_thread_new("parley-events", bus_thread, NULL);
	g_atomic_int_set(&bus.running, 1);
	PLOG_VERB("event bus started (queue of %u%s)", queue_size, bus.enabled ? "" : ", disabled by [events] enabled");
	return 0;
}

void parley_events_stop(void)
{
	if (!g_atomic_int_compare_and_exchange(&bus.running, 1, 0))
		return;
	g_mutex_lock(&bus.lock);
	bus.stopping = true;
	g_cond_signal(&bus.cond);
	g_mutex_unlock(&bus.lock);
	g_thread_join(bus.thread);   /* it delivers what is queued, then exits */
	bus.thread = NULL;
	g_mutex_lock(&bus.lock);
	g_clear_pointer(&bus.ring, g_free);
	bus.capacity = 0;
	g_clear_pointer(&bus.emitter, g_free);
	if (bus.dropped > 0)
		PLOG_WARN("event bus stopped: %" G_GUINT64_FORMAT " events delivered, %" G_GUINT64_FORMAT " dropped",
		          bus.emitted, bus.dropped);
	g_mutex_unlock(&bus.lock);
}

bool parley_events_wanted(uint32_t type)
{
	if (!g_atomic_int_get(&bus.running) || !bus.enabled)
		return false;
	return (handlers_mask() & type) != 0;
}

void parley_events_emit(uint32_t type, uint64_t session_id, uint64_t handle_id, json_t *event)
{
	if (!parley_events_wanted(type))
		return;
	json_t *wrapped = json_object();
	json_object_set_new(wrapped, "type", json_integer(type));
	json_object_set_new(wrapped, "timestamp", json_integer(g_get_real_time()));
	if (session_id != 0)
		json_object_set_new(wrapped, "session_id", json_integer((json_int_t)session_id));
	if (handle_id != 0)
		json_object_set_new(wrapped, "handle_id", json_integer((json_int_t)handle_id));
	/* A copy: the caller keeps its object and may change it after we return. */
	json_object_set_new(wrapped, "event", event ? json_deep_copy(event) : json_object());

	g_mutex_lock(&bus.lock);
	if (bus.ring == NULL || bus.stopping) {
		g_mutex_unlock(&bus.lock);
		json_decref(wrapped);
		return;
	}
	json_object_set_new(wrapped, "emitter", json_string(bus.emitter));
	if (bus.count >= bus.capacity) {
		bus.dropped++;
		guint64 dropped = bus.dropped;
		g_mutex_unlock(&bus.lock);
		json_decref(wrapped);
		/* one warning for the first drop and then every 1000 */
		if (dropped == 1 || dropped % 1000 == 0)
			PLOG_WARN("event queue full: %" G_GUINT64_FORMAT " events dropped so far", dropped);
		return;
	}
	bus.ring[(bus.head + bus.count) % bus.capacity] = (queued_event){type, wrapped};
	bus.count++;
	bus.emitted++;
	g_cond_signal(&bus.cond);
	g_mutex_unlock(&bus.lock);
}

uint64_t parley_events_dropped(void)
{
	g_mutex_lock(&bus.lock);
	uint64_t n = bus.dropped;
	g_mutex_unlock(&bus.lock);
	return n;
}

uint64_t parley_events_emitted(void)
{
	g_mutex_lock(&bus.lock);
	uint64_t n = bus.emitted;
	g_mutex_unlock(&bus.lock);
	return n;
}
