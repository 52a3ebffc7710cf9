/*
 * pc_liveness.c — is the peer still there? Once DTLS is up, every
 * authenticated datagram from the peer (a DTLS record, or RTP/RTCP that
 * unprotects) counts in pc->heard; the pc's 1 s report tick compares it
 * with the last tick. A peer that should be sending (media it sends us, or
 * the RTCP reports that answer media we send it) and is silent for
 * disconnect_timeout_ms is "disconnected": a frozen tab, a loaded laptop, a
 * mobile link between cells. Media still goes out and nothing is torn
 * down; the first datagram back makes it "connected" again. Silent for
 * consent_timeout_ms (RFC 7675's 30 s), the pc ends: "consent expired".
 *
 * Why not libnice's consent freshness: libnice 0.1.21 ends a pair after a
 * fixed 10 s without an answer to its keepalive checks, sent every 4-6 s,
 * so one late or lost answer ends the call; and it keeps the answers to
 * itself. So the agent runs plain keepalive checks (which end a pair only
 * after 50 s unanswered, the backstop for a peer that sends nothing) and
 * this file judges the peer by what it sends, with RFC 7675's lifetime.
 * Counting costs one increment per datagram; the clock is read once a
 * second. On the ICE-lite transport, what is heard also refreshes the
 * selected path's consent (peer_heard): a full agent may keep it with
 * binding indications, which a lite agent does not count.
 */
#include "pc_internal.h"

#define DEFAULT_DISCONNECT_TIMEOUT_MS 5000
#define DEFAULT_CONSENT_TIMEOUT_MS 30000

/* Does the peer owe us traffic? It sends on a stream it sent on before,
 * or it receives a stream we sent on (and so sends receiver reports). */
static bool peer_should_be_sending(parley_pc *pc)
{
	bool owed = false;
	g_mutex_lock(&pc->lock);   /* sr_packets is send-side state */
	for (size_t i = 0; i < pc->n_streams && !owed; i++) {
		const pc_stream *s = pc->streams[i];
		owed = s->active && ((s->we_receive && s->packets_in > 0) || (s->we_send && s->sr_packets > 0));
	}
	g_mutex_unlock(&pc->lock);
	return owed;
}

static void set_connected(parley_pc *pc, bool connected)
{
	if (pc->disconnected == !connected)
		return;
	pc->disconnected = !connected;
	if (connected)
		pc->recoveries++;
	else
		pc->disconnects++;
	pc_count_event(connected ? PARLEY_PC_EVENT_RECOVERED : PARLEY_PC_EVENT_DISCONNECTED);
	if (pc->cb.connection)
		pc->cb.connection(pc->user_data, connected);
}

void pc_liveness_restart(parley_pc *pc)
{
	pc->heard_at_tick = pc->heard;
	pc->last_heard_us = g_get_monotonic_time();
}

void pc_liveness_tick(parley_pc *pc, gint64 now)
{
	if (!pc->webrtc_up || pc->closed)
		return;
	if (pc->heard != pc->heard_at_tick && pc->ice && pc->ice_ops->peer_heard)
		pc->ice_ops->peer_heard(pc->ice);   /* the ICE-lite transport's consent (lite.c) */
	if (pc->heard != pc->heard_at_tick || !peer_should_be_sending(pc)) {
		pc->heard_at_tick = pc->heard;
		pc->last_heard_us = now;
		set_connected(pc, true);
		return;
	}
	gint64 quiet_ms = (now - pc->last_heard_us) / 1000;
	unsigned disconnect_ms = pc->settings.disconnect_timeout_ms ? pc->settings.disconnect_timeout_ms
	                                                            : DEFAULT_DISCONNECT_TIMEOUT_MS;
	unsigned consent_ms = pc->settings.consent_timeout_ms ? pc->settings.consent_timeout_ms
	                                                      : DEFAULT_CONSENT_TIMEOUT_MS;
	if (quiet_ms >= consent_ms)
		pc_fail(pc, PARLEY_PC_EVENT_CONSENT_EXPIRED, "consent expired");
	else if (quiet_ms >= disconnect_ms)
		set_connected(pc, false);
}
