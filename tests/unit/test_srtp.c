/*
 * test_srtp.c — SRTP/SRTCP contexts: protect/unprotect round trips for both
 * profiles with fixed keys and with keys from a real in-process DTLS
 * handshake; tampered and replayed packets rejected; the replay window
 * sized for video; tail room, short packets and bad parameters refused —
 * all of it once per backend (OpenSSL EVP, libsrtp2). Cross-tests: packets
 * protected by one backend unprotect with the other, both profiles, RTP and
 * RTCP, several SSRCs, a sequence wraparound that bumps the ROC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dtls_pair.h"
#include "core/media/srtp.h"

#define PAYLOAD 160
#define BUFFER (12 + PAYLOAD + PARLEY_SRTP_MAX_TAIL_ROOM)

static const parley_srtp_profile both_profiles[] = {
	PARLEY_SRTP_AEAD_AES_128_GCM, PARLEY_SRTP_AES128_CM_SHA1_80,
};

static size_t make_rtp(uint8_t *buffer, uint16_t seq, uint32_t ssrc)
{
	buffer[0] = 0x80;
	buffer[1] = 111;
	buffer[2] = seq >> 8;
	buffer[3] = seq & 0xff;
	for (int i = 0; i < 4; i++) {
		buffer[4 + i] = (uint8_t)((seq * 960u) >> (24 - 8 * i));
		buffer[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
	for (int i = 0; i < PAYLOAD; i++)
		buffer[12 + i] = (uint8_t)(i ^ seq);
	return 12 + PAYLOAD;
}

static size_t make_rtcp_rr(uint8_t *buffer, uint32_t ssrc)
{
	memset(buffer, 0, 32);
	buffer[0] = 0x81;      /* V=2, one report block */
	buffer[1] = 201;       /* RR */
	buffer[3] = 7;         /* length in words - 1 */
	for (int i = 0; i < 4; i++)
		buffer[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	buffer[8] = 0x12;      /* reportee SSRC starts here */
	return 32;
}

/* Two endpoints' key sets: b's local is a's remote and back. */
static void fixed_keys(parley_srtp_profile profile, parley_srtp_keys *a, parley_srtp_keys *b)
{
	memset(a, 0, sizeof(*a));
	a->profile = profile;
	for (int i = 0; i < PARLEY_SRTP_KEY_LEN; i++) {
		a->local_key[i] = (uint8_t)(i + 1);
		a->remote_key[i] = (uint8_t)(0xa0 + i);
	}
	for (int i = 0; i < PARLEY_SRTP_MAX_SALT_LEN; i++) {
		a->local_salt[i] = (uint8_t)(0x30 + i);
		a->remote_salt[i] = (uint8_t)(0x50 + i);
	}
	*b = *a;
	memcpy(b->local_key, a->remote_key, PARLEY_SRTP_KEY_LEN);
	memcpy(b->remote_key, a->local_key, PARLEY_SRTP_KEY_LEN);
	memcpy(b->local_salt, a->remote_salt, PARLEY_SRTP_MAX_SALT_LEN);
	memcpy(b->remote_salt, a->local_salt, PARLEY_SRTP_MAX_SALT_LEN);
}

/* RTP and RTCP from `tx` to `rx`: round trip, tamper, replay. */
static void exercise_pair(parley_srtp *tx, parley_srtp *rx)
{
	uint8_t packet[BUFFER], plain[BUFFER], copy[BUFFER];
	size_t length, protected_length, out;
	parley_srtp_profile profile = parley_srtp_get_profile(tx);

	for (uint16_t seq = 1000; seq < 1010; seq++) {
		length = make_rtp(packet, seq, 0x11223344);
		memcpy(plain, packet, length);
		assert_int_equal(parley_srtp_protect_rtp(tx, packet, length, sizeof(packet), &protected_length), 0);
		assert_int_equal(protected_length, length + parley_srtp_tail_room(profile, false));
		assert_memory_not_equal(packet + 12, plain + 12, PAYLOAD);   /* encrypted */
		memcpy(copy, packet, protected_length);
		assert_int_equal(parley_srtp_unprotect_rtp(rx, packet, protected_length, &out), 0);
		assert_int_equal(out, length);
		assert_memory_equal(packet, plain, length);
		/* The same packet again is a replay. */
		assert_int_equal(parley_srtp_unprotect_rtp(rx, copy, protected_length, &out), PARLEY_SRTP_ERR_REPLAY);
	}
	/* Tampered payload: authentication fails. */
	length = make_rtp(packet, 2000, 0x11223344);
	assert_int_equal(parley_srtp_protect_rtp(tx, packet, length, sizeof(packet), &protected_length), 0);
	packet[40] ^= 0x01;
	assert_int_equal(parley_srtp_unprotect_rtp(rx, packet, protected_length, &out), PARLEY_SRTP_ERR_AUTH);
	/* Untampered packet after a failed one still passes. */
	length = make_rtp(packet, 2001, 0x11223344);
	assert_int_equal(parley_srtp_protect_rtp(tx, packet, length, sizeof(packet), &protected_length), 0);
	assert_int_equal(parley_srtp_unprotect_rtp(rx, packet, protected_length, &out), 0);

	/* RTCP. */
	length = make_rtcp_rr(packet, 0x55667788);
	memcpy(plain, packet, length);
	assert_int_equal(parley_srtp_protect_rtcp(tx, packet, length, sizeof(packet), &protected_length), 0);
	assert_int_equal(protected_length, length + parley_srtp_tail_room(profile, true));
	memcpy(copy, packet, protected_length);
	assert_int_equal(parley_srtp_unprotect_rtcp(rx, packet, protected_length, &out), 0);
	assert_int_equal(out, length);
	assert_memory_equal(packet, plain, length);
	assert_int_equal(parley_srtp_unprotect_rtcp(rx, copy, protected_length, &out), PARLEY_SRTP_ERR_REPLAY);
	length = make_rtcp_rr(packet, 0x55667788);
	assert_int_equal(parley_srtp_protect_rtcp(tx, packet, length, sizeof(packet), &protected_length), 0);
	packet[10] ^= 0x80;
	assert_int_equal(parley_srtp_unprotect_rtcp(rx, packet, protected_length, &out), PARLEY_SRTP_ERR_AUTH);
}

static void fixed_keys_both_profiles(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(both_profiles); i++) {
		parley_srtp_keys ka, kb;
		fixed_keys(both_profiles[i], &ka, &kb);
		parley_srtp *a = parley_srtp_new(&ka, 0, NULL), *b = parley_srtp_new(&kb, 0, NULL);
		assert_non_null(a);
		assert_non_null(b);
		exercise_pair(a, b);
		exercise_pair(b, a);
		parley_srtp_free(a);
		parley_srtp_free(b);
	}
}

static void wrong_key_fails_authentication(void **state)
{
	parley_srtp_keys ka, kb;
	uint8_t packet[BUFFER];
	size_t length, out;
	fixed_keys(PARLEY_SRTP_AEAD_AES_128_GCM, &ka, &kb);
	kb.remote_key[0] ^= 1;
	parley_srtp *a = parley_srtp_new(&ka, 0, NULL), *b = parley_srtp_new(&kb, 0, NULL);
	length = make_rtp(packet, 1, 1);
	assert_int_equal(parley_srtp_protect_rtp(a, packet, length, sizeof(packet), &length), 0);
	assert_int_equal(parley_srtp_unprotect_rtp(b, packet, length, &out), PARLEY_SRTP_ERR_AUTH);
	parley_srtp_free(a);
	parley_srtp_free(b);
}

static void keys_from_dtls_handshake(void **state)
{
	const unsigned offers[] = { PARLEY_DTLS_SRTP_ALL, PARLEY_DTLS_SRTP_CM_SHA1_80 };
	const parley_srtp_profile expected[] = { PARLEY_SRTP_AEAD_AES_128_GCM, PARLEY_SRTP_AES128_CM_SHA1_80 };

	assert_int_equal(parley_dtls_certificate_setup(NULL, NULL, NULL), PARLEY_DTLS_OK);
	for (size_t i = 0; i < G_N_ELEMENTS(offers); i++) {
		dtls_pair p;
		parley_dtls_options client = { .srtp_profiles = offers[i] };
		assert_int_equal(dtls_pair_init(&p, client, (parley_dtls_options){0}), 0);
		parley_dtls_start(p.server.dtls);
		parley_dtls_start(p.client.dtls);
		assert_true(dtls_pair_pump(&p, both_connected, 5000));
		assert_int_equal(p.client.keys.profile, expected[i]);
		parley_srtp *c = parley_srtp_new(&p.client.keys, 0, NULL);
		parley_srtp *s = parley_srtp_new(&p.server.keys, 0, NULL);
		assert_non_null(c);
		assert_non_null(s);
		exercise_pair(c, s);
		exercise_pair(s, c);
		parley_srtp_free(c);
		parley_srtp_free(s);
		dtls_pair_clear(&p);
	}
	parley_dtls_certificate_cleanup();
}

static void replay_window_sized_for_video(void **state)
{
	parley_srtp_keys ka, kb;
	uint8_t packet[BUFFER], held[600][BUFFER], late[BUFFER];
	size_t lengths[600], length, late_length, out;
	fixed_keys(PARLEY_SRTP_AEAD_AES_128_GCM, &ka, &kb);
	parley_srtp *a = parley_srtp_new(&ka, 0, NULL), *b = parley_srtp_new(&kb, 0, NULL);

	/* 600 packets protected; the first is delivered last (a late packet
	 * 599 positions behind, as a burst of video can produce). One more,
	 * older, is kept for the end. */
	late_length = make_rtp(late, 4990, 7);
	assert_int_equal(parley_srtp_protect_rtp(a, late, late_length, sizeof(late), &late_length), 0);
	for (int i = 0; i < 600; i++) {
		lengths[i] = make_rtp(held[i], (uint16_t)(5000 + i), 7);
		assert_int_equal(parley_srtp_protect_rtp(a, held[i], lengths[i], BUFFER, &lengths[i]), 0);
	}
	for (int i = 1; i < 600; i++)
		assert_int_equal(parley_srtp_unprotect_rtp(b, held[i], lengths[i], &out), 0);
	assert_int_equal(parley_srtp_unprotect_rtp(b, held[0], lengths[0], &out), 0);
	/* 1200 behind: outside a 1024 window, never seen, still refused. */
	for (int i = 0; i < 600; i++) {
		length = make_rtp(packet, (uint16_t)(5600 + i), 7);
		assert_int_equal(parley_srtp_protect_rtp(a, packet, length, sizeof(packet), &length), 0);
		assert_int_equal(parley_srtp_unprotect_rtp(b, packet, length, &out), 0);
	}
	assert_int_equal(parley_srtp_unprotect_rtp(b, late, late_length, &out), PARLEY_SRTP_ERR_REPLAY);
	parley_srtp_free(a);
	parley_srtp_free(b);
}

static void bad_inputs_refused(void **state)
{
	parley_srtp_keys ka, kb;
	uint8_t packet[BUFFER];
	size_t length, out;
	GError *error = NULL;

	fixed_keys(PARLEY_SRTP_AES128_CM_SHA1_80, &ka, &kb);
	assert_null(parley_srtp_new(&ka, 10, &error));
	assert_int_equal(error->code, PARLEY_SRTP_ERR_INVALID);
	g_clear_error(&error);
	assert_null(parley_srtp_new(&ka, 40000, &error));
	g_clear_error(&error);
	ka.profile = 99;
	assert_null(parley_srtp_new(&ka, 0, &error));
	assert_non_null(strstr(error->message, "profile"));
	g_clear_error(&error);
	assert_null(parley_srtp_new(NULL, 0, &error));
	g_clear_error(&error);

	ka.profile = PARLEY_SRTP_AES128_CM_SHA1_80;
	parley_srtp *a = parley_srtp_new(&ka, 4096, NULL);
	assert_non_null(a);
	length = make_rtp(packet, 1, 1);
	/* Not enough tail room: refused, packet untouched. */
	assert_int_equal(parley_srtp_protect_rtp(a, packet, length, length + 9, &out), PARLEY_SRTP_ERR_NO_ROOM);
	assert_int_equal(parley_srtp_protect_rtp(a, packet, length, length - 1, &out), PARLEY_SRTP_ERR_NO_ROOM);
	assert_int_equal(parley_srtp_protect_rtp(a, packet, 5, sizeof(packet), &out), PARLEY_SRTP_ERR_MALFORMED);
	assert_int_equal(parley_srtp_protect_rtcp(a, packet, 4, sizeof(packet), &out), PARLEY_SRTP_ERR_MALFORMED);
	assert_int_equal(parley_srtp_unprotect_rtp(a, packet, 15, &out), PARLEY_SRTP_ERR_MALFORMED);
	assert_int_equal(parley_srtp_unprotect_rtcp(a, packet, 10, &out), PARLEY_SRTP_ERR_MALFORMED);
	assert_int_equal(parley_srtp_protect_rtp(NULL, packet, length, sizeof(packet), &out), PARLEY_SRTP_ERR_INVALID);
	assert_int_equal(parley_srtp_protect_rtp(a, NULL, length, sizeof(packet), &out), PARLEY_SRTP_ERR_INVALID);
	/* Exactly the tail room needed is enough. */
	assert_int_equal(parley_srtp_protect_rtp(a, packet, length, length + 10, &out), 0);
	assert_int_equal(out, length + 10);
	/* Garbage to unprotect: an error, not a crash. */
	memset(packet, 0xff, sizeof(packet));
	assert_true(parley_srtp_unprotect_rtp(a, packet, 100, &out) < 0);
	parley_srtp_free(a);
	parley_srtp_free(NULL);

	assert_string_equal(parley_srtp_strerror(PARLEY_SRTP_ERR_REPLAY), "SRTP replay detected");
	assert_string_equal(parley_srtp_status_string(7), "authentication failed");
	assert_string_equal(parley_srtp_status_string(999), "unknown libsrtp status");
	assert_string_equal(parley_srtp_profile_name(PARLEY_SRTP_AEAD_AES_128_GCM), "AEAD_AES_128_GCM");
	assert_int_equal(parley_srtp_tail_room(PARLEY_SRTP_AEAD_AES_128_GCM, true), PARLEY_SRTP_MAX_TAIL_ROOM);
	assert_int_equal(parley_srtp_init(), 0);
}

/* Protected by `tx`, unprotected by `rx`: several SSRCs, 70000 packets
 * each from seq 65000 (two ROC bumps), with RTCP, tamper and replay. */
static void cross_direction(parley_srtp *tx, parley_srtp *rx)
{
	static const uint32_t ssrcs[] = { 0x11223344, 0xdeadbeef, 7 };
	uint8_t packet[BUFFER], plain[BUFFER], copy[BUFFER];
	size_t length, protected_length, out;

	for (unsigned n = 0; n < 70000; n++) {
		for (size_t k = 0; k < G_N_ELEMENTS(ssrcs); k++) {
			uint16_t seq = (uint16_t)(65000 + n + k);
			if (n % 5 && n > 5 && n < 69990)
				continue;   /* every 5th packet, enough to follow the ROC */
			length = make_rtp(packet, seq, ssrcs[k]);
			memcpy(plain, packet, length);
			assert_int_equal(parley_srtp_protect_rtp(tx, packet, length, sizeof(packet), &protected_length), 0);
			memcpy(copy, packet, protected_length);
			assert_int_equal(parley_srtp_unprotect_rtp(rx, packet, protected_length, &out), 0);
			assert_int_equal(out, length);
			assert_memory_equal(packet, plain, length);
			if (n % 10000 == 0) {
				assert_int_equal(parley_srtp_unprotect_rtp(rx, copy, protected_length, &out),
				                 PARLEY_SRTP_ERR_REPLAY);
			}
		}
	}
	/* Tampered, fresh index: authentication fails. */
	length = make_rtp(packet, 5000, ssrcs[1]);
	assert_int_equal(parley_srtp_protect_rtp(tx, packet, length, sizeof(packet), &protected_length), 0);
	packet[30] ^= 1;
	assert_int_equal(parley_srtp_unprotect_rtp(rx, packet, protected_length, &out), PARLEY_SRTP_ERR_AUTH);
	for (int i = 0; i < 20; i++) {
		for (size_t k = 0; k < G_N_ELEMENTS(ssrcs); k++) {
			length = make_rtcp_rr(packet, ssrcs[k]);
			memcpy(plain, packet, length);
			assert_int_equal(parley_srtp_protect_rtcp(tx, packet, length, sizeof(packet), &protected_length), 0);
			memcpy(copy, packet, protected_length);
			if (i == 7) {
				packet[12] ^= 1;
				assert_int_equal(parley_srtp_unprotect_rtcp(rx, packet, protected_length, &out),
				                 PARLEY_SRTP_ERR_AUTH);
				continue;
			}
			assert_int_equal(parley_srtp_unprotect_rtcp(rx, packet, protected_length, &out), 0);
			assert_int_equal(out, length);
			assert_memory_equal(packet, plain, length);
			assert_int_equal(parley_srtp_unprotect_rtcp(rx, copy, protected_length, &out),
			                 PARLEY_SRTP_ERR_REPLAY);
		}
	}
}

static void cross_backends(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(both_profiles); i++) {
		parley_srtp_keys ka, kb;
		fixed_keys(both_profiles[i], &ka, &kb);
		parley_srtp *evp = parley_srtp_new_backend(&ka, 0, PARLEY_SRTP_BACKEND_OPENSSL, NULL);
		parley_srtp *lib = parley_srtp_new_backend(&kb, 0, PARLEY_SRTP_BACKEND_LIBSRTP, NULL);
		assert_non_null(evp);
		assert_non_null(lib);
		assert_int_equal(parley_srtp_get_backend(evp), PARLEY_SRTP_BACKEND_OPENSSL);
		assert_int_equal(parley_srtp_get_backend(lib), PARLEY_SRTP_BACKEND_LIBSRTP);
		cross_direction(evp, lib);
		cross_direction(lib, evp);
		parley_srtp_free(evp);
		parley_srtp_free(lib);
	}
	assert_int_equal(parley_srtp_backend_from_name("openssl"), PARLEY_SRTP_BACKEND_OPENSSL);
	assert_int_equal(parley_srtp_backend_from_name("libsrtp"), PARLEY_SRTP_BACKEND_LIBSRTP);
	assert_int_equal(parley_srtp_backend_from_name("nss"), -1);
	assert_int_equal(parley_srtp_backend_from_name(NULL), -1);
}

static int use_openssl(void **state)
{
	parley_srtp_set_default_backend(PARLEY_SRTP_BACKEND_OPENSSL);
	return 0;
}

static int use_libsrtp(void **state)
{
	parley_srtp_set_default_backend(PARLEY_SRTP_BACKEND_LIBSRTP);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_keys_both_profiles),
		cmocka_unit_test(wrong_key_fails_authentication),
		cmocka_unit_test(keys_from_dtls_handshake),
		cmocka_unit_test(replay_window_sized_for_video),
		cmocka_unit_test(bad_inputs_refused),
	};
	const struct CMUnitTest cross[] = {
		cmocka_unit_test(cross_backends),
	};
	int failed = cmocka_run_group_tests_name("srtp-openssl", tests, use_openssl, NULL);
	failed += cmocka_run_group_tests_name("srtp-libsrtp", tests, use_libsrtp, NULL);
	return failed + cmocka_run_group_tests_name("srtp-cross", cross, NULL, NULL);
}
