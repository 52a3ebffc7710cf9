/*
 * pc_data.c — a PeerConnection's data channels (RFC 8831/8832 over SCTP
 * over DTLS, RFC 8261): the m=application line of each description (its
 * SCTP port and a=max-message-size, modern "UDP/DTLS/SCTP
 * webrtc-datachannel" + a=sctp-port or legacy "DTLS/SCTP 5000" +
 * a=sctpmap, answered in the form offered), what our description says
 * (our port, our maximum message size, no rtcp-mux), the association
 * (sctp.c) and its channel layer (datachannel.c) started once DTLS is up
 * and both descriptions accept the m-line, DTLS application data into
 * SCTP and SCTP packets out through DTLS, and the channel layer's
 * callbacks up to the pc's owner. All on the pc's loop. Nothing here is on
 * the RTP path: DTLS records reach it through the DTLS layer only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pc_internal.h"
#include "sdp_internal.h"

#define LEGACY_PROTO "DTLS/SCTP"
#define LEGACY_STREAMS "1024"

static bool is_data_media(const parley_sdp_media *m)
{
	return m->type == PARLEY_SDP_MEDIA_APPLICATION && m->proto && strstr(m->proto, "DTLS/SCTP") != NULL;
}

static bool is_legacy(const parley_sdp_media *m)
{
	return !strcmp(m->proto, LEGACY_PROTO);
}

/* The SCTP port an m-line announces: a=sctp-port, else (legacy) its
 * format, else the default. */
static uint16_t announced_port(const parley_sdp_media *m)
{
	if (m->sctp_port > 0 && m->sctp_port <= 65535)
		return (uint16_t)m->sctp_port;
	if (is_legacy(m) && m->n_formats) {
		char *end = NULL;
		unsigned long port = strtoul(m->formats[0].fmt, &end, 10);
		if (end && !*end && port > 0 && port <= 65535)
			return (uint16_t)port;
	}
	return PARLEY_SCTP_DEFAULT_PORT;
}

/* The first data m-line of a description, or NULL. */
static const parley_sdp_media *data_media(const parley_sdp *sdp, int *index)
{
	for (size_t i = 0; i < sdp->n_media; i++)
		if (is_data_media(&sdp->media[i])) {
			*index = (int)i;
			return &sdp->media[i];
		}
	return NULL;
}

static size_t our_max_message_size(const parley_pc *pc)
{
	size_t max = pc->settings.sctp_max_message_size;
	if (max == 0)
		max = PARLEY_DC_DEFAULT_MAX_MESSAGE;
	return max > PARLEY_DC_LIMIT_MAX_MESSAGE ? PARLEY_DC_LIMIT_MAX_MESSAGE : max;
}

/* A message queued by parley_pc_relay_data for the loop. */
typedef struct pc_relay_job {
	char *label, *protocol;
	parley_dc_open_options open;
	bool has_open;
	bool binary;
	size_t length;
	uint8_t data[];
} pc_relay_job;

void pc_data_init(parley_pc *pc)
{
	pc->data.remote_index = -1;
	g_mutex_init(&pc->data.relay_lock);
	g_queue_init(&pc->data.relay);
}

static void relay_job_free(gpointer data)
{
	pc_relay_job *job = data;
	g_free(job->label);
	g_free(job->protocol);
	g_free(job);
}

void pc_data_clear(parley_pc *pc)
{
	g_queue_clear_full(&pc->data.relay, relay_job_free);
	g_mutex_clear(&pc->data.relay_lock);
}

void pc_data_take_remote(parley_pc *pc, const parley_sdp *sdp)
{
	int index = -1;
	const parley_sdp_media *m = data_media(sdp, &index);
	pc_data *d = &pc->data;
	d->remote_index = index;
	d->remote_accepts = m && m->port != 0;
	d->remote_port = m ? announced_port(m) : 0;
	d->remote_max_message_size = m ? m->max_message_size : -1;
	if (d->dc)
		parley_dc_set_remote_max_message_size(d->dc, d->remote_max_message_size);
	if (!d->remote_accepts)
		pc_data_stop(pc);   /* the peer removed or rejected the data m-line */
}

void pc_data_take_local(parley_pc *pc, const parley_sdp *sdp)
{
	int index = -1;
	const parley_sdp_media *m = data_media(sdp, &index);
	pc_data *d = &pc->data;
	d->local_accepts = m && m->port != 0;
	d->local_port = m ? announced_port(m) : 0;
	if (!d->local_accepts)
		pc_data_stop(pc);
}

/* Our data m-lines in the description we send: our port, our maximum
 * message size, in the form the line has (legacy when the peer offered
 * it so); no rtcp-mux (an SCTP line has no RTCP). */
int pc_data_merge_local(parley_pc *pc, parley_sdp *sdp)
{
	for (size_t i = 0; i < sdp->n_media; i++) {
		parley_sdp_media *m = &sdp->media[i];
		if (!is_data_media(m))
			continue;
		m->rtcp_mux = false;
		if (m->port == 0)
			continue;
		m->max_message_size = (int64_t)our_max_message_size(pc);
		if (!is_legacy(m)) {
			if (m->sctp_port <= 0)
				m->sctp_port = PARLEY_SCTP_DEFAULT_PORT;
			continue;
		}
		/* legacy: the port is the format, a=sctpmap names the protocol */
		m->sctp_port = -1;
		char port[8];
		snprintf(port, sizeof(port), "%u", announced_port(m));
		if (m->n_formats == 0 ? !sdp_push_format(sdp, m, port) : parley_sdp_set_string(&m->formats[0].fmt, port) < 0)
			return -1;
		bool has_map = false;
		for (size_t a = 0; a < m->n_attrs; a++)
			has_map |= !strcmp(m->attrs[a].name, "sctpmap");
		char map[64];
		snprintf(map, sizeof(map), "%s webrtc-datachannel " LEGACY_STREAMS, port);
		if (!has_map && parley_sdp_add_attr(sdp, m, "sctpmap", map) < 0)
			return -1;
	}
	return 0;
}

/* ---- the association and its channels ---- */

static void on_sctp_output(void *user_data, const uint8_t *packet, size_t length)
{
	parley_pc *pc = user_data;
	if (pc->dtls && parley_dtls_get_state(pc->dtls) == PARLEY_DTLS_STATE_CONNECTED)
		parley_dtls_send_data(pc->dtls, packet, length);
}

static void on_sctp_data(void *user_data, uint16_t stream, uint32_t ppid, bool complete, uint8_t *data, size_t length)
{
	parley_pc *pc = user_data;
	if (pc->data.dc)
		parley_dc_incoming(pc->data.dc, stream, ppid, complete, data, length);
}

static void on_sctp_partial_aborted(void *user_data)
{
	parley_pc *pc = user_data;
	if (pc->data.dc)
		parley_dc_partial_aborted(pc->data.dc);
}

static void on_sctp_streams_reset(void *user_data, const uint16_t *streams, size_t n, bool incoming)
{
	parley_pc *pc = user_data;
	if (pc->data.dc)
		parley_dc_streams_reset(pc->data.dc, streams, n, incoming);
}

static void on_sctp_state(void *user_data, bool up)
{
	parley_pc *pc = user_data;
	if (pc->data.dc)
		parley_dc_association(pc->data.dc, up);
}

static void on_sctp_writable(void *user_data)
{
	parley_pc *pc = user_data;
	if (pc->data.dc)
		parley_dc_writable(pc->data.dc);
}

static const parley_sctp_callbacks sctp_callbacks = {
	.output = on_sctp_output,
	.data = on_sctp_data,
	.partial_aborted = on_sctp_partial_aborted,
	.streams_reset = on_sctp_streams_reset,
	.state = on_sctp_state,
	.writable = on_sctp_writable,
};

static void on_dc_message(void *user_data, const parley_dc_channel_view *channel, bool binary, uint8_t *data,
                          size_t length)
{
	parley_pc *pc = user_data;
	if (!pc->closed && pc->cb.data_message)
		pc->cb.data_message(pc->user_data, channel, binary, data, length);
}

static void on_dc_channel(void *user_data, const parley_dc_channel_view *channel, parley_dc_event event)
{
	parley_pc *pc = user_data;
	if (!pc->closed && pc->cb.data_channel)
		pc->cb.data_channel(pc->user_data, channel, event);
}

static void on_dc_refused(void *user_data, const parley_dc_refusal *refusal)
{
	parley_pc *pc = user_data;
	if (!pc->closed && pc->cb.data_refused)
		pc->cb.data_refused(pc->user_data, refusal);
}

static const parley_dc_callbacks dc_callbacks = {
	.message = on_dc_message,
	.channel = on_dc_channel,
	.refused = on_dc_refused,
};

void pc_data_maybe_start(parley_pc *pc)
{
	pc_data *d = &pc->data;
	if (d->sctp || pc->closed || !pc->webrtc_up || !d->remote_accepts || !d->local_accepts || !pc->dtls ||
	    parley_dtls_get_state(pc->dtls) != PARLEY_DTLS_STATE_CONNECTED)
		return;
	parley_sctp_options options = {
		.local_port = d->local_port, .remote_port = d->remote_port,
		.max_message_size = our_max_message_size(pc),
	};
	parley_dc_settings settings = {
		.dtls_client = pc->role == PARLEY_DTLS_ROLE_CLIENT,
		.max_message_size = our_max_message_size(pc),
	};
	char err[160] = "";
	d->sctp = parley_sctp_new(pc->context, &options, &sctp_callbacks, pc, err, sizeof(err));
	if (!d->sctp) {
		d->start_failures++;
		return;
	}
	/* Only `output` can run inside parley_sctp_new; the rest wait for the layer. */
	d->dc = parley_dc_new(&settings, &parley_sctp_dc_transport, d->sctp, &dc_callbacks, pc);
	parley_dc_set_remote_max_message_size(d->dc, d->remote_max_message_size);
}

void pc_data_stop(parley_pc *pc)
{
	pc_data *d = &pc->data;
	parley_sctp *sctp = d->sctp;
	parley_dc *dc = d->dc;
	d->sctp = NULL;
	d->dc = NULL;
	parley_sctp_free(sctp);   /* the ABORT goes out through DTLS while it is up */
	parley_dc_free(dc);
}

void pc_data_incoming(parley_pc *pc, const uint8_t *data, size_t length)
{
	if (pc->data.sctp)
		parley_sctp_input(pc->data.sctp, data, length);
	else
		pc->data.dropped++;
}

int parley_pc_send_data(parley_pc *pc, const char *label, const parley_dc_open_options *open, bool binary,
                        const uint8_t *data, size_t length, char *reason, size_t reason_size)
{
	if (pc->closed || !pc->data.dc) {
		snprintf(reason, reason_size, "%s", pc->data.remote_accepts && pc->data.local_accepts
		         ? "the data channels' SCTP association is not up" : "no data channel was negotiated");
		return PARLEY_DC_ERR_CLOSED;
	}
	return parley_dc_send(pc->data.dc, label, open, binary, data, length, reason, reason_size);
}

/* ---- from other threads ---- */

static gboolean relay_drain(gpointer data)
{
	parley_pc *pc = data;
	pc_data *d = &pc->data;
	g_mutex_lock(&d->relay_lock);
	GQueue jobs = d->relay;
	g_queue_init(&d->relay);
	d->relay_bytes = 0;
	d->relay_wake = false;
	g_mutex_unlock(&d->relay_lock);
	for (pc_relay_job *job; (job = g_queue_pop_head(&jobs)); relay_job_free(job)) {
		char reason[256] = "";
		int rc = parley_pc_send_data(pc, job->label, job->has_open ? &job->open : NULL, job->binary, job->data,
		                             job->length, reason, sizeof(reason));
		if (rc == 0 || rc == PARLEY_DC_ERR_TOO_LARGE)
			continue;   /* sent, or refused and reported by the channel layer */
		d->relay_refused++;
		if (!pc->closed && pc->cb.data_refused) {
			char text[320];
			snprintf(text, sizeof(text), "a message queued from another thread was not sent: %s", reason);
			parley_dc_refusal refusal = { .incoming = false, .code = rc, .label = job->label, .size = job->length,
			                              .reason = text };
			pc->cb.data_refused(pc->user_data, &refusal);
		}
	}
	return G_SOURCE_REMOVE;
}

static bool text_ok(const char *text)
{
	size_t n = text ? strlen(text) : 0;
	return n <= PARLEY_DC_MAX_LABEL && (!text || g_utf8_validate(text, (gssize)n, NULL));
}

int parley_pc_relay_data(parley_pc *pc, const char *label, const parley_dc_open_options *open, bool binary,
                         const uint8_t *data, size_t length, char *reason, size_t reason_size)
{
	if (g_main_context_is_owner(pc->context))
		return parley_pc_send_data(pc, label, open, binary, data, length, reason, reason_size);
	if ((length && !data) || !text_ok(label) || (open && (!text_ok(open->protocol) ||
	    (unsigned)open->reliability > PARLEY_DCEP_PARTIAL_TIMED))) {
		snprintf(reason, reason_size, "a label and protocol are UTF-8 of at most %d bytes", PARLEY_DC_MAX_LABEL);
		return PARLEY_DC_ERR_INVALID;
	}
	if (length > our_max_message_size(pc)) {
		snprintf(reason, reason_size, "a message of %zu bytes is over the maximum message size (%zu)", length,
		         our_max_message_size(pc));
		return PARLEY_DC_ERR_TOO_LARGE;
	}
	pc_data *d = &pc->data;
	g_mutex_lock(&d->relay_lock);
	if (g_queue_get_length(&d->relay) >= PARLEY_PC_RELAY_QUEUE || d->relay_bytes + length > PARLEY_PC_RELAY_BYTES) {
		g_mutex_unlock(&d->relay_lock);
		snprintf(reason, reason_size, "%u messages or %u bytes already wait for the PeerConnection's loop",
		         PARLEY_PC_RELAY_QUEUE, PARLEY_PC_RELAY_BYTES);
		return PARLEY_DC_ERR_LIMIT;
	}
	pc_relay_job *job = g_malloc(sizeof(*job) + length);
	job->label = g_strdup(label);
	job->has_open = open != NULL;
	if (open) {
		job->open = *open;
		job->protocol = g_strdup(open->protocol);
		job->open.protocol = job->protocol;
	} else {
		job->protocol = NULL;
	}
	job->binary = binary;
	job->length = length;
	if (length)
		memcpy(job->data, data, length);
	g_queue_push_tail(&d->relay, job);
	d->relay_bytes += length;
	if (!d->relay_wake) {
		d->relay_wake = true;
		parley_pc_ref(pc);
		GSource *idle = g_idle_source_new();
		g_source_set_priority(idle, G_PRIORITY_DEFAULT);   /* not behind every socket of a busy loop */
		g_source_set_callback(idle, relay_drain, pc, (GDestroyNotify)parley_pc_unref);
		g_source_attach(idle, pc->context);
		g_source_unref(idle);
	}
	g_mutex_unlock(&d->relay_lock);
	return PARLEY_DC_OK;
}

int parley_pc_close_data(parley_pc *pc, const char *label)
{
	if (pc->closed || !pc->data.dc)
		return PARLEY_DC_ERR_CLOSED;
	return parley_dc_close(pc->data.dc, label);
}

bool parley_pc_has_data(parley_pc *pc)
{
	return pc->data.remote_accepts && pc->data.local_accepts;
}

json_t *pc_data_info(parley_pc *pc)
{
	const pc_data *d = &pc->data;
	if (!d->remote_accepts && !d->local_accepts && !d->dc)
		return NULL;
	json_t *info = d->dc ? parley_dc_info(d->dc) : json_pack("{sb}", "up", false);
	json_object_set_new(info, "negotiated", json_boolean(d->remote_accepts && d->local_accepts));
	json_object_set_new(info, "local-port", json_integer(d->local_port));
	json_object_set_new(info, "remote-port", json_integer(d->remote_port));
	json_object_set_new(info, "dropped-before-up", json_integer((json_int_t)d->dropped));
	json_object_set_new(info, "start-failures", json_integer((json_int_t)d->start_failures));
	json_object_set_new(info, "relayed-then-refused", json_integer((json_int_t)d->relay_refused));
	return info;
}
