/*
 * fuzz_lite.c — libFuzzer target for the ICE-lite datagram entry
 * (core/media/lite_demux.c, lite_stun.c): STUN classification, the ufrag
 * a request names, validation and answers with libnice's STUN library, the
 * 5-tuple demultiplexing and the hand-over between loops. Two loops are
 * started on 127.0.0.1 with one transport on loop 0 whose credentials the
 * corpus knows (ufrag "aFuzzUfrag", password "fuzz-password-fuzz-password").
 *
 * Input: byte 0 picks the source (bits 0-1: one of four client ports; bit
 * 2: the datagram arrived on loop 1's socket, so it is handed over), the
 * rest is the datagram. Answers go to 127.0.0.1 ports nobody listens on.
 *
 * Built with -DPARLEY_FUZZ_LITE_GENERATE it is instead a program that
 * writes the seed corpus (real binding requests made with libnice's STUN
 * library, plus DTLS- and RTP-looking datagrams) into the folder argv[1].
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stun/usages/ice.h>

#include "core/media/lite_internal.h"

#define UFRAG "aFuzzUfrag"
#define PWD "fuzz-password-fuzz-password"

#ifndef PARLEY_FUZZ_LITE_GENERATE

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_receive(void *u, const uint8_t *data, size_t length)
{
	(void)u;
	volatile uint8_t sink = length ? data[length - 1] : 0;
	(void)sink;
}

static const parley_ice_callbacks callbacks = { .receive = on_receive };

static GMainContext *contexts[2];
static lite_cred cred;

static void setup_once(void)
{
	static const char *const loopback[] = { "127.0.0.1", NULL };
	for (int k = 0; k < 2; k++) {
		contexts[k] = g_main_context_new();
		g_main_context_acquire(contexts[k]);
	}
	parley_lite_config config = { .interfaces = loopback };
	if (parley_lite_start(contexts, 2, &config, NULL) != 0)
		abort();
	parley_lite *owner = parley_lite_new(contexts[0], NULL, &callbacks, NULL, NULL);
	if (!owner)
		abort();
	/* A credential the corpus knows, listed for that transport. */
	g_strlcpy(cred.ufrag, UFRAG, sizeof(cred.ufrag));
	g_strlcpy(cred.pwd, PWD, sizeof(cred.pwd));
	cred.owner = owner;
	lite_loop_list_cred(lite_loop_at(0), &cred);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[LITE_DATAGRAM];
	if (!contexts[0])
		setup_once();
	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons((uint16_t)(9 + (data[0] & 3))) };
	inet_pton(AF_INET, "127.0.0.1", &from.sin_addr);
	unsigned via = (data[0] & 4) ? 1 : 0;
	memcpy(buf, data + 1, size - 1);
	/* As received on loop `via`'s socket: loop 1 hands it to loop 0. */
	lite_loop_datagram(lite_loop_at(via), via, (const struct sockaddr *)&from, sizeof(from), NULL, buf, size - 1);
	for (int i = 0; i < 4; i++) {
		g_main_context_iteration(contexts[1], FALSE);
		g_main_context_iteration(contexts[0], FALSE);
	}
	return 0;
}

#else

static void write_seed(const char *dir, const char *name, uint8_t selector, const uint8_t *data, size_t length)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(&selector, 1, 1, f) != 1 || fwrite(data, 1, length, f) != length)
		exit(1);
	fclose(f);
}

static size_t request(uint8_t *buf, const char *pwd, bool use, bool controlling, bool fingerprint)
{
	static const uint16_t attrs[] = { 0 };
	StunAgent agent;
	StunMessage msg;
	stun_agent_init(&agent, attrs, STUN_COMPATIBILITY_RFC5389,
	                STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | (fingerprint ? STUN_AGENT_USAGE_USE_FINGERPRINT : 0));
	const char *username = UFRAG ":peer";
	return stun_usage_ice_conncheck_create(&agent, &msg, buf, 512, (const uint8_t *)username, strlen(username),
	                                       (const uint8_t *)pwd, strlen(pwd), use, controlling, 0x6e7f00ff, 0x1234,
	                                       NULL, STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	uint8_t buf[512];
	size_t n = request(buf, PWD, true, true, true);
	write_seed(argv[1], "use-candidate", 0, buf, n);
	write_seed(argv[1], "use-candidate-other-loop", 5, buf, n);
	n = request(buf, PWD, false, true, true);
	write_seed(argv[1], "check", 1, buf, n);
	n = request(buf, "wrong-password-wrong-pass", true, true, true);
	write_seed(argv[1], "wrong-password", 0, buf, n);
	n = request(buf, PWD, true, true, false);
	write_seed(argv[1], "no-fingerprint", 0, buf, n);
	n = request(buf, PWD, true, false, true);
	write_seed(argv[1], "role-conflict", 2, buf, n);
	/* An unknown comprehension-required attribute, signed. */
	static const uint16_t attrs[] = { 0 };
	StunAgent agent;
	StunMessage msg;
	stun_agent_init(&agent, attrs, STUN_COMPATIBILITY_RFC5389,
	                STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
	stun_agent_init_request(&agent, &msg, buf, sizeof(buf), STUN_BINDING);
	stun_message_append_string(&msg, STUN_ATTRIBUTE_USERNAME, UFRAG ":peer");
	stun_message_append32(&msg, 0x0777, 7);
	n = stun_agent_finish_message(&agent, &msg, (const uint8_t *)PWD, strlen(PWD));
	write_seed(argv[1], "unknown-attribute", 3, buf, n);
	static const uint8_t dtls[] = { 0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0 };
	write_seed(argv[1], "dtls-record", 0, dtls, sizeof(dtls));
	static const uint8_t rtp[] = { 0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0x11, 0x5c, 1, 2, 3, 4 };
	write_seed(argv[1], "rtp-other-loop", 4, rtp, sizeof(rtp));
	return 0;
}

#endif
