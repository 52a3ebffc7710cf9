/*
 * session_data.c — owns a loadgen peer's SCTP association and its data
 * channel layer: usrsctp through core/media/sctp.c (no threads of its own;
 * its 10 ms timer source runs on the run's context), DCEP and messages
 * through core/media/datachannel.c, and the bridge to the peer's
 * callbacks (packets out to DTLS, text messages up, losses reported).
 */
#include "session_data.h"

#include <stdio.h>
#include "datachannel.h"
#include "sctp.h"

struct loadgen_datachan {
	parley_sctp *sctp;
	parley_dc *dc;
	loadgen_datachan_callbacks cb;
	void *user_data;
	bool up_reported;
	bool closing;
	uint64_t busy;
};

/* ---- from SCTP ---- */

static void on_output(void *user_data, const uint8_t *packet, size_t length)
{
	loadgen_datachan *d = user_data;
	d->cb.output(d->user_data, packet, length);
}

static void on_data(void *user_data, uint16_t stream, uint32_t ppid, bool complete, uint8_t *data, size_t length)
{
	loadgen_datachan *d = user_data;
	if (d->dc)
		parley_dc_incoming(d->dc, stream, ppid, complete, data, length);
}

static void on_partial_aborted(void *user_data)
{
	loadgen_datachan *d = user_data;
	if (d->dc)
		parley_dc_partial_aborted(d->dc);
}

static void on_streams_reset(void *user_data, const uint16_t *streams, size_t n, bool incoming)
{
	loadgen_datachan *d = user_data;
	if (d->dc)
		parley_dc_streams_reset(d->dc, streams, n, incoming);
}

static void on_state(void *user_data, bool up)
{
	loadgen_datachan *d = user_data;
	if (d->dc)
		parley_dc_association(d->dc, up);
	if (!up && !d->closing)
		d->cb.lost(d->user_data, "the SCTP association ended");
}

static void on_writable(void *user_data)
{
	loadgen_datachan *d = user_data;
	if (d->dc)
		parley_dc_writable(d->dc);
}

static const parley_sctp_callbacks sctp_callbacks = {
	.output = on_output, .data = on_data, .partial_aborted = on_partial_aborted,
	.streams_reset = on_streams_reset, .state = on_state, .writable = on_writable,
};

/* ---- from the channel layer ---- */

static void on_message(void *user_data, const parley_dc_channel_view *channel, bool binary, uint8_t *data,
                       size_t length)
{
	loadgen_datachan *d = user_data;
	if (!binary)
		d->cb.text(d->user_data, (const char *)data, length);
}

static void on_channel(void *user_data, const parley_dc_channel_view *channel, parley_dc_event event)
{
	loadgen_datachan *d = user_data;
	if (event == PARLEY_DC_EVENT_WRITABLE && !d->up_reported) {
		d->up_reported = true;
		d->cb.writable(d->user_data);
	} else if (event == PARLEY_DC_EVENT_CLOSED && !d->closing) {
		char reason[160];
		snprintf(reason, sizeof(reason), "data channel '%s' closed", channel && channel->label ? channel->label : "");
		d->cb.lost(d->user_data, reason);
	}
}

static void on_refused(void *user_data, const parley_dc_refusal *refusal)
{
	loadgen_datachan *d = user_data;
	if (d->closing)
		return;
	char reason[320];
	snprintf(reason, sizeof(reason), "a data channel message was refused (%s, %zu bytes): %s",
	         refusal->incoming ? "incoming" : "outgoing", refusal->size, refusal->reason ? refusal->reason : "");
	d->cb.lost(d->user_data, reason);
}

static const parley_dc_callbacks dc_callbacks = {
	.message = on_message, .channel = on_channel, .refused = on_refused,
};

/* ---- API ---- */

loadgen_datachan *loadgen_datachan_new(GMainContext *context, bool dtls_client, uint16_t remote_port,
                                       int64_t remote_max_message_size, const loadgen_datachan_callbacks *callbacks,
                                       void *user_data, char *err, size_t err_size)
{
	loadgen_datachan *d = g_new0(loadgen_datachan, 1);
	d->cb = *callbacks;
	d->user_data = user_data;
	parley_sctp_options options = { .remote_port = remote_port };
	d->sctp = parley_sctp_new(context, &options, &sctp_callbacks, d, err, err_size);
	if (d->sctp == NULL) {
		g_free(d);
		return NULL;
	}
	parley_dc_settings settings = { .dtls_client = dtls_client };
	d->dc = parley_dc_new(&settings, &parley_sctp_dc_transport, d->sctp, &dc_callbacks, d);
	parley_dc_set_remote_max_message_size(d->dc, remote_max_message_size);
	return d;
}

void loadgen_datachan_free(loadgen_datachan *d)
{
	if (d == NULL)
		return;
	d->closing = true;
	parley_sctp_free(d->sctp);
	parley_dc_free(d->dc);
	g_free(d);
}

void loadgen_datachan_input(loadgen_datachan *d, const uint8_t *packet, size_t length)
{
	parley_sctp_input(d->sctp, packet, length);
}

int loadgen_datachan_send_text(loadgen_datachan *d, const char *label, const char *text, size_t length,
                               char *reason, size_t reason_size)
{
	int rc = parley_dc_send(d->dc, label, NULL, false, (const uint8_t *)text, length, reason, reason_size);
	if (rc == PARLEY_DC_ERR_BUSY)
		d->busy++;
	return rc;
}

uint64_t loadgen_datachan_busy(const loadgen_datachan *d)
{
	return d->busy;
}
