/*
 * pc_pair.c — what a PeerConnection reports about its connection for the
 * event bus: the selected candidate pair's types (once ICE connects, again
 * when a later selection changes them) and the periodic stream figures.
 * Owns the remote candidates remembered for that (a small ring of address,
 * port and type) and the candidate-line reader that fills it from trickled
 * candidates. A peer-reflexive remote (libnice learnt it from a check; the
 * ICE-lite transport knows no other kind) takes the type of the candidate
 * the peer announced at that address, so a client that reaches us through
 * its TURN relay is reported as relayed.
 */
#include <stdio.h>
#include <string.h>
#include "pc_internal.h"

/* ---- the candidate-line reader ---- */

/* The next blank-separated token of *cursor as [start, start+length). */
static bool next_token(const char **cursor, const char **start, size_t *length)
{
	const char *p = *cursor;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\r' || *p == '\n')
		return false;
	*start = p;
	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
		p++;
	*length = (size_t)(p - *start);
	*cursor = p;
	return true;
}

static bool copy_token(char *out, size_t size, const char *start, size_t length)
{
	if (length == 0 || length >= size)
		return false;
	memcpy(out, start, length);
	out[length] = '\0';
	return true;
}

int parley_pc_candidate_endpoint(const char *line, char *ip, size_t ip_size, uint16_t *port, char *type,
                                 size_t type_size)
{
	if (!line || !ip || !port || !type)
		return -1;
	if (strncmp(line, "a=", 2) == 0)
		line += 2;
	if (strncmp(line, "candidate:", 10) == 0)
		line += 10;
	/* foundation component transport priority address port "typ" type */
	const char *tokens[8];
	size_t lengths[8];
	const char *cursor = line;
	for (int i = 0; i < 8; i++)
		if (!next_token(&cursor, &tokens[i], &lengths[i]))
			return -1;
	if (lengths[6] != 3 || memcmp(tokens[6], "typ", 3) != 0)
		return -1;
	unsigned value = 0;
	if (lengths[5] == 0 || lengths[5] > 5)
		return -1;
	for (size_t i = 0; i < lengths[5]; i++) {
		if (tokens[5][i] < '0' || tokens[5][i] > '9')
			return -1;
		value = value * 10 + (unsigned)(tokens[5][i] - '0');
	}
	if (value == 0 || value > 65535)
		return -1;
	if (!copy_token(ip, ip_size, tokens[4], lengths[4]) || !copy_token(type, type_size, tokens[7], lengths[7]))
		return -1;
	*port = (uint16_t)value;
	return 0;
}

/* ---- remote candidates ---- */

void pc_note_remote_candidate(parley_pc *pc, const char *ip, uint16_t port, const char *type)
{
	if (!ip || !type || !*ip)
		return;
	pc_noted_candidate *slot = &pc->noted[pc->n_noted % PC_MAX_NOTED_CANDIDATES];
	g_strlcpy(slot->ip, ip, sizeof(slot->ip));
	slot->port = port;
	g_strlcpy(slot->type, type, sizeof(slot->type));
	pc->n_noted++;
	/* a check may have come before the candidate (trickled late): the
	 * pair reported as peer-reflexive may now have its real type */
	if (pc->reported_pair[0])
		pc_report_selected_pair(pc);
}

void pc_note_remote_candidate_line(parley_pc *pc, const char *line)
{
	char ip[48], type[8];
	uint16_t port = 0;
	if (parley_pc_candidate_endpoint(line, ip, sizeof(ip), &port, type, sizeof(type)) == 0)
		pc_note_remote_candidate(pc, ip, port, type);
}

/* The static name of a candidate type, or NULL for an unknown one. */
static const char *type_name(const char *type)
{
	static const char *const names[] = { "host", "srflx", "prflx", "relay" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (type && strcmp(type, names[i]) == 0)
			return names[i];
	return NULL;
}

static const char *noted_type(const parley_pc *pc, const char *ip, uint16_t port)
{
	size_t n = pc->n_noted < PC_MAX_NOTED_CANDIDATES ? pc->n_noted : PC_MAX_NOTED_CANDIDATES;
	for (size_t i = 0; i < n; i++)
		if (pc->noted[i].port == port && strcmp(pc->noted[i].ip, ip) == 0)
			return type_name(pc->noted[i].type);
	return NULL;
}

/* ---- reports ---- */

void pc_report_selected_pair(parley_pc *pc)
{
	if (pc->closed || !pc->ice || !pc->cb.selected_pair)
		return;
	if (pc->ice_state != PARLEY_ICE_STATE_CONNECTED && pc->ice_state != PARLEY_ICE_STATE_READY)
		return;
	parley_ice_pair pair;
	memset(&pair, 0, sizeof(pair));
	if (pc->ice_ops->get_selected_pair(pc->ice, &pair) != 0)
		return;
	parley_pc_pair out = {
		.local_type = type_name(pair.local_type) ? type_name(pair.local_type) : "host",
		.remote_type = type_name(pair.remote_type) ? type_name(pair.remote_type) : "prflx",
		.protocol = pair.protocol && strcmp(pair.protocol, "tcp") == 0 ? "tcp" : "udp",
	};
	if (strcmp(out.remote_type, "prflx") == 0) {
		const char *noted = noted_type(pc, pair.remote_ip, pair.remote_port);
		if (noted)
			out.remote_type = noted;
	}
	out.relay = strcmp(out.local_type, "relay") == 0 || strcmp(out.remote_type, "relay") == 0;
	char key[sizeof(pc->reported_pair)];
	snprintf(key, sizeof(key), "%s/%s/%s", out.local_type, out.remote_type, out.protocol);
	if (strcmp(key, pc->reported_pair) == 0)
		return;
	g_strlcpy(pc->reported_pair, key, sizeof(pc->reported_pair));
	pc->cb.selected_pair(pc->user_data, &out);
}

json_t *parley_pc_streams_json(parley_pc *pc)
{
	json_t *streams = json_array();
	for (size_t i = 0; i < pc->n_streams; i++)
		if (pc->streams[i]->active)
			json_array_append_new(streams, pc_media_stream_info(pc, pc->streams[i]));
	return streams;
}
