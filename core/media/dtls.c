/*
 * dtls.c — owns DTLS-SRTP sessions: one SSL per PeerConnection over memory
 * transport (a memory BIO for what ICE hands us, a datagram BIO of our own
 * that forwards each record write to the session's send callback), the
 * retransmission and handshake timers as GSources on the session's context,
 * the peer fingerprint check in the verify callback, the SRTP key split and
 * close_notify. The certificate and SSL_CTX are in dtls_shared.c.
 */
#include "dtls.h"
#include "dtls_shared.h"

#include <string.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define DEFAULT_MTU 1200
#define MIN_MTU 256
#define MAX_MTU 65000
#define MIN_SEND_FRAGMENT 512 /* the least OpenSSL takes */
#define DEFAULT_RETRANSMIT_MS 1000
#define MAX_RETRANSMIT_MS 60000
#define DEFAULT_HANDSHAKE_TIMEOUT_MS 30000
#define MAX_DATAGRAM 65536
#define READ_BUFFER 16384
#define EXPORTER_LABEL "EXTRACTOR-dtls_srtp"

struct parley_dtls {
	GMainContext *context;
	parley_dtls_callbacks cb;
	void *user_data;
	parley_dtls_role role;
	parley_dtls_state state;
	SSL *ssl;
	BIO *in;                 /* memory BIO: datagrams from ICE */
	const EVP_MD *remote_md;
	char *remote_fingerprint;
	bool fingerprint_mismatch;
	unsigned mtu;
	unsigned retransmit_initial_ms;
	unsigned handshake_timeout_ms;
	unsigned retransmissions;
	GSource *retransmit_timer;
	GSource *handshake_timer;
	parley_srtp_profile profile;
	unsigned depth;          /* > 0 while inside a call that may run callbacks */
	bool free_requested;
	uint8_t *read_buffer;    /* READ_BUFFER bytes, made when a record first has to be read */
	bool delivered_data;     /* an application record came or went: the buffers stay */
	bool buffers_freed;      /* OpenSSL's record buffers given back (see release_buffers) */
};

/* SRTP profiles: our bit, OpenSSL's name and id, the SRTP module's value. */
static const struct {
	unsigned bit;
	const char *openssl_name;
	unsigned long openssl_id;
	parley_srtp_profile profile;
} srtp_profiles[] = {
	{ PARLEY_DTLS_SRTP_GCM, "SRTP_AEAD_AES_128_GCM", SRTP_AEAD_AES_128_GCM, PARLEY_SRTP_AEAD_AES_128_GCM },
	{ PARLEY_DTLS_SRTP_CM_SHA1_80, "SRTP_AES128_CM_SHA1_80", SRTP_AES128_CM_SHA1_80, PARLEY_SRTP_AES128_CM_SHA1_80 },
};

/* Hashes accepted in a=fingerprint (RFC 8122 names). */
static const struct {
	const char *name;
	const EVP_MD *(*md)(void);
} fingerprint_hashes[] = {
	{ "sha-1", EVP_sha1 },
	{ "sha-224", EVP_sha224 },
	{ "sha-256", EVP_sha256 },
	{ "sha-384", EVP_sha384 },
	{ "sha-512", EVP_sha512 },
};

/* ---- the datagram BIO: each write is one datagram to the send callback ---- */

static void emit_send(parley_dtls *dtls, const uint8_t *data, size_t length);

int parley_dtls_bio_write(BIO *bio, const char *data, int length)
{
	parley_dtls *dtls = BIO_get_data(bio);
	if (length <= 0)
		return 0;
	if (dtls)
		emit_send(dtls, (const uint8_t *)data, (size_t)length);
	return length;
}

long parley_dtls_bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
	parley_dtls *dtls = BIO_get_data(bio);
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
		return dtls ? (long)dtls->mtu : DEFAULT_MTU;
	default:
		return 0;   /* pending, peer address, timeouts: nothing to report */
	}
}

/* ---- callbacks, guarded against a free from inside one ---- */

static void enter(parley_dtls *dtls)
{
	dtls->depth++;
}

static void release(parley_dtls *dtls);

/* Ends a guarded section; false when the session is gone (freed). */
static bool leave(parley_dtls *dtls)
{
	if (--dtls->depth == 0 && dtls->free_requested) {
		release(dtls);
		return false;
	}
	return true;
}

static void emit_send(parley_dtls *dtls, const uint8_t *data, size_t length)
{
	if (!dtls->free_requested && dtls->cb.send)
		dtls->cb.send(dtls->user_data, data, length);
}

static void stop_timer(GSource **timer)
{
	if (*timer) {
		g_source_destroy(*timer);
		g_source_unref(*timer);
		*timer = NULL;
	}
}

static void stop_timers(parley_dtls *dtls)
{
	stop_timer(&dtls->retransmit_timer);
	stop_timer(&dtls->handshake_timer);
}

static void fail(parley_dtls *dtls, int code, const char *reason)
{
	if (dtls->state == PARLEY_DTLS_STATE_FAILED || dtls->state == PARLEY_DTLS_STATE_CLOSED)
		return;
	dtls->state = PARLEY_DTLS_STATE_FAILED;
	stop_timers(dtls);
	if (!dtls->free_requested && dtls->cb.failed)
		dtls->cb.failed(dtls->user_data, code, reason);
}

/* ---- peer verification ---- */

int parley_dtls_verify_peer(int preverify_ok, X509_STORE_CTX *store)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
	parley_dtls *dtls = ssl ? SSL_get_app_data(ssl) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	char seen[EVP_MAX_MD_SIZE * 3];
	unsigned length = 0;
	X509 *cert;

	if (!dtls)
		return 0;
	if (X509_STORE_CTX_get_error_depth(store) != 0)
		return 1;   /* only the leaf is pinned by the fingerprint */
	cert = X509_STORE_CTX_get_current_cert(store);
	if (!cert || !dtls->remote_md || !dtls->remote_fingerprint ||
	    X509_digest(cert, dtls->remote_md, md, &length) != 1) {
		dtls->fingerprint_mismatch = true;
		return 0;
	}
	parley_dtls_format_fingerprint(md, length, seen, sizeof(seen));
	if (g_ascii_strcasecmp(seen, dtls->remote_fingerprint) != 0) {
		dtls->fingerprint_mismatch = true;
		return 0;
	}
	X509_STORE_CTX_set_error(store, X509_V_OK);
	return 1;
}

/* Checks "AB:CD:..." against the hash's size. */
static bool fingerprint_well_formed(const char *fp, size_t md_size)
{
	size_t len = strlen(fp);
	if (len != md_size * 3 - 1)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (i % 3 == 2 ? fp[i] != ':' : !g_ascii_isxdigit(fp[i]))
			return false;
	}
	return true;
}

int parley_dtls_set_remote_fingerprint(parley_dtls *dtls, const char *hash, const char *fingerprint)
{
	const EVP_MD *md = NULL;
	if (!dtls || !hash || !fingerprint)
		return PARLEY_DTLS_ERR_INVALID;
	for (size_t i = 0; i < G_N_ELEMENTS(fingerprint_hashes); i++)
		if (g_ascii_strcasecmp(hash, fingerprint_hashes[i].name) == 0)
			md = fingerprint_hashes[i].md();
	if (!md || !fingerprint_well_formed(fingerprint, (size_t)EVP_MD_get_size(md)))
		return PARLEY_DTLS_ERR_INVALID;
	if (dtls->state == PARLEY_DTLS_STATE_CONNECTED)
		return PARLEY_DTLS_ERR_STATE;
	g_free(dtls->remote_fingerprint);
	dtls->remote_fingerprint = g_strdup(fingerprint);
	dtls->remote_md = md;
	return PARLEY_DTLS_OK;
}

/* ---- timers ---- */

/* OpenSSL asks for the next retransmission delay: ours starts at the
 * configured value and doubles up to a cap. */
static unsigned int next_retransmit_us(SSL *ssl, unsigned int previous_us)
{
	parley_dtls *dtls = SSL_get_app_data(ssl);
	unsigned initial_ms = dtls ? dtls->retransmit_initial_ms : DEFAULT_RETRANSMIT_MS;
	unsigned long next = previous_us == 0 ? initial_ms * 1000UL : previous_us * 2UL;
	if (next > MAX_RETRANSMIT_MS * 1000UL)
		next = MAX_RETRANSMIT_MS * 1000UL;
	return (unsigned int)next;
}

static void arm_retransmit(parley_dtls *dtls);

static gboolean on_retransmit(gpointer data)
{
	parley_dtls *dtls = data;
	char reason[256];
	int r;

	g_source_unref(dtls->retransmit_timer);
	dtls->retransmit_timer = NULL;
	enter(dtls);
	ERR_clear_error();
	r = DTLSv1_handle_timeout(dtls->ssl);
	if (r > 0)
		dtls->retransmissions++;
	if (r < 0)
		fail(dtls, PARLEY_DTLS_ERR_TIMEOUT, parley_dtls_openssl_reason(reason, sizeof(reason)));
	else
		arm_retransmit(dtls);
	leave(dtls);
	return G_SOURCE_REMOVE;
}

static void arm_retransmit(parley_dtls *dtls)
{
	struct timeval tv;
	guint ms;

	stop_timer(&dtls->retransmit_timer);
	if (dtls->free_requested || dtls->state != PARLEY_DTLS_STATE_CONNECTING ||
	    !DTLSv1_get_timeout(dtls->ssl, &tv))
		return;
	ms = (guint)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
	dtls->retransmit_timer = g_timeout_source_new(ms);
	g_source_set_callback(dtls->retransmit_timer, on_retransmit, dtls, NULL);
	g_source_attach(dtls->retransmit_timer, dtls->context);
}

static gboolean on_handshake_timeout(gpointer data)
{
	parley_dtls *dtls = data;
	char reason[96];

	g_source_unref(dtls->handshake_timer);
	dtls->handshake_timer = NULL;
	enter(dtls);
	g_snprintf(reason, sizeof(reason), "DTLS handshake not done after %u ms", dtls->handshake_timeout_ms);
	fail(dtls, PARLEY_DTLS_ERR_TIMEOUT, reason);
	leave(dtls);
	return G_SOURCE_REMOVE;
}

/* ---- handshake and records ---- */

/*
 * OpenSSL keeps a DTLS session's record buffers (~18 KB) for its life (it
 * gives them back only for TLS). A media-only session needs them again
 * just for close_notify or a peer's repeated flight, so once connected
 * they are given back while empty (SSL_free_buffers), and made again
 * before any call that can read or write a record: OpenSSL's DTLS write
 * path does not make a missing write buffer itself. A session with data
 * channels keeps them (no churn per packet).
 */
static void release_buffers(parley_dtls *dtls)
{
	if (dtls->state == PARLEY_DTLS_STATE_CONNECTED && !dtls->delivered_data && !dtls->buffers_freed &&
	    SSL_free_buffers(dtls->ssl) == 1)
		dtls->buffers_freed = true;
}

static bool need_buffers(parley_dtls *dtls)
{
	if (dtls->buffers_freed) {
		if (SSL_alloc_buffers(dtls->ssl) != 1)
			return false;
		dtls->buffers_freed = false;
	}
	return true;
}

static void handshake_done(parley_dtls *dtls)
{
	const SRTP_PROTECTION_PROFILE *chosen = SSL_get_selected_srtp_profile(dtls->ssl);
	uint8_t material[2 * (PARLEY_SRTP_KEY_LEN + PARLEY_SRTP_MAX_SALT_LEN)];
	parley_srtp_keys keys;
	const uint8_t *client_key, *server_key, *client_salt, *server_salt;
	size_t salt = 0;
	bool client = dtls->role == PARLEY_DTLS_ROLE_CLIENT;

	stop_timers(dtls);
	memset(&keys, 0, sizeof(keys));
	for (size_t i = 0; chosen && i < G_N_ELEMENTS(srtp_profiles); i++)
		if (srtp_profiles[i].openssl_id == chosen->id)
			keys.profile = srtp_profiles[i].profile;
	salt = parley_srtp_salt_length(keys.profile);
	if (keys.profile == PARLEY_SRTP_PROFILE_NONE ||
	    SSL_export_keying_material(dtls->ssl, material, 2 * (PARLEY_SRTP_KEY_LEN + salt),
	                               EXPORTER_LABEL, strlen(EXPORTER_LABEL), NULL, 0, 0) != 1) {
		ERR_clear_error();
		fail(dtls, PARLEY_DTLS_ERR_NO_SRTP, "no SRTP profile negotiated or keying export failed");
		return;
	}
	/* RFC 5764 4.2: client key, server key, client salt, server salt. */
	client_key = material;
	server_key = material + PARLEY_SRTP_KEY_LEN;
	client_salt = material + 2 * PARLEY_SRTP_KEY_LEN;
	server_salt = client_salt + salt;
	memcpy(keys.local_key, client ? client_key : server_key, PARLEY_SRTP_KEY_LEN);
	memcpy(keys.remote_key, client ? server_key : client_key, PARLEY_SRTP_KEY_LEN);
	memcpy(keys.local_salt, client ? client_salt : server_salt, salt);
	memcpy(keys.remote_salt, client ? server_salt : client_salt, salt);
	OPENSSL_cleanse(material, sizeof(material));
	dtls->profile = keys.profile;
	dtls->state = PARLEY_DTLS_STATE_CONNECTED;
	if (!dtls->free_requested && dtls->cb.connected)
		dtls->cb.connected(dtls->user_data, &keys);
	OPENSSL_cleanse(&keys, sizeof(keys));
	release_buffers(dtls);
}

/* An OpenSSL failure → our code and reason. */
static void fail_from_ssl(parley_dtls *dtls, const char *step)
{
	char detail[256], reason[320];
	parley_dtls_openssl_reason(detail, sizeof(detail));
	if (dtls->fingerprint_mismatch) {
		fail(dtls, PARLEY_DTLS_ERR_FINGERPRINT, parley_dtls_strerror(PARLEY_DTLS_ERR_FINGERPRINT));
		return;
	}
	g_snprintf(reason, sizeof(reason), "%s: %s", step, detail);
	fail(dtls, PARLEY_DTLS_ERR_HANDSHAKE, reason);
}

static void advance_handshake(parley_dtls *dtls)
{
	int r, err;

	ERR_clear_error();
	r = SSL_do_handshake(dtls->ssl);
	if (r == 1) {
		handshake_done(dtls);
		return;
	}
	err = SSL_get_error(dtls->ssl, r);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
		arm_retransmit(dtls);
	else
		fail_from_ssl(dtls, "handshake");
}

/* Connected: hand every application record up; notice close_notify. */
static void read_records(parley_dtls *dtls)
{
	/* A media-only session reads nothing once the handshake is done: its
	 * buffer is only made when a datagram holds more than the handshake. */
	if (!dtls->read_buffer) {
		if (!SSL_has_pending(dtls->ssl) && BIO_ctrl_pending(dtls->in) == 0)
			return;
		dtls->read_buffer = g_malloc(READ_BUFFER);
	}
	if (!need_buffers(dtls)) {
		fail(dtls, PARLEY_DTLS_ERR_HANDSHAKE, "read: out of memory for the record buffers");
		return;
	}
	bool delivered = dtls->delivered_data;
	for (unsigned guard = 0; guard < 64 && dtls->state == PARLEY_DTLS_STATE_CONNECTED; guard++) {
		int r, err;
		ERR_clear_error();
		r = SSL_read(dtls->ssl, dtls->read_buffer, READ_BUFFER);
		if (r > 0) {
			dtls->delivered_data = delivered = true;
			if (!dtls->free_requested && dtls->cb.data)
				dtls->cb.data(dtls->user_data, dtls->read_buffer, (size_t)r);
			continue;
		}
		err = SSL_get_error(dtls->ssl, r);
		if (err == SSL_ERROR_WANT_READ && !delivered) {
			/* Only handshake leftovers so far (a repeated flight): no
			 * application data to keep a buffer for. */
			g_free(dtls->read_buffer);
			dtls->read_buffer = NULL;
			release_buffers(dtls);
		} else if (err == SSL_ERROR_ZERO_RETURN) {
			dtls->state = PARLEY_DTLS_STATE_CLOSED;
			if (!dtls->free_requested && dtls->cb.closed)
				dtls->cb.closed(dtls->user_data);
		} else if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
			fail_from_ssl(dtls, "read");
		}
		return;
	}
}

/* ---- sessions ---- */

parley_dtls *parley_dtls_new(GMainContext *context, const parley_dtls_options *options,
                             const parley_dtls_callbacks *callbacks, void *user_data, GError **error)
{
	GString *profiles;
	parley_dtls *dtls;
	unsigned wanted;

	if (!parley_dtls_shared_context()) {
		g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_NO_CERTIFICATE, "%s",
		            parley_dtls_strerror(PARLEY_DTLS_ERR_NO_CERTIFICATE));
		return NULL;
	}
	if (!options || !callbacks || !callbacks->send ||
	    (options->role != PARLEY_DTLS_ROLE_CLIENT && options->role != PARLEY_DTLS_ROLE_SERVER) ||
	    (options->mtu && (options->mtu < MIN_MTU || options->mtu > MAX_MTU)) ||
	    (options->srtp_profiles & ~PARLEY_DTLS_SRTP_ALL)) {
		g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_INVALID,
		            "DTLS session: missing send callback, bad role, MTU outside %d..%d or unknown SRTP profile bits",
		            MIN_MTU, MAX_MTU);
		return NULL;
	}
	dtls = g_new0(parley_dtls, 1);
	dtls->context = context ? g_main_context_ref(context) : g_main_context_ref(g_main_context_default());
	dtls->cb = *callbacks;
	dtls->user_data = user_data;
	dtls->role = options->role;
	dtls->mtu = options->mtu ? options->mtu : DEFAULT_MTU;
	dtls->retransmit_initial_ms = options->retransmit_initial_ms ? options->retransmit_initial_ms : DEFAULT_RETRANSMIT_MS;
	if (dtls->retransmit_initial_ms > MAX_RETRANSMIT_MS)
		dtls->retransmit_initial_ms = MAX_RETRANSMIT_MS;
	dtls->handshake_timeout_ms = options->handshake_timeout_ms ? options->handshake_timeout_ms
	                                                           : DEFAULT_HANDSHAKE_TIMEOUT_MS;
	if (options->remote_fingerprint_hash || options->remote_fingerprint) {
		if (parley_dtls_set_remote_fingerprint(dtls, options->remote_fingerprint_hash,
		                                       options->remote_fingerprint) != PARLEY_DTLS_OK) {
			g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_INVALID,
			            "bad remote fingerprint \"%s %s\"", options->remote_fingerprint_hash ?: "(none)",
			            options->remote_fingerprint ?: "(none)");
			parley_dtls_free(dtls);
			return NULL;
		}
	}
	wanted = options->srtp_profiles ? options->srtp_profiles : PARLEY_DTLS_SRTP_ALL;
	profiles = g_string_new(NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(srtp_profiles); i++)
		if (wanted & srtp_profiles[i].bit)
			g_string_append_printf(profiles, "%s%s", profiles->len ? ":" : "", srtp_profiles[i].openssl_name);

	ERR_clear_error();
	dtls->ssl = SSL_new(parley_dtls_shared_context());
	dtls->in = BIO_new(BIO_s_mem());
	BIO *out = BIO_new(parley_dtls_shared_send_method());
	/* SSL_set_tlsext_use_srtp returns 0 on success. */
	if (!dtls->ssl || !dtls->in || !out || SSL_set_tlsext_use_srtp(dtls->ssl, profiles->str) != 0) {
		char reason[256];
		g_set_error(error, PARLEY_DTLS_ERROR, PARLEY_DTLS_ERR_HANDSHAKE, "creating the DTLS session failed: %s",
		            parley_dtls_openssl_reason(reason, sizeof(reason)));
		BIO_free(out);
		g_string_free(profiles, TRUE);
		parley_dtls_free(dtls);
		return NULL;
	}
	g_string_free(profiles, TRUE);
	BIO_set_mem_eof_return(dtls->in, -1);
	BIO_set_data(out, dtls);
	SSL_set_bio(dtls->ssl, dtls->in, out);   /* the SSL owns both BIOs now */
	SSL_set_app_data(dtls->ssl, dtls);
	SSL_set_options(dtls->ssl, SSL_OP_NO_QUERY_MTU);
	SSL_set_mtu(dtls->ssl, dtls->mtu);
	/* No record we write is larger than the MTU (handshake messages are
	 * cut to it, SCTP packets fit in it): OpenSSL's write buffer, kept for
	 * the session's life, is then sized to it rather than to 16 KB. */
	SSL_set_max_send_fragment(dtls->ssl, CLAMP(dtls->mtu, MIN_SEND_FRAGMENT, SSL3_RT_MAX_PLAIN_LENGTH));
	DTLS_set_timer_cb(dtls->ssl, next_retransmit_us);
	if (dtls->role == PARLEY_DTLS_ROLE_CLIENT)
		SSL_set_connect_state(dtls->ssl);
	else
		SSL_set_accept_state(dtls->ssl);
	return dtls;
}

static void release(parley_dtls *dtls)
{
	stop_timers(dtls);
	if (dtls->ssl) {
		BIO_set_data(SSL_get_wbio(dtls->ssl), NULL);
		SSL_free(dtls->ssl);
	} else if (dtls->in) {
		BIO_free(dtls->in);
	}
	g_free(dtls->remote_fingerprint);
	g_free(dtls->read_buffer);
	g_main_context_unref(dtls->context);
	g_free(dtls);
}

void parley_dtls_free(parley_dtls *dtls)
{
	if (!dtls)
		return;
	dtls->free_requested = true;
	if (dtls->depth == 0)
		release(dtls);
}

int parley_dtls_start(parley_dtls *dtls)
{
	if (!dtls || dtls->free_requested)
		return PARLEY_DTLS_ERR_INVALID;
	if (dtls->state != PARLEY_DTLS_STATE_NEW)
		return PARLEY_DTLS_ERR_STATE;
	if (!dtls->remote_fingerprint)
		return PARLEY_DTLS_ERR_FINGERPRINT;
	dtls->state = PARLEY_DTLS_STATE_CONNECTING;
	dtls->handshake_timer = g_timeout_source_new(dtls->handshake_timeout_ms);
	g_source_set_callback(dtls->handshake_timer, on_handshake_timeout, dtls, NULL);
	g_source_attach(dtls->handshake_timer, dtls->context);
	if (dtls->role == PARLEY_DTLS_ROLE_CLIENT) {
		enter(dtls);
		advance_handshake(dtls);
		if (!leave(dtls))
			return PARLEY_DTLS_OK;
	}
	return dtls->state == PARLEY_DTLS_STATE_FAILED ? PARLEY_DTLS_ERR_HANDSHAKE : PARLEY_DTLS_OK;
}

int parley_dtls_incoming(parley_dtls *dtls, const uint8_t *data, size_t length)
{
	int result = PARLEY_DTLS_OK;

	if (!dtls || !data || length == 0 || dtls->free_requested)
		return PARLEY_DTLS_ERR_INVALID;
	if (length > MAX_DATAGRAM)
		return PARLEY_DTLS_ERR_TOO_LARGE;
	if (dtls->state != PARLEY_DTLS_STATE_CONNECTING && dtls->state != PARLEY_DTLS_STATE_CONNECTED)
		return PARLEY_DTLS_ERR_STATE;
	if (BIO_write(dtls->in, data, (int)length) != (int)length)
		return PARLEY_DTLS_ERR_INVALID;
	enter(dtls);
	if (dtls->state == PARLEY_DTLS_STATE_CONNECTING)
		advance_handshake(dtls);
	if (dtls->state == PARLEY_DTLS_STATE_CONNECTED)
		read_records(dtls);
	if (dtls->state == PARLEY_DTLS_STATE_FAILED)
		result = PARLEY_DTLS_ERR_HANDSHAKE;
	(void)BIO_reset(dtls->in);   /* never keep a half-read datagram around */
	leave(dtls);
	return result;
}

int parley_dtls_send_data(parley_dtls *dtls, const uint8_t *data, size_t length)
{
	int r;
	if (!dtls || !data || length == 0 || dtls->free_requested)
		return PARLEY_DTLS_ERR_INVALID;
	if (dtls->state != PARLEY_DTLS_STATE_CONNECTED)
		return PARLEY_DTLS_ERR_STATE;
	if (length > READ_BUFFER)
		return PARLEY_DTLS_ERR_TOO_LARGE;
	enter(dtls);
	ERR_clear_error();
	dtls->delivered_data = true;
	r = need_buffers(dtls) ? SSL_write(dtls->ssl, data, (int)length) : -1;
	if (r <= 0)
		fail_from_ssl(dtls, "write");
	if (!leave(dtls))
		return PARLEY_DTLS_ERR_STATE;
	return r > 0 ? PARLEY_DTLS_OK : PARLEY_DTLS_ERR_HANDSHAKE;
}

void parley_dtls_close(parley_dtls *dtls)
{
	if (!dtls || dtls->free_requested)
		return;
	enter(dtls);
	stop_timers(dtls);
	if (dtls->state == PARLEY_DTLS_STATE_CONNECTED || dtls->state == PARLEY_DTLS_STATE_CONNECTING) {
		ERR_clear_error();
		if (need_buffers(dtls))
			(void)SSL_shutdown(dtls->ssl);   /* queues close_notify through the send BIO */
		ERR_clear_error();
	}
	if (dtls->state != PARLEY_DTLS_STATE_FAILED)
		dtls->state = PARLEY_DTLS_STATE_CLOSED;
	leave(dtls);
}

parley_dtls_state parley_dtls_get_state(const parley_dtls *dtls)
{
	return dtls ? dtls->state : PARLEY_DTLS_STATE_FAILED;
}

parley_dtls_role parley_dtls_get_role(const parley_dtls *dtls)
{
	return dtls ? dtls->role : PARLEY_DTLS_ROLE_CLIENT;
}

parley_srtp_profile parley_dtls_get_srtp_profile(const parley_dtls *dtls)
{
	return dtls && dtls->state == PARLEY_DTLS_STATE_CONNECTED ? dtls->profile : PARLEY_SRTP_PROFILE_NONE;
}

unsigned parley_dtls_get_retransmissions(const parley_dtls *dtls)
{
	return dtls ? dtls->retransmissions : 0;
}
