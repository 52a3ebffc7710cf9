/*
 * rtcp_stats.c — receive statistics for RTCP reports: extended highest
 * sequence number and loss (RFC 3550 A.1 and A.3), interarrival jitter
 * (RFC 3550 A.8), NTP conversion, and round-trip time from LSR/DLSR
 * (RFC 3550 §6.4.1).
 *
 * Complexity: O(1) per packet and per report; no allocation.
 */
#include "rtcp.h"

#include <stdlib.h>
#include <string.h>

#define NTP_UNIX_OFFSET 2208988800ULL

void parley_rtcp_rx_init(parley_rtcp_rx_stats *s, uint32_t clock_rate)
{
	memset(s, 0, sizeof(*s));
	s->clock_rate = clock_rate ? clock_rate : 90000;
}

void parley_rtcp_rx_update(parley_rtcp_rx_stats *s, uint16_t seq, uint32_t rtp_ts, int64_t arrival_us)
{
	uint32_t arrival_rtp = (uint32_t)((arrival_us * (int64_t)s->clock_rate) / 1000000);
	int64_t transit = (int32_t)(arrival_rtp - rtp_ts);
	if (!s->started) {
		s->started = true;
		s->base_seq = seq;
		s->max_seq = seq;
		s->cycles = 0;
		s->received = 1;
		s->transit = transit;
		return;
	}
	int16_t delta = (int16_t)(uint16_t)(seq - s->max_seq);
	if (delta > 0) {
		if (seq < s->max_seq)
			s->cycles += 0x10000;
		s->max_seq = seq;
	}
	s->received++;
	int64_t d = (int32_t)(uint32_t)(transit - s->transit);
	s->transit = transit;
	if (d < 0)
		d = -d;
	s->jitter += ((double)d - s->jitter) / 16.0;
}

uint32_t parley_rtcp_rx_extended_max(const parley_rtcp_rx_stats *s)
{
	return s->cycles + s->max_seq;
}

int64_t parley_rtcp_rx_cumulative_lost(const parley_rtcp_rx_stats *s)
{
	if (!s->started)
		return 0;
	int64_t expected = (int64_t)parley_rtcp_rx_extended_max(s) - s->base_seq + 1;
	return expected - s->received;
}

void parley_rtcp_rx_report(parley_rtcp_rx_stats *s, uint32_t ssrc, uint32_t lsr, uint32_t dlsr,
	parley_rtcp_report_block *rb)
{
	memset(rb, 0, sizeof(*rb));
	rb->ssrc = ssrc;
	rb->lsr = lsr;
	rb->dlsr = dlsr;
	if (!s->started)
		return;
	uint32_t expected = parley_rtcp_rx_extended_max(s) - s->base_seq + 1;
	int64_t lost = parley_rtcp_rx_cumulative_lost(s);
	if (lost > 0x7fffff)
		lost = 0x7fffff;
	if (lost < -0x800000)
		lost = -0x800000;
	rb->cumulative_lost = (int32_t)lost;
	uint32_t expected_interval = expected - s->expected_prior;
	uint32_t received_interval = s->received - s->received_prior;
	s->expected_prior = expected;
	s->received_prior = s->received;
	int64_t lost_interval = (int64_t)expected_interval - received_interval;
	if (expected_interval != 0 && lost_interval > 0)
		rb->fraction_lost = (uint8_t)((lost_interval << 8) / expected_interval);
	rb->highest_seq = parley_rtcp_rx_extended_max(s);
	rb->jitter = (uint32_t)s->jitter;
}

uint64_t parley_rtcp_ntp_from_unix_us(int64_t unix_us)
{
	if (unix_us < 0)
		unix_us = 0;
	uint64_t secs = (uint64_t)unix_us / 1000000u + NTP_UNIX_OFFSET;
	uint64_t frac = (((uint64_t)unix_us % 1000000u) << 32) / 1000000u;
	return secs << 32 | frac;
}

uint32_t parley_rtcp_dlsr_from_us(int64_t delay_us)
{
	if (delay_us <= 0)
		return 0;
	uint64_t v = ((uint64_t)delay_us << 16) / 1000000u;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int64_t parley_rtcp_rtt_us(uint32_t now_ntp_middle, uint32_t lsr, uint32_t dlsr)
{
	if (lsr == 0)
		return -1;
	int32_t rtt = (int32_t)(now_ntp_middle - lsr - dlsr);
	if (rtt < 0)
		return -1;
	return ((int64_t)rtt * 1000000) >> 16;
}
