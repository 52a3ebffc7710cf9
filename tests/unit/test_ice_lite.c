/*
 * test_ice_lite.c — the ICE-lite transport (core/media/lite*.c) over
 * 127.0.0.1, with real peers: a pair of parley_pc, one on libnice in full
 * controlling mode (as a browser), the other on the lite transport,
 * connects, runs DTLS and SRTP both ways and ends in "consent expired" once
 * its peer is frozen; and plain UDP clients speaking STUN built with
 * libnice's STUN library: answers (XOR-MAPPED-ADDRESS, 401 for a wrong
 * password, nothing without FINGERPRINT, 487 for a controlled peer, 420
 * for an unknown comprehension-required attribute), two transports on one
 * socket told apart by ufrag then 5-tuple, transports on two loops (the
 * kernel spreads their flows over both loops' sockets: hand-over; the
 * answer to a handed-over request leaves after the receiving loop learnt
 * the path, so the peer's next datagram is not dropped), a path
 * switch on a later USE-CANDIDATE, consent expiry and ICE restart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <glib.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>
#include "core/media/lite.h"
#include "core/media/lite_internal.h"
#include "core/media/pc.h"
#include "core/media/pc_helpers.h"

static const char *const loopback[] = { "127.0.0.1", NULL };

typedef struct fixture {
	GMainContext *context[2];
} fixture;

static int setup(void **state)
{
	char err[256];
	assert_int_equal(parley_pc_global_setup(NULL, NULL, err, sizeof(err)), 0);
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

static void start_stale(fixture *f, unsigned consent_ms, unsigned stale_media_ms)
{
	parley_lite_config config = { .interfaces = loopback, .consent_timeout_ms = consent_ms,
		                      .stale_media_ms = stale_media_ms };
	GError *error = NULL;
	assert_int_equal(parley_lite_start(f->context, 2, &config, &error), 0);
	assert_null(error);
	assert_true(parley_lite_port() > 0);
}

static void start(fixture *f, unsigned consent_ms)
{
	start_stale(f, consent_ms, 0);
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

/* ---- a lite transport and what it reported ---- */

typedef struct side {
	parley_lite *lite;
	parley_ice_state state;
	unsigned candidates, switches, received;
	char last[64];
	char candidate[160]; /* the last one gathered */
} side;

static void on_candidate(void *u, const char *c)
{
	side *s = u;
	s->candidates++;
	assert_non_null(strstr(c, "typ host"));
	g_strlcpy(s->candidate, c, sizeof(s->candidate));
}
static void on_state(void *u, parley_ice_state s)
{
	((side *)u)->state = s;
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

static const parley_ice_callbacks lite_callbacks = {
	.candidate = on_candidate,
	.state_changed = on_state,
	.selected_pair_changed = on_switch,
	.receive = on_receive,
};

static void open_side(fixture *f, int loop, side *s)
{
	memset(s, 0, sizeof(*s));
	GError *error = NULL;
	s->lite = parley_lite_new(f->context[loop], NULL, &lite_callbacks, s, &error);
	assert_non_null(s->lite);
	assert_int_equal(parley_lite_gather(s->lite), 0);
	assert_int_equal(s->candidates, 1);
}

/* ---- a plain UDP peer speaking STUN ---- */

typedef struct client {
	int fd;
	struct sockaddr_in addr;
	struct in_addr server; /* where it sends: 127.0.0.1 unless changed */
	unsigned port;         /* and to which port: 0 = parley_lite_port() */
	StunAgent agent;
} client;

static void client_open(client *c, bool fingerprint)
{
	static const uint16_t attrs[] = { STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
		                          STUN_ATTRIBUTE_ERROR_CODE,
		                          STUN_ATTRIBUTE_USERNAME,
		                          STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
		                          STUN_ATTRIBUTE_FINGERPRINT,
		                          STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES,
		                          0 };
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(c->fd >= 0);
	c->port = 0;
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_equal(bind(c->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(c->addr);
	getsockname(c->fd, (struct sockaddr *)&c->addr, &len);
	inet_pton(AF_INET, "127.0.0.1", &c->server);
	stun_agent_init(&c->agent, attrs, STUN_COMPATIBILITY_RFC5389,
	                STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | (fingerprint ? STUN_AGENT_USAGE_USE_FINGERPRINT : 0));
}

static void client_send(client *c, const void *data, size_t length)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
		                  .sin_port = htons((uint16_t)(c->port ? c->port : parley_lite_port())),
		                  .sin_addr = c->server };
	assert_int_equal(sendto(c->fd, data, length, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)length);
}

/* A binding request from the controlling side ("controlled" sets
 * ICE-CONTROLLED instead), signed with pwd. */
static size_t request(client *c, uint8_t *buf, const char *ufrag, const char *pwd, bool use, bool controlled)
{
	char username[128];
	snprintf(username, sizeof(username), "%s:peer", ufrag);
	StunMessage msg;
	size_t n = stun_usage_ice_conncheck_create(&c->agent, &msg, buf, 512, (const uint8_t *)username,
	                                           strlen(username), (const uint8_t *)pwd, strlen(pwd), use,
	                                           !controlled, 0x6e7f00ff, 0x1234, NULL,
	                                           STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
	assert_true(n > 0);
	return n;
}

/* Sends a request and runs the loops until the answer: its error code (0
 * for a success, which must map to the client's address), -1 when none
 * came within 300 ms. */
static int check(fixture *f, client *c, const char *ufrag, const char *pwd, bool use, bool controlled)
{
	uint8_t buf[512];
	size_t n = request(c, buf, ufrag, pwd, use, controlled);
	client_send(c, buf, n);
	gint64 deadline = g_get_monotonic_time() + 300000;
	while (g_get_monotonic_time() < deadline) {
		spin(f, 2);
		uint8_t reply[512];
		ssize_t got = recv(c->fd, reply, sizeof(reply), 0);
		if (got <= 0)
			continue;
		StunMessage msg = { .buffer = reply, .buffer_len = (size_t)got };
		assert_int_equal(stun_message_validate_buffer_length(reply, (size_t)got, true), got);
		if (stun_message_get_class(&msg) == STUN_ERROR) {
			int code = 0;
			assert_int_equal(stun_message_find_error(&msg, &code), STUN_MESSAGE_RETURN_SUCCESS);
			return code;
		}
		struct sockaddr_storage mapped;
		socklen_t mapped_len = sizeof(mapped);
		assert_int_equal(stun_message_find_xor_addr(&msg, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &mapped,
		                                            &mapped_len),
		                 STUN_MESSAGE_RETURN_SUCCESS);
		assert_int_equal(((struct sockaddr_in *)&mapped)->sin_port, c->addr.sin_port);
		return 0;
	}
	return -1;
}

static int check_side(fixture *f, client *c, side *s, bool use)
{
	const char *ufrag, *pwd;
	parley_lite_get_local_credentials(s->lite, &ufrag, &pwd);
	return check(f, c, ufrag, pwd, use, false);
}

/* Starts the transport with `consent_ms`, opens side s on the first loop
 * and connects a new client c to it with a USE-CANDIDATE check. */
static void start_connected(fixture *f, unsigned consent_ms, side *s, client *c)
{
	start(f, consent_ms);
	open_side(f, 0, s);
	client_open(c, true);
	assert_int_equal(check_side(f, c, s, true), 0);
}

/* Datagrams the client received within ms (STUN answers included). */
static unsigned client_drain(fixture *f, client *c, int ms, char *last, size_t last_size)
{
	unsigned n = 0;
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
	while (g_get_monotonic_time() < deadline) {
		spin(f, 2);
		char buf[512];
		ssize_t got;
		while ((got = recv(c->fd, buf, sizeof(buf) - 1, 0)) > 0) {
			n++;
			if (last)
				snprintf(last, last_size, "%.*s", (int)got, buf);
		}
	}
	return n;
}

/* ---- STUN answers ---- */

/* How much a process-wide counter moved since `before`. */
#define MOVED(after, before, field) ((after).field - (before).field)

static void stun_answers(void **state)
{
	fixture *f = *state;
	start(f, 30000);
	side s;
	open_side(f, 0, &s);
	const char *ufrag, *pwd;
	parley_lite_get_local_credentials(s.lite, &ufrag, &pwd);
	client c, bare;
	client_open(&c, true);
	client_open(&bare, false);
	parley_lite_stats before;
	parley_lite_get_stats(&before);

	assert_int_equal(check(f, &c, ufrag, "not-the-password-at-all", true, false), 401);
	assert_int_equal(s.state, PARLEY_ICE_STATE_NEW);
	assert_int_equal(check(f, &c, "nobody-has-this", pwd, true, false), -1);
	assert_int_equal(check(f, &bare, ufrag, pwd, true, false), -1); /* no FINGERPRINT: dropped */
	assert_int_equal(check(f, &c, ufrag, pwd, true, true), 487);    /* controlled too */
	assert_int_equal(s.state, PARLEY_ICE_STATE_NEW);

	/* An unknown comprehension-required attribute (0x0777), signed. */
	uint8_t buf[512];
	StunMessage msg;
	char username[64];
	snprintf(username, sizeof(username), "%s:peer", ufrag);
	assert_true(stun_agent_init_request(&c.agent, &msg, buf, sizeof(buf), STUN_BINDING));
	assert_int_equal(stun_message_append_string(&msg, STUN_ATTRIBUTE_USERNAME, username), 0);
	assert_int_equal(stun_message_append32(&msg, 0x0777, 7), 0);
	size_t n = stun_agent_finish_message(&c.agent, &msg, (const uint8_t *)pwd, strlen(pwd));
	assert_true(n > 0);
	client_send(&c, buf, n);
	uint8_t reply[512];
	ssize_t got = -1;
	for (int i = 0; i < 300 && got <= 0; i++) {
		spin(f, 1);
		got = recv(c.fd, reply, sizeof(reply), 0);
	}
	assert_true(got > 0);
	StunMessage answer = { .buffer = reply, .buffer_len = (size_t)got };
	int code = 0;
	assert_int_equal(stun_message_get_class(&answer), STUN_ERROR);
	assert_int_equal(stun_message_find_error(&answer, &code), STUN_MESSAGE_RETURN_SUCCESS);
	assert_int_equal(code, 420);

	/* Not STUN, from a 5-tuple no request proved: dropped. */
	client_send(&c, "hello", 5);
	spin(f, 50);
	assert_int_equal(s.received, 0);

	/* A valid request without USE-CANDIDATE: answered, nothing selected. */
	assert_int_equal(check(f, &c, ufrag, pwd, false, false), 0);
	assert_int_equal(s.state, PARLEY_ICE_STATE_NEW);
	parley_ice_pair pair;
	assert_int_equal(parley_lite_get_selected_pair(s.lite, &pair), PARLEY_ICE_ERR_STATE);
	assert_int_equal(parley_lite_send(s.lite, (const uint8_t *)"x", 1), PARLEY_ICE_ERR_STATE);
	/* ... but its 5-tuple is known now: data goes through. */
	client_send(&c, "hello", 5);
	spin(f, 50);
	assert_int_equal(s.received, 1);
	assert_string_equal(s.last, "hello");

	/* USE-CANDIDATE: selected, connected. */
	assert_int_equal(check(f, &c, ufrag, pwd, true, false), 0);
	assert_int_equal(s.state, PARLEY_ICE_STATE_CONNECTED);
	assert_int_equal(parley_lite_get_selected_pair(s.lite, &pair), 0);
	assert_string_equal(pair.local_ip, "127.0.0.1");
	assert_int_equal(pair.local_port, parley_lite_port());
	assert_string_equal(pair.remote_ip, "127.0.0.1");
	assert_int_equal(pair.remote_port, ntohs(c.addr.sin_port));
	assert_string_equal(pair.local_type, "host");
	assert_int_equal(parley_lite_send(s.lite, (const uint8_t *)"back", 4), 0);
	char last[64] = "";
	assert_int_equal(client_drain(f, &c, 50, last, sizeof(last)), 1);
	assert_string_equal(last, "back");
	parley_udp_route route = { 0 };
	assert_int_equal(parley_lite_get_route(s.lite, &route), 0);
	assert_non_null(route.socket);
	parley_udp_route_clear(&route);

	parley_lite_stats after;
	parley_lite_get_stats(&after);
	assert_int_equal(MOVED(after, before, requests), 2);
	assert_int_equal(MOVED(after, before, rejected), 3); /* 401, 487, 420 */
	assert_int_equal(MOVED(after, before, rejects[PARLEY_LITE_REJECT_BAD_INTEGRITY]), 1);
	assert_int_equal(MOVED(after, before, rejects[PARLEY_LITE_REJECT_ROLE_CONFLICT]), 1);
	assert_int_equal(MOVED(after, before, rejects[PARLEY_LITE_REJECT_UNKNOWN_ATTRIBUTE]), 1);
	assert_int_equal(MOVED(after, before, rejects[PARLEY_LITE_REJECT_UNKNOWN_UFRAG]), 1);
	assert_int_equal(MOVED(after, before, rejects[PARLEY_LITE_REJECT_UNANSWERABLE]), 1); /* no FINGERPRINT */
	assert_int_equal(MOVED(after, before, rejects[PARLEY_LITE_REJECT_BAD_REQUEST]), 0);
	assert_int_equal(MOVED(after, before, unknown_address), 1);
	assert_int_equal(MOVED(after, before, dropped), 3); /* unknown ufrag, no FINGERPRINT, unknown address */
	assert_int_equal(MOVED(after, before, selections), 1);
	assert_int_equal(MOVED(after, before, switches), 0);
	assert_int_equal(MOVED(after, before, datagrams), 9);
	assert_int_equal(MOVED(after, before, sent), 6); /* 2 successes, 3 errors, "back" */
	/* The transport's own view: its path and counters. */
	parley_lite_info info;
	assert_int_equal(parley_lite_get_info(s.lite, &info), 0);
	assert_true(info.selected);
	char endpoint[64];
	snprintf(endpoint, sizeof(endpoint), "127.0.0.1:%u", parley_lite_port());
	assert_string_equal(info.local, endpoint);
	snprintf(endpoint, sizeof(endpoint), "127.0.0.1:%u", ntohs(c.addr.sin_port));
	assert_string_equal(info.remote, endpoint);
	assert_string_equal(info.protocol, "udp");
	assert_int_equal(info.requests, 2);
	assert_int_equal(info.datagrams_in, 3); /* 2 requests, 1 "hello" */
	assert_int_equal(info.datagrams_out, 1);
	assert_int_equal(info.paths, 1);
	assert_int_equal(info.switches, 0);
	assert_int_equal(info.restarts, 0);
	parley_lite_free(s.lite);
	close(c.fd);
	close(bare.fd);
}

/* ---- demultiplexing ---- */

static void demux_by_ufrag_then_address(void **state)
{
	fixture *f = *state;
	start(f, 30000);
	side a, b;
	open_side(f, 0, &a);
	open_side(f, 0, &b);
	client ca, cb, stranger;
	client_open(&ca, true);
	client_open(&cb, true);
	client_open(&stranger, true);
	assert_int_equal(check_side(f, &ca, &a, true), 0);
	assert_int_equal(check_side(f, &cb, &b, true), 0);
	assert_int_equal(a.state, PARLEY_ICE_STATE_CONNECTED);
	assert_int_equal(b.state, PARLEY_ICE_STATE_CONNECTED);
	client_send(&ca, "for a", 5);
	client_send(&cb, "for b", 5);
	client_send(&stranger, "for nobody", 10);
	spin(f, 50);
	assert_int_equal(a.received, 1);
	assert_string_equal(a.last, "for a");
	assert_int_equal(b.received, 1);
	assert_string_equal(b.last, "for b");
	/* b's password does not open a's ufrag. */
	const char *ufrag_a, *pwd_a, *ufrag_b, *pwd_b;
	parley_lite_get_local_credentials(a.lite, &ufrag_a, &pwd_a);
	parley_lite_get_local_credentials(b.lite, &ufrag_b, &pwd_b);
	assert_int_equal(check(f, &cb, ufrag_a, pwd_b, true, false), 401);
	/* Freed: its ufrag and 5-tuple are gone (its strings with it: copies). */
	char gone_ufrag[64], gone_pwd[64];
	g_strlcpy(gone_ufrag, ufrag_a, sizeof(gone_ufrag));
	g_strlcpy(gone_pwd, pwd_a, sizeof(gone_pwd));
	parley_lite_free(a.lite);
	assert_int_equal(check(f, &ca, gone_ufrag, gone_pwd, true, false), -1);
	client_send(&ca, "late", 4);
	spin(f, 50);
	assert_int_equal(b.received, 1);
	parley_lite_free(b.lite);
	close(ca.fd);
	close(cb.fd);
	close(stranger.fd);
}

/* Transports on both loops, many client flows: the kernel gives some
 * flows to the other loop's socket; every datagram still reaches its
 * transport, and answers go back. */
static void two_loops_hand_over(void **state)
{
	fixture *f = *state;
	start(f, 30000);
	enum {
		FLOWS = 12
	};
	side s[2];
	open_side(f, 0, &s[0]);
	open_side(f, 1, &s[1]);
	parley_lite_stats before;
	parley_lite_get_stats(&before);
	client c[FLOWS];
	for (int i = 0; i < FLOWS; i++) {
		client_open(&c[i], true);
		assert_int_equal(check_side(f, &c[i], &s[i % 2], i < 2), 0);
	}
	spin(f, 50); /* forwarding entries reach the receiving loops */
	for (int i = 0; i < FLOWS; i++)
		client_send(&c[i], "data", 4);
	spin(f, 100);
	assert_int_equal(s[0].received, FLOWS / 2);
	assert_int_equal(s[1].received, FLOWS / 2);
	assert_int_equal(s[0].state, PARLEY_ICE_STATE_CONNECTED);
	assert_int_equal(s[1].state, PARLEY_ICE_STATE_CONNECTED);
	parley_lite_stats after;
	parley_lite_get_stats(&after);
	assert_true(after.handed_over > before.handed_over); /* 1 in 2^12 that none crossed */
	for (int i = 0; i < FLOWS; i++)
		close(c[i].fd);
	parley_lite_free(s[0].lite);
	parley_lite_free(s[1].lite);
}

/* Runs one loop only, for ms. */
static void spin_one(fixture *f, int k, int ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
	while (g_get_monotonic_time() < deadline)
		if (!g_main_context_iteration(f->context[k], FALSE))
			g_usleep(1000);
}

/* A request the other loop's socket received and handed over: its answer
 * leaves only once that loop knows the path, so the peer's first datagram
 * after the answer (a DTLS ClientHello) is handed over too, never dropped
 * as from an unknown address (the peer would send it again only a second
 * later). The loops run one at a time, as a busy machine may run them. */
static void answer_after_the_forward(void **state)
{
	fixture *f = *state;
	start(f, 30000);
	side s;
	client c;
	bool crossed = false;
	/* a flow the kernel gives to loop 0's socket, for a transport on loop 1 */
	for (int attempt = 0; attempt < 32 && !crossed; attempt++) {
		open_side(f, 1, &s);
		client_open(&c, true);
		const char *ufrag, *pwd;
		parley_lite_get_local_credentials(s.lite, &ufrag, &pwd);
		uint8_t buf[512];
		size_t n = request(&c, buf, ufrag, pwd, true, false);
		parley_lite_stats before, after;
		parley_lite_get_stats(&before);
		client_send(&c, buf, n);
		spin_one(f, 0, 20);
		parley_lite_get_stats(&after);
		crossed = after.handed_over > before.handed_over;
		if (crossed)
			break;
		spin(f, 20);   /* loop 1 read it itself: another flow */
		close(c.fd);
		parley_lite_free(s.lite);
	}
	assert_true(crossed);   /* 2^-32 that every flow stayed on loop 1 */
	/* loop 1 takes the request (and nominates the path), while loop 0 is
	 * another thread's (what loop 1 tells it waits in its queue) ... */
	g_main_context_release(f->context[0]);
	spin_one(f, 1, 50);
	assert_true(g_main_context_acquire(f->context[0]));
	assert_int_equal(s.state, PARLEY_ICE_STATE_CONNECTED);
	/* ... then loop 0 runs until the answer is out; the peer answers it at once */
	uint8_t reply[512];
	ssize_t got = -1;
	gint64 deadline = g_get_monotonic_time() + 300000;
	while (got <= 0 && g_get_monotonic_time() < deadline) {
		got = recv(c.fd, reply, sizeof(reply), 0);
		if (got <= 0)
			spin_one(f, 0, 2);
	}
	assert_true(got > 0);
	client_send(&c, "hello", 5);
	parley_lite_stats before, after;
	parley_lite_get_stats(&before);
	spin_one(f, 0, 20);
	parley_lite_get_stats(&after);
	assert_int_equal(MOVED(after, before, unknown_address), 0);
	assert_int_equal(MOVED(after, before, handed_over), 1);
	spin(f, 20);
	assert_int_equal(s.received, 1);
	assert_string_equal(s.last, "hello");
	close(c.fd);
	parley_lite_free(s.lite);
}

/* ---- path switch, consent, restart ---- */

static void path_switch(void **state)
{
	fixture *f = *state;
	side s;
	client first, second;
	start_connected(f, 30000, &s, &first);
	client_open(&second, true);
	assert_int_equal(s.switches, 0);
	/* A check without USE-CANDIDATE on another 5-tuple does not switch. */
	assert_int_equal(check_side(f, &second, &s, false), 0);
	assert_int_equal(s.switches, 0);
	parley_lite_stats before, after;
	parley_lite_get_stats(&before);
	assert_int_equal(check_side(f, &second, &s, true), 0);
	assert_int_equal(s.switches, 1);
	parley_lite_get_stats(&after);
	assert_int_equal(MOVED(after, before, switches), 1);
	assert_int_equal(MOVED(after, before, selections), 0);
	parley_lite_info info;
	assert_int_equal(parley_lite_get_info(s.lite, &info), 0);
	assert_int_equal(info.switches, 1);
	assert_int_equal(info.paths, 2);
	assert_int_equal(s.state, PARLEY_ICE_STATE_CONNECTED);
	parley_ice_pair pair;
	assert_int_equal(parley_lite_get_selected_pair(s.lite, &pair), 0);
	assert_int_equal(pair.remote_port, ntohs(second.addr.sin_port));
	assert_int_equal(parley_lite_send(s.lite, (const uint8_t *)"to second", 9), 0);
	char last[64] = "";
	assert_int_equal(client_drain(f, &second, 50, last, sizeof(last)), 1);
	assert_string_equal(last, "to second");
	assert_int_equal(client_drain(f, &first, 10, NULL, 0), 0);
	parley_lite_free(s.lite);
	close(first.fd);
	close(second.fd);
}

static void consent_expires(void **state)
{
	fixture *f = *state;
	side s;
	client c;
	start_connected(f, 1000, &s, &c);
	/* Checks every 400 ms keep it (media alone would not). */
	for (int i = 0; i < 5; i++) {
		client_send(&c, "media", 5);
		spin(f, 400);
		assert_int_equal(check_side(f, &c, &s, false), 0);
	}
	assert_int_equal(s.state, PARLEY_ICE_STATE_CONNECTED);
	parley_lite_stats before, after;
	parley_lite_get_stats(&before);
	gint64 quiet = g_get_monotonic_time();
	while (s.state != PARLEY_ICE_STATE_FAILED && g_get_monotonic_time() - quiet < 3000000) {
		client_send(&c, "media", 5);
		spin(f, 50);
	}
	gint64 ms = (g_get_monotonic_time() - quiet) / 1000;
	assert_int_equal(s.state, PARLEY_ICE_STATE_FAILED);
	assert_true(ms >= 900 && ms < 2000);
	parley_lite_get_stats(&after);
	assert_int_equal(MOVED(after, before, consent_expiries), 1);
	assert_int_equal(MOVED(after, before, connect_timeouts), 0);
	parley_lite_free(s.lite);
	close(c.fd);
}

/* What the pc says once a second when the peer's traffic authenticated
 * (parley_lite_peer_heard) keeps consent without any request: a libnice
 * peer's keepalives are indications. Once it stops, consent runs out. */
static void authenticated_traffic_keeps_consent(void **state)
{
	fixture *f = *state;
	side s;
	client c;
	start_connected(f, 1000, &s, &c);
	for (int i = 0; i < 6; i++) {
		client_send(&c, "media", 5);
		spin(f, 400);
		parley_lite_peer_heard(s.lite);
	}
	assert_int_equal(s.state, PARLEY_ICE_STATE_CONNECTED);   /* 2.4 s, no request after the first */
	gint64 quiet = g_get_monotonic_time();
	while (s.state != PARLEY_ICE_STATE_FAILED && g_get_monotonic_time() - quiet < 3000000)
		spin(f, 50);
	gint64 ms = (g_get_monotonic_time() - quiet) / 1000;
	assert_int_equal(s.state, PARLEY_ICE_STATE_FAILED);
	assert_true(ms >= 500 && ms < 2000);
	parley_lite_free(s.lite);
	close(c.fd);
}

static void connect_timeout(void **state)
{
	fixture *f = *state;
	start(f, 30000);
	side s;
	memset(&s, 0, sizeof(s));
	parley_ice_config config = { .connect_timeout_ms = 500 };
	s.lite = parley_lite_new(f->context[1], &config, &lite_callbacks, &s, NULL);
	assert_non_null(s.lite);
	assert_int_equal(parley_lite_set_remote_credentials(s.lite, "peer", "peerpasswordpeerpassword"), 0);
	assert_int_equal(s.state, PARLEY_ICE_STATE_CHECKING);
	parley_lite_stats before, after;
	parley_lite_get_stats(&before);
	spin(f, 1000);
	assert_int_equal(s.state, PARLEY_ICE_STATE_FAILED);
	parley_lite_get_stats(&after);
	assert_int_equal(MOVED(after, before, connect_timeouts), 1);
	assert_int_equal(MOVED(after, before, consent_expiries), 0);
	parley_lite_free(s.lite);
}

static void restart_rotates_credentials(void **state)
{
	fixture *f = *state;
	side s;
	client c;
	start_connected(f, 30000, &s, &c);
	char old_ufrag[64], old_pwd[64];
	const char *ufrag, *pwd;
	parley_lite_get_local_credentials(s.lite, &ufrag, &pwd);
	g_strlcpy(old_ufrag, ufrag, sizeof(old_ufrag));
	g_strlcpy(old_pwd, pwd, sizeof(old_pwd));
	parley_lite_stats before, after;
	parley_lite_get_stats(&before);
	assert_int_equal(parley_lite_restart(s.lite), 0);
	parley_lite_get_stats(&after);
	assert_int_equal(MOVED(after, before, restarts), 1);
	parley_lite_info info;
	assert_int_equal(parley_lite_get_info(s.lite, &info), 0);
	assert_int_equal(info.restarts, 1);
	assert_int_equal(s.candidates, 2);
	parley_lite_get_local_credentials(s.lite, &ufrag, &pwd);
	assert_string_not_equal(ufrag, old_ufrag);
	assert_string_not_equal(pwd, old_pwd);
	/* Until the peer has ours, the old credentials still work ... */
	assert_int_equal(check(f, &c, old_ufrag, old_pwd, false, false), 0);
	/* ... the new ones work, and from then on the old ones do not. */
	assert_int_equal(check_side(f, &c, &s, true), 0);
	assert_int_equal(check(f, &c, old_ufrag, old_pwd, false, false), -1);
	assert_int_equal(s.state, PARLEY_ICE_STATE_CONNECTED);
	parley_lite_free(s.lite);
	close(c.fd);
}

/* Two addresses of a family: the sockets bind the wildcard address, and
 * answers and media (direct and through the send batch) leave from the
 * address the peer sent to, not from the one the kernel would pick. The
 * client's socket is connected to 127.0.0.2:port, so it takes nothing
 * from anywhere else. */
static void answers_from_the_address_sent_to(void **state)
{
	fixture *f = *state;
	static const char *const two[] = { "127.0.0.1", "127.0.0.2", NULL };
	parley_lite_config config = { .interfaces = two };
	assert_int_equal(parley_lite_start(f->context, 2, &config, NULL), 0);
	side s;
	memset(&s, 0, sizeof(s));
	s.lite = parley_lite_new(f->context[0], NULL, &lite_callbacks, &s, NULL);
	assert_non_null(s.lite);
	assert_int_equal(parley_lite_gather(s.lite), 0);
	assert_int_equal(s.candidates, 2);
	client c;
	client_open(&c, true);
	inet_pton(AF_INET, "127.0.0.2", &c.server);
	struct sockaddr_in server = { .sin_family = AF_INET, .sin_port = htons((uint16_t)parley_lite_port()),
		                      .sin_addr = c.server };
	assert_int_equal(connect(c.fd, (struct sockaddr *)&server, sizeof(server)), 0);
	assert_int_equal(check_side(f, &c, &s, true), 0);
	assert_int_equal(s.state, PARLEY_ICE_STATE_CONNECTED);
	parley_ice_pair pair;
	assert_int_equal(parley_lite_get_selected_pair(s.lite, &pair), 0);
	assert_string_equal(pair.local_ip, "127.0.0.2");
	assert_int_equal(parley_lite_send(s.lite, (const uint8_t *)"direct", 6), 0);
	char last[64] = "";
	assert_int_equal(client_drain(f, &c, 50, last, sizeof(last)), 1);
	assert_string_equal(last, "direct");

	parley_udp_route route = { 0 };
	assert_int_equal(parley_lite_get_route(s.lite, &route), 0);
	assert_int_equal(route.source.family, AF_INET);
	assert_int_equal(route.source.addr.v4.s_addr, c.server.s_addr);
	assert_true(parley_udp_batch_attach(f->context[0]));
	for (int i = 0; i < 3; i++) {
		uint8_t *slot = parley_udp_batch_slot(16);
		assert_non_null(slot);
		memcpy(slot, "batched", 7);
		assert_int_equal(parley_udp_batch_commit(&route, 7), 0);
	}
	assert_int_equal(client_drain(f, &c, 50, last, sizeof(last)), 3); /* one GSO send of 3 */
	assert_string_equal(last, "batched");
	parley_udp_batch_detach();
	parley_udp_route_clear(&route);
	parley_lite_free(s.lite);
	close(c.fd);
}

static void bad_start(void **state)
{
	fixture *f = *state;
	GError *error = NULL;
	parley_lite_config config = { .interfaces = (const char *const[]){ "no-such-interface0", NULL } };
	assert_int_not_equal(parley_lite_start(f->context, 2, &config, &error), 0);
	assert_non_null(error);
	g_clear_error(&error);
	config = (parley_lite_config){ .interfaces = loopback, .announced_ip = "not-an-ip" };
	assert_int_not_equal(parley_lite_start(f->context, 2, &config, &error), 0);
	g_clear_error(&error);
	assert_int_not_equal(parley_lite_start(f->context, 0, &config, &error), 0);
	g_clear_error(&error);
	/* Not started: no transport. */
	assert_null(parley_lite_new(f->context[0], NULL, &lite_callbacks, NULL, &error));
	assert_non_null(error);
	g_clear_error(&error);
	/* The port is shared by our loops, not by a stranger's socket. */
	start(f, 0);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)parley_lite_port()) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_int_not_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd);
	assert_int_not_equal(parley_lite_start(f->context, 2, &(parley_lite_config){ .interfaces = loopback }, &error),
	                     0);
	g_clear_error(&error);
}

/* ---- a pair of PeerConnections: libnice (full, controlling) and lite ---- */

typedef struct end {
	GMainContext *context;
	parley_pc *pc;
	bool up, failed;
	char reason[64];
	unsigned rtp_in;
} end;

static void cb_up(void *u)
{
	((end *)u)->up = true;
}
static void cb_failed(void *u, const char *reason)
{
	end *e = u;
	e->failed = true;
	g_strlcpy(e->reason, reason, sizeof(e->reason));
}
static void cb_rtp(void *u, parley_rtp_packet *p)
{
	((end *)u)->rtp_in++;
}

static const parley_pc_callbacks pc_callbacks = { .webrtc_up = cb_up, .failed = cb_failed, .incoming_rtp = cb_rtp };

static void run_pcs(end *e, bool frozen, int ms, uint16_t *seq)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
	gint64 next_send = 0;
	while (g_get_monotonic_time() < deadline && !e[1].failed) {
		if (seq && e[0].up && e[1].up && g_get_monotonic_time() >= next_send) {
			for (int k = 0; k < 2; k++) {
				uint8_t packet[120] = { 0x80, 96 };
				packet[2] = (uint8_t)(*seq >> 8);
				packet[3] = (uint8_t)*seq;
				packet[11] = (uint8_t)(k + 1);
				parley_rtp_packet p = {
					.buffer = (char *)packet, .length = 100, .mindex = 0, .video = true
				};
				parley_pc_relay_rtp(e[k].pc, &p);
			}
			(*seq)++;
			next_send = g_get_monotonic_time() + 20000;
		}
		bool busy = !frozen && g_main_context_iteration(e[0].context, FALSE);
		busy |= g_main_context_iteration(e[1].context, FALSE);
		if (!busy)
			g_usleep(1000);
	}
}

/* pc 0 (libnice, full ICE) offers sendrecv video, pc 1 (lite) answers. */
static void connect_pcs(fixture *f, end *e)
{
	parley_pc_settings full = { .ice = { .interfaces = loopback, .connect_timeout_ms = 5000 },
		                    .consent_timeout_ms = 60000 };
	parley_pc_settings lite = full;
	lite.ice.lite = true;
	for (int k = 0; k < 2; k++)
		e[k].context = f->context[k];
	e[0].pc = parley_pc_new(e[0].context, &full, &pc_callbacks, &e[0]);
	e[1].pc = parley_pc_new(e[1].context, &lite, &pc_callbacks, &e[1]);
	json_t *description = json_pack("{s[{ss ss ss ss si si}]}", "media", "mid", "v", "kind", "video", "codec",
	                                "vp8", "direction", "sendrecv", "pt", 96, "ssrc", 4444);
	char err[256] = "";
	char *plugin = parley_pc_helper_sdp_offer(description, err, sizeof(err));
	json_decref(description);
	assert_non_null(plugin);
	char *offer = parley_pc_local_description(e[0].pc, true, plugin, false, err, sizeof(err));
	assert_non_null(offer);
	assert_null(strstr(offer, "a=ice-lite"));
	assert_int_equal(parley_pc_set_remote_description(e[1].pc, true, offer, err, sizeof(err)), 0);
	char *plugin_answer = parley_pc_helper_sdp_answer(offer, NULL, err, sizeof(err));
	assert_non_null(plugin_answer);
	char *answer = parley_pc_local_description(e[1].pc, false, plugin_answer, false, err, sizeof(err));
	assert_non_null(answer);
	assert_non_null(strstr(answer, "a=ice-lite"));
	assert_non_null(strstr(answer, "a=setup:passive"));
	char port[32];
	snprintf(port, sizeof(port), " 127.0.0.1 %u typ host", parley_lite_port());
	assert_non_null(strstr(answer, port));
	assert_int_equal(parley_pc_set_remote_description(e[0].pc, false, answer, err, sizeof(err)), 0);
	/* Remote candidates are ignored by the lite side, not refused. */
	assert_int_equal(parley_pc_add_remote_candidate(e[1].pc, "candidate:1 1 udp 1 127.0.0.1 9 typ host", err,
	                                                sizeof(err)),
	                 0);
	for (int i = 0; i < 80 && !(e[0].up && e[1].up); i++)
		run_pcs(e, false, 100, NULL);
	assert_true(e[0].up && e[1].up);
	g_free(plugin);
	g_free(offer);
	g_free(plugin_answer);
	g_free(answer);
}

static void close_pcs(end *e)
{
	for (int k = 0; k < 2; k++) {
		parley_pc_close(e[k].pc);
		parley_pc_unref(e[k].pc);
		for (int i = 0; i < 50; i++)
			g_main_context_iteration(e[k].context, FALSE);
	}
}

static void pcs_media_both_ways(void **state)
{
	fixture *f = *state;
	start(f, 30000);
	end e[2] = { 0 };
	connect_pcs(f, e);
	uint16_t seq = 0;
	run_pcs(e, false, 1500, &seq);
	assert_true(e[0].rtp_in > 20);
	assert_true(e[1].rtp_in > 20);
	assert_false(e[0].failed || e[1].failed);
	json_t *info = parley_pc_info(e[1].pc);
	assert_string_equal(json_string_value(json_object_get(json_object_get(info, "ice"), "state")), "connected");
	assert_string_equal(json_string_value(json_object_get(info, "ice-role")), "controlled");
	assert_string_equal(json_string_value(json_object_get(json_object_get(info, "dtls"), "dtls-role")), "passive");
	assert_non_null(strstr(json_string_value(json_object_get(info, "selected-local")), "[host]"));
	assert_non_null(strstr(json_string_value(json_object_get(info, "selected-remote")), "127.0.0.1:"));
	json_decref(info);
	close_pcs(e);
}

static void pcs_consent_expiry_ends_the_pc(void **state)
{
	fixture *f = *state;
	start(f, 1500);
	end e[2] = { 0 };
	guint64 expired_before = parley_pc_event_count(PARLEY_PC_EVENT_CONSENT_EXPIRED);
	connect_pcs(f, e);
	/* libnice's keepalive checks come every 25 s: with a 1.5 s consent the
	 * frozen (or merely quiet) peer loses it, long before those. */
	gint64 start_us = g_get_monotonic_time();
	run_pcs(e, true, 4000, NULL);
	gint64 ms = (g_get_monotonic_time() - start_us) / 1000;
	assert_true(e[1].failed);
	assert_string_equal(e[1].reason, "consent expired");
	/* At most: the pc's first report tick (a seconds timer, 0.75-1.75 s
	 * after it started) that last heard the peer, the 1.5 s, and the
	 * transport's 250 ms tick. */
	assert_true(ms < 4000);
	assert_int_equal(parley_pc_event_count(PARLEY_PC_EVENT_CONSENT_EXPIRED), expired_before + 1);
	close_pcs(e);
}

/* ---- a port per loop ---- */

/* Each loop on its own port: a transport announces its loop's, a peer
 * checking there reaches that loop, and nothing is handed over. */
static void port_per_loop(void **state)
{
	fixture *f = *state;
	parley_lite_config config = { .interfaces = loopback, .port_per_loop = true };
	GError *error = NULL;
	assert_int_equal(parley_lite_start(f->context, 2, &config, &error), 0);
	side s[2];
	unsigned port[2];
	for (int k = 0; k < 2; k++) {
		open_side(f, k, &s[k]);
		char ip[64];
		assert_int_equal(sscanf(s[k].candidate, "candidate:%*u 1 udp %*u %63s %u typ host", ip, &port[k]), 2);
		assert_string_equal(ip, "127.0.0.1");
	}
	assert_int_equal(port[0], parley_lite_port());
	assert_int_not_equal(port[0], port[1]);
	parley_lite_stats before, after;
	parley_lite_get_stats(&before);
	for (int k = 0; k < 2; k++) {
		client c;
		client_open(&c, true);
		c.port = port[k];
		assert_int_equal(check_side(f, &c, &s[k], true), 0);
		assert_int_equal(s[k].state, PARLEY_ICE_STATE_CONNECTED);
		parley_ice_pair pair;
		assert_int_equal(parley_lite_get_selected_pair(s[k].lite, &pair), 0);
		assert_int_equal(pair.local_port, port[k]);
		client_send(&c, "media", 5);
		spin(f, 50);
		assert_string_equal(s[k].last, "media");
		close(c.fd);
	}
	parley_lite_get_stats(&after);
	assert_int_equal(MOVED(after, before, handed_over), 0);
	assert_int_equal(MOVED(after, before, requests), 2);
	for (int k = 0; k < 2; k++)
		parley_lite_free(s[k].lite);
}

/* ---- a loop that fell behind ---- */

/* What lite_demux.c drops unread: RTP only, and only past the limit. */
static void stale_media_is_rtp_past_the_limit(void **state)
{
	(void)state;
	static const uint8_t rtp[12] = { 0x80, 96 }, rtp_marker[12] = { 0x80, 0x80 | 111 },
	                     rtcp_sr[12] = { 0x80, 200 }, rtcp_rtpfb[12] = { 0x81, 205 }, dtls[13] = { 22, 0xfe, 0xfd },
	                     stun[20] = { 0x00, 0x01 };
	const int64_t ms = 1000000;
	assert_true(lite_is_stale_media(rtp, sizeof(rtp), 1001 * ms, 1000 * ms));
	assert_true(lite_is_stale_media(rtp_marker, sizeof(rtp_marker), 1001 * ms, 1000 * ms));
	assert_false(lite_is_stale_media(rtp, sizeof(rtp), 1000 * ms, 1000 * ms));
	assert_false(lite_is_stale_media(rtp, sizeof(rtp), 5000 * ms, 0)); /* 0 = never */
	assert_false(lite_is_stale_media(rtcp_sr, sizeof(rtcp_sr), 5000 * ms, 1000 * ms));
	assert_false(lite_is_stale_media(rtcp_rtpfb, sizeof(rtcp_rtpfb), 5000 * ms, 1000 * ms));
	assert_false(lite_is_stale_media(dtls, sizeof(dtls), 5000 * ms, 1000 * ms));
	assert_false(lite_is_stale_media(stun, sizeof(stun), 5000 * ms, 1000 * ms));
	assert_false(lite_is_stale_media(rtp, 11, 5000 * ms, 1000 * ms)); /* too short to be RTP */
}

/* The loops stand still for 700 ms while a connected peer sends RTP, RTCP
 * and a binding request: when they run again, the RTP that waited past
 * the 250 ms limit is dropped unread and counted, the RTCP is delivered,
 * the request answered; fresh RTP afterwards is delivered. */
static void behind_loop_drops_stale_rtp_and_answers(void **state)
{
	fixture *f = *state;
	start_stale(f, 30000, 250);
	side s;
	client c;
	open_side(f, 0, &s);
	client_open(&c, true);
	assert_int_equal(check_side(f, &c, &s, true), 0);
	spin(f, 20);
	parley_lite_stats before, after;
	parley_lite_get_stats(&before);
	unsigned received = s.received;

	uint8_t rtp[200] = { 0x80, 96, 0, 1 }, rtcp[28] = { 0x80, 201, 0, 6 };
	for (int i = 0; i < 5; i++)
		client_send(&c, rtp, sizeof(rtp));
	client_send(&c, rtcp, sizeof(rtcp));
	uint8_t req[512];
	const char *ufrag, *pwd;
	parley_lite_get_local_credentials(s.lite, &ufrag, &pwd);
	client_send(&c, req, request(&c, req, ufrag, pwd, true, false));
	g_usleep(700 * 1000); /* the loops are behind */
	unsigned answers = client_drain(f, &c, 300, NULL, 0);
	parley_lite_get_stats(&after);
	assert_int_equal(answers, 1);                    /* the binding request */
	assert_int_equal(s.received, received + 1);      /* the RTCP */
	assert_int_equal(MOVED(after, before, stale), 5); /* the RTP */
	assert_int_equal(MOVED(after, before, requests), 1);

	client_send(&c, rtp, sizeof(rtp));
	for (int i = 0; i < 100 && s.received < received + 2; i++)
		spin(f, 2);
	assert_int_equal(s.received, received + 2);
	parley_lite_get_stats(&after);
	assert_int_equal(MOVED(after, before, stale), 5);
	parley_lite_free(s.lite);
	close(c.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(stun_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(demux_by_ufrag_then_address, setup, teardown),
		cmocka_unit_test_setup_teardown(two_loops_hand_over, setup, teardown),
		cmocka_unit_test_setup_teardown(answer_after_the_forward, setup, teardown),
		cmocka_unit_test_setup_teardown(path_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(consent_expires, setup, teardown),
		cmocka_unit_test_setup_teardown(authenticated_traffic_keeps_consent, setup, teardown),
		cmocka_unit_test_setup_teardown(connect_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(restart_rotates_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(answers_from_the_address_sent_to, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_start, setup, teardown),
		cmocka_unit_test_setup_teardown(pcs_media_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(pcs_consent_expiry_ends_the_pc, setup, teardown),
		cmocka_unit_test_setup_teardown(port_per_loop, setup, teardown),
		cmocka_unit_test(stale_media_is_rtp_past_the_limit),
		cmocka_unit_test_setup_teardown(behind_loop_drops_stale_rtp_and_answers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
