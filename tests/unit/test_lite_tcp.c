/*
 * test_lite_tcp.c — ICE-TCP of the ICE-lite transport: RFC 4571 framing
 * (core/media/lite_frame.c: frames cut across reads, several per read, a
 * zero or oversized length, the writer's ring filling, wrapping and
 * draining), and passive TCP candidates over 127.0.0.1 (lite_tcp.c) with
 * TCP clients speaking STUN built with libnice's STUN library: the
 * candidate lines, a connection demultiplexed by the ufrag of its first
 * binding request (on both loops, so one is handed over), USE-CANDIDATE,
 * framed data both ways, a full output ring dropping instead of blocking,
 * closing by either side (the transport fails when its selected connection
 * closes, or switches to another valid path), a transport with a UDP and
 * a TCP path (the selected path's protocol, local address and route in
 * turn), garbage and oversized frames,
 * the authentication deadline and the limit on pending connections.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <glib.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>
#include "core/media/lite.h"
#include "core/media/lite_frame.h"

/* ---- framing ---- */

static size_t put_frame(uint8_t *at, const char *text)
{
	size_t n = strlen(text);
	at[0] = (uint8_t)(n >> 8);
	at[1] = (uint8_t)n;
	memcpy(at + 2, text, n);
	return n + 2;
}

static void feed(lite_frame_reader *r, const uint8_t *data, size_t n)
{
	size_t room;
	uint8_t *at = lite_frame_space(r, &room);
	assert_true(room >= n);
	memcpy(at, data, n);
	lite_frame_filled(r, n);
}

static void frames_across_reads(void **state)
{
	(void)state;
	lite_frame_reader r;
	lite_frame_reader_init(&r);
	uint8_t stream[64];
	size_t n = put_frame(stream, "hello");
	n += put_frame(stream + n, "world!");
	uint8_t *frame;
	size_t len;
	/* One byte at a time: a frame only once whole. */
	unsigned got = 0;
	for (size_t i = 0; i < n; i++) {
		feed(&r, stream + i, 1);
		lite_frame_status st;
		while ((st = lite_frame_next(&r, &frame, &len)) == LITE_FRAME_READY) {
			assert_memory_equal(frame, got ? "world!" : "hello", len);
			got++;
		}
		assert_int_equal(st, LITE_FRAME_NEED_MORE);
	}
	assert_int_equal(got, 2);
	assert_int_equal(lite_frame_buffered(&r), 0);
	/* Both in one read, then a partial third kept for the next read. */
	feed(&r, stream, n);
	feed(&r, stream, 4);
	assert_int_equal(lite_frame_next(&r, &frame, &len), LITE_FRAME_READY);
	assert_int_equal(len, 5);
	/* Put back and taken again. */
	lite_frame_unread(&r, len);
	assert_int_equal(lite_frame_next(&r, &frame, &len), LITE_FRAME_READY);
	assert_memory_equal(frame, "hello", 5);
	assert_int_equal(lite_frame_next(&r, &frame, &len), LITE_FRAME_READY);
	assert_memory_equal(frame, "world!", 6);
	assert_int_equal(lite_frame_next(&r, &frame, &len), LITE_FRAME_NEED_MORE);
	assert_int_equal(lite_frame_buffered(&r), 4);
	feed(&r, stream + 4, 3);
	assert_int_equal(lite_frame_next(&r, &frame, &len), LITE_FRAME_READY);
	assert_memory_equal(frame, "hello", 5);
	/* A full buffer of largest frames fits as a whole. */
	lite_frame_reader_init(&r);
	static uint8_t big[2 + LITE_FRAME_MAX];
	big[0] = LITE_FRAME_MAX >> 8;
	big[1] = LITE_FRAME_MAX & 0xff;
	for (int k = 0; k < 4; k++)
		feed(&r, big, sizeof(big));
	for (int k = 0; k < 4; k++) {
		assert_int_equal(lite_frame_next(&r, &frame, &len), LITE_FRAME_READY);
		assert_int_equal(len, LITE_FRAME_MAX);
	}
}

static void bad_lengths(void **state)
{
	(void)state;
	static const uint8_t zero[] = { 0, 0, 1 }, huge[] = { 0xff, 0xff, 1 }, over[] = { 0x08, 0x01 };
	const uint8_t *inputs[] = { zero, huge, over };
	size_t sizes[] = { sizeof(zero), sizeof(huge), sizeof(over) };
	for (int i = 0; i < 3; i++) {
		lite_frame_reader r;
		lite_frame_reader_init(&r);
		feed(&r, inputs[i], sizes[i]);
		uint8_t *frame;
		size_t len;
		assert_int_equal(lite_frame_next(&r, &frame, &len), LITE_FRAME_BAD);
	}
}

static void writer_ring(void **state)
{
	(void)state;
	uint8_t buf[16];
	lite_frame_writer w;
	lite_frame_writer_init(&w, buf, sizeof(buf));
	assert_false(lite_frame_put(&w, (const uint8_t *)"", 0));
	assert_true(lite_frame_put(&w, (const uint8_t *)"abcdef", 6)); /* 8 bytes */
	assert_true(lite_frame_put(&w, (const uint8_t *)"ghijk", 5));  /* 15 */
	assert_false(lite_frame_put(&w, (const uint8_t *)"x", 1));     /* 3 more do not fit */
	struct iovec iov[2];
	assert_int_equal(lite_frame_pending(&w, iov), 1);
	assert_int_equal(iov[0].iov_len, 15);
	assert_memory_equal(iov[0].iov_base, "\0\6abcdef\0\5ghijk", 15);
	lite_frame_sent(&w, 10);
	/* Wraps around the end of the ring. */
	assert_true(lite_frame_put(&w, (const uint8_t *)"lmnopqr", 7));
	assert_int_equal(lite_frame_pending(&w, iov), 2);
	assert_int_equal(iov[0].iov_len + iov[1].iov_len, 14);
	uint8_t out[32];
	memcpy(out, iov[0].iov_base, iov[0].iov_len);
	memcpy(out + iov[0].iov_len, iov[1].iov_base, iov[1].iov_len);
	assert_memory_equal(out, "ghijk\0\7lmnopqr", 14);
	lite_frame_sent(&w, 14);
	assert_int_equal(lite_frame_pending(&w, iov), 0);
	assert_int_equal(w.head, 0);
}

/* ---- passive TCP candidates ---- */

static const char *const loopback[] = { "127.0.0.1", NULL };

typedef struct fixture {
	GMainContext *context[2];
} fixture;

static int setup(void **state)
{
	fixture *f = g_new0(fixture, 1);
	for (int k = 0; k < 2; k++) {
		f->context[k] = g_main_context_new();
		assert_true(g_main_context_acquire(f->context[k]));
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	parley_lite_stop();
	for (int k = 0; k < 2; k++) {
		while (g_main_context_iteration(f->context[k], FALSE))
			;
		g_main_context_release(f->context[k]);
		g_main_context_unref(f->context[k]);
	}
	g_free(f);
	return 0;
}

static unsigned free_tcp_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	close(fd);
	return ntohs(a.sin_port);
}

static void start(fixture *f, unsigned max_pending, unsigned auth_ms)
{
	parley_lite_config config = { .interfaces = loopback,
		                      .tcp_port = free_tcp_port(),
		                      .tcp_max_pending = max_pending,
		                      .tcp_auth_timeout_ms = auth_ms };
	GError *error = NULL;
	assert_int_equal(parley_lite_start(f->context, 2, &config, &error), 0);
	assert_null(error);
	assert_int_equal(parley_lite_tcp_port(), config.tcp_port);
}

static void spin(fixture *f, int ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
	while (g_get_monotonic_time() < deadline) {
		bool busy = g_main_context_iteration(f->context[0], FALSE);
		busy |= g_main_context_iteration(f->context[1], FALSE);
		if (!busy)
			g_usleep(1000);
	}
}

typedef struct side {
	parley_lite *lite;
	parley_ice_state state;
	unsigned udp_candidates, tcp_candidates, switches, received;
	unsigned long udp_priority, tcp_priority;
	char last[64];
} side;

static void on_candidate(void *u, const char *c)
{
	side *s = u;
	char transport[8];
	unsigned long priority = 0;
	assert_int_equal(sscanf(c, "candidate:%*s 1 %7s %lu", transport, &priority), 2);
	*(strcmp(transport, "tcp") == 0 ? &s->tcp_priority : &s->udp_priority) = priority;
	if (strstr(c, " tcp ")) {
		assert_non_null(strstr(c, "typ host tcptype passive"));
		char port[16];
		snprintf(port, sizeof(port), " %u typ", parley_lite_tcp_port());
		assert_non_null(strstr(c, port));
		s->tcp_candidates++;
	} else {
		s->udp_candidates++;
	}
}
static void on_state(void *u, parley_ice_state st)
{
	((side *)u)->state = st;
}
static void on_switch(void *u)
{
	((side *)u)->switches++;
}
static void on_receive(void *u, const uint8_t *data, size_t length)
{
	side *s = u;
	s->received++;
	snprintf(s->last, sizeof(s->last), "%.*s", (int)length, (const char *)data);
}

static const parley_ice_callbacks callbacks = {
	.candidate = on_candidate,
	.state_changed = on_state,
	.selected_pair_changed = on_switch,
	.receive = on_receive,
};

static void open_side(fixture *f, int loop, side *s)
{
	memset(s, 0, sizeof(*s));
	s->lite = parley_lite_new(f->context[loop], NULL, &callbacks, s, NULL);
	assert_non_null(s->lite);
	assert_int_equal(parley_lite_gather(s->lite), 0);
	assert_int_equal(s->udp_candidates, 1);
	assert_int_equal(s->tcp_candidates, 1);
	/* RFC 6544: a passive TCP host candidate ranks below the UDP one. */
	assert_true(s->tcp_priority < s->udp_priority);
	assert_int_equal(s->tcp_priority >> 24, 126);
}

/* A TCP client (the active side) and its framing. */
typedef struct client {
	int fd;
	StunAgent agent;
	lite_frame_reader in;
} client;

static void client_open(client *c)
{
	static const uint16_t attrs[] = { STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, STUN_ATTRIBUTE_ERROR_CODE,
		                          STUN_ATTRIBUTE_USERNAME,           STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
		                          STUN_ATTRIBUTE_FINGERPRINT,        0 };
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c->fd >= 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)parley_lite_tcp_port()) };
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&to, sizeof(to)), 0);
	lite_frame_reader_init(&c->in);
	stun_agent_init(&c->agent, attrs, STUN_COMPATIBILITY_RFC5389,
	                STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
}

static void client_send_raw(client *c, const void *data, size_t length)
{
	assert_int_equal(send(c->fd, data, length, MSG_NOSIGNAL), (ssize_t)length);
}

static void client_send(client *c, const void *data, size_t length)
{
	uint8_t framed[2 + 2048];
	assert_true(length <= 2048);
	framed[0] = (uint8_t)(length >> 8);
	framed[1] = (uint8_t)length;
	memcpy(framed + 2, data, length);
	client_send_raw(c, framed, length + 2);
}

/* The next frame within ms (into out, its length returned); 0 when none,
 * -1 when the server closed the connection. */
static ssize_t client_frame(fixture *f, client *c, int ms, uint8_t *out, size_t cap)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
	while (g_get_monotonic_time() < deadline) {
		uint8_t *frame;
		size_t len;
		lite_frame_status st = lite_frame_next(&c->in, &frame, &len);
		assert_int_not_equal(st, LITE_FRAME_BAD);
		if (st == LITE_FRAME_READY) {
			assert_true(len <= cap);
			memcpy(out, frame, len);
			return (ssize_t)len;
		}
		spin(f, 2);
		size_t room;
		uint8_t *at = lite_frame_space(&c->in, &room);
		ssize_t got = recv(c->fd, at, room, MSG_DONTWAIT);
		if (got == 0 || (got < 0 && errno == ECONNRESET))
			return -1;
		if (got > 0)
			lite_frame_filled(&c->in, (size_t)got);
	}
	return 0;
}

static size_t request(client *c, uint8_t *buf, const char *ufrag, const char *pwd, bool use)
{
	char username[128];
	snprintf(username, sizeof(username), "%s:peer", ufrag);
	StunMessage msg;
	size_t n = stun_usage_ice_conncheck_create(&c->agent, &msg, buf, 512, (const uint8_t *)username,
	                                           strlen(username), (const uint8_t *)pwd, strlen(pwd), use, true,
	                                           0x6e7f00ff, 0x1234, NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
	assert_true(n > 0);
	return n;
}

/* A check on the connection: 0 for a success answer, the error code, or
 * -1 when nothing came. */
static int check(fixture *f, client *c, side *s, bool use)
{
	const char *ufrag, *pwd;
	parley_lite_get_local_credentials(s->lite, &ufrag, &pwd);
	uint8_t buf[512];
	client_send(c, buf, request(c, buf, ufrag, pwd, use));
	uint8_t reply[512];
	ssize_t got = client_frame(f, c, 500, reply, sizeof(reply));
	if (got <= 0)
		return -1;
	StunMessage msg = { .buffer = reply, .buffer_len = (size_t)got };
	assert_int_equal(stun_message_validate_buffer_length(reply, (size_t)got, true), got);
	int code = 0;
	if (stun_message_get_class(&msg) == STUN_ERROR)
		return stun_message_find_error(&msg, &code) == STUN_MESSAGE_RETURN_SUCCESS ? code : 1;
	return stun_message_get_class(&msg) == STUN_RESPONSE ? 0 : 1;
}

static void stats(parley_lite_stats *out)
{
	parley_lite_get_stats(out);
}

static void tcp_path_on_both_loops(void **state)
{
	fixture *f = *state;
	start(f, 0, 0);
	side s[2];
	client c[2];
	parley_lite_stats before;
	stats(&before);
	/* A transport on each loop: whichever loop accepts a connection, one
	 * of the two is read by the other loop first and handed over. */
	for (int k = 0; k < 2; k++) {
		open_side(f, k, &s[k]);
		client_open(&c[k]);
		assert_int_equal(check(f, &c[k], &s[k], false), 0);
		assert_int_equal(s[k].state, PARLEY_ICE_STATE_NEW);
		assert_int_equal(check(f, &c[k], &s[k], true), 0);
		assert_int_equal(s[k].state, PARLEY_ICE_STATE_CONNECTED);
	}
	for (int k = 0; k < 2; k++) {
		char text[16];
		snprintf(text, sizeof(text), "hello %d", k);
		client_send(&c[k], text, strlen(text));
		spin(f, 30);
		assert_int_equal(s[k].received, 1);
		assert_string_equal(s[k].last, text);
		snprintf(text, sizeof(text), "back %d", k);
		assert_int_equal(parley_lite_send(s[k].lite, (const uint8_t *)text, strlen(text)), 0);
		uint8_t got[64];
		ssize_t n = client_frame(f, &c[k], 500, got, sizeof(got));
		assert_int_equal(n, (ssize_t)strlen(text));
		assert_memory_equal(got, text, n);
		parley_ice_pair pair;
		assert_int_equal(parley_lite_get_selected_pair(s[k].lite, &pair), 0);
		assert_int_equal(pair.local_port, parley_lite_tcp_port());
		parley_udp_route route = { 0 };
		assert_int_equal(parley_lite_get_route(s[k].lite, &route), PARLEY_ICE_ERR_STATE);
		/* handle_info's view: a TCP path, no local address of its own
		 * (the first announced one), counted among the paths. */
		parley_lite_info info;
		assert_int_equal(parley_lite_get_info(s[k].lite, &info), 0);
		assert_true(info.selected);
		assert_string_equal(info.protocol, "tcp");
		char local[64];
		snprintf(local, sizeof(local), "127.0.0.1:%u", parley_lite_tcp_port());
		assert_string_equal(info.local, local);
		assert_int_equal(info.paths, 1);
		assert_int_equal(info.tcp_paths, 1);
		assert_int_equal(info.requests, 2);
		assert_int_equal(info.datagrams_in, 3); /* 2 requests, 1 data frame */
		assert_int_equal(info.datagrams_out, 1);
		assert_int_equal(info.tcp_dropped, 0);
	}
	parley_lite_stats after;
	stats(&after);
	assert_int_equal(after.tcp_accepted - before.tcp_accepted, 2);
	assert_int_equal(after.requests - before.requests, 4);
	assert_int_equal(after.selections - before.selections, 2);
	/* 4 answers and 2 data frames went out on the connections. */
	assert_int_equal(after.sent - before.sent, 6);
	/* The client closes: the selected path is gone, nothing else is valid. */
	close(c[0].fd);
	spin(f, 50);
	assert_int_equal(s[0].state, PARLEY_ICE_STATE_FAILED);
	assert_int_equal(parley_lite_send(s[0].lite, (const uint8_t *)"x", 1), PARLEY_ICE_ERR_STATE);
	/* The transport goes: its connection is closed. */
	parley_lite_free(s[1].lite);
	uint8_t got[64];
	assert_int_equal(client_frame(f, &c[1], 500, got, sizeof(got)), -1);
	close(c[1].fd);
	parley_lite_free(s[0].lite);
}

static void closing_switches_to_another_path(void **state)
{
	fixture *f = *state;
	start(f, 0, 0);
	side s;
	open_side(f, 0, &s);
	client a, b;
	client_open(&a);
	client_open(&b);
	assert_int_equal(check(f, &a, &s, false), 0);
	assert_int_equal(check(f, &b, &s, true), 0);
	assert_int_equal(s.state, PARLEY_ICE_STATE_CONNECTED);
	parley_lite_stats before, after;
	stats(&before);
	close(b.fd);
	spin(f, 50);
	assert_int_equal(s.state, PARLEY_ICE_STATE_CONNECTED);
	assert_int_equal(s.switches, 1);
	stats(&after);
	assert_int_equal(after.switches - before.switches, 1);
	parley_lite_info info;
	assert_int_equal(parley_lite_get_info(s.lite, &info), 0);
	assert_string_equal(info.protocol, "tcp");
	assert_int_equal(info.switches, 1);
	assert_int_equal(info.tcp_paths, 2);
	assert_int_equal(parley_lite_send(s.lite, (const uint8_t *)"on a", 4), 0);
	uint8_t got[64];
	assert_int_equal(client_frame(f, &a, 500, got, sizeof(got)), 4);
	assert_memory_equal(got, "on a", 4);
	parley_lite_free(s.lite);
	close(a.fd);
}

/* A check from a UDP socket on 127.0.0.1: true for a success answer. */
static bool udp_check(fixture *f, client *c, int fd, side *s, bool use)
{
	const char *ufrag, *pwd;
	parley_lite_get_local_credentials(s->lite, &ufrag, &pwd);
	uint8_t buf[512];
	size_t n = request(c, buf, ufrag, pwd, use);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)parley_lite_port()) };
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	assert_int_equal(sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)n);
	gint64 deadline = g_get_monotonic_time() + 500 * 1000;
	while (g_get_monotonic_time() < deadline) {
		spin(f, 2);
		uint8_t reply[512];
		ssize_t got = recv(fd, reply, sizeof(reply), MSG_DONTWAIT);
		if (got > 0) {
			StunMessage msg = { .buffer = reply, .buffer_len = (size_t)got };
			return stun_message_get_class(&msg) == STUN_RESPONSE;
		}
	}
	return false;
}

static void expect_path(side *s, const char *protocol, unsigned port)
{
	parley_lite_info info;
	assert_int_equal(parley_lite_get_info(s->lite, &info), 0);
	assert_true(info.selected);
	assert_string_equal(info.protocol, protocol);
	char local[64];
	snprintf(local, sizeof(local), "127.0.0.1:%u", port);
	assert_string_equal(info.local, local);
	parley_udp_route route = { 0 };
	int rc = parley_lite_get_route(s->lite, &route);
	if (strcmp(protocol, "udp") == 0) {
		/* A UDP path leaves from the address its request was sent to. */
		assert_int_equal(rc, 0);
		assert_int_equal(route.source.family, AF_INET);
		assert_int_equal(route.source.addr.v4.s_addr, htonl(INADDR_LOOPBACK));
	} else {
		assert_int_equal(rc, PARLEY_ICE_ERR_STATE); /* no route, no local address: its connection */
	}
	parley_udp_route_clear(&route);
}

static void udp_and_tcp_paths(void **state)
{
	fixture *f = *state;
	start(f, 0, 0);
	side s;
	open_side(f, 0, &s);
	client c;
	client_open(&c);
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(udp >= 0);
	assert_true(udp_check(f, &c, udp, &s, true));
	assert_int_equal(s.state, PARLEY_ICE_STATE_CONNECTED);
	expect_path(&s, "udp", parley_lite_port());
	/* The client nominates its TCP connection: a switch. */
	assert_int_equal(check(f, &c, &s, true), 0);
	assert_int_equal(s.switches, 1);
	expect_path(&s, "tcp", parley_lite_tcp_port());
	/* The connection closes: the UDP path, which still has consent, again. */
	close(c.fd);
	spin(f, 50);
	assert_int_equal(s.state, PARLEY_ICE_STATE_CONNECTED);
	assert_int_equal(s.switches, 2);
	expect_path(&s, "udp", parley_lite_port());
	parley_lite_info info;
	assert_int_equal(parley_lite_get_info(s.lite, &info), 0);
	assert_int_equal(info.paths, 2);
	assert_int_equal(info.tcp_paths, 1);
	assert_int_equal(info.switches, 2);
	parley_lite_free(s.lite);
	close(udp);
}

static void full_output_drops(void **state)
{
	fixture *f = *state;
	start(f, 0, 0);
	side s;
	open_side(f, 0, &s);
	client c;
	client_open(&c);
	assert_int_equal(check(f, &c, &s, true), 0);
	parley_lite_stats before;
	stats(&before);
	/* The client reads nothing: the socket fills, then the ring; sending
	 * never blocks and the rest is dropped. */
	static uint8_t packet[1200];
	unsigned failed = 0, sent = 0;
	gint64 t0 = g_get_monotonic_time();
	for (int i = 0; i < 40000 && failed < 100; i++, sent++) {
		if (parley_lite_send(s.lite, packet, sizeof(packet)) != 0)
			failed++;
		if (i % 100 == 0)
			spin(f, 1);
	}
	/* (a blocking send would never return: a bound far above a starved
	 * machine's time for this loop, not a measure of speed) */
	assert_true(g_get_monotonic_time() - t0 < 60 * G_USEC_PER_SEC);
	parley_lite_stats after;
	stats(&after);
	assert_true(failed > 0);
	assert_int_equal(after.tcp_dropped - before.tcp_dropped, failed);
	parley_lite_info info;
	assert_int_equal(parley_lite_get_info(s.lite, &info), 0);
	assert_int_equal(info.tcp_dropped, failed);
	assert_int_equal(info.datagrams_out, sent - failed);
	/* What was queued arrives whole once the client reads. */
	uint8_t got[1500];
	unsigned frames = 0;
	ssize_t n;
	/* Each frame may wait behind other work on a loaded machine (5 s);
	 * once all are in, none more comes. */
	while (frames < sent - failed && (n = client_frame(f, &c, 5000, got, sizeof(got))) > 0) {
		assert_int_equal(n, sizeof(packet));
		frames++;
	}
	assert_int_equal(frames, sent - failed);
	assert_int_equal(client_frame(f, &c, 300, got, sizeof(got)), 0);
	parley_lite_free(s.lite);
	close(c.fd);
}

static void bad_connections_are_closed(void **state)
{
	fixture *f = *state;
	start(f, 2, 500);
	side s;
	open_side(f, 0, &s);
	parley_lite_stats before, after;
	stats(&before);
	uint8_t got[64];

	client garbage, huge, silent, unknown;
	/* Not STUN before a valid request. */
	client_open(&garbage);
	client_send(&garbage, "GET / HTTP/1.1", 14);
	assert_int_equal(client_frame(f, &garbage, 500, got, sizeof(got)), -1);
	/* A length above the largest frame. */
	client_open(&huge);
	client_send_raw(&huge, "\xff\xff\x00\x01", 4);
	assert_int_equal(client_frame(f, &huge, 500, got, sizeof(got)), -1);
	stats(&after);
	assert_int_equal(after.tcp_bad - before.tcp_bad, 2);

	/* Two pending connections is the limit: a third is closed at once. */
	client_open(&silent);
	client_open(&unknown);
	uint8_t buf[512];
	client_send(&unknown, buf, request(&unknown, buf, "aNobodyHasThis", "whatever-password-here", true));
	spin(f, 50);
	client third;
	client_open(&third);
	assert_int_equal(client_frame(f, &third, 300, got, sizeof(got)), -1);
	stats(&after);
	assert_int_equal(after.tcp_refused - before.tcp_refused, 1);
	/* Neither authenticates within 500 ms: both closed. */
	assert_int_equal(client_frame(f, &silent, 1500, got, sizeof(got)), -1);
	assert_int_equal(client_frame(f, &unknown, 500, got, sizeof(got)), -1);
	stats(&after);
	assert_int_equal(after.tcp_timed_out - before.tcp_timed_out, 2);
	/* The unknown ufrag's request is counted as such, unanswered. */
	assert_int_equal(after.rejects[PARLEY_LITE_REJECT_UNKNOWN_UFRAG] - before.rejects[PARLEY_LITE_REJECT_UNKNOWN_UFRAG], 1);
	/* The limit is free again: a good connection works. */
	client good;
	client_open(&good);
	assert_int_equal(check(f, &good, &s, true), 0);
	assert_int_equal(s.state, PARLEY_ICE_STATE_CONNECTED);
	close(garbage.fd);
	close(huge.fd);
	close(silent.fd);
	close(unknown.fd);
	close(third.fd);
	parley_lite_free(s.lite);
	close(good.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frames_across_reads),
		cmocka_unit_test(bad_lengths),
		cmocka_unit_test(writer_ring),
		cmocka_unit_test_setup_teardown(tcp_path_on_both_loops, setup, teardown),
		cmocka_unit_test_setup_teardown(closing_switches_to_another_path, setup, teardown),
		cmocka_unit_test_setup_teardown(udp_and_tcp_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(full_output_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_connections_are_closed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
