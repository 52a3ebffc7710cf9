/*
 * http.c — parley-loadgen's HTTP/1.1 client (see http.h): connect with
 * GSocketClient, write the whole request, read until the peer closes or
 * Content-Length is complete, parse the status line and the three headers
 * the WHIP/WHEP driver reads. A GCancellable and a timeout bound it.
 */
#include "http.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gio/gio.h>

typedef struct http_call {
	loadgen_http_done_fn done;
	void *user_data;
	GSocketClient *client;
	GSocketConnection *connection;
	GCancellable *cancel;
	guint timer;
	GString *out;
	GByteArray *in;
	guint8 buffer[16384];
	bool finished;
} http_call;

static void call_free(http_call *c)
{
	if (c->timer)
		g_source_remove(c->timer);
	g_clear_object(&c->connection);
	g_clear_object(&c->client);
	g_clear_object(&c->cancel);
	g_string_free(c->out, TRUE);
	g_byte_array_free(c->in, TRUE);
	g_free(c);
}

static void finish(http_call *c, const loadgen_http_response *response, const char *error)
{
	if (!c->finished) {
		c->finished = true;
		c->done(c->user_data, response, error);
	}
	call_free(c);
}

/* The value of header `name` in `head` (the lines after the status line),
 * copied into `out`, or NULL. */
static const char *header_value(const char *head, const char *name, char *out, size_t size)
{
	size_t n = strlen(name);
	for (const char *line = strstr(head, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
		const char *start = line + 2;
		if (g_ascii_strncasecmp(start, name, n) != 0 || start[n] != ':')
			continue;
		const char *v = start + n + 1;
		while (*v == ' ')
			v++;
		const char *end = strstr(v, "\r\n");
		size_t length = end != NULL ? (size_t)(end - v) : strlen(v);
		if (length >= size)
			length = size - 1;
		memcpy(out, v, length);
		out[length] = '\0';
		return out;
	}
	return NULL;
}

/* Parses what was read; true when the answer is complete (or the peer closed). */
static bool parse(http_call *c, bool closed)
{
	const char *data = (const char *)c->in->data;
	const char *end = g_strstr_len(data, c->in->len, "\r\n\r\n");
	if (end == NULL) {
		if (closed)
			finish(c, NULL, "the connection closed before the answer's head");
		return closed;
	}
	size_t head_length = (size_t)(end - data) + 2;
	char *head = g_strndup(data, head_length);
	int status = 0;
	if (sscanf(head, "HTTP/1.%*d %d", &status) != 1) {
		g_free(head);
		finish(c, NULL, "not an HTTP answer");
		return true;
	}
	char length_text[32], location[2048], etag[256], type[256];
	const char *length_value = header_value(head, "Content-Length", length_text, sizeof(length_text));
	size_t body_start = head_length + 2;
	size_t have = c->in->len - body_start;
	size_t want = length_value != NULL ? (size_t)strtoull(length_value, NULL, 10) : have;
	if (have < want && !closed) {
		g_free(head);
		return false;
	}
	if (have < want)
		want = have;
	char *body = g_strndup(data + body_start, want);
	loadgen_http_response response = {
		.status = status,
		.location = header_value(head, "Location", location, sizeof(location)),
		.etag = header_value(head, "ETag", etag, sizeof(etag)),
		.content_type = header_value(head, "Content-Type", type, sizeof(type)),
		.body = body,
		.body_length = want,
	};
	finish(c, &response, NULL);
	g_free(body);
	g_free(head);
	return true;
}

static void on_read(GObject *source, GAsyncResult *result, gpointer data)
{
	http_call *c = data;
	GError *error = NULL;
	gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), result, &error);
	if (n < 0) {
		finish(c, NULL, error->message);
		g_error_free(error);
		return;
	}
	g_byte_array_append(c->in, c->buffer, (guint)n);
	if (c->in->len > LOADGEN_HTTP_MAX_RESPONSE) {
		finish(c, NULL, "the answer is too large");
		return;
	}
	if (parse(c, n == 0))
		return;
	g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(c->connection)), c->buffer,
	                          sizeof(c->buffer), G_PRIORITY_DEFAULT, c->cancel, on_read, c);
}

static void on_written(GObject *source, GAsyncResult *result, gpointer data)
{
	http_call *c = data;
	GError *error = NULL;
	if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, NULL, &error)) {
		finish(c, NULL, error->message);
		g_error_free(error);
		return;
	}
	g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(c->connection)), c->buffer,
	                          sizeof(c->buffer), G_PRIORITY_DEFAULT, c->cancel, on_read, c);
}

static void on_connected(GObject *source, GAsyncResult *result, gpointer data)
{
	http_call *c = data;
	GError *error = NULL;
	c->connection = g_socket_client_connect_to_host_finish(G_SOCKET_CLIENT(source), result, &error);
	if (c->connection == NULL) {
		finish(c, NULL, error->message);
		g_error_free(error);
		return;
	}
	g_output_stream_write_all_async(g_io_stream_get_output_stream(G_IO_STREAM(c->connection)), c->out->str,
	                                c->out->len, G_PRIORITY_DEFAULT, c->cancel, on_written, c);
}

static gboolean on_timeout(gpointer data)
{
	http_call *c = data;
	c->timer = 0;
	g_cancellable_cancel(c->cancel);   /* the pending step fails with "cancelled" */
	return G_SOURCE_REMOVE;
}

/* "http://host:port/path" → "host:port" and "/path" (g_malloc'd). */
static bool split_url(const char *url, char **authority, char **path)
{
	if (url == NULL || strncmp(url, "http://", 7) != 0)
		return false;
	const char *start = url + 7;
	const char *slash = strchr(start, '/');
	if (slash == start)
		return false;
	*authority = slash != NULL ? g_strndup(start, (gsize)(slash - start)) : g_strdup(start);
	*path = g_strdup(slash != NULL ? slash : "/");
	return true;
}

int loadgen_http_send(const loadgen_http_request *r, loadgen_http_done_fn done, void *user_data)
{
	char *authority = NULL, *path = NULL;
	if (!split_url(r->url, &authority, &path))
		return -1;
	http_call *c = g_new0(http_call, 1);
	c->done = done;
	c->user_data = user_data;
	c->client = g_socket_client_new();
	c->cancel = g_cancellable_new();
	c->in = g_byte_array_new();
	c->out = g_string_new(NULL);
	g_string_append_printf(c->out, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nContent-Length: %zu\r\n",
	                       r->method, path, authority, r->body != NULL ? r->body_length : 0);
	if (r->content_type != NULL)
		g_string_append_printf(c->out, "Content-Type: %s\r\n", r->content_type);
	if (r->if_match != NULL)
		g_string_append_printf(c->out, "If-Match: %s\r\n", r->if_match);
	if (r->token != NULL)
		g_string_append_printf(c->out, "Authorization: Bearer %s\r\n", r->token);
	g_string_append(c->out, "\r\n");
	if (r->body != NULL)
		g_string_append_len(c->out, r->body, (gssize)r->body_length);
	c->timer = g_timeout_add(r->timeout_ms ? r->timeout_ms : 10000, on_timeout, c);
	g_socket_client_connect_to_host_async(c->client, authority, 80, c->cancel, on_connected, c);
	g_free(authority);
	g_free(path);
	return 0;
}

char *loadgen_http_resolve(const char *base, const char *location)
{
	if (location == NULL)
		return NULL;
	if (strncmp(location, "http://", 7) == 0)
		return g_strdup(location);
	char *authority = NULL, *path = NULL;
	if (!split_url(base, &authority, &path))
		return NULL;
	char *url = g_strdup_printf("http://%s%s%s", authority, location[0] == '/' ? "" : "/", location);
	g_free(authority);
	g_free(path);
	return url;
}
