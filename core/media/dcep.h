/*
 * dcep.h — the wire format of WebRTC data channels above SCTP: the Data
 * Channel Establishment Protocol's two messages (RFC 8832: DATA_CHANNEL_OPEN
 * and DATA_CHANNEL_ACK) and the SCTP payload protocol identifiers that tell
 * DCEP, text, binary and empty messages apart (RFC 8831 §8).
 *
 * Pure functions: no state, no allocation. A parsed OPEN points into the
 * caller's buffer (label and protocol are not NUL-terminated there).
 */
#ifndef PARLEY_MEDIA_DCEP_H
#define PARLEY_MEDIA_DCEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SCTP payload protocol identifiers (host order; on the wire they are
 * big-endian). 52 and 54 are the deprecated partial-message ones. */
enum {
	PARLEY_PPID_DCEP = 50,
	PARLEY_PPID_STRING = 51,
	PARLEY_PPID_BINARY_PARTIAL = 52,
	PARLEY_PPID_BINARY = 53,
	PARLEY_PPID_STRING_PARTIAL = 54,
	PARLEY_PPID_STRING_EMPTY = 56,
	PARLEY_PPID_BINARY_EMPTY = 57,
};

/* The PPID a message of that kind is sent with. */
uint32_t parley_dcep_ppid_for(bool binary, bool empty);

/* What a received PPID carries: 0 and *binary / *empty set for a user
 * message (51, 53, 56, 57), -1 for anything else (DCEP is handled apart;
 * the deprecated partial PPIDs and unknown ones are refused). */
int parley_dcep_ppid_kind(uint32_t ppid, bool *binary, bool *empty);

/* Message types. */
typedef enum parley_dcep_type {
	PARLEY_DCEP_ACK = 0x02,
	PARLEY_DCEP_OPEN = 0x03,
} parley_dcep_type;

/* Reliability of a channel (the low bits of the channel type). */
typedef enum parley_dcep_reliability {
	PARLEY_DCEP_RELIABLE = 0x00,
	PARLEY_DCEP_PARTIAL_REXMIT = 0x01, /* parameter: retransmissions */
	PARLEY_DCEP_PARTIAL_TIMED = 0x02,  /* parameter: lifetime in ms */
} parley_dcep_reliability;

/* The unordered bit of the channel type. */
#define PARLEY_DCEP_UNORDERED 0x80

/* Fixed part of DATA_CHANNEL_OPEN: type, channel type, priority (2),
 * reliability parameter (4), label length (2), protocol length (2). */
#define PARLEY_DCEP_OPEN_HEADER 12

typedef struct parley_dcep_open {
	bool ordered;
	parley_dcep_reliability reliability;
	uint32_t reliability_parameter;  /* 0 for a reliable channel */
	uint16_t priority;
	const char *label;               /* label_length bytes, UTF-8 without NUL */
	uint16_t label_length;
	const char *protocol;            /* protocol_length bytes, UTF-8 without NUL */
	uint16_t protocol_length;
} parley_dcep_open;

typedef struct parley_dcep_message {
	parley_dcep_type type;
	parley_dcep_open open;           /* OPEN only */
} parley_dcep_message;

/* Reasons a message is refused. */
typedef enum parley_dcep_error {
	PARLEY_DCEP_OK = 0,
	PARLEY_DCEP_ERR_EMPTY = -1,        /* no byte at all */
	PARLEY_DCEP_ERR_TYPE = -2,         /* not OPEN or ACK */
	PARLEY_DCEP_ERR_LENGTH = -3,       /* shorter or longer than its own lengths say */
	PARLEY_DCEP_ERR_CHANNEL_TYPE = -4, /* an unknown channel type */
	PARLEY_DCEP_ERR_TEXT = -5,         /* label or protocol not UTF-8, or with a NUL */
} parley_dcep_error;

/* Parses one DCEP message (PPID 50). 0 or a parley_dcep_error with a
 * reason in `reason` (may be NULL). */
int parley_dcep_parse(const uint8_t *data, size_t length, parley_dcep_message *message, char *reason,
                      size_t reason_size);

/* Bytes DATA_CHANNEL_OPEN takes for `open`. */
size_t parley_dcep_open_size(const parley_dcep_open *open);
/* Writes DATA_CHANNEL_OPEN: its size, or 0 when `capacity` is too small
 * or the reliability is unknown. */
size_t parley_dcep_write_open(const parley_dcep_open *open, uint8_t *out, size_t capacity);
/* Writes DATA_CHANNEL_ACK: 1, or 0 without room. */
size_t parley_dcep_write_ack(uint8_t *out, size_t capacity);

#endif
