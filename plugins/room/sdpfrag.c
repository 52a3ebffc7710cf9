/*
 * plugins/room/sdpfrag.c — SDP fragments of trickle and ICE restarts (see
 * sdpfrag.h): one pass over the lines (LF or CRLF), a table of the a=
 * attributes that matter, candidate field checks, and the writer.
 */
#include "sdpfrag.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MEDIA 64 /* m-lines whose mid is remembered */

typedef struct parse_state {
	room_sdpfrag *out;
	int media_index;                          /* -1 = session level */
	char mids[MAX_MEDIA][ROOM_SDPFRAG_MAX_MID + 1];
	int candidate_media[ROOM_SDPFRAG_MAX_CANDIDATES];
	bool keep_first_only;                     /* our description: the first m-line, no limit errors */
	bool full;                                /* keep_first_only: candidates past the limit */
	unsigned line_no;
	char *reason;
	size_t reason_size;
} parse_state;

__attribute__((format(printf, 2, 3))) static int fail(parse_state *st, const char *format, ...)
{
	char text[200];
	va_list args;
	va_start(args, format);
	vsnprintf(text, sizeof(text), format, args);
	va_end(args);
	if (st->reason != NULL && st->reason_size > 0 && st->line_no > 0)
		snprintf(st->reason, st->reason_size, "line %u: %s", st->line_no, text);
	else if (st->reason != NULL && st->reason_size > 0)
		snprintf(st->reason, st->reason_size, "%s", text);
	return -1;
}

static bool is_ice_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

static bool all_digits(const char *s, size_t n, size_t max_digits)
{
	if (n == 0 || n > max_digits)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool parley_room_sdpfrag_candidate_ok(const char *candidate)
{
	if (candidate == NULL)
		return false;
	if (strncmp(candidate, "a=", 2) == 0)
		candidate += 2;
	if (strncmp(candidate, "candidate:", 10) != 0)
		return false;
	const char *p = candidate + 10;
	const char *field[8];
	size_t length[8];
	size_t n = 0;
	while (*p != '\0' && n < 8) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		field[n] = p;
		while (*p != '\0' && *p != ' ')
			p++;
		length[n] = (size_t)(p - field[n]);
		n++;
	}
	if (n < 8 || length[0] > 32)
		return false;
	for (size_t i = 0; i < length[0]; i++)
		if (!is_ice_char(field[0][i]))
			return false;
	if (!all_digits(field[1], length[1], 3) || !all_digits(field[3], length[3], 10) ||
	    !all_digits(field[5], length[5], 5) || strtoul(field[5], NULL, 10) > 65535)
		return false;
	for (size_t i = 0; i < length[2]; i++)
		if (!((field[2][i] >= 'a' && field[2][i] <= 'z') || (field[2][i] >= 'A' && field[2][i] <= 'Z')))
			return false;
	if (length[2] == 0 || length[4] == 0 || length[4] > 255)
		return false;
	for (size_t i = 0; i < length[4]; i++) {
		char c = field[4][i];
		if (!(c == '.' || c == ':' || c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z')))
			return false;
	}
	if (length[6] != 3 || strncmp(field[6], "typ", 3) != 0)
		return false;
	static const char *const types[] = {"host", "srflx", "prflx", "relay"};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (length[7] == strlen(types[i]) && strncmp(field[7], types[i], length[7]) == 0)
			return true;
	return false;
}

/* a=ice-ufrag / a=ice-pwd: ice-chars of `min`..256 bytes, the same at
 * every level where they appear. */
static int take_credential(parse_state *st, const char *name, const char *value, size_t min, char *slot)
{
	size_t n = strlen(value);
	if (n < min || n > ROOM_SDPFRAG_MAX_CREDENTIAL)
		return fail(st, "%s must be %zu to %d characters", name, min, ROOM_SDPFRAG_MAX_CREDENTIAL);
	for (size_t i = 0; i < n; i++)
		if (!is_ice_char(value[i]))
			return fail(st, "%s has a character that is not an ice-char", name);
	if (slot[0] != '\0' && strcmp(slot, value) != 0) {
		if (st->keep_first_only)
			return 0;
		return fail(st, "%s differs from an earlier one", name);
	}
	memcpy(slot, value, n + 1);
	return 0;
}

static int attr_ufrag(parse_state *st, const char *value)
{
	return take_credential(st, "ice-ufrag", value, 4, st->out->ufrag);
}

static int attr_pwd(parse_state *st, const char *value)
{
	return take_credential(st, "ice-pwd", value, 22, st->out->pwd);
}

static int attr_lite(parse_state *st, const char *value)
{
	(void)value;
	st->out->ice_lite = true;
	return 0;
}

static int attr_mid(parse_state *st, const char *value)
{
	if (st->media_index < 0)
		return fail(st, "a=mid before any m-line");
	size_t n = strlen(value);
	if (n == 0 || n > ROOM_SDPFRAG_MAX_MID)
		return fail(st, "a=mid must be 1 to %d characters", ROOM_SDPFRAG_MAX_MID);
	if (st->media_index < MAX_MEDIA)
		memcpy(st->mids[st->media_index], value, n + 1);
	return 0;
}

static int attr_candidate(parse_state *st, const char *value)
{
	room_sdpfrag *out = st->out;
	if (st->keep_first_only && st->media_index != 0)
		return 0;
	char line[ROOM_SDPFRAG_MAX_LINE];
	int n = snprintf(line, sizeof(line), "candidate:%s", value);
	if (n < 0 || (size_t)n >= sizeof(line))
		return fail(st, "candidate too long");
	if (!parley_room_sdpfrag_candidate_ok(line))
		return fail(st, "malformed candidate (foundation component transport priority address port typ type)");
	if (out->n_candidates == ROOM_SDPFRAG_MAX_CANDIDATES) {
		if (st->keep_first_only) {
			st->full = true;
			return 0;
		}
		return fail(st, "more than %d candidates", ROOM_SDPFRAG_MAX_CANDIDATES);
	}
	memcpy(out->candidates[out->n_candidates].line, line, (size_t)n + 1);
	st->candidate_media[out->n_candidates] = st->media_index;
	out->n_candidates++;
	return 0;
}

static int attr_end(parse_state *st, const char *value)
{
	(void)value;
	if (!st->keep_first_only || st->media_index <= 0)
		st->out->end_of_candidates = true;
	return 0;
}

/* The a= attributes that matter (by name, up to ':'); others are ignored. */
static const struct {
	const char *name;
	int (*take)(parse_state *st, const char *value);
} attributes[] = {
	{"ice-ufrag", attr_ufrag}, {"ice-pwd", attr_pwd},      {"ice-lite", attr_lite},
	{"mid", attr_mid},         {"candidate", attr_candidate}, {"end-of-candidates", attr_end},
};

static int take_media_line(parse_state *st, const char *line)
{
	st->media_index++;
	st->out->media++;
	if (st->out->media == 1)
		snprintf(st->out->media_line, sizeof(st->out->media_line), "%s", line);
	return 0;
}

static int take_line(parse_state *st, const char *line)
{
	if (line[0] == '\0')
		return 0;
	if (!((line[0] >= 'a' && line[0] <= 'z') || (line[0] >= 'A' && line[0] <= 'Z')) || line[1] != '=')
		return fail(st, "not an SDP line (<letter>=<value>)");
	if (line[0] == 'm')
		return take_media_line(st, line);
	if (line[0] != 'a')
		return 0;
	const char *attr = line + 2;
	const char *colon = strchr(attr, ':');
	size_t name_length = colon != NULL ? (size_t)(colon - attr) : strlen(attr);
	const char *value = colon != NULL ? colon + 1 : "";
	for (size_t i = 0; i < sizeof(attributes) / sizeof(attributes[0]); i++)
		if (strlen(attributes[i].name) == name_length && strncmp(attributes[i].name, attr, name_length) == 0)
			return attributes[i].take(st, value);
	return 0;
}

static int parse(parse_state *st, const char *text, size_t length)
{
	memset(st->out, 0, sizeof(*st->out));
	st->media_index = -1;
	const char *p = text, *end = text + length;
	while (p < end) {
		st->line_no++;
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol != NULL ? eol + 1 : end;
		size_t n = (size_t)((eol != NULL ? eol : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n >= ROOM_SDPFRAG_MAX_LINE)
			return fail(st, "longer than %d bytes", ROOM_SDPFRAG_MAX_LINE - 1);
		char line[ROOM_SDPFRAG_MAX_LINE];
		memcpy(line, p, n);
		line[n] = '\0';
		if (memchr(line, '\0', n) != NULL || memchr(line, '\r', n) != NULL)
			return fail(st, "a NUL or CR inside the line");
		if (take_line(st, line) != 0)
			return -1;
		p = next;
	}
	room_sdpfrag *out = st->out;
	for (size_t i = 0; i < out->n_candidates; i++) {
		int m = st->candidate_media[i];
		const char *mid = m >= 0 && m < MAX_MEDIA ? st->mids[m] : "";
		memcpy(out->candidates[i].mid, mid, strlen(mid) + 1);
	}
	if (out->media > 0)
		memcpy(out->first_mid, st->mids[0], strlen(st->mids[0]) + 1);
	return 0;
}

int parley_room_sdpfrag_parse(const char *text, size_t length, room_sdpfrag *out, char *reason, size_t reason_size)
{
	parse_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -1;
	st->out = out;
	st->reason = reason;
	st->reason_size = reason_size;
	int rc = text == NULL ? fail(st, "no fragment") : parse(st, text, length);
	if (rc == 0 && (out->ufrag[0] == '\0') != (out->pwd[0] == '\0')) {
		st->line_no = 0;
		rc = fail(st, out->ufrag[0] == '\0' ? "ice-pwd without ice-ufrag" : "ice-ufrag without ice-pwd");
	}
	if (rc == 0 && out->ufrag[0] == '\0' && out->n_candidates == 0 && !out->end_of_candidates) {
		st->line_no = 0;
		rc = fail(st, "no ICE credentials, candidate or end-of-candidates");
	}
	free(st);
	return rc;
}

int parley_room_sdpfrag_of_description(const char *sdp, room_sdpfrag *out)
{
	parse_state *st = calloc(1, sizeof(*st));
	if (st == NULL || sdp == NULL) {
		free(st);
		return -1;
	}
	st->out = out;
	st->keep_first_only = true;
	int rc = parse(st, sdp, strlen(sdp));
	free(st);
	if (rc != 0 || out->media == 0 || out->ufrag[0] == '\0' || out->pwd[0] == '\0')
		return -1;
	return 0;
}

/* Appends formatted text; false once `size` is exceeded. */
__attribute__((format(printf, 4, 5))) static bool put(char *out, size_t size, size_t *at, const char *format, ...)
{
	if (*at >= size)
		return false;
	va_list args;
	va_start(args, format);
	int n = vsnprintf(out + *at, size - *at, format, args);
	va_end(args);
	if (n < 0 || (size_t)n >= size - *at)
		return false;
	*at += (size_t)n;
	return true;
}

size_t parley_room_sdpfrag_write(const room_sdpfrag *frag, char *out, size_t size)
{
	size_t at = 0;
	bool ok = (!frag->ice_lite || put(out, size, &at, "a=ice-lite\r\n")) &&
	          put(out, size, &at, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", frag->ufrag, frag->pwd) &&
	          put(out, size, &at, "%s\r\n", frag->media_line[0] != '\0' ? frag->media_line : "m=audio 9 RTP/AVP 0") &&
	          (frag->first_mid[0] == '\0' || put(out, size, &at, "a=mid:%s\r\n", frag->first_mid));
	for (size_t i = 0; ok && i < frag->n_candidates; i++)
		ok = put(out, size, &at, "a=%s\r\n", frag->candidates[i].line);
	if (ok && frag->end_of_candidates)
		ok = put(out, size, &at, "a=end-of-candidates\r\n");
	return ok ? at : 0;
}
