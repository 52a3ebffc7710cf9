/*
 * metrics.h — the runtime figures of GET /metrics (process, event loops,
 * PeerConnections by state, media counters and histograms), appended in
 * the Prometheus text format by metrics.c; status.c serves the page.
 */
#ifndef PARLEY_METRICS_H
#define PARLEY_METRICS_H

#include <glib.h>

void parley_metrics_append_runtime(GString *out);

#endif
