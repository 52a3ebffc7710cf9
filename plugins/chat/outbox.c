/*
 * plugins/chat/outbox.c — deliveries decided under ctx->lock and handed to
 * the core after it is released: data channel messages (to the handle's
 * pump, pump.c, which sends them on the handle's loop), Janus events
 * (push_event) and event-handler notices (notify_event), in the order
 * they were queued.
 *
 * A broadcast queues one payload for many handles: its JSON text is made
 * once and shared (also with the pumps, as GBytes). Each queued delivery
 * holds a reference on its handle's session (core->handle_ref) or pump
 * until it is handed on, so a handle that goes away meanwhile only makes
 * the core refuse the delivery. A payload must not be changed once
 * queued.
 */
#include <string.h>

#include "chat.h"

typedef enum item_kind {
	ITEM_DATA = 0,   /* relay_data on the session's data channels */
	ITEM_EVENT = 1,  /* push_event to the session's client */
	ITEM_NOTIFY = 2, /* notify_event to the event handlers */
} item_kind;

typedef struct outbox_payload {
	json_t *json;    /* a reference */
	GBytes *text;    /* its JSON text, made on first data channel use (shared with the pumps) */
} outbox_payload;

typedef struct outbox_item {
	item_kind kind;
	parley_plugin_session *session; /* a reference (core->handle_ref), or NULL */
	parley_chat_pump *pump;         /* ITEM_DATA: the handle's pump (a reference) */
	bool on_loop;                   /* ITEM_DATA: flushed on that handle's loop */
	bool paced;                     /* ITEM_DATA: sent in slices (a history replay) */
	char *label;
	char *transaction;
	guint payload;                  /* index in box->payloads */
} outbox_item;

static void payload_free(void *data)
{
	outbox_payload *p = data;
	json_decref(p->json);
	if (p->text != NULL)
		g_bytes_unref(p->text);
	g_free(p);
}

void parley_chat_outbox_init(parley_chat_outbox *box)
{
	box->loop_handle = NULL;
	box->paced = false;
	box->items = g_array_new(FALSE, TRUE, sizeof(outbox_item));
	box->payloads = g_ptr_array_new_with_free_func(payload_free);
}

/* The index of `json` among the payloads: the last one again when it is
 * the same object (a broadcast), else a new one. */
static guint payload_index(parley_chat_outbox *box, json_t *json, bool text)
{
	outbox_payload *last = box->payloads->len > 0 ? box->payloads->pdata[box->payloads->len - 1] : NULL;
	if (last == NULL || last->json != json) {
		last = g_new0(outbox_payload, 1);
		last->json = json_incref(json);
		g_ptr_array_add(box->payloads, last);
	}
	if (text && last->text == NULL) {
		char *dump = json_dumps(json, JSON_COMPACT);
		if (dump != NULL)
			last->text = g_bytes_new_with_free_func(dump, strlen(dump), free, dump);
	}
	return box->payloads->len - 1;
}

static outbox_item *queue(parley_chat_ctx *ctx, parley_chat_outbox *box, item_kind kind,
                          parley_plugin_session *session, const char *label, const char *transaction, json_t *payload)
{
	outbox_item item = {
		.kind = kind, .session = session, .label = g_strdup(label), .transaction = g_strdup(transaction),
		.payload = payload_index(box, payload, kind == ITEM_DATA),
	};
	if (session != NULL)
		ctx->core->handle_ref(session);
	g_array_append_val(box->items, item);
	return &g_array_index(box->items, outbox_item, box->items->len - 1);
}

void parley_chat_outbox_send(parley_chat_ctx *ctx, parley_chat_outbox *box, parley_chat_handle *handle,
                             parley_chat_via via, const char *label, const char *transaction, json_t *payload)
{
	if (handle == NULL || via == PARLEY_CHAT_VIA_ADMIN)
		return;
	if (via != PARLEY_CHAT_VIA_DATA) {
		queue(ctx, box, ITEM_EVENT, handle->session, label, transaction, payload);
		return;
	}
	/* data channel messages go through the handle's pump (no session
	 * reference: the pump holds one) */
	outbox_item *item = queue(ctx, box, ITEM_DATA, NULL, label, transaction, payload);
	item->pump = parley_chat_pump_ref(handle->pump);
	item->on_loop = handle == box->loop_handle;
	item->paced = box->paced;
}

void parley_chat_outbox_to(parley_chat_ctx *ctx, parley_chat_outbox *box, parley_chat_participant *p, json_t *payload)
{
	parley_chat_outbox_send(ctx, box, p->handle, p->via, NULL, NULL, payload);
}

void parley_chat_outbox_broadcast(parley_chat_ctx *ctx, parley_chat_outbox *box, parley_chat_room *room,
                                  parley_chat_participant *except, json_t *payload)
{
	GHashTableIter it;
	gpointer value;
	g_hash_table_iter_init(&it, room->participants);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		if (value != except)
			parley_chat_outbox_to(ctx, box, value, payload);
	}
}

void parley_chat_outbox_notify(parley_chat_ctx *ctx, parley_chat_outbox *box, parley_chat_handle *handle,
                               const char *name, parley_chat_room *room, json_t *fields)
{
	if (!ctx->cfg.notify_events || ctx->core->notify_event == NULL || ctx->core->events_enabled == NULL) {
		json_decref(fields);
		return;
	}
	json_t *event = json_pack("{s:s}", "event", name);
	if (room != NULL)
		json_object_set_new(event, "room", json_integer((json_int_t)room->id));
	if (fields != NULL)
		json_object_update(event, fields);
	json_decref(fields);
	queue(ctx, box, ITEM_NOTIFY, handle != NULL ? handle->session : NULL, NULL, NULL, event);
	json_decref(event);
}

static void deliver(parley_chat_ctx *ctx, const outbox_item *item, outbox_payload *payload)
{
	const parley_plugin_core *core = ctx->core;
	int rc = 0;
	switch (item->kind) {
	case ITEM_DATA:
		if (payload->text != NULL)
			parley_chat_pump_send(item->pump, item->label, payload->text, item->on_loop, item->paced);
		break;
	case ITEM_EVENT:
		rc = core->push_event(item->session, ctx->plugin, item->transaction, payload->json, NULL);
		if (rc != 0)
			core->log(PARLEY_LOG_VERB, PARLEY_CHAT_PACKAGE, "an event not delivered (%d): the handle is gone", rc);
		break;
	case ITEM_NOTIFY:
		if (core->events_enabled())
			core->notify_event(ctx->plugin, item->session, payload->json);
		break;
	}
}

static void item_clear(parley_chat_ctx *ctx, outbox_item *item)
{
	if (item->session != NULL && ctx != NULL)
		ctx->core->handle_unref(item->session);
	parley_chat_pump_unref(item->pump);
	g_free(item->label);
	g_free(item->transaction);
}

void parley_chat_outbox_flush(parley_chat_ctx *ctx, parley_chat_outbox *box)
{
	for (guint i = 0; i < box->items->len; i++) {
		outbox_item *item = &g_array_index(box->items, outbox_item, i);
		deliver(ctx, item, box->payloads->pdata[item->payload]);
		item_clear(ctx, item);
	}
	g_array_set_size(box->items, 0);
	g_ptr_array_set_size(box->payloads, 0);
}

void parley_chat_outbox_clear(parley_chat_outbox *box)
{
	if (box->items != NULL && box->items->len > 0)
		g_warning("chat outbox cleared with %u deliveries unsent", box->items->len);
	g_clear_pointer(&box->items, g_array_unref);
	g_clear_pointer(&box->payloads, g_ptr_array_unref);
}
