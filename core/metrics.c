/*
 * metrics.c — the runtime part of GET /metrics (status.c serves the page):
 * the process (CPU seconds, resident and virtual memory, open and maximum
 * file descriptors, threads, start time; the standard process_* names), the
 * event loops (load of the last second, lag of the last probe, busy
 * seconds, handles), PeerConnections by state, and the media path's
 * counters and histograms (RTP packets and bytes in and out, packets
 * relayed, retransmissions, NACKs and PLIs in and out, RTT, fraction lost).
 * Labels take fixed values only (a direction, a state, a loop's id). Also
 * the process's uptime, which /health and the admin get_status show too.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <glib.h>
#include "metrics.h"
#include "loops.h"
#include "webrtc.h"
#include "media/counters.h"

#define MAX_LOOPS_SHOWN 1024

static void family(GString *out, const char *name, const char *type, const char *help)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Whole numbers as such (counters of bytes pass 1e9), others with 9 digits. */
static void number(GString *out, double value)
{
	char text[G_ASCII_DTOSTR_BUF_SIZE];
	bool whole = value == (double)(int64_t)value && value < 9007199254740992.0 && value > -9007199254740992.0;
	g_string_append(out, g_ascii_formatd(text, sizeof(text), whole ? "%.0f" : "%.9g", value));
}

static void sample(GString *out, const char *name, const char *labels, double value)
{
	g_string_append_printf(out, "%s%s%s%s ", name, labels ? "{" : "", labels ? labels : "", labels ? "}" : "");
	number(out, value);
	g_string_append_c(out, '\n');
}

static void one(GString *out, const char *name, const char *type, const char *help, double value)
{
	family(out, name, type, help);
	sample(out, name, NULL, value);
}

/* ---- the process ---- */

guint64 parley_metrics_uptime_seconds(void)
{
	char *stat = NULL, *uptime = NULL;
	guint64 result = 0;
	if (g_file_get_contents("/proc/self/stat", &stat, NULL, NULL) &&
	    g_file_get_contents("/proc/uptime", &uptime, NULL, NULL)) {
		/* Field 22 (starttime) counts after the ")" that ends the command name. */
		const char *p = strrchr(stat, ')');
		unsigned long long start_ticks = 0;
		int field = 2;
		for (; p && *p && field < 22; p++)
			if (*p == ' ')
				field++;
		if (p && sscanf(p, "%llu", &start_ticks) == 1) {
			double since_boot = g_ascii_strtod(uptime, NULL);
			double started = (double)start_ticks / (double)sysconf(_SC_CLK_TCK);
			if (since_boot > started)
				result = (guint64)(since_boot - started);
		}
	}
	g_free(stat);
	g_free(uptime);
	return result;
}

typedef struct process_figures {
	double cpu_seconds, start_seconds;
	double rss_bytes, virtual_bytes;
	long threads;
	bool ok;
} process_figures;

/* /proc/self/stat fields after the command name: 14 utime, 15 stime, 20
 * num_threads, 22 starttime, 23 vsize, 24 rss (pages). */
static void read_process(process_figures *p)
{
	memset(p, 0, sizeof(*p));
	char *stat = NULL, *boot = NULL;
	if (!g_file_get_contents("/proc/self/stat", &stat, NULL, NULL))
		return;
	const char *rest = strrchr(stat, ')');
	unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
	long threads = 0, rss = 0;
	if (rest && sscanf(rest + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %ld %*d %llu "
	                             "%llu %ld", &utime, &stime, &threads, &start, &vsize, &rss) == 6) {
		double tick = (double)sysconf(_SC_CLK_TCK);
		p->cpu_seconds = (double)(utime + stime) / tick;
		p->threads = threads;
		p->virtual_bytes = (double)vsize;
		p->rss_bytes = (double)rss * (double)sysconf(_SC_PAGESIZE);
		p->ok = true;
		if (g_file_get_contents("/proc/stat", &boot, NULL, NULL)) {
			const char *btime = strstr(boot, "\nbtime ");
			unsigned long long since = 0;
			if (btime && sscanf(btime + 7, "%llu", &since) == 1)
				p->start_seconds = (double)since + (double)start / tick;
		}
	}
	g_free(stat);
	g_free(boot);
}

static long open_fds(void)
{
	GDir *dir = g_dir_open("/proc/self/fd", 0, NULL);
	if (!dir)
		return -1;
	long n = 0;
	while (g_dir_read_name(dir))
		n++;
	g_dir_close(dir);
	return n > 0 ? n - 1 : 0;   /* the GDir's own descriptor */
}

static void append_process(GString *out)
{
	process_figures p;
	read_process(&p);
	if (p.ok) {
		one(out, "process_cpu_seconds_total", "counter", "User and system CPU time of the process.", p.cpu_seconds);
		one(out, "process_resident_memory_bytes", "gauge", "Resident memory of the process.", p.rss_bytes);
		one(out, "process_virtual_memory_bytes", "gauge", "Virtual memory of the process.", p.virtual_bytes);
		one(out, "parley_process_threads", "gauge", "Threads of the process.", (double)p.threads);
		if (p.start_seconds > 0)
			one(out, "process_start_time_seconds", "gauge", "Start time of the process (unix seconds).",
			    p.start_seconds);
	}
	long fds = open_fds();
	if (fds >= 0)
		one(out, "process_open_fds", "gauge", "Open file descriptors.", (double)fds);
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
		one(out, "process_max_fds", "gauge", "The limit of open file descriptors.", (double)limit.rlim_cur);
}

/* ---- event loops and PeerConnections ---- */

static void append_loops(GString *out)
{
	parley_loop_stats *stats = g_new0(parley_loop_stats, MAX_LOOPS_SHOWN);
	unsigned n = parley_loops_stats(stats, MAX_LOOPS_SHOWN);
	static const struct {
		const char *name, *type, *help;
		size_t offset;
		bool count;
	} families[] = {
		{ "parley_event_loop_load_ratio", "gauge", "Busy share of each event loop over the last second.",
		  offsetof(parley_loop_stats, load), false },
		{ "parley_event_loop_lag_seconds", "gauge",
		  "How late each event loop ran its latest one-second probe (the wait a new event sees).",
		  offsetof(parley_loop_stats, lag_seconds), false },
		{ "parley_event_loop_busy_seconds_total", "counter", "Time each event loop spent outside poll().",
		  offsetof(parley_loop_stats, busy_seconds), false },
		{ "parley_event_loop_handles", "gauge", "Handles pinned to each event loop.",
		  offsetof(parley_loop_stats, handles), true },
	};
	for (size_t f = 0; f < G_N_ELEMENTS(families); f++) {
		family(out, families[f].name, families[f].type, families[f].help);
		for (unsigned i = 0; i < n; i++) {
			char labels[32];
			g_snprintf(labels, sizeof(labels), "loop=\"%u\"", stats[i].id);
			const char *field = (const char *)&stats[i] + families[f].offset;
			sample(out, families[f].name, labels,
			       families[f].count ? (double)*(const unsigned *)field : *(const double *)field);
		}
	}
	g_free(stats);
	unsigned fresh, connected, disconnected;
	parley_webrtc_pc_counts(&fresh, &connected, &disconnected);
	family(out, "parley_peerconnections", "gauge",
	       "PeerConnections by state: new (not up yet), connected (DTLS up), disconnected (the peer went quiet).");
	sample(out, "parley_peerconnections", "state=\"new\"", fresh);
	sample(out, "parley_peerconnections", "state=\"connected\"", connected);
	sample(out, "parley_peerconnections", "state=\"disconnected\"", disconnected);
}

/* ---- media ---- */

static void in_out(GString *out, const char *name, const char *help, uint64_t in, uint64_t outgoing)
{
	family(out, name, "counter", help);
	sample(out, name, "direction=\"in\"", (double)in);
	sample(out, name, "direction=\"out\"", (double)outgoing);
}

static void histogram_bucket(GString *out, const char *name, const char *labels, double le, uint64_t cumulative)
{
	char bound[G_ASCII_DTOSTR_BUF_SIZE + 16];
	char text[G_ASCII_DTOSTR_BUF_SIZE];
	if (le < 0)
		g_snprintf(bound, sizeof(bound), "%s%sle=\"+Inf\"", labels ? labels : "", labels ? "," : "");
	else
		g_snprintf(bound, sizeof(bound), "%s%sle=\"%s\"", labels ? labels : "", labels ? "," : "",
		           g_ascii_formatd(text, sizeof(text), "%g", le));
	char *bucket = g_strconcat(name, "_bucket", NULL);
	sample(out, bucket, bound, (double)cumulative);
	g_free(bucket);
}

static void append_media(GString *out)
{
	parley_media_totals t;
	parley_media_totals_get(&t);
	in_out(out, "parley_rtp_packets_total", "RTP packets received (with payload, after SRTP) and sent.",
	       t.counts[PARLEY_MC_PACKETS_IN], t.counts[PARLEY_MC_PACKETS_OUT]);
	in_out(out, "parley_rtp_bytes_total", "RTP bytes received (decrypted) and sent (before SRTP).",
	       t.counts[PARLEY_MC_BYTES_IN], t.counts[PARLEY_MC_BYTES_OUT]);
	one(out, "parley_rtp_forwarded_packets_total", "counter", "RTP packets plugins relayed to a PeerConnection.",
	    (double)t.counts[PARLEY_MC_FORWARDED]);
	one(out, "parley_rtp_retransmitted_packets_total", "counter", "RTP packets sent again for a NACK.",
	    (double)t.counts[PARLEY_MC_RETRANSMITTED]);
	in_out(out, "parley_rtcp_nacks_total", "Generic NACKs received from peers and sent to them.",
	       t.counts[PARLEY_MC_NACKS_IN], t.counts[PARLEY_MC_NACKS_OUT]);
	in_out(out, "parley_rtcp_plis_total", "Picture loss indications (PLI, FIR) received and sent.",
	       t.counts[PARLEY_MC_PLIS_IN], t.counts[PARLEY_MC_PLIS_OUT]);

	const char *rtt = "parley_rtt_seconds";
	family(out, rtt, "histogram", "Round-trip times from RTCP receiver reports.");
	uint64_t cumulative = 0;
	for (int i = 0; i < PARLEY_MC_RTT_BUCKETS; i++) {
		cumulative += t.rtt[i];
		histogram_bucket(out, rtt, NULL, i < PARLEY_MC_RTT_BUCKETS - 1 ? parley_media_rtt_bounds_us[i] / 1e6 : -1,
		                 cumulative);
	}
	sample(out, "parley_rtt_seconds_sum", NULL, (double)t.rtt_sum_us / 1e6);
	sample(out, "parley_rtt_seconds_count", NULL, (double)cumulative);

	const char *loss = "parley_rtcp_loss_ratio";
	family(out, loss, "histogram",
	       "Fraction lost per RTCP report: in = what we did not receive (our reports, each second per stream), "
	       "out = what the peer did not receive (its reports).");
	static const char *const sides[2] = { "direction=\"in\"", "direction=\"out\"" };
	for (int side = 0; side < 2; side++) {
		cumulative = 0;
		for (int i = 0; i < PARLEY_MC_LOSS_BUCKETS; i++) {
			cumulative += t.loss[side][i];
			histogram_bucket(out, loss, sides[side],
			                 i < PARLEY_MC_LOSS_BUCKETS - 1 ? parley_media_loss_bounds[i] / 256.0 : -1, cumulative);
		}
		sample(out, "parley_rtcp_loss_ratio_sum", sides[side], (double)t.loss_sum256[side] / 256.0);
		sample(out, "parley_rtcp_loss_ratio_count", sides[side], (double)cumulative);
	}
}

void parley_metrics_append_runtime(GString *out)
{
	append_process(out);
	append_loops(out);
	append_media(out);
}
