/*
 * plugins/chat/pump.c — the data channel messages waiting for one handle:
 * a queue drained on the handle's own loop in slices, so that a join
 * replaying a long history (or a broadcast into a busy room) never sends
 * one synchronous burst and never loses a message to a full SCTP send
 * buffer.
 *
 * A message goes straight to relay_data only when the caller runs on the
 * handle's loop and nothing waits before it; anything else is queued and
 * a timer on the handle's loop sends at most [limits] send_batch messages
 * per loop iteration. A send refused PARLEY_DATA_ERR_BUSY stays at the
 * head of the queue and the drain stops until data_ready says
 * PARLEY_DATA_WRITABLE (parley_chat_pump_resume), with a retry timer as a
 * backstop. Messages keep their order per handle. The queue is bounded
 * ([limits] send_queue messages, send_queue_bytes bytes): beyond it a
 * message is dropped, counted and logged.
 *
 * A pump is reference counted: the handle owns one reference, every
 * outbox item and every armed timer one more; it holds a reference on its
 * session (core->handle_ref) until the last one goes. Its own mutex is
 * never held while the core is called.
 */
#include <string.h>

#include "chat.h"

#define RETRY_MS 250 /* the backstop when no WRITABLE comes after a BUSY */

typedef struct pump_message {
	char *label;   /* NULL: the oldest open channel */
	GBytes *text;  /* a reference (shared by every copy of a broadcast) */
} pump_message;

struct parley_chat_pump {
	gint refs;
	const parley_plugin_core *core;
	parley_plugin_session *session; /* a reference */
	GMutex lock;
	GQueue queue;                   /* pump_message* */
	size_t bytes;
	bool armed;                     /* a drain timer is pending */
	unsigned armed_delay;           /* its interval: 0, or RETRY_MS after a BUSY */
	bool draining;                  /* a slice is being sent (data_ready may come inside relay_data) */
	bool blocked;                   /* the last send was BUSY: wait for WRITABLE */
	bool closed;                    /* the handle's channels or the handle are gone */
	unsigned batch;
	unsigned max_messages;
	size_t max_bytes;
	guint64 sent, dropped, busy;
};

static void message_free(pump_message *m)
{
	g_free(m->label);
	g_bytes_unref(m->text);
	g_free(m);
}

parley_chat_pump *parley_chat_pump_new(const parley_plugin_core *core, parley_plugin_session *session,
                                       const parley_chat_config *cfg)
{
	parley_chat_pump *pump = g_new0(parley_chat_pump, 1);
	pump->refs = 1;
	pump->core = core;
	pump->session = session;
	core->handle_ref(session);
	g_mutex_init(&pump->lock);
	g_queue_init(&pump->queue);
	pump->batch = cfg->send_batch > 0 ? cfg->send_batch : 1;
	pump->max_messages = cfg->send_queue;
	pump->max_bytes = cfg->send_queue_bytes;
	return pump;
}

parley_chat_pump *parley_chat_pump_ref(parley_chat_pump *pump)
{
	g_atomic_int_inc(&pump->refs);
	return pump;
}

void parley_chat_pump_unref(parley_chat_pump *pump)
{
	if (pump == NULL || !g_atomic_int_dec_and_test(&pump->refs))
		return;
	g_queue_clear_full(&pump->queue, (GDestroyNotify)message_free);
	pump->core->handle_unref(pump->session);
	g_mutex_clear(&pump->lock);
	g_free(pump);
}

static void drop_all_locked(parley_chat_pump *pump)
{
	pump->dropped += g_queue_get_length(&pump->queue);
	g_queue_clear_full(&pump->queue, (GDestroyNotify)message_free);
	g_queue_init(&pump->queue);
	pump->bytes = 0;
}

void parley_chat_pump_close(parley_chat_pump *pump)
{
	g_mutex_lock(&pump->lock);
	pump->closed = true;
	drop_all_locked(pump);
	g_mutex_unlock(&pump->lock);
}

void parley_chat_pump_reopen(parley_chat_pump *pump)
{
	g_mutex_lock(&pump->lock);
	pump->closed = false;
	pump->blocked = false;
	g_mutex_unlock(&pump->lock);
}

static int send_now(parley_chat_pump *pump, const char *label, GBytes *text)
{
	gsize size = 0;
	const char *data = g_bytes_get_data(text, &size);
	return pump->core->relay_data(pump->session, &(parley_data_packet){
		.buffer = (char *)data, .length = (uint16_t)MIN(size, 65535), .label = label, .binary = false,
		.protocol = "", .size = size,
	});
}

static bool drain_tick(void *data);
static bool drain_messages(parley_chat_pump *pump);

/* Arms the drain timer unless one is pending (lock held); false when the
 * handle's loop takes no timer any more (the handle is going). */
static bool arm_locked(parley_chat_pump *pump, unsigned delay_ms)
{
	if (pump->armed)
		return true;
	if (pump->core->timer_start == NULL)
		return false;
	parley_chat_pump_ref(pump);
	pump->armed = true;
	pump->armed_delay = delay_ms;
	if (pump->core->timer_start(pump->session, delay_ms, drain_tick, pump,
	                            (void (*)(void *))parley_chat_pump_unref) != NULL)
		return true;
	pump->armed = false;
	g_atomic_int_add(&pump->refs, -1); /* the caller holds another reference */
	return false;
}

static void log_drop(parley_chat_pump *pump, const char *why, gsize size)
{
	pump->core->log(PARLEY_LOG_WARN, PARLEY_CHAT_PACKAGE, "a %zu-byte data channel message dropped: %s", (size_t)size,
	                why);
}

/* Sends what waits, at most one batch, on the handle's loop. Returns
 * whether the timer should fire again at once. */
static bool drain_slice(parley_chat_pump *pump)
{
	g_mutex_lock(&pump->lock);
	bool nested = pump->draining;
	pump->draining = true;
	g_mutex_unlock(&pump->lock);
	if (nested)
		return false;
	bool more = drain_messages(pump);
	g_mutex_lock(&pump->lock);
	pump->draining = false;
	g_mutex_unlock(&pump->lock);
	return more;
}

static bool drain_messages(parley_chat_pump *pump)
{
	for (unsigned n = 0; n < pump->batch; n++) {
		g_mutex_lock(&pump->lock);
		pump_message *m = pump->closed || pump->blocked ? NULL : g_queue_pop_head(&pump->queue);
		if (m != NULL)
			pump->bytes -= g_bytes_get_size(m->text);
		g_mutex_unlock(&pump->lock);
		if (m == NULL)
			return false;
		int rc = send_now(pump, m->label, m->text);
		g_mutex_lock(&pump->lock);
		if (rc == PARLEY_DATA_ERR_BUSY && !pump->closed) {
			pump->busy++;
			pump->blocked = true;
			pump->bytes += g_bytes_get_size(m->text);
			g_queue_push_head(&pump->queue, m);
			m = NULL;
		} else if (rc == 0) {
			pump->sent++;
		} else {
			pump->dropped++;
		}
		bool stop = pump->blocked || pump->closed;
		g_mutex_unlock(&pump->lock);
		if (m != NULL) {
			if (rc != 0)
				pump->core->log(PARLEY_LOG_VERB, PARLEY_CHAT_PACKAGE,
				                "a %zu-byte message not sent on the data channel (%d)",
				                (size_t)g_bytes_get_size(m->text), rc);
			message_free(m);
		}
		if (stop)
			return false;
	}
	g_mutex_lock(&pump->lock);
	bool more = !pump->closed && !pump->blocked && !g_queue_is_empty(&pump->queue);
	g_mutex_unlock(&pump->lock);
	return more;
}

static bool drain_tick(void *data)
{
	parley_chat_pump *pump = data;
	bool again = drain_slice(pump);
	g_mutex_lock(&pump->lock);
	if (again && pump->armed_delay != 0) {
		/* the retry timer found the buffer free again: on at full pace */
		pump->armed = false;
		arm_locked(pump, 0);
		again = false;
	} else if (!again) {
		pump->armed = false;
		/* a BUSY with no WRITABLE yet: try again later all the same */
		if (pump->blocked && !pump->closed && !g_queue_is_empty(&pump->queue)) {
			pump->blocked = false;
			arm_locked(pump, RETRY_MS);
		}
	}
	g_mutex_unlock(&pump->lock);
	return again;
}

void parley_chat_pump_send(parley_chat_pump *pump, const char *label, GBytes *text, bool on_loop, bool queue_first)
{
	g_mutex_lock(&pump->lock);
	if (pump->closed) {
		g_mutex_unlock(&pump->lock);
		return;
	}
	gsize size = g_bytes_get_size(text);
	/* a core without timers (a test harness) has no loop to drain on: all goes at once */
	bool loopless = pump->core->timer_start == NULL;
	bool direct = (loopless || (on_loop && !queue_first)) && !pump->armed && !pump->blocked &&
	              g_queue_is_empty(&pump->queue);
	if (direct) {
		g_mutex_unlock(&pump->lock);
		int rc = send_now(pump, label, text);
		g_mutex_lock(&pump->lock);
		if (rc == 0) {
			pump->sent++;
			g_mutex_unlock(&pump->lock);
			return;
		}
		if (rc != PARLEY_DATA_ERR_BUSY || pump->closed) {
			pump->dropped++;
			g_mutex_unlock(&pump->lock);
			pump->core->log(PARLEY_LOG_VERB, PARLEY_CHAT_PACKAGE, "a %zu-byte message not sent on the data channel (%d)",
			                (size_t)size, rc);
			return;
		}
		pump->busy++;
		pump->blocked = true;
	}
	if (g_queue_get_length(&pump->queue) >= pump->max_messages || pump->bytes + size > pump->max_bytes) {
		pump->dropped++;
		g_mutex_unlock(&pump->lock);
		log_drop(pump, "the handle's send queue is full ([limits] send_queue, send_queue_bytes)", size);
		return;
	}
	pump_message *m = g_new0(pump_message, 1);
	m->label = g_strdup(label);
	m->text = g_bytes_ref(text);
	g_queue_push_tail(&pump->queue, m);
	pump->bytes += size;
	bool ok = pump->blocked ? (pump->armed || arm_locked(pump, RETRY_MS)) : arm_locked(pump, 0);
	if (!ok)
		drop_all_locked(pump);
	g_mutex_unlock(&pump->lock);
}

void parley_chat_pump_resume(parley_chat_pump *pump)
{
	g_mutex_lock(&pump->lock);
	pump->blocked = false;
	bool more = !pump->closed && !pump->draining && !g_queue_is_empty(&pump->queue);
	g_mutex_unlock(&pump->lock);
	if (!more)
		return; /* nothing waits, or the slice under way goes on */
	/* on the handle's loop (data_ready): a slice now, the rest by the timer */
	if (drain_slice(pump)) {
		g_mutex_lock(&pump->lock);
		arm_locked(pump, 0);
		g_mutex_unlock(&pump->lock);
	}
}

json_t *parley_chat_pump_info(parley_chat_pump *pump)
{
	g_mutex_lock(&pump->lock);
	json_t *info = json_pack("{s:I, s:I, s:I, s:I, s:I, s:b}", "queued", (json_int_t)g_queue_get_length(&pump->queue),
	                         "queued_bytes", (json_int_t)pump->bytes, "sent", (json_int_t)pump->sent, "dropped",
	                         (json_int_t)pump->dropped, "busy", (json_int_t)pump->busy, "blocked", pump->blocked);
	g_mutex_unlock(&pump->lock);
	return info;
}
