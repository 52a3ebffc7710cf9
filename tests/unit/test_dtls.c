/*
 * test_dtls.c — DTLS-SRTP sessions: a real handshake between two in-process
 * endpoints over queued memory transport (both SRTP profiles) ending with
 * matching keys, fingerprint mismatch rejected, a dropped datagram
 * recovered by retransmission, application data and close_notify, the
 * a=setup role table, RFC 7983 classification and bad inputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dtls_pair.h"
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static int setup_certificate(void **state)
{
	return parley_dtls_certificate_setup(NULL, NULL, NULL) == PARLEY_DTLS_OK ? 0 : -1;
}

static int cleanup_certificate(void **state)
{
	parley_dtls_certificate_cleanup();
	return 0;
}

static void assert_keys_mirror(const dtls_pair *p, size_t salt)
{
	assert_int_equal(p->client.keys.profile, p->server.keys.profile);
	assert_memory_equal(p->client.keys.local_key, p->server.keys.remote_key, PARLEY_SRTP_KEY_LEN);
	assert_memory_equal(p->client.keys.remote_key, p->server.keys.local_key, PARLEY_SRTP_KEY_LEN);
	assert_memory_equal(p->client.keys.local_salt, p->server.keys.remote_salt, salt);
	assert_memory_equal(p->client.keys.remote_salt, p->server.keys.local_salt, salt);
	assert_memory_not_equal(p->client.keys.local_key, p->client.keys.remote_key, PARLEY_SRTP_KEY_LEN);
}

static void handshake_prefers_gcm(void **state)
{
	dtls_pair p;
	assert_int_equal(dtls_pair_init(&p, (parley_dtls_options){0}, (parley_dtls_options){0}), 0);
	assert_int_equal(parley_dtls_start(p.server.dtls), PARLEY_DTLS_OK);
	assert_int_equal(parley_dtls_start(p.client.dtls), PARLEY_DTLS_OK);
	assert_true(dtls_pair_pump(&p, both_connected, 5000));
	assert_int_equal(p.client.keys.profile, PARLEY_SRTP_AEAD_AES_128_GCM);
	assert_int_equal(parley_dtls_get_srtp_profile(p.server.dtls), PARLEY_SRTP_AEAD_AES_128_GCM);
	assert_int_equal(parley_dtls_get_state(p.client.dtls), PARLEY_DTLS_STATE_CONNECTED);
	assert_keys_mirror(&p, 12);
	assert_int_equal(p.client.failed_code, 0);
	dtls_pair_clear(&p);
}

static void handshake_cm_sha1_when_client_offers_only_that(void **state)
{
	dtls_pair p;
	parley_dtls_options client = { .srtp_profiles = PARLEY_DTLS_SRTP_CM_SHA1_80 };
	assert_int_equal(dtls_pair_init(&p, client, (parley_dtls_options){0}), 0);
	parley_dtls_start(p.server.dtls);
	parley_dtls_start(p.client.dtls);
	assert_true(dtls_pair_pump(&p, both_connected, 5000));
	assert_int_equal(p.server.keys.profile, PARLEY_SRTP_AES128_CM_SHA1_80);
	assert_keys_mirror(&p, 14);
	dtls_pair_clear(&p);
}

static void no_common_profile_fails(void **state)
{
	dtls_pair p;
	parley_dtls_options client = { .srtp_profiles = PARLEY_DTLS_SRTP_CM_SHA1_80 };
	parley_dtls_options server = { .srtp_profiles = PARLEY_DTLS_SRTP_GCM };
	assert_int_equal(dtls_pair_init(&p, client, server), 0);
	parley_dtls_start(p.server.dtls);
	parley_dtls_start(p.client.dtls);
	assert_true(dtls_pair_pump(&p, any_failed, 5000));
	assert_false(p.client.connected && p.server.connected);
	dtls_pair_clear(&p);
}

static bool both_ended(dtls_pair *p)
{
	return (p->client.failed_code || p->client.connected) && (p->server.failed_code || p->server.connected);
}

static void fingerprint_mismatch_rejected(void **state)
{
	dtls_pair p;
	char wrong[32 * 3];
	/* Same shape as the real one, different value. */
	g_strlcpy(wrong, parley_dtls_certificate_fingerprint(), sizeof(wrong));
	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
	parley_dtls_options server = { .remote_fingerprint_hash = "sha-256", .remote_fingerprint = wrong };
	assert_int_equal(dtls_pair_init(&p, (parley_dtls_options){0}, server), 0);
	parley_dtls_start(p.server.dtls);
	parley_dtls_start(p.client.dtls);
	assert_true(dtls_pair_pump(&p, both_ended, 5000));
	assert_int_equal(p.server.failed_code, PARLEY_DTLS_ERR_FINGERPRINT);
	assert_false(p.server.connected);
	/* The server's alert ends the client's handshake too. */
	assert_false(p.client.connected);
	assert_int_not_equal(p.client.failed_code, 0);
	dtls_pair_clear(&p);
}

static void dropped_datagram_is_retransmitted(void **state)
{
	dtls_pair p;
	parley_dtls_options client = { .retransmit_initial_ms = 50 };
	parley_dtls_options server = { .retransmit_initial_ms = 50 };
	assert_int_equal(dtls_pair_init(&p, client, server), 0);
	p.client.drop_next = 1;   /* the first ClientHello */
	p.server.drop_next = 1;   /* and the server's first flight */
	parley_dtls_start(p.server.dtls);
	parley_dtls_start(p.client.dtls);
	assert_true(dtls_pair_pump(&p, both_connected, 5000));
	assert_int_equal(p.client.dropped, 1);
	assert_int_equal(p.server.dropped, 1);
	assert_true(parley_dtls_get_retransmissions(p.client.dtls) >= 1);
	assert_keys_mirror(&p, 12);
	dtls_pair_clear(&p);
}

static void silent_peer_times_out(void **state)
{
	dtls_pair p;
	parley_dtls_options client = { .retransmit_initial_ms = 20, .handshake_timeout_ms = 300 };
	assert_int_equal(dtls_pair_init(&p, client, (parley_dtls_options){0}), 0);
	p.client.drop_next = 1000;   /* nothing ever arrives */
	gint64 start = g_get_monotonic_time();
	parley_dtls_start(p.client.dtls);
	assert_true(dtls_pair_pump(&p, any_failed, 3000));
	assert_int_equal(p.client.failed_code, PARLEY_DTLS_ERR_TIMEOUT);
	assert_true(g_get_monotonic_time() - start < 2000 * 1000);
	assert_true(parley_dtls_get_retransmissions(p.client.dtls) >= 2);
	dtls_pair_clear(&p);
}

static bool server_got_data(dtls_pair *p)
{
	return p->server.data->len >= 5;
}

static bool server_closed(dtls_pair *p)
{
	return p->server.closed;
}

static void application_data_and_close_notify(void **state)
{
	dtls_pair p;
	assert_int_equal(dtls_pair_init(&p, (parley_dtls_options){0}, (parley_dtls_options){0}), 0);
	parley_dtls_start(p.server.dtls);
	parley_dtls_start(p.client.dtls);
	assert_true(dtls_pair_pump(&p, both_connected, 5000));
	assert_int_equal(parley_dtls_send_data(p.client.dtls, (const uint8_t *)"hello", 5), PARLEY_DTLS_OK);
	assert_true(dtls_pair_pump(&p, server_got_data, 2000));
	assert_string_equal(p.server.data->str, "hello");
	parley_dtls_close(p.client.dtls);
	assert_int_equal(parley_dtls_get_state(p.client.dtls), PARLEY_DTLS_STATE_CLOSED);
	assert_true(dtls_pair_pump(&p, server_closed, 2000));
	assert_int_equal(parley_dtls_get_state(p.server.dtls), PARLEY_DTLS_STATE_CLOSED);
	assert_int_equal(parley_dtls_send_data(p.client.dtls, (const uint8_t *)"x", 1), PARLEY_DTLS_ERR_STATE);
	dtls_pair_clear(&p);
}

static bool client_closed(dtls_pair *p)
{
	return p->client.closed;
}

/* A media-only session gives OpenSSL's record buffers back once connected
 * (dtls.c, release_buffers): reading a repeated final flight of the peer
 * and writing close_notify make them again. */
static void media_only_session_reads_a_repeated_flight_and_closes(void **state)
{
	dtls_pair p;
	assert_int_equal(dtls_pair_init(&p, (parley_dtls_options){0}, (parley_dtls_options){0}), 0);
	parley_dtls_start(p.server.dtls);
	parley_dtls_start(p.client.dtls);
	assert_true(dtls_pair_pump(&p, both_connected, 5000));
	assert_non_null(p.client.last);
	gsize size;
	const uint8_t *flight = g_bytes_get_data(p.client.last, &size);
	for (int i = 0; i < 3; i++)
		assert_int_equal(parley_dtls_incoming(p.server.dtls, flight, size), PARLEY_DTLS_OK);
	dtls_pair_pump(&p, any_failed, 200);
	assert_int_equal(parley_dtls_get_state(p.server.dtls), PARLEY_DTLS_STATE_CONNECTED);
	assert_int_equal(parley_dtls_get_state(p.client.dtls), PARLEY_DTLS_STATE_CONNECTED);
	parley_dtls_close(p.server.dtls);
	assert_true(dtls_pair_pump(&p, client_closed, 2000));
	assert_int_equal(p.client.failed_code, 0);
	dtls_pair_clear(&p);
}

static void setup_roles(void **state)
{
	parley_dtls_role role;
	assert_int_equal(parley_dtls_role_for_remote_setup("actpass", &role), PARLEY_DTLS_OK);
	assert_int_equal(role, PARLEY_DTLS_ROLE_CLIENT);
	assert_int_equal(parley_dtls_role_for_remote_setup("active", &role), PARLEY_DTLS_OK);
	assert_int_equal(role, PARLEY_DTLS_ROLE_SERVER);
	assert_int_equal(parley_dtls_role_for_remote_setup("passive", &role), PARLEY_DTLS_OK);
	assert_int_equal(role, PARLEY_DTLS_ROLE_CLIENT);
	assert_int_equal(parley_dtls_role_for_remote_setup("holdconn", &role), PARLEY_DTLS_ERR_INVALID);
	assert_int_equal(parley_dtls_role_for_remote_setup(NULL, &role), PARLEY_DTLS_ERR_INVALID);
	assert_string_equal(parley_dtls_setup_for_role(PARLEY_DTLS_ROLE_CLIENT), "active");
	assert_string_equal(parley_dtls_setup_for_role(PARLEY_DTLS_ROLE_SERVER), "passive");
}

static void classify_first_byte(void **state)
{
	const uint8_t stun[] = { 0x00, 0x01 }, dtls[] = { 22, 0xfe }, rtp[] = { 0x80, 96 },
	              rtp_marker[] = { 0x80, 0x80 | 111 }, rtcp[] = { 0x80, 200 }, turn[] = { 0x40, 0 },
	              junk[] = { 0xff, 0 };
	assert_int_equal(parley_dtls_classify(stun, 2), PARLEY_PACKET_STUN);
	assert_int_equal(parley_dtls_classify(dtls, 2), PARLEY_PACKET_DTLS);
	assert_int_equal(parley_dtls_classify(rtp, 2), PARLEY_PACKET_RTP);
	assert_int_equal(parley_dtls_classify(rtp_marker, 2), PARLEY_PACKET_RTP);
	assert_int_equal(parley_dtls_classify(rtcp, 2), PARLEY_PACKET_RTCP);
	assert_int_equal(parley_dtls_classify(turn, 2), PARLEY_PACKET_TURN_CHANNEL);
	assert_int_equal(parley_dtls_classify(junk, 2), PARLEY_PACKET_UNKNOWN);
	assert_int_equal(parley_dtls_classify(rtp, 1), PARLEY_PACKET_UNKNOWN);
	assert_int_equal(parley_dtls_classify(NULL, 0), PARLEY_PACKET_UNKNOWN);
	assert_string_equal(parley_dtls_packet_kind_name(PARLEY_PACKET_RTCP), "rtcp");
}

static void certificate_and_bad_inputs(void **state)
{
	const char *fp = parley_dtls_certificate_fingerprint();
	GError *error = NULL;
	parley_dtls *dtls;
	parley_dtls_options options = { .role = PARLEY_DTLS_ROLE_CLIENT };
	uint8_t big[70000] = { 22 };

	assert_non_null(fp);
	assert_int_equal(strlen(fp), 32 * 3 - 1);
	/* A second setup is refused; mismatched file arguments too. */
	assert_int_equal(parley_dtls_certificate_setup(NULL, NULL, &error), PARLEY_DTLS_ERR_INVALID);
	g_clear_error(&error);

	options.remote_fingerprint_hash = "md5";
	options.remote_fingerprint = fp;
	assert_null(parley_dtls_new(NULL, &options, &pair_callbacks, NULL, &error));
	assert_non_null(error);
	g_clear_error(&error);
	options.remote_fingerprint_hash = "sha-256";
	options.remote_fingerprint = "AB:CD";
	assert_null(parley_dtls_new(NULL, &options, &pair_callbacks, NULL, &error));
	g_clear_error(&error);
	options.remote_fingerprint = NULL;
	options.remote_fingerprint_hash = NULL;
	options.mtu = 10;
	assert_null(parley_dtls_new(NULL, &options, &pair_callbacks, NULL, &error));
	g_clear_error(&error);
	options.mtu = 0;

	dtls = parley_dtls_new(NULL, &options, &pair_callbacks, NULL, &error);
	assert_non_null(dtls);
	assert_int_equal(parley_dtls_start(dtls), PARLEY_DTLS_ERR_FINGERPRINT);   /* none known yet */
	assert_int_equal(parley_dtls_incoming(dtls, big, 10), PARLEY_DTLS_ERR_STATE);
	assert_int_equal(parley_dtls_incoming(dtls, big, sizeof(big)), PARLEY_DTLS_ERR_TOO_LARGE);
	assert_int_equal(parley_dtls_set_remote_fingerprint(dtls, "SHA-256", fp), PARLEY_DTLS_OK);
	assert_int_equal(parley_dtls_send_data(dtls, big, 1), PARLEY_DTLS_ERR_STATE);
	parley_dtls_free(dtls);
	assert_string_equal(parley_dtls_strerror(PARLEY_DTLS_ERR_FINGERPRINT),
	                    "peer certificate does not match the SDP fingerprint");
}

/* Writes a fresh self-signed certificate and key as PEM files; returns the
 * certificate's SHA-256 fingerprint in `fp`. */
static void write_pem_pair(const char *cert_path, const char *key_path, char *fp, size_t size)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned length = 0;
	FILE *f;

	assert_non_null(key);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 42);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_set_pubkey(cert, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC, (const unsigned char *)"test", -1, -1, 0);
	X509_set_issuer_name(cert, X509_get_subject_name(cert));
	assert_true(X509_sign(cert, key, EVP_sha256()) > 0);
	assert_non_null(f = fopen(cert_path, "w"));
	PEM_write_X509(f, cert);
	fclose(f);
	assert_non_null(f = fopen(key_path, "w"));
	PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	X509_digest(cert, EVP_sha256(), md, &length);
	fp[0] = '\0';
	for (unsigned i = 0; i < length; i++)
		g_snprintf(fp + strlen(fp), size - strlen(fp), i ? ":%02X" : "%02X", md[i]);
	X509_free(cert);
	EVP_PKEY_free(key);
}

static void certificate_from_pem_files(void **state)
{
	char *dir = g_dir_make_tmp("parley-dtls-XXXXXX", NULL);
	char *cert1 = g_build_filename(dir, "a.crt", NULL), *key1 = g_build_filename(dir, "a.key", NULL);
	char *cert2 = g_build_filename(dir, "b.crt", NULL), *key2 = g_build_filename(dir, "b.key", NULL);
	char *missing = g_build_filename(dir, "missing.pem", NULL);
	char fp1[128], fp2[128];
	GError *error = NULL;
	dtls_pair p;

	write_pem_pair(cert1, key1, fp1, sizeof(fp1));
	write_pem_pair(cert2, key2, fp2, sizeof(fp2));
	parley_dtls_certificate_cleanup();
	assert_null(parley_dtls_certificate_fingerprint());

	/* Unreadable file, key of another certificate, half a pair: refused. */
	assert_int_equal(parley_dtls_certificate_setup(missing, key1, &error), PARLEY_DTLS_ERR_CERTIFICATE);
	assert_non_null(strstr(error->message, "missing.pem"));
	g_clear_error(&error);
	assert_int_equal(parley_dtls_certificate_setup(cert1, key2, &error), PARLEY_DTLS_ERR_CERTIFICATE);
	assert_non_null(strstr(error->message, "does not match"));
	g_clear_error(&error);
	assert_int_equal(parley_dtls_certificate_setup(cert1, NULL, &error), PARLEY_DTLS_ERR_INVALID);
	g_clear_error(&error);

	assert_int_equal(parley_dtls_certificate_setup(cert1, key1, &error), PARLEY_DTLS_OK);
	assert_string_equal(parley_dtls_certificate_fingerprint(), fp1);
	/* And a handshake with it. */
	assert_int_equal(dtls_pair_init(&p, (parley_dtls_options){0}, (parley_dtls_options){0}), 0);
	parley_dtls_start(p.server.dtls);
	parley_dtls_start(p.client.dtls);
	assert_true(dtls_pair_pump(&p, both_connected, 5000));
	dtls_pair_clear(&p);

	/* Back to a generated one for the other tests. */
	parley_dtls_certificate_cleanup();
	assert_int_equal(parley_dtls_certificate_setup(NULL, NULL, NULL), PARLEY_DTLS_OK);
	assert_string_not_equal(parley_dtls_certificate_fingerprint(), fp1);
	g_unlink(cert1); g_unlink(key1); g_unlink(cert2); g_unlink(key2);
	g_rmdir(dir);
	g_free(cert1); g_free(key1); g_free(cert2); g_free(key2); g_free(missing); g_free(dir);
}

static void garbage_during_handshake_is_survivable(void **state)
{
	dtls_pair p;
	const uint8_t junk[] = { 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3 };
	assert_int_equal(dtls_pair_init(&p, (parley_dtls_options){0}, (parley_dtls_options){0}), 0);
	parley_dtls_start(p.server.dtls);
	parley_dtls_start(p.client.dtls);
	/* A malformed record is dropped by DTLS, not fatal. */
	(void)parley_dtls_incoming(p.server.dtls, junk, sizeof(junk));
	assert_true(dtls_pair_pump(&p, both_connected, 5000));
	dtls_pair_clear(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_prefers_gcm),
		cmocka_unit_test(handshake_cm_sha1_when_client_offers_only_that),
		cmocka_unit_test(no_common_profile_fails),
		cmocka_unit_test(fingerprint_mismatch_rejected),
		cmocka_unit_test(dropped_datagram_is_retransmitted),
		cmocka_unit_test(silent_peer_times_out),
		cmocka_unit_test(application_data_and_close_notify),
		cmocka_unit_test(media_only_session_reads_a_repeated_flight_and_closes),
		cmocka_unit_test(setup_roles),
		cmocka_unit_test(classify_first_byte),
		cmocka_unit_test(certificate_and_bad_inputs),
		cmocka_unit_test(garbage_during_handshake_is_survivable),
		cmocka_unit_test(certificate_from_pem_files),
	};
	return cmocka_run_group_tests_name("dtls", tests, setup_certificate, cleanup_certificate);
}
