/*
 * metrics.h — the runtime figures of GET /metrics (process, event loops,
 * PeerConnections by state, media counters and histograms), appended in
 * the Prometheus text format by metrics.c; status.c serves the page. Also
 * the process's uptime (/health, /metrics, the admin API's get_status).
 */
#ifndef PARLEY_METRICS_H
#define PARLEY_METRICS_H

#include <glib.h>

void parley_metrics_append_runtime(GString *out);
/* Seconds since the process started, from /proc (0 when unreadable). */
guint64 parley_metrics_uptime_seconds(void);

#endif
