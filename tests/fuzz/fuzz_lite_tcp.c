/*
 * fuzz_lite_tcp.c — libFuzzer target for an ICE-TCP connection of the
 * ICE-lite transport (core/media/lite_tcp.c, lite_frame.c): RFC 4571
 * framing of what arrives (partial frames, several per read, zero and
 * oversized lengths), STUN before authentication (anything else closes),
 * the ufrag demultiplexing with the hand-over to the loop it names, the
 * connection becoming a path, framed data for the transport, replies into
 * the output ring, and closing at end of stream. Two loops run on
 * 127.0.0.1 with TCP enabled; one transport on loop 0 whose credentials
 * the corpus knows (ufrag "aFuzzUfrag", password
 * "fuzz-password-fuzz-password") is made for every input.
 *
 * Input: byte 0 picks the reading loop (bit 0: loop 1, so a request for
 * loop 0's ufrag is handed over) and where the stream is cut in two
 * writes (bits 1-7, times 8 bytes); the rest is the byte stream a client
 * sends on a connection (a socketpair stands for the TCP socket), then it
 * closes its side.
 *
 * Built with -DPARLEY_FUZZ_LITE_TCP_GENERATE it is instead a program that
 * writes the seed corpus (framed binding requests made with libnice's STUN
 * library, framed DTLS- and RTP-looking packets, bad lengths) into the
 * folder argv[1].
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stun/usages/ice.h>

#include "core/media/lite_internal.h"

#define UFRAG "aFuzzUfrag"
#define PWD "fuzz-password-fuzz-password"

#ifndef PARLEY_FUZZ_LITE_TCP_GENERATE

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_receive(void *u, const uint8_t *data, size_t length)
{
	(void)u;
	volatile uint8_t sink = length ? data[length - 1] : 0;
	(void)sink;
}

static const parley_ice_callbacks callbacks = { .receive = on_receive };

static GMainContext *contexts[2];

static void setup_once(void)
{
	static const char *const loopback[] = { "127.0.0.1", NULL };
	for (int k = 0; k < 2; k++) {
		contexts[k] = g_main_context_new();
		g_main_context_acquire(contexts[k]);
	}
	/* A port of our own for the listeners (nothing connects to it). */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	socklen_t len = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		abort();
	close(fd);
	parley_lite_config config = { .interfaces = loopback, .tcp_port = ntohs(a.sin_port) };
	if (parley_lite_start(contexts, 2, &config, NULL) != 0)
		abort();
}

static void iterate(int rounds)
{
	for (int i = 0; i < rounds; i++) {
		g_main_context_iteration(contexts[1], FALSE);
		g_main_context_iteration(contexts[0], FALSE);
	}
}

static void drain(int fd)
{
	uint8_t sink[4096];
	while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!contexts[0])
		setup_once();
	if (size < 1 || size > 65536)
		return 0;
	parley_lite *owner = parley_lite_new(contexts[0], NULL, &callbacks, NULL, NULL);
	if (!owner)
		abort();
	lite_cred cred = { .owner = owner };
	g_strlcpy(cred.ufrag, UFRAG, sizeof(cred.ufrag));
	g_strlcpy(cred.pwd, PWD, sizeof(cred.pwd));
	lite_loop_list_cred(lite_loop_at(0), &cred);

	int pair[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) != 0)
		abort();
	int bufsize = 1 << 20;
	setsockopt(pair[1], SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons(9) };
	inet_pton(AF_INET, "127.0.0.1", &from.sin_addr);
	struct sockaddr_storage peer;
	memset(&peer, 0, sizeof(peer));
	memcpy(&peer, &from, sizeof(from));
	lite_tcp_adopt(lite_loop_at(data[0] & 1), pair[0], &peer, sizeof(from));

	const uint8_t *stream = data + 1;
	size_t length = size - 1, cut = (size_t)(data[0] >> 1) * 8;
	if (cut > length)
		cut = length;
	/* A send fails once bad input made the connection close: fine. */
	if (cut && send(pair[1], stream, cut, MSG_NOSIGNAL) < 0)
		cut = length;
	iterate(4);
	drain(pair[1]);
	if (length > cut && send(pair[1], stream + cut, length - cut, MSG_NOSIGNAL) < 0)
		length = cut;
	iterate(4);
	drain(pair[1]);
	/* Our side ends; the connection sees the end of the stream. */
	shutdown(pair[1], SHUT_WR);
	iterate(4);
	drain(pair[1]);
	lite_loop_unlist_cred(lite_loop_at(0), &cred);
	parley_lite_free(owner); /* closes the connection if it became a path */
	iterate(2);
	close(pair[1]);
	return 0;
}

#else

static size_t frame(uint8_t *out, const uint8_t *data, size_t length)
{
	out[0] = (uint8_t)(length >> 8);
	out[1] = (uint8_t)length;
	memcpy(out + 2, data, length);
	return length + 2;
}

static void write_seed(const char *dir, const char *name, uint8_t selector, const uint8_t *data, size_t length)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(&selector, 1, 1, f) != 1 || fwrite(data, 1, length, f) != length)
		exit(1);
	fclose(f);
}

static size_t request(uint8_t *buf, const char *pwd, bool use)
{
	static const uint16_t attrs[] = { 0 };
	StunAgent agent;
	StunMessage msg;
	stun_agent_init(&agent, attrs, STUN_COMPATIBILITY_RFC5389,
	                STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
	const char *username = UFRAG ":peer";
	return stun_usage_ice_conncheck_create(&agent, &msg, buf, 512, (const uint8_t *)username, strlen(username),
	                                       (const uint8_t *)pwd, strlen(pwd), use, true, 0x6e7f00ff, 0x1234, NULL,
	                                       STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	uint8_t req[512], stream[2048];
	static const uint8_t dtls[] = { 0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0 };
	static const uint8_t rtp[] = { 0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0x11, 0x5c, 1, 2, 3, 4 };
	size_t r = request(req, PWD, true);
	size_t n = frame(stream, req, r);
	write_seed(argv[1], "binding-request", 0, stream, n);
	/* Read by loop 1, handed over; cut inside the first frame. */
	write_seed(argv[1], "binding-request-other-loop", 1 | (2 << 1), stream, n);
	/* A request, then DTLS and RTP for the path, all in one write. */
	n += frame(stream + n, dtls, sizeof(dtls));
	n += frame(stream + n, rtp, sizeof(rtp));
	write_seed(argv[1], "request-dtls-rtp", 0, stream, n);
	/* A check without USE-CANDIDATE, with a wrong password, then a good one. */
	n = frame(stream, req, request(req, "wrong-password-wrong-pass", true));
	n += frame(stream + n, req, request(req, PWD, false));
	write_seed(argv[1], "wrong-then-check", 0, stream, n);
	/* Not STUN before a valid request. */
	n = frame(stream, rtp, sizeof(rtp));
	write_seed(argv[1], "rtp-first", 0, stream, n);
	static const uint8_t zero[] = { 0, 0, 0, 0 }, huge[] = { 0xff, 0xff, 0x16, 0xfe };
	write_seed(argv[1], "zero-length", 0, zero, sizeof(zero));
	write_seed(argv[1], "oversized", 1, huge, sizeof(huge));
	return 0;
}

#endif
