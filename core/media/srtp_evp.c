/*
 * srtp_evp.c — owns the OpenSSL EVP SRTP backend: session key derivation
 * with the AES-CM PRF (RFC 3711 4.3, labels 0..5), RTP index estimation
 * (ROC), SRTCP index and E bit, AES_CM_128_HMAC_SHA1_80 (RFC 3711) and
 * AEAD_AES_128_GCM (RFC 7714) protect/unprotect in place, and the per-SSRC
 * replay windows. Cipher contexts and HMAC states are made once, at
 * creation; a stream's state once, at its SSRC's first authentic packet.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1   /* SHA_CTX: a plain struct, copied per packet */
#include "srtp_evp.h"

#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#define SALT_MAX 14
#define CM_TAG 10
#define GCM_TAG 16
#define AUTH_KEY 20
#define SEQ_MEDIAN 32768u

typedef struct replay {
	uint64_t highest;
	unsigned words;        /* 0: no bitmap (outbound) */
	uint64_t *bits;
} replay;

typedef struct stream {
	uint32_t ssrc;
	replay rtp;
	replay rtcp;
	uint32_t rtcp_index;   /* outbound: last SRTCP index sent */
	uint64_t storage[];
} stream;

typedef struct session {
	EVP_CIPHER_CTX *cipher;
	uint8_t salt[SALT_MAX];
	SHA_CTX inner, outer;  /* HMAC-SHA1 after the padded key (CM only) */
} session;

struct parley_srtp_evp {
	bool gcm;
	bool outbound;
	unsigned window;
	unsigned words;
	session rtp, rtcp;
	GHashTable *streams;
	stream *last;
};

/* ---- key derivation ---- */

static bool derive(const uint8_t *key, const uint8_t *master_salt, uint8_t label, uint8_t *out, size_t len)
{
	static const uint8_t zeros[32];
	uint8_t iv[16] = { 0 };
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;
	bool ok;

	memcpy(iv, master_salt, SALT_MAX);
	iv[7] ^= label;
	ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv) == 1 &&
	     EVP_EncryptUpdate(c, out, &n, zeros, (int)len) == 1 && (size_t)n == len;
	EVP_CIPHER_CTX_free(c);
	return ok;
}

static bool session_init(session *s, bool gcm, bool outbound, const uint8_t *key, const uint8_t *master_salt,
                         uint8_t first_label)
{
	uint8_t enc_key[PARLEY_SRTP_KEY_LEN], auth_key[AUTH_KEY], pad[64];
	bool ok = derive(key, master_salt, first_label, enc_key, sizeof(enc_key)) &&
	          derive(key, master_salt, first_label + 2, s->salt, SALT_MAX);

	if (ok && !gcm) {
		ok = derive(key, master_salt, first_label + 1, auth_key, sizeof(auth_key));
		memset(pad, 0x36, sizeof(pad));
		for (int i = 0; i < AUTH_KEY; i++)
			pad[i] ^= auth_key[i];
		SHA1_Init(&s->inner);
		SHA1_Update(&s->inner, pad, sizeof(pad));
		memset(pad, 0x5c, sizeof(pad));
		for (int i = 0; i < AUTH_KEY; i++)
			pad[i] ^= auth_key[i];
		SHA1_Init(&s->outer);
		SHA1_Update(&s->outer, pad, sizeof(pad));
	}
	if (ok) {
		s->cipher = EVP_CIPHER_CTX_new();
		ok = s->cipher && EVP_CipherInit_ex(s->cipher, gcm ? EVP_aes_128_gcm() : EVP_aes_128_ctr(), NULL,
		                                    enc_key, NULL, gcm ? outbound : 1) == 1;
	}
	OPENSSL_cleanse(enc_key, sizeof(enc_key));
	OPENSSL_cleanse(auth_key, sizeof(auth_key));
	OPENSSL_cleanse(pad, sizeof(pad));
	return ok;
}

parley_srtp_evp *parley_srtp_evp_new(parley_srtp_profile profile, const uint8_t *key, const uint8_t *salt,
                                     unsigned replay_window, bool outbound, GError **error)
{
	uint8_t master_salt[SALT_MAX] = { 0 };
	parley_srtp_evp *ctx;
	size_t salt_length = parley_srtp_salt_length(profile);

	if (!key || !salt || salt_length == 0 || replay_window == 0) {
		g_set_error(error, PARLEY_SRTP_ERROR, PARLEY_SRTP_ERR_INVALID, "SRTP (openssl): bad profile or keys");
		return NULL;
	}
	memcpy(master_salt, salt, salt_length);   /* a GCM 96-bit salt is padded with zeros */
	ctx = g_new0(parley_srtp_evp, 1);
	ctx->gcm = profile == PARLEY_SRTP_AEAD_AES_128_GCM;
	ctx->outbound = outbound;
	ctx->window = replay_window;
	ctx->words = outbound ? 0 : (replay_window + 63) / 64;
	ctx->streams = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	if (!session_init(&ctx->rtp, ctx->gcm, outbound, key, master_salt, 0) ||
	    !session_init(&ctx->rtcp, ctx->gcm, outbound, key, master_salt, 3)) {
		g_set_error(error, PARLEY_SRTP_ERROR, PARLEY_SRTP_ERR_LIBRARY,
		            "SRTP (openssl): cannot derive the session keys");
		parley_srtp_evp_free(ctx);
		ctx = NULL;
	}
	OPENSSL_cleanse(master_salt, sizeof(master_salt));
	return ctx;
}

void parley_srtp_evp_free(parley_srtp_evp *ctx)
{
	if (!ctx)
		return;
	EVP_CIPHER_CTX_free(ctx->rtp.cipher);
	EVP_CIPHER_CTX_free(ctx->rtcp.cipher);
	OPENSSL_cleanse(&ctx->rtp, sizeof(ctx->rtp));
	OPENSSL_cleanse(&ctx->rtcp, sizeof(ctx->rtcp));
	g_hash_table_destroy(ctx->streams);
	g_free(ctx);
}

/* ---- streams and replay windows ---- */

static stream *find_stream(parley_srtp_evp *ctx, uint32_t ssrc)
{
	if (ctx->last && ctx->last->ssrc == ssrc)
		return ctx->last;
	stream *s = g_hash_table_lookup(ctx->streams, GUINT_TO_POINTER(ssrc));
	if (s)
		ctx->last = s;
	return s;
}

static stream *add_stream(parley_srtp_evp *ctx, uint32_t ssrc)
{
	if (g_hash_table_size(ctx->streams) >= PARLEY_SRTP_EVP_MAX_STREAMS)
		return NULL;
	stream *s = g_malloc0(sizeof(*s) + 2 * ctx->words * sizeof(uint64_t));
	s->ssrc = ssrc;
	s->rtp.words = s->rtcp.words = ctx->words;
	s->rtp.bits = ctx->words ? s->storage : NULL;
	s->rtcp.bits = ctx->words ? s->storage + ctx->words : NULL;
	g_hash_table_insert(ctx->streams, GUINT_TO_POINTER(ssrc), s);
	return ctx->last = s;
}

static int replay_check(const replay *r, unsigned window, uint64_t index)
{
	int64_t delta = (int64_t)(index - r->highest);
	if (delta > 0)
		return PARLEY_SRTP_OK;
	if ((uint64_t)-delta >= window)
		return PARLEY_SRTP_ERR_REPLAY;
	if (r->bits) {
		uint64_t bit = index % ((uint64_t)r->words * 64);
		if (r->bits[bit / 64] & (1ull << (bit % 64)))
			return PARLEY_SRTP_ERR_REPLAY;
	}
	return PARLEY_SRTP_OK;
}

static void replay_add(replay *r, uint64_t index)
{
	uint64_t span = (uint64_t)r->words * 64;
	if (index > r->highest) {
		if (r->bits) {
			if (index - r->highest >= span)
				memset(r->bits, 0, r->words * sizeof(uint64_t));
			else
				for (uint64_t i = r->highest + 1; i <= index; i++)
					r->bits[(i % span) / 64] &= ~(1ull << (i % 64));
		}
		r->highest = index;
	}
	if (r->bits)
		r->bits[(index % span) / 64] |= 1ull << (index % span % 64);
}

/* RFC 3711 3.3.1 / appendix A; ROC 0 until the index passes the median,
 * as libsrtp does. */
static uint64_t estimate_index(uint64_t highest, uint16_t seq)
{
	if (highest <= SEQ_MEDIAN)
		return seq;
	uint32_t roc = (uint32_t)(highest >> 16);
	uint16_t s_l = (uint16_t)highest;
	if (s_l < SEQ_MEDIAN) {
		if ((uint32_t)seq - s_l > SEQ_MEDIAN)
			roc--;
	} else if ((uint32_t)s_l - SEQ_MEDIAN > seq) {
		roc++;
	}
	return ((uint64_t)roc << 16 | seq) & 0xffffffffffffull;
}

/* ---- primitives ---- */

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

static void hmac(const session *s, const uint8_t *data, size_t length, const uint8_t *extra, size_t extra_length,
                 uint8_t out[SHA_DIGEST_LENGTH])
{
	SHA_CTX c = s->inner;
	SHA1_Update(&c, data, length);
	if (extra_length)
		SHA1_Update(&c, extra, extra_length);
	SHA1_Final(out, &c);
	c = s->outer;
	SHA1_Update(&c, out, SHA_DIGEST_LENGTH);
	SHA1_Final(out, &c);
}

/* AES-CM keystream over data: IV = salt ^ SSRC<<64 ^ index<<16. */
static bool cm_crypt(session *s, uint32_t ssrc, uint64_t index, uint8_t *data, size_t length)
{
	uint8_t iv[16] = { 0 };
	int n;
	memcpy(iv, s->salt, SALT_MAX);
	for (int i = 0; i < 4; i++)
		iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
	for (int i = 0; i < 6; i++)
		iv[8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
	return EVP_CipherInit_ex(s->cipher, NULL, NULL, NULL, iv, -1) == 1 &&
	       (length == 0 || EVP_CipherUpdate(s->cipher, data, &n, data, (int)length) == 1);
}

/* AES-GCM: IV = salt ^ (0 0 | SSRC | hi | lo), AAD in up to two parts.
 * Encrypting writes the tag; decrypting checks it. */
static int gcm_crypt(session *s, bool encrypt, uint32_t ssrc, uint32_t hi, uint16_t lo, const uint8_t *aad,
                     size_t aad_length, const uint8_t *aad2, size_t aad2_length, uint8_t *data, size_t length,
                     uint8_t *tag)
{
	uint8_t iv[12] = { 0 };
	int n;
	put32(iv + 2, ssrc);
	put32(iv + 6, hi);
	iv[10] = lo >> 8;
	iv[11] = (uint8_t)lo;
	for (int i = 0; i < 12; i++)
		iv[i] ^= s->salt[i];
	if (EVP_CipherInit_ex(s->cipher, NULL, NULL, NULL, iv, -1) != 1 ||
	    EVP_CipherUpdate(s->cipher, NULL, &n, aad, (int)aad_length) != 1 ||
	    (aad2_length && EVP_CipherUpdate(s->cipher, NULL, &n, aad2, (int)aad2_length) != 1) ||
	    (length && EVP_CipherUpdate(s->cipher, data, &n, data, (int)length) != 1))
		return PARLEY_SRTP_ERR_LIBRARY;
	if (encrypt)
		return EVP_CipherFinal_ex(s->cipher, data + length, &n) == 1 &&
		       EVP_CIPHER_CTX_ctrl(s->cipher, EVP_CTRL_GCM_GET_TAG, GCM_TAG, tag) == 1
		       ? PARLEY_SRTP_OK : PARLEY_SRTP_ERR_LIBRARY;
	if (EVP_CIPHER_CTX_ctrl(s->cipher, EVP_CTRL_GCM_SET_TAG, GCM_TAG, tag) != 1)
		return PARLEY_SRTP_ERR_LIBRARY;
	return EVP_CipherFinal_ex(s->cipher, data + length, &n) == 1 ? PARLEY_SRTP_OK : PARLEY_SRTP_ERR_AUTH;
}

/* Header length of an RTP packet of `length` bytes (CSRCs, extension). */
static size_t rtp_header_length(const uint8_t *p, size_t length)
{
	size_t h;
	if (length < 12 || (p[0] >> 6) != 2)
		return 0;
	h = 12 + 4 * (size_t)(p[0] & 0x0f);
	if (p[0] & 0x10) {
		if (h + 4 > length)
			return 0;
		h += 4 + 4 * (size_t)((p[h + 2] << 8) | p[h + 3]);
	}
	return h <= length ? h : 0;
}

/* ---- RTP ---- */

int parley_srtp_evp_protect_rtp(parley_srtp_evp *ctx, uint8_t *p, size_t length, size_t *out_length)
{
	size_t h = rtp_header_length(p, length);
	if (!h)
		return PARLEY_SRTP_ERR_MALFORMED;
	uint32_t ssrc = get32(p + 8);
	uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
	stream *s = find_stream(ctx, ssrc);
	if (!s && !(s = add_stream(ctx, ssrc)))
		return PARLEY_SRTP_ERR_INVALID;
	uint64_t index = estimate_index(s->rtp.highest, seq);
	int rc = replay_check(&s->rtp, ctx->window, index);
	if (rc)
		return rc;   /* too old (no bitmap outbound: a repeat inside the window is a resend) */
	uint32_t roc = (uint32_t)(index >> 16);
	if (ctx->gcm) {
		rc = gcm_crypt(&ctx->rtp, true, ssrc, roc, seq, p, h, NULL, 0, p + h, length - h, p + length);
		if (rc)
			return rc;
		*out_length = length + GCM_TAG;
	} else {
		uint8_t roc_be[4], tag[SHA_DIGEST_LENGTH];
		if (!cm_crypt(&ctx->rtp, ssrc, index, p + h, length - h))
			return PARLEY_SRTP_ERR_LIBRARY;
		put32(roc_be, roc);
		hmac(&ctx->rtp, p, length, roc_be, 4, tag);
		memcpy(p + length, tag, CM_TAG);
		*out_length = length + CM_TAG;
	}
	replay_add(&s->rtp, index);
	return PARLEY_SRTP_OK;
}

int parley_srtp_evp_unprotect_rtp(parley_srtp_evp *ctx, uint8_t *p, size_t length, size_t *out_length)
{
	size_t tag_length = ctx->gcm ? GCM_TAG : CM_TAG;
	if (length < 12 + tag_length)
		return PARLEY_SRTP_ERR_MALFORMED;
	size_t body = length - tag_length, h = rtp_header_length(p, body);
	if (!h)
		return PARLEY_SRTP_ERR_MALFORMED;
	uint32_t ssrc = get32(p + 8);
	uint16_t seq = (uint16_t)(p[2] << 8 | p[3]);
	stream *s = find_stream(ctx, ssrc);
	replay fresh = { 0 };
	const replay *r = s ? &s->rtp : &fresh;
	uint64_t index = estimate_index(r->highest, seq);
	int rc = replay_check(r, ctx->window, index);
	if (rc)
		return rc;
	uint32_t roc = (uint32_t)(index >> 16);
	if (ctx->gcm) {
		rc = gcm_crypt(&ctx->rtp, false, ssrc, roc, seq, p, h, NULL, 0, p + h, body - h, p + body);
		if (rc)
			return rc;
	} else {
		uint8_t roc_be[4], tag[SHA_DIGEST_LENGTH];
		put32(roc_be, roc);
		hmac(&ctx->rtp, p, body, roc_be, 4, tag);
		if (CRYPTO_memcmp(tag, p + body, CM_TAG) != 0)
			return PARLEY_SRTP_ERR_AUTH;
		if (!cm_crypt(&ctx->rtp, ssrc, index, p + h, body - h))
			return PARLEY_SRTP_ERR_LIBRARY;
	}
	if (!s && !(s = add_stream(ctx, ssrc)))
		return PARLEY_SRTP_ERR_INVALID;
	replay_add(&s->rtp, index);
	*out_length = body;
	return PARLEY_SRTP_OK;
}

/* ---- RTCP: header+SSRC (8 bytes) in clear, E bit | 31-bit index trailer ---- */

#define RTCP_HEADER 8
#define E_BIT 0x80000000u

int parley_srtp_evp_protect_rtcp(parley_srtp_evp *ctx, uint8_t *p, size_t length, size_t *out_length)
{
	if (length < RTCP_HEADER || (p[0] >> 6) != 2)
		return PARLEY_SRTP_ERR_MALFORMED;
	uint32_t ssrc = get32(p + 4);
	stream *s = find_stream(ctx, ssrc);
	if (!s && !(s = add_stream(ctx, ssrc)))
		return PARLEY_SRTP_ERR_INVALID;
	if (s->rtcp_index >= 0x7fffffffu)
		return PARLEY_SRTP_ERR_LIBRARY;   /* SRTCP index space used up: rekey */
	uint32_t index = s->rtcp_index + 1;
	uint8_t trailer[4];
	put32(trailer, E_BIT | index);
	if (ctx->gcm) {
		/* RFC 7714 9.1: the IV carries 0x0000 | index where RTP has ROC | SEQ. */
		int rc = gcm_crypt(&ctx->rtcp, true, ssrc, index >> 16, (uint16_t)index, p, RTCP_HEADER, trailer, 4,
		                   p + RTCP_HEADER, length - RTCP_HEADER, p + length);
		if (rc)
			return rc;
		memcpy(p + length + GCM_TAG, trailer, 4);
		*out_length = length + GCM_TAG + 4;
	} else {
		uint8_t tag[SHA_DIGEST_LENGTH];
		if (!cm_crypt(&ctx->rtcp, ssrc, index, p + RTCP_HEADER, length - RTCP_HEADER))
			return PARLEY_SRTP_ERR_LIBRARY;
		memcpy(p + length, trailer, 4);
		hmac(&ctx->rtcp, p, length + 4, NULL, 0, tag);
		memcpy(p + length + 4, tag, CM_TAG);
		*out_length = length + 4 + CM_TAG;
	}
	s->rtcp_index = index;
	return PARLEY_SRTP_OK;
}

int parley_srtp_evp_unprotect_rtcp(parley_srtp_evp *ctx, uint8_t *p, size_t length, size_t *out_length)
{
	size_t tag_length = ctx->gcm ? GCM_TAG : CM_TAG;
	if (length < RTCP_HEADER + 4 + tag_length || (p[0] >> 6) != 2)
		return PARLEY_SRTP_ERR_MALFORMED;
	size_t body = length - 4 - tag_length;   /* the plaintext length */
	const uint8_t *trailer = ctx->gcm ? p + length - 4 : p + body;
	uint32_t word = get32(trailer), index = word & ~E_BIT, ssrc = get32(p + 4);
	bool encrypted = (word & E_BIT) != 0;
	stream *s = find_stream(ctx, ssrc);
	replay fresh = { 0 };
	const replay *r = s ? &s->rtcp : &fresh;
	int rc = replay_check(r, ctx->window, index);
	if (rc)
		return rc;
	if (ctx->gcm) {
		uint8_t trailer_copy[4];
		memcpy(trailer_copy, trailer, 4);
		if (encrypted)
			rc = gcm_crypt(&ctx->rtcp, false, ssrc, index >> 16, (uint16_t)index, p, RTCP_HEADER,
			               trailer_copy, 4, p + RTCP_HEADER, body - RTCP_HEADER, p + body);
		else
			rc = gcm_crypt(&ctx->rtcp, false, ssrc, index >> 16, (uint16_t)index, p, body, trailer_copy, 4,
			               p + body, 0, p + body);
		if (rc)
			return rc;
	} else {
		uint8_t tag[SHA_DIGEST_LENGTH];
		hmac(&ctx->rtcp, p, body + 4, NULL, 0, tag);
		if (CRYPTO_memcmp(tag, p + body + 4, CM_TAG) != 0)
			return PARLEY_SRTP_ERR_AUTH;
		if (encrypted && !cm_crypt(&ctx->rtcp, ssrc, index, p + RTCP_HEADER, body - RTCP_HEADER))
			return PARLEY_SRTP_ERR_LIBRARY;
	}
	if (!s && !(s = add_stream(ctx, ssrc)))
		return PARLEY_SRTP_ERR_INVALID;
	replay_add(&s->rtcp, index);
	*out_length = body;
	return PARLEY_SRTP_OK;
}
