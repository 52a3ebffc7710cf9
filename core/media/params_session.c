/*
 * params_session.c — one PeerConnection driven by mediasoup-style
 * parameters instead of SDP. Owns the pc's attachment: the streams
 * declared on it (each a kind, a direction, paused/closed, and its
 * rtpParameters: the peer's for a stream it sends, ours for one we send),
 * and turns them, on every change, into two description models — what the
 * peer sends and what we send, one m-line per stream in declaration order
 * (a closed stream's m-line is rejected until a new stream takes its
 * place) — handed to parley_pc_apply_streams, which builds the stream
 * table as an SDP offer and its answer would. Also the transport's
 * parameters: ICE (ours, ICE-lite), our candidates, DTLS (our fingerprint
 * in, the peer's role and fingerprint out). Everything runs on the pc's
 * loop.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "dtls.h"
#include "params.h"

#define PROTO "UDP/TLS/RTP/SAVPF"
#define MAX_CANDIDATES 32
#define MAX_FINGERPRINTS 8

typedef struct params_stream {
	parley_sdp_media_type type;
	bool sending; /* we send it (a consumer); else the peer does (a producer) */
	bool paused, closed;
	char mid[PARLEY_PARAMS_MAX_MID + 1];
	json_t *rtp; /* owned; NULL once closed */
} params_stream;

typedef struct params_session {
	params_stream streams[PARLEY_SDP_MAX_MEDIA];
	size_t n_streams;
	unsigned next_mid; /* mids we assign: decimal, never one in use */
} params_session;


static void session_free(void *data)
{
	params_session *ps = data;
	for (size_t i = 0; i < ps->n_streams; i++)
		json_decref(ps->streams[i].rtp);
	g_free(ps);
}

static params_session *session_of(parley_pc *pc, char *err, size_t err_size)
{
	params_session *ps = parley_pc_attachment(pc);
	if (!ps)
		parley_params_fail(err, err_size, PARLEY_PC_ERR_STATE, "no transport: create it first");
	return ps;
}

/* ---- transport parameters ---- */

static json_t *ice_parameters(parley_pc *pc)
{
	const char *ufrag = NULL, *pwd = NULL, *lines[1];
	parley_pc_local_ice(pc, &ufrag, &pwd, lines, 0);
	return json_pack("{ss ss sb}", "usernameFragment", ufrag ? ufrag : "", "password", pwd ? pwd : "", "iceLite",
	                 true);
}

/* "candidate:<foundation> 1 udp|tcp <priority> <ip> <port> typ <type>
 * [tcptype <t>]" as an IceCandidate (tcpType for TCP), or NULL. */
static json_t *candidate_json(const char *line)
{
	char foundation[33], transport[8], ip[64], type[16];
	unsigned component, port;
	uint64_t priority;
	if (sscanf(line, "candidate:%32s %u %7s %" SCNu64 " %63s %u typ %15s", foundation, &component, transport,
	           &priority, ip, &port, type) != 7 ||
	    port > 65535)
		return NULL;
	for (char *c = transport; *c; c++)
		*c = g_ascii_tolower(*c);
	json_t *c = json_pack("{ss sI ss ss si ss ss}", "foundation", foundation, "priority", (json_int_t)priority, "ip",
	                      ip, "address", ip, "port", (int)port, "protocol", transport, "type", type);
	const char *tcptype = strstr(line, " tcptype ");
	char kind[16];
	if (c && strcmp(transport, "tcp") == 0 && tcptype && sscanf(tcptype, " tcptype %15s", kind) == 1)
		json_object_set_new(c, "tcpType", json_string(kind));
	return c;
}

static json_t *ice_candidates(parley_pc *pc)
{
	const char *ufrag, *pwd, *lines[MAX_CANDIDATES];
	size_t n = parley_pc_local_ice(pc, &ufrag, &pwd, lines, MAX_CANDIDATES);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *c = candidate_json(lines[i]);
		if (c)
			json_array_append_new(list, c);
	}
	return list;
}

int parley_params_open(parley_pc *pc, json_t **out, char *err, size_t err_size)
{
	*out = NULL;
	if (parley_pc_attachment(pc))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_STATE, "the transport exists already");
	int rc = parley_pc_open_lite(pc, err, err_size);
	if (rc)
		return rc;
	parley_pc_attach(pc, g_new0(params_session, 1), session_free);
	const char *fingerprint = parley_dtls_certificate_fingerprint();
	*out = json_pack("{so so s{ss s[{ss ss}]}}", "iceParameters", ice_parameters(pc), "iceCandidates",
	                 ice_candidates(pc), "dtlsParameters", "role", "auto", "fingerprints", "algorithm", "sha-256",
	                 "value", fingerprint ? fingerprint : "");
	return 0;
}

/* Fingerprint algorithms the DTLS layer checks, with their digest sizes. */
static const struct {
	const char *name;
	size_t bytes;
} fingerprint_algorithms[] = {
	{ "sha-1", 20 }, { "sha-224", 28 }, { "sha-256", 32 }, { "sha-384", 48 }, { "sha-512", 64 },
};

/* "AB:CD:..." with `bytes` hexadecimal pairs. */
static bool fingerprint_valid(const char *value, size_t bytes)
{
	if (!value || strlen(value) != bytes * 3 - 1)
		return false;
	for (size_t i = 0; value[i]; i++)
		if (i % 3 == 2 ? value[i] != ':' : !g_ascii_isxdigit(value[i]))
			return false;
	return true;
}

int parley_params_connect(parley_pc *pc, json_t *dtls, char *err, size_t err_size)
{
	if (!session_of(pc, err, err_size))
		return PARLEY_PC_ERR_STATE;
	if (!json_is_object(dtls))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID, "dtlsParameters: an object");
	json_t *role = json_object_get(dtls, "role"), *list = json_object_get(dtls, "fingerprints");
	const char *role_name = role ? json_string_value(role) : "auto";
	if (!role_name || (strcmp(role_name, "auto") && strcmp(role_name, "client") && strcmp(role_name, "server")))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "dtlsParameters.role: auto, client or server");
	if (!list)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_MISSING, "dtlsParameters.fingerprints: missing");
	if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > MAX_FINGERPRINTS)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "dtlsParameters.fingerprints: an array of 1..%d", MAX_FINGERPRINTS);
	size_t i;
	json_t *fp;
	json_array_foreach (list, i, fp) {
		const char *algorithm = json_string_value(json_object_get(fp, "algorithm"));
		const char *value = json_string_value(json_object_get(fp, "value"));
		if (!algorithm || !value)
			return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
			                          "dtlsParameters.fingerprints[%zu]: {algorithm, value}", i);
		for (size_t a = 0; a < G_N_ELEMENTS(fingerprint_algorithms); a++) {
			if (g_ascii_strcasecmp(algorithm, fingerprint_algorithms[a].name))
				continue;
			if (!fingerprint_valid(value, fingerprint_algorithms[a].bytes))
				return parley_params_fail(
					err, err_size, PARLEY_PC_ERR_INVALID,
					"dtlsParameters.fingerprints[%zu].value: %zu hexadecimal bytes separated by ':'",
					i, fingerprint_algorithms[a].bytes);
			/* The peer as DTLS client makes us the server; as server, or
			 * "auto", we are the client: the ICE-controlled side. */
			bool we_are_client = strcmp(role_name, "client") != 0;
			return parley_pc_set_remote_dtls(pc, we_are_client, fingerprint_algorithms[a].name, value, err,
			                                 err_size);
		}
	}
	return parley_params_fail(
		err, err_size, PARLEY_PC_ERR_INVALID,
		"dtlsParameters.fingerprints: none with a supported algorithm (sha-1, sha-224, sha-256, sha-384, sha-512)");
}

int parley_params_restart_ice(parley_pc *pc, json_t **out, char *err, size_t err_size)
{
	*out = NULL;
	if (!session_of(pc, err, err_size))
		return PARLEY_PC_ERR_STATE;
	int rc = parley_pc_restart_local_ice(pc, err, err_size);
	if (!rc)
		*out = ice_parameters(pc);
	return rc;
}

/* ---- streams ---- */

/* The two m-lines of one stream: the peer's view in `remote`, ours in `local`. */
static int add_stream_lines(const params_stream *s, parley_sdp *remote, parley_sdp *local, char *err, size_t err_size)
{
	parley_sdp_media *rm = parley_sdp_add_media(remote, s->type, PROTO);
	parley_sdp_media *lm = parley_sdp_add_media(local, s->type, PROTO);
	if (!rm || !lm || parley_sdp_set_string(&rm->mid, s->mid) < 0 || parley_sdp_set_string(&lm->mid, s->mid) < 0)
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_LIMIT, "too many streams");
	if (s->closed)
		return 0; /* port 0: rejected */
	rm->port = lm->port = 9;
	rm->rtcp_mux = lm->rtcp_mux = true;
	int rc = parley_params_rtp_to_media(s->rtp, s->type,
	                                    s->sending ? PARLEY_PARAMS_NO_SOURCES : PARLEY_PARAMS_SOURCES, remote, rm,
	                                    err, err_size);
	if (!rc)
		rc = parley_params_rtp_to_media(s->rtp, s->type,
		                                s->sending ? PARLEY_PARAMS_SOURCES : PARLEY_PARAMS_NO_SOURCES, local,
		                                lm, err, err_size);
	rm->direction = s->paused ? PARLEY_SDP_INACTIVE : s->sending ? PARLEY_SDP_RECVONLY : PARLEY_SDP_SENDONLY;
	lm->direction = s->paused ? PARLEY_SDP_INACTIVE : s->sending ? PARLEY_SDP_SENDONLY : PARLEY_SDP_RECVONLY;
	return rc;
}

/* Both descriptions from every declared stream, handed to the pc. */
static int renegotiate(parley_pc *pc, params_session *ps, char *err, size_t err_size)
{
	parley_sdp *remote = parley_sdp_new(NULL), *local = parley_sdp_new(NULL);
	int rc = remote && local ? 0 : parley_params_fail(err, err_size, PARLEY_PC_ERR_LIMIT, "out of memory");
	for (size_t i = 0; i < ps->n_streams && !rc; i++)
		rc = add_stream_lines(&ps->streams[i], remote, local, err, err_size);
	if (!rc)
		rc = parley_pc_apply_streams(pc, remote, local, err, err_size);
	parley_sdp_free(remote);
	parley_sdp_free(local);
	return rc;
}

static bool mid_in_use(const params_session *ps, const char *mid)
{
	for (size_t i = 0; i < ps->n_streams; i++)
		if (!ps->streams[i].closed && !strcmp(ps->streams[i].mid, mid))
			return true;
	return false;
}

/* True when an SSRC of `json` encodings (ssrc or rtx.ssrc) is `ssrc`. */
static bool encodings_use(json_t *encodings, uint32_t ssrc)
{
	size_t i;
	json_t *e;
	json_array_foreach (encodings, i, e)
		if (json_integer_value(json_object_get(e, "ssrc")) == ssrc ||
		    json_integer_value(json_object_get(json_object_get(e, "rtx"), "ssrc")) == ssrc)
			return true;
	return false;
}

/* An SSRC of m that another open stream the peer sends declared, or 0. */
static uint32_t ssrc_in_use(const params_session *ps, const parley_sdp_media *m)
{
	for (size_t k = 0; k < m->n_ssrcs; k++)
		for (size_t i = 0; i < ps->n_streams; i++) {
			const params_stream *s = &ps->streams[i];
			if (!s->closed && !s->sending &&
			    encodings_use(json_object_get(s->rtp, "encodings"), m->ssrcs[k].ssrc))
				return m->ssrcs[k].ssrc;
		}
	return 0;
}

/* A free slot (the first closed one, else a new one), or -1. */
static int free_slot(params_session *ps)
{
	for (size_t i = 0; i < ps->n_streams; i++)
		if (ps->streams[i].closed)
			return (int)i;
	return ps->n_streams < PARLEY_SDP_MAX_MEDIA ? (int)ps->n_streams : -1;
}

/* Puts a new stream (taking `rtp`) into a free slot and renegotiates;
 * on failure the set is as before. */
static int declare(parley_pc *pc, params_session *ps, const params_stream *stream, int *mindex, char *err,
                   size_t err_size)
{
	int slot = free_slot(ps);
	if (slot < 0) {
		json_decref(stream->rtp);
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_LIMIT, "streams per transport: the limit is %d",
		                          PARLEY_SDP_MAX_MEDIA);
	}
	params_stream before = ps->streams[slot];
	size_t n_before = ps->n_streams;
	ps->streams[slot] = *stream;
	if ((size_t)slot == ps->n_streams)
		ps->n_streams++;
	int rc = renegotiate(pc, ps, err, err_size);
	if (rc) {
		json_decref(ps->streams[slot].rtp);
		ps->streams[slot] = before;
		ps->n_streams = n_before;
		return rc;
	}
	*mindex = slot;
	return 0;
}

static parley_sdp_media_type type_of(const char *kind)
{
	return !g_strcmp0(kind, "audio")   ? PARLEY_SDP_MEDIA_AUDIO
	       : !g_strcmp0(kind, "video") ? PARLEY_SDP_MEDIA_VIDEO
	                                   : PARLEY_SDP_MEDIA_OTHER;
}

int parley_params_receive(parley_pc *pc, const char *kind, json_t *rtp, int *mindex, char *err, size_t err_size)
{
	params_session *ps = session_of(pc, err, err_size);
	if (!ps)
		return PARLEY_PC_ERR_STATE;
	parley_sdp_media_type type = type_of(kind);
	if (type == PARLEY_SDP_MEDIA_OTHER)
		return parley_params_fail(err, err_size, kind ? PARLEY_PC_ERR_INVALID : PARLEY_PC_ERR_MISSING,
		                          "kind: audio or video");
	/* Checked alone first: a refusal leaves the pc untouched. */
	parley_sdp *check = parley_sdp_new(NULL);
	parley_sdp_media *m = check ? parley_sdp_add_media(check, type, PROTO) : NULL;
	int rc = m ? parley_params_rtp_to_media(rtp, type, PARLEY_PARAMS_SOURCES, check, m, err, err_size)
	           : parley_params_fail(err, err_size, PARLEY_PC_ERR_LIMIT, "out of memory");
	if (!rc)
		rc = parley_params_caps_accept(m, err, err_size);
	uint32_t clash = rc ? 0 : ssrc_in_use(ps, m);
	if (clash)
		rc = parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                        "rtpParameters.encodings: SSRC %" PRIu32
		                        " is another stream's on this transport",
		                        clash);
	if (!rc && mid_in_use(ps, m->mid))
		rc = parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                        "rtpParameters.mid: \"%s\" is in use on this transport", m->mid);
	params_stream stream = { .type = type };
	if (!rc)
		g_strlcpy(stream.mid, m->mid, sizeof(stream.mid));
	parley_sdp_free(check);
	if (rc)
		return rc;
	stream.rtp = json_deep_copy(rtp);
	return declare(pc, ps, &stream, mindex, err, err_size);
}

/* Our rtpParameters for a stream we send to a consumer (new reference). */
static json_t *sending_parameters(parley_sdp_media_type type, json_t *options, const char *mid, char *err,
                                  size_t err_size, int *rc)
{
	json_t *cname = json_object_get(options, "cname");
	if (cname && (!json_is_string(cname) || !*json_string_value(cname) || strlen(json_string_value(cname)) > 63 ||
	              strchr(json_string_value(cname), ' '))) {
		*rc = parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                         "cname: a string of 1..63 characters without spaces");
		return NULL;
	}
	parley_sdp *sdp = parley_sdp_new(NULL);
	parley_sdp_media *m = sdp ? parley_sdp_add_media(sdp, type, PROTO) : NULL;
	*rc = m && parley_sdp_set_string(&m->mid, mid) == 0
	              ? 0
	              : parley_params_fail(err, err_size, PARLEY_PC_ERR_LIMIT, "out of memory");
	if (!*rc)
		*rc = parley_params_caps_fill_send(json_object_get(options, "rtpCapabilities"),
		                                   json_object_get(options, "codecs"), sdp, m, err, err_size);
	json_t *rtp = NULL;
	if (!*rc) {
		const char *name = cname ? json_string_value(cname) : "parley";
		uint32_t ssrc = g_random_int() | 1, rtx_ssrc = g_random_int() | 1;
		bool rtx = parley_sdp_rtx_pt(m, m->formats[0].pt) >= 0;
		uint32_t fid[2] = { ssrc, rtx_ssrc };
		m->rtcp_rsize = true;
		if (parley_sdp_add_ssrc(sdp, m, ssrc, name, NULL) < 0 ||
		    (rtx && (rtx_ssrc == ssrc || parley_sdp_add_ssrc(sdp, m, rtx_ssrc, name, NULL) < 0 ||
		             parley_sdp_add_ssrc_group(sdp, m, "FID", fid, 2) < 0)))
			*rc = parley_params_fail(err, err_size, PARLEY_PC_ERR_LIMIT, "cannot add our SSRCs");
		else
			rtp = parley_params_rtp_from_media(m);
	}
	parley_sdp_free(sdp);
	return rtp;
}

int parley_params_send(parley_pc *pc, json_t *options, json_t **out, char *err, size_t err_size)
{
	*out = NULL;
	params_session *ps = session_of(pc, err, err_size);
	if (!ps)
		return PARLEY_PC_ERR_STATE;
	if (!json_is_object(options))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID,
		                          "an object {kind, rtpCapabilities, codecs?, cname?, paused?}");
	const char *kind = json_string_value(json_object_get(options, "kind"));
	parley_sdp_media_type type = type_of(kind);
	json_t *paused = json_object_get(options, "paused");
	if (type == PARLEY_SDP_MEDIA_OTHER)
		return parley_params_fail(err, err_size, kind ? PARLEY_PC_ERR_INVALID : PARLEY_PC_ERR_MISSING,
		                          "kind: audio or video");
	if (!json_object_get(options, "rtpCapabilities"))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_MISSING, "rtpCapabilities: missing");
	if (paused && !json_is_boolean(paused))
		return parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID, "paused: a boolean");
	char mid[PARLEY_PARAMS_MAX_MID + 1];
	do
		snprintf(mid, sizeof(mid), "%u", ps->next_mid++);
	while (mid_in_use(ps, mid));
	int rc = 0;
	json_t *rtp = sending_parameters(type, options, mid, err, err_size, &rc);
	if (rc)
		return rc;
	params_stream stream = { .type = type, .sending = true, .paused = json_is_true(paused), .rtp = rtp };
	g_strlcpy(stream.mid, mid, sizeof(stream.mid));
	int mindex = -1;
	rc = declare(pc, ps, &stream, &mindex, err, err_size);
	if (!rc)
		*out = json_pack("{si so}", "mindex", mindex, "rtpParameters", json_deep_copy(ps->streams[mindex].rtp));
	return rc;
}

static params_stream *declared(params_session *ps, int mindex, char *err, size_t err_size)
{
	if (mindex < 0 || (size_t)mindex >= ps->n_streams || ps->streams[mindex].closed) {
		parley_params_fail(err, err_size, PARLEY_PC_ERR_INVALID, "mindex %d: no such stream", mindex);
		return NULL;
	}
	return &ps->streams[mindex];
}

int parley_params_pause(parley_pc *pc, int mindex, bool paused, char *err, size_t err_size)
{
	params_session *ps = session_of(pc, err, err_size);
	params_stream *s = ps ? declared(ps, mindex, err, err_size) : NULL;
	if (!s)
		return ps ? PARLEY_PC_ERR_INVALID : PARLEY_PC_ERR_STATE;
	if (s->paused == paused)
		return 0;
	s->paused = paused;
	int rc = renegotiate(pc, ps, err, err_size);
	if (rc)
		s->paused = !paused;
	return rc;
}

int parley_params_close(parley_pc *pc, int mindex, char *err, size_t err_size)
{
	params_session *ps = session_of(pc, err, err_size);
	params_stream *s = ps ? declared(ps, mindex, err, err_size) : NULL;
	if (!s)
		return ps ? PARLEY_PC_ERR_INVALID : PARLEY_PC_ERR_STATE;
	s->closed = true;
	json_decref(s->rtp);
	s->rtp = NULL;
	return renegotiate(pc, ps, err, err_size);
}
