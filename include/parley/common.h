/*
 * parley/common.h — what every Parley module sees: version macros, log
 * levels, the media packet views and the JSON ownership rules.
 *
 * Ownership rules for every header in include/parley/ (written once, here):
 *  1. A json_t passed INTO a function is borrowed. The callee never steals
 *     the caller's reference; a callee that keeps it takes its own
 *     (json_incref) and drops it later.
 *  2. A json_t RETURNED from a function (or stored into an out-field named
 *     `content`) is a new reference that the caller now owns and must
 *     json_decref.
 *  3. Strings passed in are borrowed and valid only for the call; copy them
 *     to keep them. Strings returned as `const char *` belong to the callee
 *     and stay valid as the callee documents (usually: for the module's life).
 *  4. Packet buffers handed to a callback are valid only for that call. A
 *     callee may modify a buffer it is handed as `char *` in place, never
 *     free it.
 *
 * Threading rules:
 *  - Every handle (one PeerConnection) is pinned to one event loop thread.
 *    Media callbacks for a handle (incoming_rtp/rtcp/data, setup_media,
 *    hangup_media, slow_link) and timers started for it run on that thread.
 *  - handle_message runs on a bounded worker pool and must not block.
 *  - Every function in a core table may be called from any thread.
 */
#ifndef PARLEY_COMMON_H
#define PARLEY_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PARLEY_VERSION_STRING "0.1.0"
#define PARLEY_VERSION 100 /* major*10000 + minor*100 + patch */

/* Log levels, in increasing verbosity (as syslog-style numbers). */
typedef enum parley_log_level {
	PARLEY_LOG_FATAL = 1,
	PARLEY_LOG_ERROR = 2,
	PARLEY_LOG_WARN = 3,
	PARLEY_LOG_INFO = 4,
	PARLEY_LOG_VERB = 5,
	PARLEY_LOG_DEBUG = 6,
} parley_log_level;

/* One plaintext RTP packet on the media path (after SRTP unprotect, or
 * before SRTP protect). `buffer` holds the whole packet, header included. */
typedef struct parley_rtp_packet {
	char *buffer;
	uint16_t length;
	uint8_t mindex;   /* index of the m-line this packet belongs to */
	bool video;
	uint8_t simulcast_layer; /* 0 = lowest / only; set by the core from rid or ssrc */
	int16_t audio_level;     /* ssrc-audio-level in -dBov (0..127), or -1 when absent */
	bool voice_activity;     /* the V bit of ssrc-audio-level */
	uint32_t transport_seq;  /* transport-wide-cc sequence or 0 when absent */
	/* Opaque, set by the core on a packet it hands to incoming_rtp: the
	 * m-line it arrived on, valid during that call. relay_rtp uses it to
	 * map payload type and extension ids to the destination's negotiation.
	 * A packet a plugin builds itself leaves it NULL (its ids are taken as
	 * the destination's); a plugin that keeps a packet past the callback
	 * sets it to NULL. */
	const void *source;
} parley_rtp_packet;

/* One plaintext RTCP compound packet. */
typedef struct parley_rtcp_packet {
	char *buffer;
	uint16_t length;
	uint8_t mindex;
	bool video;
} parley_rtcp_packet;

/* How a data channel delivers (RFC 8831 §6.1), for a channel relay_data
 * opens. */
typedef enum parley_data_reliability {
	PARLEY_DATA_RELIABLE = 0,              /* every message, retransmitted until acknowledged */
	PARLEY_DATA_MAX_RETRANSMITS = 1,       /* reliability_value: retransmissions at most */
	PARLEY_DATA_MAX_PACKET_LIFETIME = 2,   /* reliability_value: milliseconds of retransmission at most */
} parley_data_reliability;

/* One data-channel message (incoming_data and relay_data in
 * parley/plugin.h). The fields after `binary` were appended with the
 * plugin vtable's data_ready: the core fills and reads them only for a
 * plugin whose struct_size covers data_ready (see plugin.h). */
typedef struct parley_data_packet {
	char *buffer;          /* the message, not NUL-terminated; never NULL (also when empty) */
	uint16_t length;       /* the smaller of `size` and 65535 (all an older plugin reads) */
	const char *label;     /* the channel's label; relay_data: NULL = the oldest open channel */
	bool binary;           /* binary, or text (UTF-8 as the sender promised, not checked) */
	/* Appended: */
	const char *protocol;  /* the channel's sub-protocol, "" when none; relay_data: for a channel it opens */
	size_t size;           /* the message's length in bytes (may pass 65535) */
	/* relay_data, for a channel it opens (an open channel keeps its own): */
	bool unordered;
	parley_data_reliability reliability;
	uint32_t reliability_value;
} parley_data_packet;

/* One data channel, as data_ready reports it (valid during the call). */
typedef struct parley_data_channel {
	const char *label;
	const char *protocol;
	bool unordered;
	parley_data_reliability reliability;
	uint32_t reliability_value;
	bool opened_here;      /* by relay_data (true) or by the peer */
} parley_data_channel;

typedef enum parley_data_event {
	PARLEY_DATA_OPEN = 0,      /* a channel is open both ways */
	PARLEY_DATA_CLOSED = 1,    /* a channel closed (either side, or the association ended) */
	PARLEY_DATA_WRITABLE = 2,  /* no channel: the data channels can carry messages now (the
	                            * association came up, or room came back after PARLEY_DATA_ERR_BUSY) */
} parley_data_event;

/* Timer callback: return true to keep a repeating timer, false to stop it. */
typedef bool (*parley_timer_fn)(void *user_data);

/* Opaque timer handle returned by a core table's timer_start. */
typedef struct parley_timer parley_timer;

/* One environment variable that sets one of the module's own settings, e.g.
 * {"PORT", "general", "port"}. A module lists the variables it reads in its
 * vtable (env_overrides: an array ending with {NULL}); the core reads them
 * when it loads the module, before init, so config_get answers with them.
 * They rank above the module's file and below parleyd's command line; an
 * empty variable counts as unset; when two variables of the list set the
 * same key, the one listed first wins. A module names only its own keys:
 * every module that reads a variable lists it (REDIS_URL is in both the
 * Redis transport's list and the meeting plugin's). */
typedef struct parley_env_override {
	const char *variable;
	const char *section;
	const char *key;
} parley_env_override;

#ifdef __cplusplus
}
#endif
#endif
