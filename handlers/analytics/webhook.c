/*
 * handlers/analytics/webhook.c — the webhook sink: each batch is one HTTP
 * POST (libcurl, one reused connection on the sink's thread) of the event
 * object (batch_size 1) or a JSON array of them, signed with HMAC-SHA256
 * of the body (sign.h). 2xx delivers; a connection failure, a timeout, 408,
 * 425, 429 and 5xx are retried with backoff; any other status refuses the
 * batch for good.
 */
#include <string.h>
#include <curl/curl.h>
#include <glib.h>
#include "sinks.h"
#include "sign.h"

typedef struct webhook {
	char *url;
	char *key;            /* NULL: no Authorization header */
	unsigned timeout_ms;
	bool array;           /* batches are JSON arrays (batch_size > 1) */
	CURL *curl;
} webhook;

static size_t discard(char *data, size_t size, size_t count, void *user)
{
	(void)data;
	(void)user;
	return size * count;
}

static bool retryable(long status)
{
	return status == 408 || status == 425 || status == 429 || status >= 500;
}

static char *batch_body(const webhook *w, analytics_item **items, unsigned n)
{
	if (!w->array)
		return g_strdup(items[0]->body);
	GString *body = g_string_new("[");
	for (unsigned i = 0; i < n; i++) {
		if (i)
			g_string_append_c(body, ',');
		g_string_append(body, items[i]->body);
	}
	g_string_append_c(body, ']');
	return g_string_free(body, FALSE);
}

static analytics_send_result webhook_send(void *impl, analytics_item **items, unsigned n, unsigned *accepted,
                                          char *error, size_t error_size)
{
	webhook *w = impl;
	if (!w->array)
		n = 1;   /* one event per request */
	*accepted = 0;
	if (!w->curl && !(w->curl = curl_easy_init())) {
		g_strlcpy(error, "curl_easy_init failed", error_size);
		return ANALYTICS_SEND_RETRY;
	}
	char *body = batch_body(w, items, n);
	size_t length = strlen(body);
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Expect:");
	if (w->key) {
		char value[96], line[128];
		parley_analytics_authorization(w->key, body, length, value, sizeof(value));
		g_snprintf(line, sizeof(line), "Authorization: %s", value);
		headers = curl_slist_append(headers, line);
	}
	GString *ids = g_string_new("X-Parley-Event-Id: ");
	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(ids, "%s%s", i ? "," : "", items[i]->id);
	headers = curl_slist_append(headers, ids->str);
	g_string_free(ids, TRUE);
	if (!w->array) {
		char line[160];
		g_snprintf(line, sizeof(line), "X-Parley-Event: %s", items[0]->name);
		headers = curl_slist_append(headers, line);
	}
	CURL *c = w->curl;
	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)length);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)w->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(w->timeout_ms < 2000 ? w->timeout_ms : 2000));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "parley-analytics/" PARLEY_VERSION_STRING);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#ifdef CURLOPT_PROTOCOLS_STR
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	g_free(body);
	if (rc != CURLE_OK) {
		g_snprintf(error, error_size, "%s", curl_easy_strerror(rc));
		return ANALYTICS_SEND_RETRY;
	}
	if (status >= 200 && status < 300)
		return ANALYTICS_SENT;
	g_snprintf(error, error_size, "HTTP %ld", status);
	return retryable(status) ? ANALYTICS_SEND_RETRY : ANALYTICS_SEND_REJECTED;
}

static void webhook_free(void *impl)
{
	webhook *w = impl;
	if (w->curl)
		curl_easy_cleanup(w->curl);
	g_free(w->url);
	if (w->key)
		memset(w->key, 0, strlen(w->key));
	g_free(w->key);
	g_free(w);
}

static const analytics_sink_ops webhook_ops = {
	.name = "webhook",
	.send = webhook_send,
	.free = webhook_free,
};

analytics_sink *parley_analytics_webhook_start(const char *url, const char *key, unsigned timeout_ms,
                                               analytics_sink_config *cfg, char *error, size_t error_size)
{
	if (!g_str_has_prefix(url, "http://") && !g_str_has_prefix(url, "https://")) {
		g_snprintf(error, error_size, "[webhook] url must start with http:// or https:// (%s)", url);
		return NULL;
	}
	webhook *w = g_new0(webhook, 1);
	w->url = g_strdup(url);
	w->key = key && *key ? g_strdup(key) : NULL;
	w->timeout_ms = timeout_ms ? timeout_ms : 5000;
	w->array = cfg->batch_size > 1;
	return parley_analytics_sink_start(&webhook_ops, w, cfg);
}
