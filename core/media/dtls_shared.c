/*
 * dtls_shared.c — the process-wide half of DTLS-SRTP: the certificate
 * (loaded from PEM files or an ECDSA P-256 self-signed one generated at
 * start), its SHA-256 fingerprint, the SSL_CTX built around it and the BIO
 * method sessions write datagrams through; plus the stateless helpers: error
 * and state names, the a=setup role table and RFC 7983 demultiplexing.
 * Sessions themselves live in dtls.c.
 */
#include "dtls.h"
#include "dtls_shared.h"

#include <string.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

G_DEFINE_QUARK(parley-dtls-error-quark, parley_dtls_error)

/* The process-wide certificate and what is built around it. */
static struct {
	X509 *cert;
	EVP_PKEY *key;
	SSL_CTX *ctx;
	BIO_METHOD *send_method;
	char fingerprint[EVP_MAX_MD_SIZE * 3];
} certificate;

SSL_CTX *parley_dtls_shared_context(void)
{
	return certificate.ctx;
}

BIO_METHOD *parley_dtls_shared_send_method(void)
{
	return certificate.send_method;
}

static const struct { int code; const char *text; } error_texts[] = {
	{ PARLEY_DTLS_OK, "ok" },
	{ PARLEY_DTLS_ERR_INVALID, "invalid argument" },
	{ PARLEY_DTLS_ERR_NO_CERTIFICATE, "no DTLS certificate set up" },
	{ PARLEY_DTLS_ERR_CERTIFICATE, "DTLS certificate error" },
	{ PARLEY_DTLS_ERR_FINGERPRINT, "peer certificate does not match the SDP fingerprint" },
	{ PARLEY_DTLS_ERR_HANDSHAKE, "DTLS handshake failed" },
	{ PARLEY_DTLS_ERR_TIMEOUT, "DTLS handshake timed out" },
	{ PARLEY_DTLS_ERR_NO_SRTP, "no SRTP profile negotiated" },
	{ PARLEY_DTLS_ERR_STATE, "not valid in the DTLS session's state" },
	{ PARLEY_DTLS_ERR_TOO_LARGE, "datagram too large" },
};

const char *parley_dtls_strerror(int code)
{
	for (size_t i = 0; i < G_N_ELEMENTS(error_texts); i++)
		if (error_texts[i].code == code)
			return error_texts[i].text;
	return "unknown DTLS error";
}

static const char *const state_names[] = {
	[PARLEY_DTLS_STATE_NEW] = "new",
	[PARLEY_DTLS_STATE_CONNECTING] = "connecting",
	[PARLEY_DTLS_STATE_CONNECTED] = "connected",
	[PARLEY_DTLS_STATE_CLOSED] = "closed",
	[PARLEY_DTLS_STATE_FAILED] = "failed",
};

const char *parley_dtls_state_name(parley_dtls_state state)
{
	if ((unsigned)state < G_N_ELEMENTS(state_names))
		return state_names[state];
	return "unknown";
}


/* a=setup of the peer → our role. */
static const struct {
	const char *remote_setup;
	parley_dtls_role role;
} setup_roles[] = {
	{ "active", PARLEY_DTLS_ROLE_SERVER },
	{ "passive", PARLEY_DTLS_ROLE_CLIENT },
	{ "actpass", PARLEY_DTLS_ROLE_CLIENT },
};

int parley_dtls_role_for_remote_setup(const char *remote_setup, parley_dtls_role *role)
{
	if (!remote_setup || !role)
		return PARLEY_DTLS_ERR_INVALID;
	for (size_t i = 0; i < G_N_ELEMENTS(setup_roles); i++) {
		if (g_ascii_strcasecmp(remote_setup, setup_roles[i].remote_setup) == 0) {
			*role = setup_roles[i].role;
			return PARLEY_DTLS_OK;
		}
	}
	return PARLEY_DTLS_ERR_INVALID;   /* "holdconn" or garbage */
}

const char *parley_dtls_setup_for_role(parley_dtls_role role)
{
	return role == PARLEY_DTLS_ROLE_CLIENT ? "active" : "passive";
}

/* The oldest queued OpenSSL error as text (and the queue emptied). */
const char *parley_dtls_openssl_reason(char *buffer, size_t size)
{
	unsigned long e = ERR_get_error();
	if (e == 0)
		g_strlcpy(buffer, "no OpenSSL detail", size);
	else
		ERR_error_string_n(e, buffer, size);
	ERR_clear_error();
	return buffer;
}

void parley_dtls_format_fingerprint(const unsigned char *md, unsigned length, char *out, size_t size)
{
	size_t pos = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < length && pos + 4 <= size; i++)
		pos += g_snprintf(out + pos, size - pos, i ? ":%02X" : "%02X", md[i]);
}

static int send_bio_create(BIO *bio)
{
	BIO_set_init(bio, 1);
	return 1;
}

static int build_send_method(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "parley dtls send");
	if (!m)
		return -1;
	BIO_meth_set_write(m, parley_dtls_bio_write);
	BIO_meth_set_ctrl(m, parley_dtls_bio_ctrl);
	BIO_meth_set_create(m, send_bio_create);
	certificate.send_method = m;
	return 0;
}

/* ---- process-wide certificate ---- */

static int generate_certificate(GError **error)
{
	char reason[256];
	unsigned char serial[8];
	BIGNUM *bn = NULL;
	X509_NAME *name;

	certificate.key = EVP_EC_gen("P-256");
	certificate.cert = X509_new();
	if (!certificate.key || !certificate.cert || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;   /* positive */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(certificate.cert)))
		goto fail;
	BN_free(bn);
	bn = NULL;
	name = X509_get_subject_name(certificate.cert);
	if (X509_set_version(certificate.cert, 2) != 1 ||
	    !X509_gmtime_adj(X509_getm_notBefore(certificate.cert), -86400L) ||
	    !X509_gmtime_adj(X509_getm_notAfter(certificate.cert), 365L * 86400L) ||
	    X509_set_pubkey(certificate.cert, certificate.key) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"parley", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(certificate.cert, name) != 1 ||
	    X509_sign(certificate.cert, certificate.key, EVP_sha256()) == 0)
		goto fail;
	return 0;
fail:
	BN_free(bn);
	g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_CERTIFICATE,
	            "generating the ECDSA P-256 certificate failed: %s", parley_dtls_openssl_reason(reason, sizeof(reason)));
	return -1;
}

static int load_certificate(const char *cert_pem, const char *key_pem, GError **error)
{
	char reason[256];
	BIO *bio = BIO_new_file(cert_pem, "r");
	if (!bio || !(certificate.cert = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		BIO_free(bio);
		g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_CERTIFICATE,
		            "cannot read certificate %s: %s", cert_pem, parley_dtls_openssl_reason(reason, sizeof(reason)));
		return -1;
	}
	BIO_free(bio);
	bio = BIO_new_file(key_pem, "r");
	if (!bio || !(certificate.key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL))) {
		BIO_free(bio);
		g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_CERTIFICATE,
		            "cannot read private key %s: %s", key_pem, parley_dtls_openssl_reason(reason, sizeof(reason)));
		return -1;
	}
	BIO_free(bio);
	if (X509_check_private_key(certificate.cert, certificate.key) != 1) {
		g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_CERTIFICATE,
		            "private key %s does not match certificate %s", key_pem, cert_pem);
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static int build_context(GError **error)
{
	char reason[256];
	SSL_CTX *ctx = SSL_CTX_new(DTLS_method());
	certificate.ctx = ctx;
	if (!ctx || SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate(ctx, certificate.cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, certificate.key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_CERTIFICATE,
		            "building the DTLS context failed: %s", parley_dtls_openssl_reason(reason, sizeof(reason)));
		return -1;
	}
	/* Peers present self-signed certificates: trust comes from the SDP
	 * fingerprint, checked in verify_peer. Both sides must send one. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, parley_dtls_verify_peer);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_read_ahead(ctx, 1);
	/* After the handshake a PeerConnection's SSL object reads and writes
	 * almost nothing (media is SRTP): give its ~34 KB of record buffers
	 * back between uses instead of keeping them for its lifetime. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	return 0;
}

int parley_dtls_certificate_setup(const char *cert_pem, const char *key_pem, GError **error)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned length = 0;

	if (certificate.ctx) {
		g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_INVALID, "DTLS certificate already set up");
		return PARLEY_DTLS_ERR_INVALID;
	}
	if ((cert_pem == NULL) != (key_pem == NULL)) {
		g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_INVALID,
		            "DTLS certificate and key must be given together (or neither, to generate one)");
		return PARLEY_DTLS_ERR_INVALID;
	}
	ERR_clear_error();
	if ((cert_pem ? load_certificate(cert_pem, key_pem, error) : generate_certificate(error)) < 0 ||
	    build_context(error) < 0)
		goto fail;
	if (X509_digest(certificate.cert, EVP_sha256(), md, &length) != 1 || build_send_method() < 0) {
		g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_CERTIFICATE, "certificate digest failed");
		goto fail;
	}
	parley_dtls_format_fingerprint(md, length, certificate.fingerprint, sizeof(certificate.fingerprint));
	return PARLEY_DTLS_OK;
fail:
	parley_dtls_certificate_cleanup();
	return PARLEY_DTLS_ERR_CERTIFICATE;
}

void parley_dtls_certificate_cleanup(void)
{
	SSL_CTX_free(certificate.ctx);
	X509_free(certificate.cert);
	EVP_PKEY_free(certificate.key);
	if (certificate.send_method)
		BIO_meth_free(certificate.send_method);
	memset(&certificate, 0, sizeof(certificate));
}

const char *parley_dtls_library_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

const char *parley_dtls_certificate_fingerprint(void)
{
	return certificate.ctx ? certificate.fingerprint : NULL;
}

/* ---- RFC 7983 demultiplexing ---- */

static const struct {
	uint8_t first, last;
	parley_packet_kind kind;
} first_byte_ranges[] = {
	{ 0, 3, PARLEY_PACKET_STUN },
	{ 16, 19, PARLEY_PACKET_ZRTP },
	{ 20, 63, PARLEY_PACKET_DTLS },
	{ 64, 79, PARLEY_PACKET_TURN_CHANNEL },
	{ 128, 191, PARLEY_PACKET_RTP },
};

parley_packet_kind parley_dtls_classify(const uint8_t *data, size_t length)
{
	if (!data || length == 0)
		return PARLEY_PACKET_UNKNOWN;
	for (size_t i = 0; i < G_N_ELEMENTS(first_byte_ranges); i++) {
		if (data[0] < first_byte_ranges[i].first || data[0] > first_byte_ranges[i].last)
			continue;
		if (first_byte_ranges[i].kind != PARLEY_PACKET_RTP)
			return first_byte_ranges[i].kind;
		if (length < 2)
			return PARLEY_PACKET_UNKNOWN;
		/* RFC 5761: RTCP packet types 192..223 share the second byte. */
		return data[1] >= 192 && data[1] <= 223 ? PARLEY_PACKET_RTCP : PARLEY_PACKET_RTP;
	}
	return PARLEY_PACKET_UNKNOWN;
}

static const char *const packet_kind_names[] = {
	[PARLEY_PACKET_UNKNOWN] = "unknown",
	[PARLEY_PACKET_STUN] = "stun",
	[PARLEY_PACKET_ZRTP] = "zrtp",
	[PARLEY_PACKET_DTLS] = "dtls",
	[PARLEY_PACKET_TURN_CHANNEL] = "turn-channel",
	[PARLEY_PACKET_RTP] = "rtp",
	[PARLEY_PACKET_RTCP] = "rtcp",
};

const char *parley_dtls_packet_kind_name(parley_packet_kind kind)
{
	if ((unsigned)kind < G_N_ELEMENTS(packet_kind_names))
		return packet_kind_names[kind];
	return "unknown";
}
