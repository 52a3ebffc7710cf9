/*
 * ice.c — owns the libnice side of a PeerConnection: one NiceAgent with one
 * stream of one component, its configuration (mode, role, interfaces, port
 * range, STUN, TURN, check timing, keepalive checks), candidate text in
 * and out, restarts, state mapping and the connect watchdog.
 */
#include "ice.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/if.h>
#include <nice/agent.h>

#define DEFAULT_STUN_PORT 3478
#define DEFAULT_CONNECT_TIMEOUT_MS 30000
#define DEFAULT_MAX_REMOTE_CANDIDATES 64
#define COMPONENT 1

struct parley_ice_agent {
	GMainContext *context;
	NiceAgent *nice;
	guint stream;
	parley_ice_callbacks cb;
	void *user_data;
	bool controlling;
	char *announced_ip;
	parley_ice_state state;
	unsigned connect_timeout_ms;
	unsigned max_remote_candidates;
	unsigned remote_candidates;
	GSource *connect_timer;
	bool gathering_done;
	char *local_ufrag, *local_pwd;
};

G_DEFINE_QUARK(parley-ice-error-quark, parley_ice_error)

static const struct { int code; const char *text; } error_texts[] = {
	{ PARLEY_ICE_OK, "ok" },
	{ PARLEY_ICE_ERR_INVALID, "invalid ICE argument or configuration" },
	{ PARLEY_ICE_ERR_INTERFACE, "configured interface has no usable address" },
	{ PARLEY_ICE_ERR_CANDIDATE, "remote candidate does not parse" },
	{ PARLEY_ICE_ERR_MDNS, "mDNS (.local) candidates are not supported" },
	{ PARLEY_ICE_ERR_UNSUPPORTED, "only UDP candidates of component 1 are supported (rtcp-mux)" },
	{ PARLEY_ICE_ERR_LIMIT, "too many remote candidates" },
	{ PARLEY_ICE_ERR_STATE, "not valid in the ICE agent's state" },
	{ PARLEY_ICE_ERR_SEND, "ICE send failed" },
	{ PARLEY_ICE_ERR_LIBNICE, "libnice call failed" },
};

const char *parley_ice_strerror(int code)
{
	for (size_t i = 0; i < G_N_ELEMENTS(error_texts); i++)
		if (error_texts[i].code == code)
			return error_texts[i].text;
	return "unknown ICE error";
}

static const char *const state_names[] = {
	[PARLEY_ICE_STATE_NEW] = "new",
	[PARLEY_ICE_STATE_GATHERING] = "gathering",
	[PARLEY_ICE_STATE_CHECKING] = "checking",
	[PARLEY_ICE_STATE_CONNECTED] = "connected",
	[PARLEY_ICE_STATE_READY] = "ready",
	[PARLEY_ICE_STATE_FAILED] = "failed",
};

const char *parley_ice_state_name(parley_ice_state state)
{
	if ((unsigned)state < G_N_ELEMENTS(state_names))
		return state_names[state];
	return "unknown";
}

/* libnice component states → ours. */
static const struct {
	NiceComponentState nice;
	parley_ice_state state;
} state_map[] = {
	{ NICE_COMPONENT_STATE_DISCONNECTED, PARLEY_ICE_STATE_NEW },
	{ NICE_COMPONENT_STATE_GATHERING, PARLEY_ICE_STATE_GATHERING },
	{ NICE_COMPONENT_STATE_CONNECTING, PARLEY_ICE_STATE_CHECKING },
	{ NICE_COMPONENT_STATE_CONNECTED, PARLEY_ICE_STATE_CONNECTED },
	{ NICE_COMPONENT_STATE_READY, PARLEY_ICE_STATE_READY },
	{ NICE_COMPONENT_STATE_FAILED, PARLEY_ICE_STATE_FAILED },
};

static const struct {
	NiceCandidateType type;
	const char *name;
} candidate_types[] = {
	{ NICE_CANDIDATE_TYPE_HOST, "host" },
	{ NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE, "srflx" },
	{ NICE_CANDIDATE_TYPE_PEER_REFLEXIVE, "prflx" },
	{ NICE_CANDIDATE_TYPE_RELAYED, "relay" },
};

static const char *candidate_type_name(NiceCandidateType type)
{
	for (size_t i = 0; i < G_N_ELEMENTS(candidate_types); i++)
		if (candidate_types[i].type == type)
			return candidate_types[i].name;
	return "unknown";
}

static const NiceRelayType relay_types[] = {
	[PARLEY_ICE_RELAY_UDP] = NICE_RELAY_TYPE_TURN_UDP,
	[PARLEY_ICE_RELAY_TCP] = NICE_RELAY_TYPE_TURN_TCP,
	[PARLEY_ICE_RELAY_TLS] = NICE_RELAY_TYPE_TURN_TLS,
};

/* ---- state ---- */

static void stop_connect_timer(parley_ice_agent *agent)
{
	if (agent->connect_timer) {
		g_source_destroy(agent->connect_timer);
		g_source_unref(agent->connect_timer);
		agent->connect_timer = NULL;
	}
}

static void set_state(parley_ice_agent *agent, parley_ice_state state)
{
	if (agent->state == state)
		return;
	agent->state = state;
	if (state == PARLEY_ICE_STATE_CONNECTED || state == PARLEY_ICE_STATE_READY ||
	    state == PARLEY_ICE_STATE_FAILED)
		stop_connect_timer(agent);
	if (agent->cb.state_changed)
		agent->cb.state_changed(agent->user_data, state);
}

static gboolean on_connect_timeout(gpointer data)
{
	parley_ice_agent *agent = data;
	g_source_unref(agent->connect_timer);
	agent->connect_timer = NULL;
	set_state(agent, PARLEY_ICE_STATE_FAILED);
	return G_SOURCE_REMOVE;
}

static void start_connect_timer(parley_ice_agent *agent)
{
	stop_connect_timer(agent);
	agent->connect_timer = g_timeout_source_new(agent->connect_timeout_ms);
	g_source_set_callback(agent->connect_timer, on_connect_timeout, agent, NULL);
	g_source_attach(agent->connect_timer, agent->context);
}

/* ---- libnice signals ---- */

static void on_component_state(NiceAgent *nice, guint stream, guint component, guint nice_state,
                               gpointer data)
{
	parley_ice_agent *agent = data;
	if (stream != agent->stream || component != COMPONENT)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(state_map); i++) {
		if (state_map[i].nice != (NiceComponentState)nice_state)
			continue;
		/* A disconnected/gathering report after a restart is just "checking again". */
		if (state_map[i].state == PARLEY_ICE_STATE_NEW || state_map[i].state == PARLEY_ICE_STATE_GATHERING)
			return;
		set_state(agent, state_map[i].state);
		return;
	}
}

/* The SDP text of a local candidate, host address replaced by the
 * announced IP when one is configured. */
static char *local_candidate_text(parley_ice_agent *agent, NiceCandidate *candidate)
{
	NiceCandidate *shown = candidate;
	char *text, *result;

	if (agent->announced_ip && candidate->type == NICE_CANDIDATE_TYPE_HOST) {
		guint port = nice_address_get_port(&candidate->addr);
		shown = nice_candidate_copy(candidate);
		nice_address_set_from_string(&shown->addr, agent->announced_ip);
		nice_address_set_port(&shown->addr, port);
	}
	text = nice_agent_generate_local_candidate_sdp(agent->nice, shown);
	if (shown != candidate)
		nice_candidate_free(shown);
	if (!text)
		return NULL;
	result = g_strdup(g_str_has_prefix(text, "a=") ? text + 2 : text);
	g_free(text);
	return result;
}

static void announce_candidate(parley_ice_agent *agent, NiceCandidate *candidate)
{
	char *text;
	if (candidate->component_id != COMPONENT || !agent->cb.candidate)
		return;
	text = local_candidate_text(agent, candidate);
	if (text)
		agent->cb.candidate(agent->user_data, text);
	g_free(text);
}

static void on_new_candidate(NiceAgent *nice, NiceCandidate *candidate, gpointer data)
{
	parley_ice_agent *agent = data;
	if (candidate->stream_id == agent->stream)
		announce_candidate(agent, candidate);
}

static void on_gathering_done(NiceAgent *nice, guint stream, gpointer data)
{
	parley_ice_agent *agent = data;
	if (stream != agent->stream)
		return;
	agent->gathering_done = true;
	if (agent->cb.gathering_done)
		agent->cb.gathering_done(agent->user_data);
}

/* GLib blocks a source that cannot recurse for the time of its dispatch:
 * it removes the source's descriptor from the context and adds it back,
 * and each change writes the context's wakeup eventfd, so every datagram
 * cost two write()s, a read() and one more empty loop iteration. The
 * socket source that is delivering this datagram (libnice's, the current
 * source) is marked as one that may recurse, which skips the block. Nothing
 * iterates a loop's context from inside a receive callback, so it never
 * actually recurses. */
static void mark_socket_source_recursive(void)
{
	GSource *source = g_main_current_source();
	if (source && !g_source_get_can_recurse(source))
		g_source_set_can_recurse(source, TRUE);
}

static void on_receive(NiceAgent *nice, guint stream, guint component, guint length, gchar *buffer,
                       gpointer data)
{
	parley_ice_agent *agent = data;
	mark_socket_source_recursive();
	if (length > 0 && agent->cb.receive)
		agent->cb.receive(agent->user_data, (const uint8_t *)buffer, length);
}

static void on_selected_pair(NiceAgent *nice, guint stream, guint component, NiceCandidate *local,
                             NiceCandidate *remote, gpointer data)
{
	parley_ice_agent *agent = data;
	(void)nice; (void)component; (void)local; (void)remote;
	if (stream == agent->stream && agent->cb.selected_pair_changed)
		agent->cb.selected_pair_changed(agent->user_data);
}

/* ---- creation ---- */

static bool is_ip_literal(const char *text)
{
	NiceAddress address;
	return text && nice_address_set_from_string(&address, text);
}

static bool add_address(parley_ice_agent *agent, const char *ip)
{
	NiceAddress address;
	nice_address_init(&address);
	return nice_address_set_from_string(&address, ip) && nice_agent_add_local_address(agent->nice, &address);
}

char **parley_ice_interface_addresses(const char *name)
{
	GPtrArray *out = g_ptr_array_new();
	struct ifaddrs *list = NULL;
	if (getifaddrs(&list) == 0) {
		for (struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
			char ip[INET6_ADDRSTRLEN];
			if (!ifa->ifa_addr || (name && strcmp(ifa->ifa_name, name) != 0))
				continue;
			if (!name && (ifa->ifa_flags & IFF_LOOPBACK))
				continue;
			if (ifa->ifa_addr->sa_family == AF_INET) {
				const struct sockaddr_in *in = (const struct sockaddr_in *)ifa->ifa_addr;
				inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
			} else if (ifa->ifa_addr->sa_family == AF_INET6) {
				const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ifa->ifa_addr;
				if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr))
					continue;
				inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
			} else {
				continue;
			}
			g_ptr_array_add(out, g_strdup(ip));
		}
		freeifaddrs(list);
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

/* Adds every usable address of interface `name`; returns how many. */
static unsigned add_interface(parley_ice_agent *agent, const char *name)
{
	char **ips = parley_ice_interface_addresses(name);
	unsigned added = 0;
	for (size_t i = 0; ips[i]; i++)
		added += add_address(agent, ips[i]) ? 1 : 0;
	g_strfreev(ips);
	return added;
}

static int add_interfaces(parley_ice_agent *agent, const char *const *interfaces, GError **error)
{
	for (size_t i = 0; interfaces && interfaces[i]; i++) {
		const char *entry = interfaces[i];
		bool ok = is_ip_literal(entry) ? add_address(agent, entry) : add_interface(agent, entry) > 0;
		if (!ok) {
			g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_INTERFACE,
			            "ICE interface \"%s\": no usable address", entry);
			return PARLEY_ICE_ERR_INTERFACE;
		}
	}
	return PARLEY_ICE_OK;
}

static int check_config(const parley_ice_config *config, GError **error)
{
	const char *problem = NULL;
	if (config->lite && config->controlling)
		problem = "an ICE-lite agent cannot be controlling";
	else if (config->announced_ip && !is_ip_literal(config->announced_ip))
		problem = "announced_ip must be an IP address";
	else if (config->stun_server && !is_ip_literal(config->stun_server))
		problem = "stun_server must be an IP address (resolve names when loading the configuration)";
	else if (config->turn_server && !is_ip_literal(config->turn_server))
		problem = "turn_server must be an IP address";
	else if (config->turn_server && (!config->turn_username || !config->turn_password))
		problem = "a TURN server needs a username and a password";
	else if ((unsigned)config->turn_transport >= G_N_ELEMENTS(relay_types))
		problem = "unknown TURN transport";
	else if (config->min_port > config->max_port || config->max_port > 65535 ||
	         (config->min_port == 0) != (config->max_port == 0))
		problem = "RTC port range must be 1..65535 with min <= max";
	else if (config->stun_port > 65535 || config->turn_port > 65535)
		problem = "STUN/TURN port out of range";
	else if (config->stun_initial_timeout_ms &&
	         (config->stun_initial_timeout_ms < 100 || config->stun_initial_timeout_ms > 5000))
		problem = "stun_initial_timeout_ms must be 100..5000";
	else if (config->stun_max_retransmissions &&
	         (config->stun_max_retransmissions < 2 || config->stun_max_retransmissions > 20))
		problem = "stun_max_retransmissions must be 2..20";
	if (problem) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_INVALID, "%s", problem);
		return PARLEY_ICE_ERR_INVALID;
	}
	return PARLEY_ICE_OK;
}

static void remember_local_credentials(parley_ice_agent *agent)
{
	g_free(agent->local_ufrag);
	g_free(agent->local_pwd);
	agent->local_ufrag = agent->local_pwd = NULL;
	nice_agent_get_local_credentials(agent->nice, agent->stream, &agent->local_ufrag, &agent->local_pwd);
}

parley_ice_agent *parley_ice_agent_new(GMainContext *context, const parley_ice_config *config,
                                       const parley_ice_callbacks *callbacks, void *user_data,
                                       GError **error)
{
	/* No NICE_AGENT_OPTION_CONSENT_FRESHNESS: libnice 0.1.21 would end the
	 * pair 10 s after the last answered keepalive (one late answer ends a
	 * call). Plain keepalive checks end it after 50 s unanswered; the pc
	 * judges liveness itself, with RFC 7675's 30 s (pc_liveness.c). */
	NiceAgentOption options = NICE_AGENT_OPTION_ICE_TRICKLE;
	parley_ice_agent *agent;

	if (!config || !callbacks) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_INVALID, "ICE agent needs a config and callbacks");
		return NULL;
	}
	if (check_config(config, error) < 0)
		return NULL;
	if (config->lite)
		options |= NICE_AGENT_OPTION_LITE_MODE;

	agent = g_new0(parley_ice_agent, 1);
	agent->context = g_main_context_ref(context ? context : g_main_context_default());
	agent->cb = *callbacks;
	agent->user_data = user_data;
	agent->controlling = config->controlling;
	agent->announced_ip = g_strdup(config->announced_ip);
	agent->connect_timeout_ms = config->connect_timeout_ms ? config->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
	agent->max_remote_candidates = config->max_remote_candidates ? config->max_remote_candidates
	                                                             : DEFAULT_MAX_REMOTE_CANDIDATES;
	agent->nice = nice_agent_new_full(agent->context, NICE_COMPATIBILITY_RFC5245, options);
	if (!agent->nice) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_LIBNICE, "nice_agent_new_full failed");
		parley_ice_agent_free(agent);
		return NULL;
	}
	g_object_set(agent->nice, "controlling-mode", config->controlling, "ice-tcp", FALSE, "upnp", FALSE,
	             "keepalive-conncheck", TRUE, NULL);
	if (config->stun_initial_timeout_ms)
		g_object_set(agent->nice, "stun-initial-timeout", config->stun_initial_timeout_ms, NULL);
	if (config->stun_max_retransmissions)
		g_object_set(agent->nice, "stun-max-retransmissions", config->stun_max_retransmissions, NULL);
	if (config->stun_server)
		g_object_set(agent->nice, "stun-server", config->stun_server, "stun-server-port",
		             config->stun_port ? config->stun_port : DEFAULT_STUN_PORT, NULL);
	if (add_interfaces(agent, config->interfaces, error) < 0) {
		parley_ice_agent_free(agent);
		return NULL;
	}
	agent->stream = nice_agent_add_stream(agent->nice, 1);
	if (agent->stream == 0) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_LIBNICE, "nice_agent_add_stream failed");
		parley_ice_agent_free(agent);
		return NULL;
	}
	if (config->max_port)
		nice_agent_set_port_range(agent->nice, agent->stream, COMPONENT, config->min_port, config->max_port);
	if (config->turn_server &&
	    !nice_agent_set_relay_info(agent->nice, agent->stream, COMPONENT, config->turn_server,
	                               config->turn_port ? config->turn_port : DEFAULT_STUN_PORT,
	                               config->turn_username, config->turn_password,
	                               relay_types[config->turn_transport])) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_LIBNICE, "TURN relay %s refused by libnice",
		            config->turn_server);
		parley_ice_agent_free(agent);
		return NULL;
	}
	g_signal_connect(agent->nice, "component-state-changed", G_CALLBACK(on_component_state), agent);
	g_signal_connect(agent->nice, "new-candidate-full", G_CALLBACK(on_new_candidate), agent);
	g_signal_connect(agent->nice, "candidate-gathering-done", G_CALLBACK(on_gathering_done), agent);
	g_signal_connect(agent->nice, "new-selected-pair-full", G_CALLBACK(on_selected_pair), agent);
	nice_agent_attach_recv(agent->nice, agent->stream, COMPONENT, agent->context, on_receive, agent);
	remember_local_credentials(agent);
	return agent;
}

void parley_ice_agent_free(parley_ice_agent *agent)
{
	if (!agent)
		return;
	stop_connect_timer(agent);
	if (agent->nice) {
		g_signal_handlers_disconnect_by_data(agent->nice, agent);
		if (agent->stream) {
			nice_agent_attach_recv(agent->nice, agent->stream, COMPONENT, agent->context, NULL, NULL);
			nice_agent_remove_stream(agent->nice, agent->stream);
		}
		g_object_unref(agent->nice);
	}
	g_free(agent->announced_ip);
	g_free(agent->local_ufrag);
	g_free(agent->local_pwd);
	g_main_context_unref(agent->context);
	g_free(agent);
}

/* ---- use ---- */

int parley_ice_agent_gather(parley_ice_agent *agent, GError **error)
{
	if (!agent) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_INVALID, "no ICE agent");
		return PARLEY_ICE_ERR_INVALID;
	}
	if (!nice_agent_gather_candidates(agent->nice, agent->stream)) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_LIBNICE,
		            "gathering failed (no usable local address, or the RTC port range is exhausted)");
		return PARLEY_ICE_ERR_LIBNICE;
	}
	return PARLEY_ICE_OK;
}

void parley_ice_agent_get_local_credentials(parley_ice_agent *agent, const char **ufrag, const char **pwd)
{
	if (ufrag)
		*ufrag = agent ? agent->local_ufrag : NULL;
	if (pwd)
		*pwd = agent ? agent->local_pwd : NULL;
}

int parley_ice_agent_set_remote_credentials(parley_ice_agent *agent, const char *ufrag, const char *pwd)
{
	/* RFC 5245 15.4: ufrag 4..256, pwd 22..256 ice-chars. */
	if (!agent || !ufrag || !pwd || strlen(ufrag) < 4 || strlen(ufrag) > 256 ||
	    strlen(pwd) < 22 || strlen(pwd) > 256)
		return PARLEY_ICE_ERR_INVALID;
	if (!nice_agent_set_remote_credentials(agent->nice, agent->stream, ufrag, pwd))
		return PARLEY_ICE_ERR_LIBNICE;
	if (agent->state != PARLEY_ICE_STATE_CONNECTED && agent->state != PARLEY_ICE_STATE_READY)
		start_connect_timer(agent);
	return PARLEY_ICE_OK;
}

/* Field checks before libnice sees the line: "candidate:<foundation>
 * <component> <transport> <priority> <address> <port> typ <type> ...". */
static int check_candidate_fields(const char *line, GError **error)
{
	char **fields = g_strsplit_set(line, " \t", 0);
	int result = PARLEY_ICE_OK;
	guint count = g_strv_length(fields);

	if (count < 8 || g_strcmp0(fields[6], "typ") != 0) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_CANDIDATE, "malformed candidate \"%.120s\"", line);
		result = PARLEY_ICE_ERR_CANDIDATE;
	} else if (g_str_has_suffix(fields[4], ".local")) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_MDNS, "mDNS candidate %s refused", fields[4]);
		result = PARLEY_ICE_ERR_MDNS;
	} else if (strcmp(fields[1], "1") != 0 || g_ascii_strcasecmp(fields[2], "udp") != 0) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_UNSUPPORTED,
		            "candidate of component %s over %s refused (UDP, rtcp-mux only)", fields[1], fields[2]);
		result = PARLEY_ICE_ERR_UNSUPPORTED;
	}
	g_strfreev(fields);
	return result;
}

int parley_ice_agent_add_remote_candidate(parley_ice_agent *agent, const char *sdp_candidate, GError **error)
{
	NiceCandidate *candidate;
	GSList list = { 0 };
	char *line;
	int added;

	if (!agent || !sdp_candidate) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_INVALID, "no ICE agent or candidate");
		return PARLEY_ICE_ERR_INVALID;
	}
	if (g_str_has_prefix(sdp_candidate, "a="))
		sdp_candidate += 2;
	if (!g_str_has_prefix(sdp_candidate, "candidate:")) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_CANDIDATE, "not a candidate line: \"%.120s\"",
		            sdp_candidate);
		return PARLEY_ICE_ERR_CANDIDATE;
	}
	line = g_strstrip(g_strdup(sdp_candidate));
	int checked = check_candidate_fields(line, error);
	if (checked < 0) {
		g_free(line);
		return checked;
	}
	if (agent->remote_candidates >= agent->max_remote_candidates) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_LIMIT, "more than %u remote candidates",
		            agent->max_remote_candidates);
		g_free(line);
		return PARLEY_ICE_ERR_LIMIT;
	}
	char *with_prefix = g_strconcat("a=", line, NULL);
	candidate = nice_agent_parse_remote_candidate_sdp(agent->nice, agent->stream, with_prefix);
	g_free(with_prefix);
	if (!candidate) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_CANDIDATE, "candidate does not parse: \"%.120s\"", line);
		g_free(line);
		return PARLEY_ICE_ERR_CANDIDATE;
	}
	g_free(line);
	list.data = candidate;
	added = nice_agent_set_remote_candidates(agent->nice, agent->stream, COMPONENT, &list);
	nice_candidate_free(candidate);
	if (added < 0) {
		g_set_error(error, PARLEY_ICE_ERROR, PARLEY_ICE_ERR_LIBNICE, "libnice refused the remote candidate");
		return PARLEY_ICE_ERR_LIBNICE;
	}
	agent->remote_candidates++;
	return PARLEY_ICE_OK;
}

void parley_ice_agent_remote_gathering_done(parley_ice_agent *agent)
{
	if (agent)
		nice_agent_peer_candidate_gathering_done(agent->nice, agent->stream);
}

int parley_ice_agent_restart(parley_ice_agent *agent)
{
	GSList *locals, *item;

	if (!agent)
		return PARLEY_ICE_ERR_INVALID;
	if (!nice_agent_restart_stream(agent->nice, agent->stream))
		return PARLEY_ICE_ERR_LIBNICE;
	remember_local_credentials(agent);
	agent->remote_candidates = 0;
	stop_connect_timer(agent);
	set_state(agent, PARLEY_ICE_STATE_CHECKING);
	locals = nice_agent_get_local_candidates(agent->nice, agent->stream, COMPONENT);
	for (item = locals; item; item = item->next)
		announce_candidate(agent, item->data);
	g_slist_free_full(locals, (GDestroyNotify)nice_candidate_free);
	if (agent->gathering_done && agent->cb.gathering_done)
		agent->cb.gathering_done(agent->user_data);
	return PARLEY_ICE_OK;
}

int parley_ice_agent_send(parley_ice_agent *agent, const uint8_t *data, size_t length)
{
	gint sent;
	if (!agent || !data || length == 0 || length > 65535)
		return PARLEY_ICE_ERR_INVALID;
	if (agent->state != PARLEY_ICE_STATE_CONNECTED && agent->state != PARLEY_ICE_STATE_READY)
		return PARLEY_ICE_ERR_STATE;
	sent = nice_agent_send(agent->nice, agent->stream, COMPONENT, (guint)length, (const gchar *)data);
	return sent == (gint)length ? PARLEY_ICE_OK : PARLEY_ICE_ERR_SEND;
}

parley_ice_state parley_ice_agent_get_state(const parley_ice_agent *agent)
{
	return agent ? agent->state : PARLEY_ICE_STATE_FAILED;
}

bool parley_ice_agent_is_controlling(const parley_ice_agent *agent)
{
	gboolean controlling = FALSE;
	if (!agent)
		return false;
	g_object_get(agent->nice, "controlling-mode", &controlling, NULL);
	return controlling;
}

static void describe_address(const NiceAddress *address, char *ip, size_t size, uint16_t *port)
{
	char text[NICE_ADDRESS_STRING_LEN];
	nice_address_to_string(address, text);
	g_strlcpy(ip, text, size);
	*port = (uint16_t)nice_address_get_port(address);
}

int parley_ice_agent_get_selected_pair(parley_ice_agent *agent, parley_ice_pair *pair)
{
	NiceCandidate *local = NULL, *remote = NULL;
	if (!agent || !pair)
		return PARLEY_ICE_ERR_INVALID;
	if (!nice_agent_get_selected_pair(agent->nice, agent->stream, COMPONENT, &local, &remote))
		return PARLEY_ICE_ERR_STATE;
	describe_address(&local->addr, pair->local_ip, sizeof(pair->local_ip), &pair->local_port);
	describe_address(&remote->addr, pair->remote_ip, sizeof(pair->remote_ip), &pair->remote_port);
	pair->local_type = candidate_type_name(local->type);
	pair->remote_type = candidate_type_name(remote->type);
	pair->protocol = local->transport == NICE_CANDIDATE_TRANSPORT_UDP ? "udp" : "tcp";
	return PARLEY_ICE_OK;
}

int parley_ice_agent_get_route(parley_ice_agent *agent, parley_udp_route *route)
{
	NiceCandidate *local = NULL, *remote = NULL;
	if (!agent || !route)
		return PARLEY_ICE_ERR_INVALID;
	parley_udp_route_clear(route);
	if (!nice_agent_get_selected_pair(agent->nice, agent->stream, COMPONENT, &local, &remote) ||
	    local->type == NICE_CANDIDATE_TYPE_RELAYED || local->transport != NICE_CANDIDATE_TRANSPORT_UDP)
		return PARLEY_ICE_ERR_STATE;
	GSocket *socket = nice_agent_get_selected_socket(agent->nice, agent->stream, COMPONENT);
	if (!socket)
		return PARLEY_ICE_ERR_STATE;
	struct sockaddr_storage addr;
	memset(&addr, 0, sizeof(addr));
	nice_address_copy_to_sockaddr(&remote->addr, (struct sockaddr *)&addr);
	socklen_t len = addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (addr.ss_family == AF_INET || addr.ss_family == AF_INET6)
		parley_udp_route_set(route, socket, (struct sockaddr *)&addr, len);
	g_object_unref(socket);
	return route->socket ? PARLEY_ICE_OK : PARLEY_ICE_ERR_STATE;
}
