/*
 * bench/srtp_cost.c — measures SRTP protect and unprotect cost per
 * 1200-byte RTP packet for AEAD_AES_128_GCM and AES_CM_128_HMAC_SHA1_80,
 * through parley_srtp (the same calls the media path makes), for both
 * backends (OpenSSL EVP and libsrtp2). Prints nanoseconds per packet, heap
 * allocations per packet in the protect and unprotect loops (malloc,
 * calloc and realloc counted by wrappers over glibc's own), and the libsrtp
 * version. Not a test.
 * Usage: srtp_cost [packets]   (default 200000, at most 10000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <srtp2/srtp.h>
#include "media/srtp.h"

#define PACKET 1200

/* Counting allocator: every malloc/calloc/realloc of the process. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
static unsigned long allocations;

void *malloc(size_t size)
{
	__atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	__atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	__atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
	return __libc_realloc(p, size);
}

static void make_keys(parley_srtp_profile profile, parley_srtp_keys *tx, parley_srtp_keys *rx)
{
	memset(tx, 0, sizeof(*tx));
	tx->profile = profile;
	for (int i = 0; i < PARLEY_SRTP_KEY_LEN; i++) {
		tx->local_key[i] = (uint8_t)(3 * i + 1);
		tx->remote_key[i] = (uint8_t)(5 * i + 2);
	}
	for (int i = 0; i < PARLEY_SRTP_MAX_SALT_LEN; i++) {
		tx->local_salt[i] = (uint8_t)(7 * i + 3);
		tx->remote_salt[i] = (uint8_t)(11 * i + 4);
	}
	*rx = *tx;
	memcpy(rx->remote_key, tx->local_key, sizeof(rx->remote_key));
	memcpy(rx->remote_salt, tx->local_salt, sizeof(rx->remote_salt));
}

static int measure(parley_srtp_backend backend, parley_srtp_profile profile, long packets)
{
	parley_srtp_keys ktx, krx;
	uint8_t *copies = g_malloc(4096 * (PACKET + PARLEY_SRTP_MAX_TAIL_ROOM));
	parley_srtp *tx, *rx;
	gint64 protect_us = 0, unprotect_us = 0;
	long done = 0;
	unsigned long protect_allocs = 0, unprotect_allocs = 0;
	int rc = 0;

	make_keys(profile, &ktx, &krx);
	tx = parley_srtp_new_backend(&ktx, 0, backend, NULL);
	rx = parley_srtp_new_backend(&krx, 0, backend, NULL);
	if (!tx || !rx) {
		fprintf(stderr, "cannot create %s contexts\n", parley_srtp_profile_name(profile));
		return 1;
	}
	/* Batches of up to 4096: protect all (timed), then unprotect all (timed). */
	while (done < packets && rc == 0) {
		long batch = MIN(4096, packets - done);
		size_t lengths[4096];
		unsigned long a0 = allocations;
		gint64 t0 = g_get_monotonic_time();
		for (long i = 0; i < batch; i++) {
			uint8_t *p = copies + i * (PACKET + PARLEY_SRTP_MAX_TAIL_ROOM);
			uint16_t seq = (uint16_t)(done + i);
			memset(p, 0x5a, PACKET);
			p[0] = 0x80; p[1] = 96; p[2] = seq >> 8; p[3] = seq & 0xff;
			p[8] = 0x12; p[9] = 0x34; p[10] = 0x56; p[11] = 0x78;
			rc |= parley_srtp_protect_rtp(tx, p, PACKET, PACKET + PARLEY_SRTP_MAX_TAIL_ROOM, &lengths[i]);
		}
		gint64 t1 = g_get_monotonic_time();
		unsigned long a1 = allocations;
		for (long i = 0; i < batch; i++) {
			size_t out;
			rc |= parley_srtp_unprotect_rtp(rx, copies + i * (PACKET + PARLEY_SRTP_MAX_TAIL_ROOM), lengths[i], &out);
		}
		gint64 t2 = g_get_monotonic_time();
		protect_allocs += a1 - a0;
		unprotect_allocs += allocations - a1;
		protect_us += t1 - t0;
		unprotect_us += t2 - t1;
		done += batch;
		if (done % 65536 < 4096 && done < packets) {
			/* 16-bit sequence wrapped: fresh contexts keep the ROC simple. */
			parley_srtp_free(tx);
			parley_srtp_free(rx);
			tx = parley_srtp_new_backend(&ktx, 0, backend, NULL);
			rx = parley_srtp_new_backend(&krx, 0, backend, NULL);
		}
	}
	if (rc != 0)
		fprintf(stderr, "%s: a packet failed\n", parley_srtp_profile_name(profile));
	else
		printf("%-8s %-24s protect %7.1f ns/packet %5.2f allocs/packet   unprotect %7.1f ns/packet "
		       "%5.2f allocs/packet   (%ld packets of %d bytes)\n",
		       parley_srtp_backend_name(backend), parley_srtp_profile_name(profile),
		       protect_us * 1000.0 / packets, (double)protect_allocs / packets,
		       unprotect_us * 1000.0 / packets, (double)unprotect_allocs / packets, packets, PACKET);
	parley_srtp_free(tx);
	parley_srtp_free(rx);
	g_free(copies);
	return rc != 0;
}

int main(int argc, char **argv)
{
	long packets = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
	if (packets < 4096 || packets > 10000000) {
		fprintf(stderr, "packets must be 4096..10000000\n");
		return 2;
	}
	packets -= packets % 4096;
	printf("%s\n", srtp_get_version_string());
	static const parley_srtp_backend backends[] = { PARLEY_SRTP_BACKEND_OPENSSL, PARLEY_SRTP_BACKEND_LIBSRTP };
	static const parley_srtp_profile profiles[] = { PARLEY_SRTP_AEAD_AES_128_GCM, PARLEY_SRTP_AES128_CM_SHA1_80 };
	int rc = 0;
	for (size_t b = 0; b < G_N_ELEMENTS(backends); b++)
		for (size_t p = 0; p < G_N_ELEMENTS(profiles); p++)
			rc |= measure(backends[b], profiles[p], packets);
	return rc;
}
