/*
 * webrtc_settings.c — the PeerConnection settings every handle's pc gets,
 * read once from parley.conf [media] (and [events] stats_period): ICE
 * interfaces, announced address, port range, STUN/TURN, the ICE-lite
 * transport (started here), SRTP profiles and backend, send batching, NACK
 * history, liveness timeouts, how long a description waits for gathering
 * (longer for clients over plain HTTP); then the process's DTLS
 * certificate.
 */
#include <stdio.h>
#include <string.h>
#include <gio/gio.h>
#include "webrtc_settings.h"
#include "config.h"
#include "log.h"
#include "loops.h"
#include "media/dtls.h"
#include "media/lite.h"
#include "media/datachannel.h"

#define PARLEY_LOG_MODULE "webrtc"


static GOnce settings_once = G_ONCE_INIT;
static parley_pc_settings media_settings;
static parley_pc_settings http_settings;   /* media_settings for clients over plain HTTP */
static char setup_error[256];
static int setup_result;

static const char *media_get(const char *key)
{
	const char *v = parley_config_get("parley", "media", key);
	return v && *v ? v : NULL;
}

static unsigned media_uint(const char *key, long fallback, long max)
{
	long v = parley_config_get_int("parley", "media", key, fallback);
	return v < 0 ? 0 : (unsigned)(v > max ? max : v);
}

/* "ip:port" → ip (kept) and port. */
static const char *split_host_port(const char *value, unsigned *port)
{
	if (!value)
		return NULL;
	char *copy = g_strdup(value);
	char *colon = strrchr(copy, ':');
	if (colon && !strchr(colon + 1, ']')) {
		*colon = '\0';
		*port = (unsigned)g_ascii_strtoull(colon + 1, NULL, 10);
	}
	return copy;
}

static unsigned srtp_profiles_from(const char *list)
{
	if (!list)
		return PARLEY_DTLS_SRTP_ALL;
	unsigned bits = 0;
	char **names = g_strsplit(list, ",", -1);
	for (char **n = names; *n; n++) {
		char *name = g_strstrip(*n);
		if (!g_ascii_strcasecmp(name, "AEAD_AES_128_GCM") || !g_ascii_strcasecmp(name, "gcm"))
			bits |= PARLEY_DTLS_SRTP_GCM;
		else if (!g_ascii_strcasecmp(name, "AES_CM_128_HMAC_SHA1_80") || !g_ascii_strcasecmp(name, "cm"))
			bits |= PARLEY_DTLS_SRTP_CM_SHA1_80;
		else
			PLOG_WARN("[media] srtp_profiles: unknown profile '%s' ignored", name);
	}
	g_strfreev(names);
	return bits ? bits : PARLEY_DTLS_SRTP_ALL;
}

/* The first IPv4 address of `name` (kept for the process), or NULL. */
static const char *resolve_ipv4(const char *name)
{
	GResolver *resolver = g_resolver_get_default();
	GError *error = NULL;
	GList *addresses = g_resolver_lookup_by_name(resolver, name, NULL, &error);
	char *found = NULL;
	for (GList *a = addresses; a && !found; a = a->next)
		if (g_inet_address_get_family(a->data) == G_SOCKET_FAMILY_IPV4)
			found = g_inet_address_to_string(a->data);
	if (!found)
		PLOG_WARN("[media] announced_domain %s: %s", name, error ? error->message : "no IPv4 address");
	else
		PLOG_INFO("[media] announced_domain %s is %s", name, found);
	g_clear_error(&error);
	g_resolver_free_addresses(addresses);
	g_object_unref(resolver);
	return found;
}

/* [media] ice_lite: our ICE-lite transport, one socket per loop on
 * udp_port. When it cannot start, PeerConnections keep libnice (full ICE). */
static void start_lite(parley_ice_config *ice)
{
	GMainContext *contexts[64];
	size_t n = 0;
	for (GMainContext *c; n < G_N_ELEMENTS(contexts) && (c = parley_loops_context_at((unsigned)n)); n++)
		contexts[n] = c;
	parley_lite_config config = {
		.port = media_uint("udp_port", 0, 65535),
		.port_per_loop = parley_config_get_bool("parley", "media", "udp_port_per_loop", false),
		.interfaces = ice->interfaces,
		.announced_ip = ice->announced_ip,
		.consent_timeout_ms = media_uint("ice_consent_timeout_ms", 30000, 600000),
		.tcp_port = media_uint("tcp_port", 0, 65535),
		.tcp_max_pending = media_uint("tcp_max_pending", 64, 65536),
		.tcp_auth_timeout_ms = media_uint("tcp_auth_timeout_ms", 5000, 60000),
		.handover_bytes = (size_t)media_uint("lite_handover_kb", 256, 16384) * 1024,
		.stale_media_ms = media_uint("lite_stale_media_ms", 1000, 60000),
	};
	if (config.handover_bytes < 16 * 1024)
		config.handover_bytes = 16 * 1024;
	if (config.tcp_max_pending == 0)
		config.tcp_max_pending = 1;
	if (config.tcp_auth_timeout_ms < 500)
		config.tcp_auth_timeout_ms = 500;
	if (config.consent_timeout_ms < 1000)
		config.consent_timeout_ms = 1000;
	if (config.port == 0)
		PLOG_WARN("[media] ice_lite without udp_port: an ephemeral port is used");
	GError *error = NULL;
	if (parley_lite_start(contexts, n, &config, &error) != 0) {
		PLOG_ERR("[media] ice_lite: %s; libnice (full ICE) is used instead",
		         error ? error->message : "cannot start");
		g_clear_error(&error);
		ice->lite = false;
		return;
	}
	const char *ports = "";
	if (config.port_per_loop)
		ports = config.port ? " and the next ones, a port per loop" : " for the first loop, an ephemeral port per loop";
	PLOG_INFO("[media] ICE-lite on UDP port %u%s, %zu loop socket(s), consent timeout %u ms, hand-over rings of %zu KiB, "
	          "RTP dropped unread after %u ms queued",
	          parley_lite_port(), ports, n, config.consent_timeout_ms, parley_lite_handover_bytes() / 1024,
	          config.stale_media_ms);
	if (config.tcp_port)
		PLOG_INFO("[media] ICE-TCP passive candidates on TCP port %u (at most %u connections waiting for a "
		          "valid check, %u ms each)",
		          config.tcp_port, config.tcp_max_pending, config.tcp_auth_timeout_ms);
}

static gpointer load_settings(gpointer unused)
{
	parley_ice_config *ice = &media_settings.ice;
	const char *interfaces = media_get("interfaces");
	if (!interfaces)
		interfaces = media_get("listen_ip");
	if (interfaces) {
		char **list = g_strsplit(interfaces, ",", -1);
		for (char **n = list; *n; n++)
			g_strstrip(*n);
		ice->interfaces = (const char *const *)list; /* kept for the process */
	}
	ice->announced_ip = media_get("announced_ip");
	if (!ice->announced_ip && media_get("announced_domain"))
		ice->announced_ip = resolve_ipv4(media_get("announced_domain"));
	ice->min_port = media_uint("rtc_min_port", 40000, 65535);
	ice->max_port = media_uint("rtc_max_port", 49999, 65535);
	if (ice->min_port > ice->max_port) {
		PLOG_WARN("[media] rtc_min_port > rtc_max_port: any port is used");
		ice->min_port = ice->max_port = 0;
	}
	ice->stun_server = split_host_port(media_get("stun_server"), &ice->stun_port);
	ice->turn_server = split_host_port(media_get("turn_server"), &ice->turn_port);
	ice->turn_username = media_get("turn_user");
	ice->turn_password = media_get("turn_pwd");
	ice->lite = parley_config_get_bool("parley", "media", "ice_lite", false);
	if (ice->lite)
		start_lite(ice);
	if (parley_config_get_bool("parley", "media", "ice_tcp", false))
		PLOG_WARN("[media] ice_tcp: libnice's TCP candidates are not supported; with ice_lite, tcp_port "
		          "gives ICE-TCP passive candidates");
	if (!ice->lite && media_uint("tcp_port", 0, 65535))
		PLOG_WARN("[media] tcp_port is used only with ice_lite = true");
	media_settings.srtp_profiles = srtp_profiles_from(media_get("srtp_profiles"));
	if (media_get("srtp_backend") && parley_srtp_backend_from_name(media_get("srtp_backend")) < 0)
		PLOG_WARN("[media] srtp_backend: unknown \"%s\" (openssl or libsrtp); openssl is used",
		          media_get("srtp_backend"));
	else if (media_get("srtp_backend"))
		parley_srtp_set_default_backend(parley_srtp_backend_from_name(media_get("srtp_backend")));
	parley_udp_batch_set_enabled(parley_config_get_bool("parley", "media", "send_batch", true));
	parley_udp_batch_set_gso(parley_config_get_bool("parley", "media", "udp_gso", true));
	media_settings.nack_buffer_ms = media_uint("nack_buffer_ms", 1000, 10000);
	media_settings.gather_wait_ms = media_uint("gather_wait_ms", 1000, 10000);
	media_settings.disconnect_timeout_ms = media_uint("disconnect_timeout_ms", 5000, 60000);
	media_settings.consent_timeout_ms = media_uint("consent_timeout_ms", 30000, 300000);
	long stats_period = parley_config_get_int("parley", "events", "stats_period", 5);
	if (stats_period < 0 || stats_period > 3600) {
		PLOG_WARN("[events] stats_period = %ld is out of range (0-3600): 5 is used", stats_period);
		stats_period = 5;
	}
	media_settings.stats_period_s = (unsigned)stats_period;
	media_settings.sctp_max_message_size = media_uint("sctp_max_message_size", PARLEY_DC_DEFAULT_MAX_MESSAGE,
	                                                  PARLEY_DC_LIMIT_MAX_MESSAGE);
	if (media_settings.sctp_max_message_size < 1024) {
		PLOG_WARN("[media] sctp_max_message_size below 1024: 1024 is used");
		media_settings.sctp_max_message_size = 1024;
	}
	if (media_settings.disconnect_timeout_ms < 1000)
		media_settings.disconnect_timeout_ms = 1000;
	if (media_settings.consent_timeout_ms < media_settings.disconnect_timeout_ms + 1000) {
		PLOG_WARN("[media] consent_timeout_ms must exceed disconnect_timeout_ms by 1000 at least: %u is used",
		          media_settings.disconnect_timeout_ms + 1000);
		media_settings.consent_timeout_ms = media_settings.disconnect_timeout_ms + 1000;
	}
	/* A client over plain HTTP (WHIP, WHEP) learns our candidates from our
	 * description alone (RFC 9725: none can follow the answer), so its
	 * descriptions wait for gathering to end, longer. */
	http_settings = media_settings;
	http_settings.gather_wait_ms = media_uint("http_gather_wait_ms", 5000, 30000);
	if (http_settings.gather_wait_ms < media_settings.gather_wait_ms)
		http_settings.gather_wait_ms = media_settings.gather_wait_ms;
	setup_result = parley_pc_global_setup(media_get("cert_pem"), media_get("cert_key"), setup_error,
	                                      sizeof(setup_error));
	if (setup_result)
		PLOG_ERR("%s", setup_error);
	else
		PLOG_VERB("media ready: DTLS fingerprint %s", parley_dtls_certificate_fingerprint());
	return NULL;
}

int parley_webrtc_settings(const parley_pc_settings **settings, char *reason, size_t reason_size)
{
	g_once(&settings_once, load_settings, NULL);
	*settings = &media_settings;
	if (setup_result)
		snprintf(reason, reason_size, "%s", setup_error);
	return setup_result;
}

int parley_webrtc_settings_http(const parley_pc_settings **settings, char *reason, size_t reason_size)
{
	g_once(&settings_once, load_settings, NULL);
	*settings = &http_settings;
	if (setup_result)
		snprintf(reason, reason_size, "%s", setup_error);
	return setup_result;
}
