/*
 * janus_ws.c — owns the Janus API WebSocket of parley-loadgen: the TCP
 * connection, the HTTP upgrade (Sec-WebSocket-Key/Accept check), RFC 6455
 * framing (masked client frames, unmasking, fragments, ping → pong, close),
 * the table of requests waiting for their answers (by transaction, with a
 * time limit swept every 200 ms) and the routing of transaction-less events
 * to the handle that watches them.
 */
#include "janus_ws.h"
#include "loadgen.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_MAX_HEADER 8192
#define WS_READS_PER_WAKEUP 64
#define WS_SEND_WAIT_MS 2000

enum ws_opcode {
	WS_CONTINUATION = 0x0,
	WS_TEXT = 0x1,
	WS_BINARY = 0x2,
	WS_CLOSE = 0x8,
	WS_PING = 0x9,
	WS_PONG = 0xA,
};

typedef struct ws_pending {
	char transaction[24];
	bool wait_event;
	int64_t deadline_us;
	loadgen_ws_reply_fn fn;
	void *user_data;          /* fn's, or drop's when no answer comes */
	GDestroyNotify drop;
} ws_pending;

typedef struct ws_watch {
	loadgen_ws_event_fn fn;
	void *user_data;
} ws_watch;

struct loadgen_ws {
	int fd;
	GMainContext *context;
	GSource *io_source;
	GSource *sweep_source;
	GByteArray *rx;           /* raw bytes not yet framed */
	GByteArray *message;      /* fragments of the message being assembled */
	uint8_t message_opcode;
	GHashTable *pending;      /* transaction -> ws_pending (owned) */
	GHashTable *watches;      /* uint64 handle id (boxed) -> ws_watch (owned) */
	uint64_t next_transaction;
	uint64_t sent, received;
	loadgen_ws_closed_fn closed;
	void *closed_data;
	bool dead;
};

/* ---- sockets ---- */

static bool parse_url(const char *url, char *host, size_t host_size, char *port, size_t port_size,
                      char *path, size_t path_size)
{
	if (url == NULL || strncmp(url, "ws://", 5) != 0)
		return false;
	const char *h = url + 5;
	const char *slash = strchr(h, '/');
	const char *end = slash ? slash : h + strlen(h);
	const char *colon = memchr(h, ':', (size_t)(end - h));
	const char *host_end = colon ? colon : end;
	if (host_end == h || (size_t)(host_end - h) >= host_size)
		return false;
	memcpy(host, h, (size_t)(host_end - h));
	host[host_end - h] = '\0';
	if (colon) {
		size_t n = (size_t)(end - colon - 1);
		if (n == 0 || n >= port_size || strspn(colon + 1, "0123456789") < n)
			return false;
		memcpy(port, colon + 1, n);
		port[n] = '\0';
	} else {
		g_strlcpy(port, "80", port_size);
	}
	g_strlcpy(path, slash ? slash : "/", path_size);
	return true;
}

static int connect_with_timeout(const char *host, const char *port, unsigned timeout_ms, GError **error)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "%s:%s: %s", host, port, gai_strerror(rc));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "socket: %s", g_strerror(errno));
		freeaddrinfo(res);
		return -1;
	}
	rc = connect(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc < 0 && errno == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		if (poll(&p, 1, (int)timeout_ms) != 1) {
			errno = ETIMEDOUT;
		} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) {
			rc = 0;
		} else {
			errno = soerr;
		}
	}
	if (rc < 0) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "connect %s:%s: %s", host, port, g_strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Writes all of data within WS_SEND_WAIT_MS. */
static int write_all(int fd, const uint8_t *data, size_t length)
{
	int64_t deadline = g_get_monotonic_time() + WS_SEND_WAIT_MS * 1000;
	while (length > 0) {
		ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
		if (n > 0) {
			data += n;
			length -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		int64_t left = (deadline - g_get_monotonic_time()) / 1000;
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
	}
	return 0;
}

/* ---- handshake ---- */

static char *accept_for_key(const char *key)
{
	char *joined = g_strconcat(key, WS_GUID, NULL);
	guint8 digest[20];
	gsize size = sizeof(digest);
	GChecksum *sha1 = g_checksum_new(G_CHECKSUM_SHA1);
	g_checksum_update(sha1, (const guchar *)joined, (gssize)strlen(joined));
	g_checksum_get_digest(sha1, digest, &size);
	g_checksum_free(sha1);
	g_free(joined);
	return g_base64_encode(digest, size);
}

/* Finds header `name` in the response head (case-insensitive); copies its value. */
static bool header_value(const char *head, const char *name, char *out, size_t out_size)
{
	size_t name_len = strlen(name);
	for (const char *line = strstr(head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
		const char *l = line + 2;
		if (g_ascii_strncasecmp(l, name, name_len) == 0 && l[name_len] == ':') {
			const char *v = l + name_len + 1;
			while (*v == ' ')
				v++;
			const char *e = strstr(v, "\r\n");
			size_t n = e ? (size_t)(e - v) : strlen(v);
			if (n >= out_size)
				return false;
			memcpy(out, v, n);
			out[n] = '\0';
			return true;
		}
	}
	return false;
}

static int upgrade(loadgen_ws *ws, const char *host, const char *port, const char *path,
                   unsigned timeout_ms, GError **error)
{
	guint8 nonce[16];
	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = (guint8)g_random_int_range(0, 256);
	char *key = g_base64_encode(nonce, sizeof(nonce));
	char *request = g_strdup_printf("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
		"Sec-WebSocket-Protocol: janus-protocol\r\n\r\n", path, host, port, key);
	int rc = write_all(ws->fd, (const uint8_t *)request, strlen(request));
	g_free(request);
	if (rc < 0) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "sending the upgrade: %s", g_strerror(errno));
		g_free(key);
		return -1;
	}
	char head[WS_MAX_HEADER + 1];
	size_t have = 0;
	char *end = NULL;
	int64_t deadline = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;
	while (end == NULL) {
		int64_t left = (deadline - g_get_monotonic_time()) / 1000;
		struct pollfd p = { .fd = ws->fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "no upgrade answer within %u ms", timeout_ms);
			g_free(key);
			return -1;
		}
		ssize_t n = recv(ws->fd, head + have, WS_MAX_HEADER - have, 0);
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) {
			g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "connection closed during the upgrade");
			g_free(key);
			return -1;
		}
		if (n > 0)
			have += (size_t)n;
		head[have] = '\0';
		end = strstr(head, "\r\n\r\n");
		if (end == NULL && have == WS_MAX_HEADER) {
			g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "upgrade answer larger than %d bytes", WS_MAX_HEADER);
			g_free(key);
			return -1;
		}
	}
	size_t head_len = (size_t)(end - head) + 4;
	end[2] = '\0';
	char accept[64];
	char *expected = accept_for_key(key);
	g_free(key);
	if (strncmp(head, "HTTP/1.1 101", 12) != 0) {
		char *eol = strstr(head, "\r\n");
		if (eol)
			*eol = '\0';
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "upgrade refused: %s", head);
		rc = -1;
	} else if (!header_value(head, "Sec-WebSocket-Accept", accept, sizeof(accept)) ||
	           strcmp(accept, expected) != 0) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "bad or missing Sec-WebSocket-Accept");
		rc = -1;
	}
	g_free(expected);
	if (rc == 0 && have > head_len)
		g_byte_array_append(ws->rx, (const guint8 *)head + head_len, (guint)(have - head_len));
	return rc;
}

/* ---- frames out ---- */

static int send_frame(loadgen_ws *ws, uint8_t opcode, const uint8_t *payload, size_t length)
{
	if (ws->dead)
		return -1;
	uint8_t header[14];
	size_t h = 0;
	header[h++] = 0x80 | opcode;
	if (length < 126) {
		header[h++] = 0x80 | (uint8_t)length;
	} else if (length <= 0xFFFF) {
		header[h++] = 0x80 | 126;
		header[h++] = (uint8_t)(length >> 8);
		header[h++] = (uint8_t)length;
	} else {
		header[h++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			header[h++] = (uint8_t)((uint64_t)length >> (8 * i));
	}
	uint32_t mask_word = g_random_int();
	uint8_t mask[4];
	memcpy(mask, &mask_word, 4);
	memcpy(header + h, mask, 4);
	h += 4;
	GByteArray *frame = g_byte_array_sized_new((guint)(h + length));
	g_byte_array_append(frame, header, (guint)h);
	g_byte_array_set_size(frame, (guint)(h + length));
	for (size_t i = 0; i < length; i++)
		frame->data[h + i] = payload[i] ^ mask[i & 3];
	int rc = write_all(ws->fd, frame->data, frame->len);
	g_byte_array_free(frame, TRUE);
	return rc;
}

int loadgen_ws_send_json(loadgen_ws *ws, json_t *message, GError **error)
{
	char *text = json_dumps(message, JSON_COMPACT);
	if (text == NULL) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "request does not serialize");
		return -1;
	}
	int rc = send_frame(ws, WS_TEXT, (const uint8_t *)text, strlen(text));
	free(text);
	if (rc < 0) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "WebSocket send failed");
		return -1;
	}
	ws->sent++;
	return 0;
}

/* ---- requests ---- */

int loadgen_ws_request(loadgen_ws *ws, json_t *request, bool wait_event, unsigned timeout_ms,
                       loadgen_ws_reply_fn fn, void *user_data, GDestroyNotify drop, GError **error)
{
	if (g_hash_table_size(ws->pending) >= LOADGEN_WS_MAX_PENDING) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "more than %d requests pending", LOADGEN_WS_MAX_PENDING);
		return -1;
	}
	ws_pending *p = g_new0(ws_pending, 1);
	g_snprintf(p->transaction, sizeof(p->transaction), "lg%" G_GUINT64_FORMAT, ++ws->next_transaction);
	p->wait_event = wait_event;
	p->deadline_us = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;
	p->fn = fn;
	p->user_data = user_data;
	p->drop = drop;
	json_t *copy = json_copy(request);
	json_object_set_new(copy, "transaction", json_string(p->transaction));
	int rc = loadgen_ws_send_json(ws, copy, error);
	json_decref(copy);
	if (rc < 0) {
		g_free(p);
		return -1;
	}
	g_hash_table_insert(ws->pending, p->transaction, p);
	return 0;
}

/* A request freed unanswered (the connection freed with it pending):
 * its user_data goes to drop. Answered ones are stolen from the table. */
static void pending_free(gpointer data)
{
	ws_pending *p = data;
	if (p->drop != NULL)
		p->drop(p->user_data);
	g_free(p);
}

void loadgen_ws_watch_handle(loadgen_ws *ws, uint64_t handle_id, loadgen_ws_event_fn fn, void *user_data)
{
	ws_watch *w = g_new0(ws_watch, 1);
	w->fn = fn;
	w->user_data = user_data;
	g_hash_table_insert(ws->watches, g_memdup2(&handle_id, sizeof(handle_id)), w);
}

void loadgen_ws_unwatch_handle(loadgen_ws *ws, uint64_t handle_id)
{
	g_hash_table_remove(ws->watches, &handle_id);
}

uint64_t loadgen_ws_messages_sent(const loadgen_ws *ws) { return ws->sent; }
uint64_t loadgen_ws_messages_received(const loadgen_ws *ws) { return ws->received; }

/* One complete text message from the server. */
static void dispatch_message(loadgen_ws *ws, const char *text, size_t length)
{
	json_error_t jerr;
	json_t *msg = json_loadb(text, length, 0, &jerr);
	ws->received++;
	if (!json_is_object(msg)) {
		json_decref(msg);
		return;
	}
	const char *kind = json_string_value(json_object_get(msg, "janus"));
	const char *transaction = json_string_value(json_object_get(msg, "transaction"));
	ws_pending *p = transaction ? g_hash_table_lookup(ws->pending, transaction) : NULL;
	if (p != NULL) {
		if (p->wait_event && kind && strcmp(kind, "ack") == 0) {
			json_decref(msg);
			return;
		}
		g_hash_table_steal(ws->pending, transaction);
		p->fn(p->user_data, msg, NULL);
		g_free(p);
		json_decref(msg);
		return;
	}
	json_t *sender = json_object_get(msg, "sender");
	if (json_is_integer(sender)) {
		uint64_t id = (uint64_t)json_integer_value(sender);
		ws_watch *w = g_hash_table_lookup(ws->watches, &id);
		if (w != NULL)
			w->fn(w->user_data, msg);
	}
	json_decref(msg);
}

/* ---- frames in ---- */

static void die(loadgen_ws *ws, const char *why)
{
	if (ws->dead)
		return;
	ws->dead = true;
	if (ws->io_source) {
		g_source_destroy(ws->io_source);
		g_clear_pointer(&ws->io_source, g_source_unref);
	}
	/* Fail every waiting request (in an order-independent way). */
	GList *values = g_hash_table_get_values(ws->pending);
	g_hash_table_steal_all(ws->pending);
	for (GList *l = values; l; l = l->next) {
		ws_pending *p = l->data;
		p->fn(p->user_data, NULL, why);
		g_free(p);
	}
	g_list_free(values);
	if (ws->closed)
		ws->closed(ws->closed_data, why);
}

/* Parses as many frames as rx holds. Returns false when the connection must end. */
static bool parse_frames(loadgen_ws *ws)
{
	size_t pos = 0;
	bool ok = true;
	while (ok && ws->rx->len - pos >= 2) {
		const uint8_t *b = ws->rx->data + pos;
		size_t avail = ws->rx->len - pos;
		bool fin = b[0] & 0x80;
		uint8_t opcode = b[0] & 0x0F;
		bool masked = b[1] & 0x80;
		uint64_t length = b[1] & 0x7F;
		size_t h = 2;
		if (length == 126) {
			if (avail < 4)
				break;
			length = ((uint64_t)b[2] << 8) | b[3];
			h = 4;
		} else if (length == 127) {
			if (avail < 10)
				break;
			length = 0;
			for (int i = 0; i < 8; i++)
				length = (length << 8) | b[2 + i];
			h = 10;
		}
		if (length > LOADGEN_WS_MAX_MESSAGE) {
			die(ws, "message larger than the limit");
			return false;
		}
		size_t mask_at = h;
		if (masked)
			h += 4;
		if (avail < h + length)
			break;
		uint8_t *payload = ws->rx->data + pos + h;
		if (masked)
			for (uint64_t i = 0; i < length; i++)
				payload[i] ^= b[mask_at + (i & 3)];
		pos += h + (size_t)length;
		switch (opcode) {
		case WS_TEXT:
		case WS_BINARY:
		case WS_CONTINUATION:
			if (opcode != WS_CONTINUATION) {
				g_byte_array_set_size(ws->message, 0);
				ws->message_opcode = opcode;
			}
			if (ws->message->len + length > LOADGEN_WS_MAX_MESSAGE) {
				die(ws, "fragmented message larger than the limit");
				return false;
			}
			g_byte_array_append(ws->message, payload, (guint)length);
			if (fin) {
				dispatch_message(ws, (const char *)ws->message->data, ws->message->len);
				g_byte_array_set_size(ws->message, 0);
			}
			break;
		case WS_PING:
			send_frame(ws, WS_PONG, payload, (size_t)length);
			break;
		case WS_PONG:
			break;
		case WS_CLOSE:
			send_frame(ws, WS_CLOSE, NULL, 0);
			die(ws, "server closed the WebSocket");
			return false;
		default:
			die(ws, "unknown WebSocket opcode");
			return false;
		}
		ok = !ws->dead;
	}
	if (!ws->dead)
		g_byte_array_remove_range(ws->rx, 0, (guint)pos);
	return !ws->dead;
}

static gboolean on_readable(gint fd, GIOCondition condition, gpointer data)
{
	loadgen_ws *ws = data;
	uint8_t chunk[65536];
	for (int i = 0; i < WS_READS_PER_WAKEUP; i++) {
		ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
		if (n > 0) {
			g_byte_array_append(ws->rx, chunk, (guint)n);
			if (!parse_frames(ws))
				return G_SOURCE_REMOVE;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		g_clear_pointer(&ws->io_source, g_source_unref);
		die(ws, n == 0 ? "server closed the connection" : "WebSocket read error");
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

/* Ends requests that waited longer than their limit. */
static gboolean sweep(gpointer data)
{
	loadgen_ws *ws = data;
	int64_t now = g_get_monotonic_time();
	GHashTableIter it;
	gpointer value;
	GPtrArray *expired = g_ptr_array_new();
	g_hash_table_iter_init(&it, ws->pending);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		ws_pending *p = value;
		if (p->deadline_us <= now) {
			g_ptr_array_add(expired, p);
			g_hash_table_iter_steal(&it);
		}
	}
	for (guint i = 0; i < expired->len; i++) {
		ws_pending *p = expired->pdata[i];
		p->fn(p->user_data, NULL, "no answer in time");
		g_free(p);
	}
	g_ptr_array_free(expired, TRUE);
	return G_SOURCE_CONTINUE;
}

loadgen_ws *loadgen_ws_connect(GMainContext *context, const char *url, unsigned timeout_ms,
                               loadgen_ws_closed_fn closed, void *closed_data, GError **error)
{
	char host[256], port[8], path[1024];
	if (!parse_url(url, host, sizeof(host), port, sizeof(port), path, sizeof(path))) {
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED,
		            "bad URL '%s' (expected ws://host:port/path)", url ? url : "");
		return NULL;
	}
	int fd = connect_with_timeout(host, port, timeout_ms, error);
	if (fd < 0)
		return NULL;
	loadgen_ws *ws = g_new0(loadgen_ws, 1);
	ws->fd = fd;
	ws->context = context;
	ws->rx = g_byte_array_new();
	ws->message = g_byte_array_new();
	ws->pending = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, pending_free);
	ws->watches = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	ws->closed = closed;
	ws->closed_data = closed_data;
	if (upgrade(ws, host, port, path, timeout_ms, error) < 0) {
		ws->dead = true;
		loadgen_ws_free(ws);
		return NULL;
	}
	ws->io_source = g_unix_fd_source_new(fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
	g_source_set_callback(ws->io_source, (GSourceFunc)(void (*)(void))on_readable, ws, NULL);
	g_source_attach(ws->io_source, context);
	ws->sweep_source = g_timeout_source_new(200);
	g_source_set_callback(ws->sweep_source, sweep, ws, NULL);
	g_source_attach(ws->sweep_source, context);
	/* Frames that arrived with the upgrade answer. */
	if (ws->rx->len > 0 && !parse_frames(ws)) {
		loadgen_ws_free(ws);
		g_set_error(error, LOADGEN_ERROR, LOADGEN_ERROR_FAILED, "bad frame right after the upgrade");
		return NULL;
	}
	return ws;
}

void loadgen_ws_free(loadgen_ws *ws)
{
	if (ws == NULL)
		return;
	if (!ws->dead) {
		uint8_t code[2] = { 0x03, 0xE8 };   /* 1000: normal closure */
		send_frame(ws, WS_CLOSE, code, sizeof(code));
	}
	ws->dead = true;
	if (ws->io_source) {
		g_source_destroy(ws->io_source);
		g_source_unref(ws->io_source);
	}
	if (ws->sweep_source) {
		g_source_destroy(ws->sweep_source);
		g_source_unref(ws->sweep_source);
	}
	close(ws->fd);
	g_hash_table_destroy(ws->pending);
	g_hash_table_destroy(ws->watches);
	g_byte_array_free(ws->rx, TRUE);
	g_byte_array_free(ws->message, TRUE);
	g_free(ws);
}
