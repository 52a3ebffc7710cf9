/*
 * srtp.c — owns the libsrtp2 side of the media path: the once-per-process
 * srtp_init, the inbound/outbound context pair of a PeerConnection, in-place
 * protect/unprotect of RTP and RTCP, and readable error strings for every
 * srtp_err_status_t; and the switch between that backend and the OpenSSL
 * EVP one (srtp_evp.c).
 */
#include "srtp.h"
#include "srtp_evp.h"

#include <limits.h>
#include <string.h>
#include <srtp2/srtp.h>

struct parley_srtp {
	parley_srtp_profile profile;
	parley_srtp_backend backend;
	parley_srtp_evp *evp_in;
	parley_srtp_evp *evp_out;
	srtp_t inbound;
	srtp_t outbound;
	size_t rtp_tail;
	size_t rtcp_tail;
};

G_DEFINE_QUARK(parley-srtp-error-quark, parley_srtp_error)

/* What each profile means to libsrtp. */
typedef struct profile_info {
	parley_srtp_profile profile;
	const char *name;
	size_t salt_length;
	size_t tag_length;
	void (*set_policy)(srtp_crypto_policy_t *policy);
} profile_info;

static const profile_info profiles[] = {
	{ PARLEY_SRTP_AEAD_AES_128_GCM, "AEAD_AES_128_GCM", SRTP_AEAD_SALT_LEN, 16,
	  srtp_crypto_policy_set_aes_gcm_128_16_auth },
	{ PARLEY_SRTP_AES128_CM_SHA1_80, "AES_CM_128_HMAC_SHA1_80", SRTP_SALT_LEN, 10,
	  srtp_crypto_policy_set_rtp_default },
};

static const profile_info *find_profile(parley_srtp_profile profile)
{
	for (size_t i = 0; i < G_N_ELEMENTS(profiles); i++)
		if (profiles[i].profile == profile)
			return &profiles[i];
	return NULL;
}

/* Every libsrtp status: its text and the code we report for it. */
typedef struct status_info {
	srtp_err_status_t status;
	parley_srtp_error code;
	const char *text;
} status_info;

static const status_info statuses[] = {
	{ srtp_err_status_ok, PARLEY_SRTP_OK, "ok" },
	{ srtp_err_status_fail, PARLEY_SRTP_ERR_LIBRARY, "unspecified libsrtp failure" },
	{ srtp_err_status_bad_param, PARLEY_SRTP_ERR_MALFORMED, "bad parameter (malformed or truncated packet)" },
	{ srtp_err_status_alloc_fail, PARLEY_SRTP_ERR_LIBRARY, "memory allocation failed" },
	{ srtp_err_status_dealloc_fail, PARLEY_SRTP_ERR_LIBRARY, "deallocation failed" },
	{ srtp_err_status_init_fail, PARLEY_SRTP_ERR_INIT, "initialisation failed" },
	{ srtp_err_status_terminus, PARLEY_SRTP_ERR_LIBRARY, "key stream exhausted" },
	{ srtp_err_status_auth_fail, PARLEY_SRTP_ERR_AUTH, "authentication failed" },
	{ srtp_err_status_cipher_fail, PARLEY_SRTP_ERR_AUTH, "cipher failure (AEAD tag mismatch)" },
	{ srtp_err_status_replay_fail, PARLEY_SRTP_ERR_REPLAY, "replayed packet (index already seen)" },
	{ srtp_err_status_replay_old, PARLEY_SRTP_ERR_REPLAY, "packet too old for the replay window" },
	{ srtp_err_status_algo_fail, PARLEY_SRTP_ERR_LIBRARY, "algorithm self-test failed" },
	{ srtp_err_status_no_such_op, PARLEY_SRTP_ERR_LIBRARY, "unsupported operation" },
	{ srtp_err_status_no_ctx, PARLEY_SRTP_ERR_LIBRARY, "no stream context for this SSRC" },
	{ srtp_err_status_cant_check, PARLEY_SRTP_ERR_LIBRARY, "cannot check authentication" },
	{ srtp_err_status_key_expired, PARLEY_SRTP_ERR_LIBRARY, "key expired (packet limit reached)" },
	{ srtp_err_status_socket_err, PARLEY_SRTP_ERR_LIBRARY, "socket error" },
	{ srtp_err_status_signal_err, PARLEY_SRTP_ERR_LIBRARY, "signal error" },
	{ srtp_err_status_nonce_bad, PARLEY_SRTP_ERR_LIBRARY, "bad nonce" },
	{ srtp_err_status_read_fail, PARLEY_SRTP_ERR_LIBRARY, "read failed" },
	{ srtp_err_status_write_fail, PARLEY_SRTP_ERR_LIBRARY, "write failed" },
	{ srtp_err_status_parse_err, PARLEY_SRTP_ERR_MALFORMED, "parse error" },
	{ srtp_err_status_encode_err, PARLEY_SRTP_ERR_LIBRARY, "encode error" },
	{ srtp_err_status_semaphore_err, PARLEY_SRTP_ERR_LIBRARY, "semaphore error" },
	{ srtp_err_status_pfkey_err, PARLEY_SRTP_ERR_LIBRARY, "pfkey error" },
	{ srtp_err_status_bad_mki, PARLEY_SRTP_ERR_MALFORMED, "bad MKI in packet" },
	{ srtp_err_status_pkt_idx_old, PARLEY_SRTP_ERR_REPLAY, "packet index too old" },
	{ srtp_err_status_pkt_idx_adv, PARLEY_SRTP_ERR_LIBRARY, "packet index advanced too far" },
};

static const status_info *find_status(int status)
{
	for (size_t i = 0; i < G_N_ELEMENTS(statuses); i++)
		if ((int)statuses[i].status == status)
			return &statuses[i];
	return NULL;
}

static const struct { parley_srtp_error code; const char *text; } error_texts[] = {
	{ PARLEY_SRTP_OK, "ok" },
	{ PARLEY_SRTP_ERR_INVALID, "invalid argument or unknown SRTP profile" },
	{ PARLEY_SRTP_ERR_NO_ROOM, "not enough room after the packet for the SRTP trailer" },
	{ PARLEY_SRTP_ERR_MALFORMED, "malformed or truncated packet" },
	{ PARLEY_SRTP_ERR_AUTH, "SRTP authentication failed" },
	{ PARLEY_SRTP_ERR_REPLAY, "SRTP replay detected" },
	{ PARLEY_SRTP_ERR_INIT, "libsrtp initialisation failed" },
	{ PARLEY_SRTP_ERR_LIBRARY, "libsrtp failure" },
};

const char *parley_srtp_strerror(int code)
{
	for (size_t i = 0; i < G_N_ELEMENTS(error_texts); i++)
		if ((int)error_texts[i].code == code)
			return error_texts[i].text;
	return "unknown SRTP error";
}

const char *parley_srtp_status_string(int srtp_status)
{
	const status_info *info = find_status(srtp_status);
	return info ? info->text : "unknown libsrtp status";
}

static int code_for_status(srtp_err_status_t status)
{
	const status_info *info = find_status(status);
	return info ? (int)info->code : PARLEY_SRTP_ERR_LIBRARY;
}

const char *parley_srtp_library_version(void)
{
	return srtp_get_version_string();
}

const char *parley_srtp_profile_name(parley_srtp_profile profile)
{
	const profile_info *info = find_profile(profile);
	return info ? info->name : "none";
}

size_t parley_srtp_salt_length(parley_srtp_profile profile)
{
	const profile_info *info = find_profile(profile);
	return info ? info->salt_length : 0;
}

size_t parley_srtp_tail_room(parley_srtp_profile profile, bool rtcp)
{
	const profile_info *info = find_profile(profile);
	if (!info)
		return 0;
	return info->tag_length + (rtcp ? 4 : 0);   /* SRTCP adds E flag + index */
}

static gsize init_done;
static int init_result;

int parley_srtp_init(void)
{
	if (g_once_init_enter(&init_done)) {
		srtp_err_status_t status = srtp_init();
		init_result = status == srtp_err_status_ok ? PARLEY_SRTP_OK : PARLEY_SRTP_ERR_INIT;
		g_once_init_leave(&init_done, 1);
	}
	return init_result;
}

/* One direction: key||salt as libsrtp wants it, any SSRC of that direction. */
static srtp_err_status_t create_direction(srtp_t *out, const profile_info *info, srtp_ssrc_type_t type,
                                          const uint8_t *key, const uint8_t *salt, unsigned window)
{
	uint8_t material[PARLEY_SRTP_KEY_LEN + PARLEY_SRTP_MAX_SALT_LEN];
	srtp_policy_t policy;
	srtp_err_status_t status;

	memset(&policy, 0, sizeof(policy));
	info->set_policy(&policy.rtp);
	info->set_policy(&policy.rtcp);
	memcpy(material, key, PARLEY_SRTP_KEY_LEN);
	memcpy(material + PARLEY_SRTP_KEY_LEN, salt, info->salt_length);
	policy.key = material;
	policy.ssrc.type = type;
	policy.window_size = window;
	/* Outbound: a NACKed packet resent without RTX reuses its index. */
	policy.allow_repeat_tx = type == ssrc_any_outbound;
	policy.next = NULL;
	status = srtp_create(out, &policy);
	memset(material, 0, sizeof(material));
	return status;
}

static const struct { parley_srtp_backend backend; const char *name; } backend_names[] = {
	{ PARLEY_SRTP_BACKEND_OPENSSL, "openssl" },
	{ PARLEY_SRTP_BACKEND_LIBSRTP, "libsrtp" },
};

static volatile gint default_backend = PARLEY_SRTP_BACKEND_OPENSSL;

int parley_srtp_backend_from_name(const char *name)
{
	for (size_t i = 0; name && i < G_N_ELEMENTS(backend_names); i++)
		if (g_ascii_strcasecmp(name, backend_names[i].name) == 0)
			return backend_names[i].backend;
	return -1;
}

const char *parley_srtp_backend_name(parley_srtp_backend backend)
{
	if (backend == PARLEY_SRTP_BACKEND_DEFAULT)
		backend = g_atomic_int_get(&default_backend);
	for (size_t i = 0; i < G_N_ELEMENTS(backend_names); i++)
		if (backend_names[i].backend == backend)
			return backend_names[i].name;
	return "unknown";
}

void parley_srtp_set_default_backend(parley_srtp_backend backend)
{
	if (backend == PARLEY_SRTP_BACKEND_OPENSSL || backend == PARLEY_SRTP_BACKEND_LIBSRTP)
		g_atomic_int_set(&default_backend, backend);
}

parley_srtp_backend parley_srtp_get_backend(const parley_srtp *srtp)
{
	return srtp ? srtp->backend : PARLEY_SRTP_BACKEND_DEFAULT;
}

parley_srtp *parley_srtp_new(const parley_srtp_keys *keys, unsigned replay_window, GError **error)
{
	return parley_srtp_new_backend(keys, replay_window, PARLEY_SRTP_BACKEND_DEFAULT, error);
}

parley_srtp *parley_srtp_new_backend(const parley_srtp_keys *keys, unsigned replay_window,
                                     parley_srtp_backend backend, GError **error)
{
	const profile_info *info;
	srtp_err_status_t status;
	parley_srtp *srtp;

	if (!keys || !(info = find_profile(keys->profile))) {
		g_set_error(error, PARLEY_SRTP_ERROR, PARLEY_SRTP_ERR_INVALID, "unknown SRTP profile %d",
		            keys ? (int)keys->profile : -1);
		return NULL;
	}
	if (replay_window == 0)
		replay_window = PARLEY_SRTP_DEFAULT_REPLAY_WINDOW;
	if (replay_window < PARLEY_SRTP_MIN_REPLAY_WINDOW || replay_window > PARLEY_SRTP_MAX_REPLAY_WINDOW) {
		g_set_error(error, PARLEY_SRTP_ERROR, PARLEY_SRTP_ERR_INVALID,
		            "SRTP replay window %u out of range %d..%d", replay_window,
		            PARLEY_SRTP_MIN_REPLAY_WINDOW, PARLEY_SRTP_MAX_REPLAY_WINDOW);
		return NULL;
	}
	if (backend == PARLEY_SRTP_BACKEND_DEFAULT)
		backend = g_atomic_int_get(&default_backend);
	if (backend == PARLEY_SRTP_BACKEND_OPENSSL) {
		srtp = g_new0(parley_srtp, 1);
		srtp->profile = info->profile;
		srtp->backend = backend;
		srtp->rtp_tail = parley_srtp_tail_room(info->profile, false);
		srtp->rtcp_tail = parley_srtp_tail_room(info->profile, true);
		if (!(srtp->evp_in = parley_srtp_evp_new(info->profile, keys->remote_key, keys->remote_salt,
		                                         replay_window, false, error)) ||
		    !(srtp->evp_out = parley_srtp_evp_new(info->profile, keys->local_key, keys->local_salt,
		                                          replay_window, true, error))) {
			parley_srtp_free(srtp);
			return NULL;
		}
		return srtp;
	}
	if (backend != PARLEY_SRTP_BACKEND_LIBSRTP) {
		g_set_error(error, PARLEY_SRTP_ERROR, PARLEY_SRTP_ERR_INVALID, "unknown SRTP backend %d", (int)backend);
		return NULL;
	}
	if (parley_srtp_init() != PARLEY_SRTP_OK) {
		g_set_error(error, PARLEY_SRTP_ERROR, PARLEY_SRTP_ERR_INIT, "srtp_init failed");
		return NULL;
	}
	srtp = g_new0(parley_srtp, 1);
	srtp->profile = info->profile;
	srtp->backend = backend;
	srtp->rtp_tail = parley_srtp_tail_room(info->profile, false);
	srtp->rtcp_tail = parley_srtp_tail_room(info->profile, true);
	status = create_direction(&srtp->inbound, info, ssrc_any_inbound, keys->remote_key,
	                          keys->remote_salt, replay_window);
	if (status == srtp_err_status_ok)
		status = create_direction(&srtp->outbound, info, ssrc_any_outbound, keys->local_key,
		                          keys->local_salt, replay_window);
	if (status != srtp_err_status_ok) {
		g_set_error(error, PARLEY_SRTP_ERROR, code_for_status(status), "srtp_create (%s): %s",
		            info->name, parley_srtp_status_string(status));
		parley_srtp_free(srtp);
		return NULL;
	}
	return srtp;
}

void parley_srtp_free(parley_srtp *srtp)
{
	if (!srtp)
		return;
	if (srtp->inbound)
		srtp_dealloc(srtp->inbound);
	if (srtp->outbound)
		srtp_dealloc(srtp->outbound);
	parley_srtp_evp_free(srtp->evp_in);
	parley_srtp_evp_free(srtp->evp_out);
	g_free(srtp);
}

parley_srtp_profile parley_srtp_get_profile(const parley_srtp *srtp)
{
	return srtp ? srtp->profile : PARLEY_SRTP_PROFILE_NONE;
}

/* Smallest packets libsrtp can work on: an RTP header, an RTCP header+SSRC;
 * protected ones also carry their tag (and the SRTCP index). */
#define RTP_MIN 12
#define RTCP_MIN 8

/* One of the four in-place operations: its libsrtp and OpenSSL functions,
 * the direction (protect works on the outbound context and needs room for
 * the tail, unprotect on the inbound one and needs the tail present) and
 * the kind of packet. */
typedef struct srtp_op {
	srtp_err_status_t (*fn)(srtp_t ctx, void *packet, int *length);
	int (*efn)(parley_srtp_evp *ctx, uint8_t *packet, size_t length, size_t *out_length);
	bool protect;
	bool rtcp;
} srtp_op;

static const srtp_op protect_rtp = { srtp_protect, parley_srtp_evp_protect_rtp, true, false };
static const srtp_op protect_rtcp = { srtp_protect_rtcp, parley_srtp_evp_protect_rtcp, true, true };
static const srtp_op unprotect_rtp = { srtp_unprotect, parley_srtp_evp_unprotect_rtp, false, false };
static const srtp_op unprotect_rtcp = { srtp_unprotect_rtcp, parley_srtp_evp_unprotect_rtcp, false, true };

/* The shared checks and the call itself; capacity is length when unprotecting. */
static int run_in_place(parley_srtp *srtp, const srtp_op *op, void *buffer, size_t length, size_t capacity,
                        size_t *out_length)
{
	if (!srtp)
		return PARLEY_SRTP_ERR_INVALID;
	srtp_t ctx = op->protect ? srtp->outbound : srtp->inbound;
	parley_srtp_evp *evp = op->protect ? srtp->evp_out : srtp->evp_in;
	size_t tail = op->rtcp ? srtp->rtcp_tail : srtp->rtp_tail;
	size_t minimum = (op->rtcp ? RTCP_MIN : RTP_MIN) + (op->protect ? 0 : tail);
	size_t room = op->protect ? tail : 0;

	if ((!ctx && !evp) || !buffer || !out_length)
		return PARLEY_SRTP_ERR_INVALID;
	if (length < minimum || length > INT_MAX - PARLEY_SRTP_MAX_TAIL_ROOM)
		return PARLEY_SRTP_ERR_MALFORMED;
	if (capacity < length || capacity - length < room)
		return PARLEY_SRTP_ERR_NO_ROOM;
	if (evp)
		return op->efn(evp, buffer, length, out_length);
	int len = (int)length;
	srtp_err_status_t status = op->fn(ctx, buffer, &len);
	if (status != srtp_err_status_ok)
		return code_for_status(status);
	*out_length = (size_t)len;
	return PARLEY_SRTP_OK;
}

int parley_srtp_protect_rtp(parley_srtp *srtp, void *buffer, size_t length, size_t capacity,
                            size_t *out_length)
{
	return run_in_place(srtp, &protect_rtp, buffer, length, capacity, out_length);
}

int parley_srtp_protect_rtcp(parley_srtp *srtp, void *buffer, size_t length, size_t capacity,
                             size_t *out_length)
{
	return run_in_place(srtp, &protect_rtcp, buffer, length, capacity, out_length);
}

int parley_srtp_unprotect_rtp(parley_srtp *srtp, void *buffer, size_t length, size_t *out_length)
{
	return run_in_place(srtp, &unprotect_rtp, buffer, length, length, out_length);
}

int parley_srtp_unprotect_rtcp(parley_srtp *srtp, void *buffer, size_t length, size_t *out_length)
{
	return run_in_place(srtp, &unprotect_rtcp, buffer, length, length, out_length);
}
