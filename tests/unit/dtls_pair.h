/*
 * dtls_pair.h — test helper shared by test_dtls and test_srtp: two
 * parley_dtls sessions in one process wired to each other through queues
 * (one per direction), pumped on a private GMainContext with a deadline.
 * A drop counter discards the next N datagrams of one direction.
 */
#ifndef PARLEY_TEST_DTLS_PAIR_H
#define PARLEY_TEST_DTLS_PAIR_H

#include <glib.h>
#include <string.h>
#include "core/media/dtls.h"

typedef struct dtls_end {
	parley_dtls *dtls;
	GQueue *outbox;          /* GBytes datagrams this end sent */
	GBytes *last;            /* the last datagram it sent (a reference) */
	unsigned drop_next;      /* discard this many of our next datagrams */
	unsigned sent, dropped;
	bool connected, closed;
	int failed_code;         /* 0 = not failed */
	parley_srtp_keys keys;
	GString *data;           /* application data received */
} dtls_end;

typedef struct dtls_pair {
	GMainContext *context;
	dtls_end client, server;
} dtls_pair;

static void pair_send(void *user_data, const uint8_t *data, size_t length)
{
	dtls_end *end = user_data;
	end->sent++;
	if (end->drop_next > 0) {
		end->drop_next--;
		end->dropped++;
		return;
	}
	GBytes *datagram = g_bytes_new(data, length);
	if (end->last)
		g_bytes_unref(end->last);
	end->last = g_bytes_ref(datagram);
	g_queue_push_tail(end->outbox, datagram);
}

static void pair_connected(void *user_data, const parley_srtp_keys *keys)
{
	dtls_end *end = user_data;
	end->connected = true;
	end->keys = *keys;
}

static void pair_failed(void *user_data, int code, const char *reason)
{
	dtls_end *end = user_data;
	end->failed_code = code;
}

static void pair_closed(void *user_data)
{
	((dtls_end *)user_data)->closed = true;
}

static void pair_data(void *user_data, const uint8_t *data, size_t length)
{
	g_string_append_len(((dtls_end *)user_data)->data, (const char *)data, (gssize)length);
}

static const parley_dtls_callbacks pair_callbacks = {
	.send = pair_send, .connected = pair_connected, .failed = pair_failed,
	.closed = pair_closed, .data = pair_data,
};

/* Options for each end; NULL fingerprints mean "the process certificate". */
static int dtls_pair_init(dtls_pair *p, parley_dtls_options client_options, parley_dtls_options server_options)
{
	memset(p, 0, sizeof(*p));
	p->context = g_main_context_new();
	client_options.role = PARLEY_DTLS_ROLE_CLIENT;
	server_options.role = PARLEY_DTLS_ROLE_SERVER;
	if (!client_options.remote_fingerprint) {
		client_options.remote_fingerprint_hash = "sha-256";
		client_options.remote_fingerprint = parley_dtls_certificate_fingerprint();
	}
	if (!server_options.remote_fingerprint) {
		server_options.remote_fingerprint_hash = "sha-256";
		server_options.remote_fingerprint = parley_dtls_certificate_fingerprint();
	}
	p->client.outbox = g_queue_new();
	p->server.outbox = g_queue_new();
	p->client.data = g_string_new(NULL);
	p->server.data = g_string_new(NULL);
	p->client.dtls = parley_dtls_new(p->context, &client_options, &pair_callbacks, &p->client, NULL);
	p->server.dtls = parley_dtls_new(p->context, &server_options, &pair_callbacks, &p->server, NULL);
	return p->client.dtls && p->server.dtls ? 0 : -1;
}

static bool deliver_one(dtls_end *from, dtls_end *to)
{
	GBytes *datagram = g_queue_pop_head(from->outbox);
	gsize size;
	const uint8_t *bytes;
	if (!datagram)
		return false;
	bytes = g_bytes_get_data(datagram, &size);
	if (to->dtls)
		(void)parley_dtls_incoming(to->dtls, bytes, size);
	g_bytes_unref(datagram);
	return true;
}

/* Runs until `done(p)` or `timeout_ms`; returns whether done. */
static bool dtls_pair_pump(dtls_pair *p, bool (*done)(dtls_pair *p), unsigned timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	while (g_get_monotonic_time() < deadline) {
		bool moved = false;
		for (unsigned i = 0; i < 100 && (deliver_one(&p->client, &p->server) | deliver_one(&p->server, &p->client)); i++)
			moved = true;
		while (g_main_context_iteration(p->context, FALSE))
			moved = true;
		if (done(p))
			return true;
		if (!moved)
			g_usleep(1000);
	}
	return done(p);
}

static bool both_connected(dtls_pair *p)
{
	return p->client.connected && p->server.connected;
}

static G_GNUC_UNUSED bool any_failed(dtls_pair *p)
{
	return p->client.failed_code != 0 || p->server.failed_code != 0;
}

static void dtls_pair_clear(dtls_pair *p)
{
	parley_dtls_free(p->client.dtls);
	parley_dtls_free(p->server.dtls);
	g_queue_free_full(p->client.outbox, (GDestroyNotify)g_bytes_unref);
	g_queue_free_full(p->server.outbox, (GDestroyNotify)g_bytes_unref);
	g_string_free(p->client.data, TRUE);
	g_string_free(p->server.data, TRUE);
	if (p->client.last)
		g_bytes_unref(p->client.last);
	if (p->server.last)
		g_bytes_unref(p->server.last);
	while (g_main_context_iteration(p->context, FALSE))
		;
	g_main_context_unref(p->context);
}

#endif
