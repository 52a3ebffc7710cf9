/*
 * plugins/chat/store_queue.c — the chat store the plugins use
 * (parley_chat_store_sqlite_open): every change goes to SQLite on a writer
 * thread of its own, never on the caller's thread (a handle's event loop
 * or a worker), in batches of up to `batch` changes per transaction.
 *
 * - append is fire and forget: the message id is given at once (from the
 *   largest id the file ever gave), the record is copied into the queue
 *   and the caller goes on. The queue holds at most max_pending changes
 *   (parley_chat_store_limits); beyond, append is refused (the writer is
 *   behind).
 * - edit, remove, trim, purge, room_save and room_delete answer with a
 *   result (an owner check, a count): they are queued too, behind every
 *   earlier change, and the caller waits for the writer to run them.
 *   They are rare (moderation, the purge timer).
 * - page reads the file and adds the appends still queued for the room
 *   (always newer than anything written, since the queue is first in,
 *   first out), so a join right after a message replays it.
 * - close lets the writer write everything queued, then closes the file:
 *   a clean shutdown loses no message.
 *
 * Locks: db_lock serializes the connection (the writer holds it for a
 * batch, readers for a read); lock guards the queue. Order: db_lock, then
 * lock. A change leaves the queue only once committed, under both: a
 * reader holding db_lock sees each message exactly once, in the file or
 * in the queue.
 */
#include <string.h>

#include "store_sqlite.h"

#define BATCH 256          /* changes per transaction (default) */
#define MAX_PENDING 65536  /* changes waiting for the writer (default) */
#define RETRY_US 100000    /* after the file stayed locked for the busy timeout (store_sqlite.c) */
#define STOP_TRIES 300     /* begins tried once stopping before what waits is given up (30 s and more) */

typedef enum op_kind {
	OP_APPEND, OP_EDIT, OP_REMOVE, OP_TRIM, OP_PURGE, OP_ROOM_SAVE, OP_ROOM_DELETE,
} op_kind;

typedef struct write_op {
	op_kind kind;
	parley_chat_record *record;   /* APPEND: a copy, id set */
	parley_chat_retention keep;   /* APPEND, TRIM */
	int64_t now_ms;
	char *room;                   /* NULL: TRIM of every room */
	int64_t id;                   /* EDIT, REMOVE */
	char *sender;                 /* EDIT, REMOVE: the owner it must be (NULL: any) */
	char *text;                   /* EDIT: the new text; ROOM_SAVE: the settings' JSON */
	/* a caller waits for these (every kind but APPEND) */
	bool done;
	int rc;
	int64_t result;
	parley_plugin_error error;
} write_op;

typedef struct queue_store {
	parley_chat_store base;
	chat_db *db;
	GMutex db_lock;
	GMutex lock;
	GCond work;            /* the queue has changes, or stopping */
	GCond done;            /* a batch was committed */
	GQueue pending;        /* write_op*, oldest first */
	int64_t last_id;       /* the last message id given */
	unsigned batch;
	unsigned max_pending;
	bool stopping;
	unsigned stop_tries;   /* begins refused since stopping */
	bool waiting_logged;   /* the file is locked: said once (writer thread only) */
	GThread *writer;
} queue_store;

static parley_chat_record *record_copy(const parley_chat_record *r)
{
	parley_chat_record *c = g_new0(parley_chat_record, 1);
	*c = *r;
	c->room = g_strdup(r->room);
	c->sender = g_strdup(r->sender);
	c->display = g_strdup(r->display);
	c->text = g_strdup(r->text);
	return c;
}

static void op_free(write_op *op)
{
	parley_chat_record_free(op->record);
	g_free(op->room);
	g_free(op->sender);
	g_free(op->text);
	g_free(op);
}

/* One change, on the writer thread (db_lock held). */
static void apply(queue_store *s, write_op *op)
{
	switch (op->kind) {
	case OP_APPEND:
		op->rc = chat_db_append(s->db, op->record, &op->keep, op->now_ms, &op->error);
		if (op->rc != 0)
			g_warning("chat store: message %" G_GINT64_FORMAT " of room %s not kept: %s", (gint64)op->record->id,
			          op->record->room, op->error.reason);
		break;
	case OP_EDIT:
		op->rc = chat_db_check_owner(s->db, op->room, op->id, op->sender, &op->error);
		if (op->rc == 0)
			op->rc = chat_db_edit(s->db, op->room, op->id, op->text, op->now_ms, &op->error);
		break;
	case OP_REMOVE:
		op->rc = chat_db_check_owner(s->db, op->room, op->id, op->sender, &op->error);
		if (op->rc == 0)
			op->rc = chat_db_remove(s->db, op->room, op->id, &op->error);
		break;
	case OP_TRIM:
		op->result = chat_db_trim(s->db, op->room, &op->keep, op->now_ms);
		break;
	case OP_PURGE:
		op->result = chat_db_purge(s->db, op->room);
		break;
	case OP_ROOM_SAVE:
		op->rc = chat_db_room_save(s->db, op->room, op->text, &op->error);
		break;
	case OP_ROOM_DELETE:
		op->rc = chat_db_room_delete(s->db, op->room, &op->error);
		break;
	}
}

/* A batch whose transaction did not commit: what waits learns it. */
static void batch_failed(write_op **batch, unsigned n, const parley_plugin_error *error)
{
	g_warning("chat store: %u changes lost: %s", n, error->reason);
	for (unsigned i = 0; i < n; i++) {
		batch[i]->rc = PARLEY_CHAT_STORE_FAILED;
		batch[i]->result = -1;
		batch[i]->error = *error;
	}
}

static gpointer writer_main(gpointer data)
{
	queue_store *s = data;
	write_op **batch = g_new(write_op *, s->batch);
	for (;;) {
		g_mutex_lock(&s->lock);
		while (g_queue_is_empty(&s->pending) && !s->stopping)
			g_cond_wait(&s->work, &s->lock);
		unsigned n = 0;
		for (GList *l = s->pending.head; l != NULL && n < s->batch; l = l->next)
			batch[n++] = l->data;
		g_mutex_unlock(&s->lock);
		if (n == 0)
			break; /* stopping, and everything is written */
		g_mutex_lock(&s->db_lock);
		parley_plugin_error error = {0};
		if (chat_db_begin(s->db, &error) != 0) {
			/* the file is locked by someone else (past the busy timeout):
			 * nothing is lost, the batch is tried again */
			g_mutex_unlock(&s->db_lock);
			g_mutex_lock(&s->lock);
			bool give_up = s->stopping && ++s->stop_tries >= STOP_TRIES;
			g_mutex_unlock(&s->lock);
			if (give_up || !s->waiting_logged)
				g_warning("chat store: %u changes wait: %s%s", n, error.reason, give_up ? "" : " (trying again)");
			s->waiting_logged = true;
			if (!give_up) {
				g_usleep(RETRY_US);
				continue;
			}
			g_mutex_lock(&s->db_lock);
			batch_failed(batch, n, &error);
		} else {
			s->waiting_logged = false;
			for (unsigned i = 0; i < n; i++)
				apply(s, batch[i]);
			if (chat_db_commit(s->db, &error) != 0) {
				chat_db_rollback(s->db);
				batch_failed(batch, n, &error);
			}
		}
		g_mutex_lock(&s->lock);
		for (unsigned i = 0; i < n; i++) {
			write_op *op = g_queue_pop_head(&s->pending);
			if (op->kind == OP_APPEND)
				op_free(op);
			else
				op->done = true;
		}
		g_cond_broadcast(&s->done);
		g_mutex_unlock(&s->lock);
		g_mutex_unlock(&s->db_lock);
	}
	g_free(batch);
	return NULL;
}

/* Queues `op` and waits for the writer to have run it; the caller reads
 * its results and frees it. */
static void run_and_wait(queue_store *s, write_op *op)
{
	g_mutex_lock(&s->lock);
	g_queue_push_tail(&s->pending, op);
	g_cond_signal(&s->work);
	while (!op->done)
		g_cond_wait(&s->done, &s->lock);
	g_mutex_unlock(&s->lock);
}

static int finish(write_op *op, parley_plugin_error *error)
{
	int rc = op->rc;
	if (rc != 0 && error != NULL)
		*error = op->error;
	op_free(op);
	return rc;
}

static int q_append(parley_chat_store *store, const parley_chat_record *record, const parley_chat_retention *keep,
                    int64_t now_ms, int64_t *id, parley_plugin_error *error)
{
	queue_store *s = (queue_store *)store;
	write_op *op = g_new0(write_op, 1);
	op->kind = OP_APPEND;
	op->record = record_copy(record);
	op->keep = *keep;
	op->now_ms = now_ms;
	g_mutex_lock(&s->lock);
	guint waiting = g_queue_get_length(&s->pending);
	if (waiting >= s->max_pending) {
		g_mutex_unlock(&s->lock);
		op_free(op);
		return parley_plugin_error_set(error, PARLEY_CHAT_STORE_FAILED,
		                               "chat store: the history writer is behind (%u changes wait)", waiting);
	}
	op->record->id = ++s->last_id;
	if (id != NULL)
		*id = op->record->id;
	g_queue_push_tail(&s->pending, op);
	g_cond_signal(&s->work);
	g_mutex_unlock(&s->lock);
	return 0;
}

static write_op *op_new(op_kind kind, const char *room, int64_t id, const char *sender, const char *text,
                        int64_t now_ms)
{
	write_op *op = g_new0(write_op, 1);
	op->kind = kind;
	op->room = g_strdup(room);
	op->id = id;
	op->sender = g_strdup(sender);
	op->text = g_strdup(text);
	op->now_ms = now_ms;
	return op;
}

static int q_edit(parley_chat_store *store, const char *room, int64_t id, const char *sender, const char *text,
                  int64_t now_ms, parley_plugin_error *error)
{
	write_op *op = op_new(OP_EDIT, room, id, sender, text, now_ms);
	run_and_wait((queue_store *)store, op);
	return finish(op, error);
}

static int q_remove(parley_chat_store *store, const char *room, int64_t id, const char *sender,
                    parley_plugin_error *error)
{
	write_op *op = op_new(OP_REMOVE, room, id, sender, NULL, 0);
	run_and_wait((queue_store *)store, op);
	return finish(op, error);
}

static int64_t q_trim(parley_chat_store *store, const char *room, const parley_chat_retention *keep, int64_t now_ms)
{
	write_op *op = op_new(OP_TRIM, room, 0, NULL, NULL, now_ms);
	op->keep = *keep;
	run_and_wait((queue_store *)store, op);
	int64_t result = op->result;
	op_free(op);
	return result;
}

static int64_t q_purge(parley_chat_store *store, const char *room)
{
	write_op *op = op_new(OP_PURGE, room, 0, NULL, NULL, 0);
	run_and_wait((queue_store *)store, op);
	int64_t result = op->result;
	op_free(op);
	return result;
}

static int q_room_save(parley_chat_store *store, const char *room, json_t *settings, parley_plugin_error *error)
{
	char *text = json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL)
		return parley_plugin_error_set(error, PARLEY_CHAT_STORE_FAILED, "chat store: room %s: not JSON", room);
	write_op *op = op_new(OP_ROOM_SAVE, room, 0, NULL, text, 0);
	free(text);
	run_and_wait((queue_store *)store, op);
	return finish(op, error);
}

static int q_room_delete(parley_chat_store *store, const char *room, parley_plugin_error *error)
{
	write_op *op = op_new(OP_ROOM_DELETE, room, 0, NULL, NULL, 0);
	run_and_wait((queue_store *)store, op);
	return finish(op, error);
}

/* The appends of `room` still queued that `page` asks for, newest first
 * (lock held); *all gets how many of the room's are queued, *keep the
 * retention the newest carries. */
static GPtrArray *queued_appends(queue_store *s, const char *room, const parley_chat_page *page, int64_t *all,
                                 parley_chat_retention *keep, int64_t *now_ms)
{
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)parley_chat_record_free);
	*all = 0;
	for (GList *l = s->pending.tail; l != NULL; l = l->prev) {
		write_op *op = l->data;
		if (op->kind != OP_APPEND || strcmp(op->record->room, room) != 0)
			continue;
		if ((*all)++ == 0) {
			*keep = op->keep;
			*now_ms = op->now_ms;
		}
		if ((page->before_id > 0 && op->record->id >= page->before_id) ||
		    (page->since_ms > 0 && op->record->date_ms < page->since_ms))
			continue;
		g_ptr_array_add(list, record_copy(op->record));
	}
	return list;
}

static void reverse(GPtrArray *list)
{
	for (guint i = 0, j = list->len; i + 1 < j; i++, j--) {
		gpointer t = list->pdata[i];
		list->pdata[i] = list->pdata[j - 1];
		list->pdata[j - 1] = t;
	}
}

static GPtrArray *q_page(parley_chat_store *store, const char *room, const parley_chat_page *page, int64_t *total,
                         parley_plugin_error *error)
{
	queue_store *s = (queue_store *)store;
	int64_t written = 0, queued = 0, now_ms = 0;
	parley_chat_retention keep = {0};
	g_mutex_lock(&s->db_lock);
	GPtrArray *list = chat_db_page(s->db, room, page, total != NULL ? &written : NULL, error); /* newest first */
	g_mutex_lock(&s->lock);
	GPtrArray *newer = list != NULL ? queued_appends(s, room, page, &queued, &keep, &now_ms) : NULL;
	g_mutex_unlock(&s->lock);
	g_mutex_unlock(&s->db_lock);
	if (list == NULL)
		return NULL;
	/* the queued ones are newer than anything written: they come first */
	g_ptr_array_extend_and_steal(newer, list);
	list = newer;
	if (queued > 0) {
		/* the retention their append will apply (the page's own rank, when
		 * paging back from an id, is left to the writer) */
		unsigned rank = 0;
		for (guint i = 0; i < list->len; rank++) {
			parley_chat_record *r = list->pdata[i];
			bool counted_out = keep.count > 0 && page->before_id <= 0 && rank >= keep.count;
			bool aged_out = keep.max_age_ms > 0 && r->date_ms < now_ms - keep.max_age_ms;
			if (counted_out || aged_out)
				g_ptr_array_remove_index(list, i);
			else
				i++;
		}
		written += queued;
		if (keep.count > 0 && written > keep.count)
			written = keep.count;
	}
	if (list->len > page->limit)
		g_ptr_array_set_size(list, page->limit);
	if (total != NULL)
		*total = written;
	reverse(list);
	return list;
}

static json_t *q_rooms(parley_chat_store *store)
{
	queue_store *s = (queue_store *)store;
	g_mutex_lock(&s->db_lock);
	json_t *rooms = chat_db_rooms(s->db);
	g_mutex_unlock(&s->db_lock);
	return rooms;
}

static void q_close(parley_chat_store *store)
{
	queue_store *s = (queue_store *)store;
	if (s == NULL)
		return;
	if (s->writer != NULL) {
		g_mutex_lock(&s->lock);
		s->stopping = true;
		g_cond_signal(&s->work);
		g_mutex_unlock(&s->lock);
		g_thread_join(s->writer); /* it writes everything queued first */
	}
	chat_db_close(s->db);
	g_mutex_clear(&s->db_lock);
	g_mutex_clear(&s->lock);
	g_cond_clear(&s->work);
	g_cond_clear(&s->done);
	g_free(s);
}

static const parley_chat_store_ops queue_ops = {
	.name = "sqlite",
	.append = q_append,
	.edit = q_edit,
	.remove = q_remove,
	.page = q_page,
	.trim = q_trim,
	.purge = q_purge,
	.room_save = q_room_save,
	.room_delete = q_room_delete,
	.rooms = q_rooms,
	.close = q_close,
};

parley_chat_store *parley_chat_store_sqlite_open(const char *path, parley_plugin_error *error)
{
	return parley_chat_store_sqlite_open_limited(path, NULL, error);
}

parley_chat_store *parley_chat_store_sqlite_open_limited(const char *path, const parley_chat_store_limits *limits,
                                                         parley_plugin_error *error)
{
	chat_db *db = chat_db_open(path, error);
	if (db == NULL)
		return NULL;
	queue_store *s = g_new0(queue_store, 1);
	s->base.ops = &queue_ops;
	s->db = db;
	s->batch = limits != NULL && limits->batch > 0 ? limits->batch : BATCH;
	s->max_pending = limits != NULL && limits->max_pending > 0 ? limits->max_pending : MAX_PENDING;
	s->last_id = chat_db_last_id(db);
	g_mutex_init(&s->db_lock);
	g_mutex_init(&s->lock);
	g_cond_init(&s->work);
	g_cond_init(&s->done);
	g_queue_init(&s->pending);
	GError *gerror = NULL;
	s->writer = g_thread_try_new("chat-store", writer_main, s, &gerror);
	if (s->writer == NULL) {
		parley_plugin_error_set(error, PARLEY_CHAT_STORE_FAILED, "chat store: no writer thread: %s",
		                        gerror != NULL ? gerror->message : "?");
		g_clear_error(&gerror);
		q_close(&s->base);
		return NULL;
	}
	return &s->base;
}
