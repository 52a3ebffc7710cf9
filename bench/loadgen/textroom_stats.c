/*
 * textroom_stats.c — owns the textroom driver's --phases list, its message
 * text format, the
 * parsing of TextRoom data channel messages into loadgen_tr_event, and the
 * per-phase delivery accounting (textroom_stats.h).
 */
#include "textroom_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#define TEXT_TAG "lg"

int loadgen_tr_parse_phases(const char *list, loadgen_tr_phase_kind *kinds, size_t max, char *reason,
                            size_t reason_size)
{
	static const struct {
		const char *name;
		loadgen_tr_phase_kind kind;
	} names[] = { { "one", LOADGEN_TR_PHASE_ONE }, { "all", LOADGEN_TR_PHASE_ALL } };
	size_t n = 0;
	const char *p = list ? list : "";
	for (;;) {
		size_t len = strcspn(p, ",");
		size_t i = 0;
		while (i < G_N_ELEMENTS(names) && (strlen(names[i].name) != len || strncmp(names[i].name, p, len) != 0))
			i++;
		if (i == G_N_ELEMENTS(names) || n == max) {
			snprintf(reason, reason_size, "--phases: a list of at most %zu of one, all (got '%s')", max,
			         list ? list : "");
			return -1;
		}
		kinds[n++] = names[i].kind;
		if (p[len] == '\0')
			return (int)n;
		p += len + 1;
	}
}

size_t loadgen_tr_format_text(char *out, size_t size, unsigned phase, uint32_t seq, int64_t send_us)
{
	int n = snprintf(out, size, TEXT_TAG " %u %u %" G_GINT64_FORMAT, phase, seq, send_us);
	return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

/* A decimal number as we write it (no sign, no leading zero) followed by
 * `end` (a space, or the string's end); *p moves past both. */
static bool read_number(const char **p, char end, uint64_t max, uint64_t *value)
{
	const char *s = *p;
	uint64_t v = 0;
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (*s != end)
		return false;
	*p = end == '\0' ? s : s + 1;
	*value = v;
	return true;
}

bool loadgen_tr_parse_text(const char *text, unsigned *phase, uint32_t *seq, int64_t *send_us)
{
	if (text == NULL || strncmp(text, TEXT_TAG " ", sizeof(TEXT_TAG)) != 0)
		return false;
	const char *p = text + sizeof(TEXT_TAG);
	uint64_t a = 0, b = 0, c = 0;
	if (!read_number(&p, ' ', 1000, &a) || !read_number(&p, ' ', UINT32_MAX, &b) ||
	    !read_number(&p, '\0', INT64_MAX, &c))
		return false;
	*phase = (unsigned)a;
	*seq = (uint32_t)b;
	*send_us = (int64_t)c;
	return true;
}

int loadgen_tr_parse_event(const char *data, size_t length, loadgen_tr_event *ev, char *reason, size_t size)
{
	memset(ev, 0, sizeof(*ev));
	json_error_t jerr;
	json_t *root = json_loadb(data, length, 0, &jerr);
	if (root == NULL) {
		snprintf(reason, size, "not JSON: %s", jerr.text);
		return -1;
	}
	const char *kind = json_string_value(json_object_get(root, "textroom"));
	if (!json_is_object(root) || kind == NULL) {
		snprintf(reason, size, "no \"textroom\" member");
		json_decref(root);
		return -1;
	}
	ev->json = root;
	ev->transaction = json_string_value(json_object_get(root, "transaction"));
	if (strcmp(kind, "error") == 0) {
		ev->kind = LOADGEN_TR_ERROR;
		json_t *code = json_object_get(root, "error_code");
		ev->error_code = json_is_integer(code) ? (int)json_integer_value(code) : 0;
		ev->error = json_string_value(json_object_get(root, "error"));
		if (ev->error == NULL)
			ev->error = "";
	} else if (strcmp(kind, "message") == 0 && ev->transaction == NULL) {
		ev->kind = LOADGEN_TR_MESSAGE;
		ev->from = json_string_value(json_object_get(root, "from"));
		ev->text = json_string_value(json_object_get(root, "text"));
		ev->ours = loadgen_tr_parse_text(ev->text, &ev->phase, &ev->seq, &ev->send_us);
	} else if (ev->transaction != NULL) {
		ev->kind = LOADGEN_TR_ANSWER;
	} else {
		ev->kind = LOADGEN_TR_OTHER;
	}
	return 0;
}

void loadgen_tr_event_clear(loadgen_tr_event *ev)
{
	json_decref(ev->json);
	memset(ev, 0, sizeof(*ev));
}

loadgen_tr_phase *loadgen_tr_phase_new(unsigned participants, uint32_t capacity)
{
	if (participants == 0 || participants > LOADGEN_TR_MAX_PARTICIPANTS || capacity == 0 ||
	    capacity > LOADGEN_TR_MAX_MESSAGES)
		return NULL;
	loadgen_tr_phase *p = g_new0(loadgen_tr_phase, 1);
	p->participants = participants;
	p->capacity = capacity;
	p->words = (participants + 63) / 64;
	p->receipts = g_new0(uint32_t, capacity);
	p->seen = g_new0(uint64_t, (size_t)capacity * p->words);
	p->latency = loadgen_stats_histogram_new();
	return p;
}

void loadgen_tr_phase_free(loadgen_tr_phase *p)
{
	if (p == NULL)
		return;
	g_free(p->receipts);
	g_free(p->seen);
	loadgen_stats_histogram_free(p->latency);
	g_free(p);
}

int64_t loadgen_tr_phase_next(loadgen_tr_phase *p)
{
	return p->sent < p->capacity ? (int64_t)p->sent++ : -1;
}

bool loadgen_tr_phase_has(const loadgen_tr_phase *p, unsigned who, uint32_t seq)
{
	if (seq >= p->sent || who >= p->participants)
		return false;
	return (p->seen[(size_t)seq * p->words + who / 64] >> (who % 64)) & 1;
}

bool loadgen_tr_phase_receipt(loadgen_tr_phase *p, unsigned who, uint32_t seq, int64_t send_us, int64_t now_us)
{
	if (seq >= p->sent || who >= p->participants) {
		p->foreign++;
		return false;
	}
	uint64_t *word = &p->seen[(size_t)seq * p->words + who / 64];
	uint64_t bit = UINT64_C(1) << (who % 64);
	if (*word & bit) {
		p->duplicates++;
		return false;
	}
	*word |= bit;
	p->receipts[seq]++;
	p->delivered++;
	p->last_receipt_us = now_us;
	loadgen_stats_histogram_add(p->latency, now_us - send_us);
	return true;
}

uint64_t loadgen_tr_phase_missing(const loadgen_tr_phase *p)
{
	return (uint64_t)p->sent * p->participants - p->delivered;
}
