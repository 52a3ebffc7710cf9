/*
 * textroom_stats.h — what the textroom driver reads and counts: its
 * --phases list, the text
 * its messages carry ("lg <phase> <seq> <send µs>"), the TextRoom data
 * channel messages it receives (answers by transaction, errors, message
 * events), and one phase's delivery accounting (per message: who got it,
 * once; latency from the send to each receipt into a histogram; missing,
 * duplicate and foreign deliveries).
 *
 * Ownership: a parsed event holds a reference to its JSON (tr_event_clear
 * drops it); its strings point into that JSON.
 */
#ifndef PARLEY_LOADGEN_TEXTROOM_STATS_H
#define PARLEY_LOADGEN_TEXTROOM_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "stats.h"

#define LOADGEN_TR_MAX_PARTICIPANTS 500
#define LOADGEN_TR_MAX_MESSAGES 100000
#define LOADGEN_TR_TEXT_SIZE 64
#define LOADGEN_TR_MAX_PHASES 4

/* The phases a run goes through (--phases one,all). */
typedef enum loadgen_tr_phase_kind {
	LOADGEN_TR_PHASE_ONE,  /* one sender, a window of messages in flight */
	LOADGEN_TR_PHASE_ALL,  /* every participant sends, one in flight each */
} loadgen_tr_phase_kind;

/* Reads a comma list of phase names ("one", "all") into kinds (at most
 * `max`): their count, or -1 with a reason (an unknown or empty name, too
 * many). */
int loadgen_tr_parse_phases(const char *list, loadgen_tr_phase_kind *kinds, size_t max, char *reason,
                            size_t reason_size);

typedef enum loadgen_tr_kind {
	LOADGEN_TR_OTHER,      /* an event the driver does not look at (join, leave ...) */
	LOADGEN_TR_ANSWER,     /* "success" (or another answer) with a transaction */
	LOADGEN_TR_ERROR,      /* "error", with or without a transaction */
	LOADGEN_TR_MESSAGE,    /* a "message" event */
} loadgen_tr_kind;

typedef struct loadgen_tr_event {
	loadgen_tr_kind kind;
	json_t *json;              /* the whole message (owned reference) */
	const char *transaction;   /* or NULL */
	const char *from;          /* message: the sender's username */
	const char *text;          /* message: its text */
	int error_code;            /* error: the code, or 0 */
	const char *error;         /* error: the reason, or "" */
	/* message: our own text's fields (ours = false for any other text) */
	bool ours;
	unsigned phase;
	uint32_t seq;
	int64_t send_us;
} loadgen_tr_event;

/* Writes our message text; its length (< LOADGEN_TR_TEXT_SIZE). */
size_t loadgen_tr_format_text(char *out, size_t size, unsigned phase, uint32_t seq, int64_t send_us);
/* Reads our message text back: true when it is one of ours. */
bool loadgen_tr_parse_text(const char *text, unsigned *phase, uint32_t *seq, int64_t *send_us);
/* Parses one data channel message. 0, or -1 with a reason (not JSON, not
 * an object, no "textroom"). */
int loadgen_tr_parse_event(const char *data, size_t length, loadgen_tr_event *event, char *reason, size_t size);
void loadgen_tr_event_clear(loadgen_tr_event *event);

/* One phase's deliveries. */
typedef struct loadgen_tr_phase {
	unsigned participants;
	uint32_t capacity;         /* messages the phase may send */
	uint32_t sent;             /* sequence numbers handed out */
	uint64_t delivered, duplicates, foreign;
	uint32_t *receipts;        /* per message: participants that got it */
	uint64_t *seen;            /* per message: a bit per participant */
	unsigned words;            /* 64-bit words per message */
	loadgen_histogram *latency;
	int64_t last_receipt_us;
} loadgen_tr_phase;

loadgen_tr_phase *loadgen_tr_phase_new(unsigned participants, uint32_t capacity);
void loadgen_tr_phase_free(loadgen_tr_phase *phase);
/* The next sequence number, or -1 when the phase has sent `capacity`. */
int64_t loadgen_tr_phase_next(loadgen_tr_phase *phase);
/* Participant `who` received message `seq` sent at send_us. Returns true
 * when it was new (counted), false for a duplicate or an unknown seq. */
bool loadgen_tr_phase_receipt(loadgen_tr_phase *phase, unsigned who, uint32_t seq, int64_t send_us, int64_t now_us);
/* Deliveries still owed: sent × participants − delivered. */
uint64_t loadgen_tr_phase_missing(const loadgen_tr_phase *phase);
/* Has participant `who` received message `seq`? */
bool loadgen_tr_phase_has(const loadgen_tr_phase *phase, unsigned who, uint32_t seq);

#endif
