/*
 * plugins/room/sdpfrag.h — SDP fragments (application/trickle-ice-sdpfrag,
 * RFC 8840) as WHIP and WHEP clients send them in PATCH requests: ICE
 * credentials (session or media level), m-lines with their mid, candidates
 * and end-of-candidates; and the fragment we answer an ICE restart with,
 * taken from our own description. Pure functions: fixed arrays, no
 * allocation, no locks; every refusal names its line.
 */
#ifndef PARLEY_ROOM_SDPFRAG_H
#define PARLEY_ROOM_SDPFRAG_H

#include <stdbool.h>
#include <stddef.h>

#define ROOM_SDPFRAG_MAX_CANDIDATES 32  /* candidates one fragment may carry */
#define ROOM_SDPFRAG_MAX_LINE 1024      /* bytes of one line */
#define ROOM_SDPFRAG_MAX_CREDENTIAL 256 /* ice-ufrag / ice-pwd (RFC 8839: 4..256 ice-chars) */
#define ROOM_SDPFRAG_MAX_MID 32

typedef struct room_sdpfrag_candidate {
	char mid[ROOM_SDPFRAG_MAX_MID + 1];  /* of its m-line ("" when the m-line has none) */
	char line[ROOM_SDPFRAG_MAX_LINE];    /* "candidate:..." (without "a=") */
} room_sdpfrag_candidate;

typedef struct room_sdpfrag {
	char ufrag[ROOM_SDPFRAG_MAX_CREDENTIAL + 1]; /* "" = none */
	char pwd[ROOM_SDPFRAG_MAX_CREDENTIAL + 1];
	bool ice_lite;
	unsigned media;                              /* m-lines */
	char media_line[ROOM_SDPFRAG_MAX_LINE];      /* the first m-line, "m=..." */
	char first_mid[ROOM_SDPFRAG_MAX_MID + 1];    /* the first m-line's mid */
	size_t n_candidates;
	room_sdpfrag_candidate candidates[ROOM_SDPFRAG_MAX_CANDIDATES];
	bool end_of_candidates;
} room_sdpfrag;

/* Parses a client's fragment of `length` bytes (not NUL-terminated
 * necessarily). 0, or -1 with the reason: a line that is not "<letter>=...",
 * too long, a NUL byte, credentials that are not ice-chars or differ between
 * levels, an ufrag without a pwd (or the reverse), a malformed candidate,
 * more than ROOM_SDPFRAG_MAX_CANDIDATES candidates, or nothing at all of
 * the above. Lines other than a= and m= (v=, o=, ...) and unknown
 * attributes are ignored. */
int parley_room_sdpfrag_parse(const char *text, size_t length, room_sdpfrag *out, char *reason, size_t reason_size);

/* Our side after an ICE restart: from our whole description `sdp` (NUL
 * terminated), its first m-line's credentials, mid, candidates and
 * end-of-candidates (candidates past the limit are left out). 0, or -1
 * when it has no m-line or no credentials. */
int parley_room_sdpfrag_of_description(const char *sdp, room_sdpfrag *out);

/* Writes `frag` as a fragment: a=ice-lite, a=ice-ufrag, a=ice-pwd, the
 * m-line, a=mid, its candidates, a=end-of-candidates; CRLF line ends.
 * Returns the length written (without the NUL), or 0 when `size` is too
 * small. */
size_t parley_room_sdpfrag_write(const room_sdpfrag *frag, char *out, size_t size);

/* True when `candidate` ("candidate:..." or "a=candidate:...") has the
 * fields RFC 8839 requires: foundation, component, transport, priority,
 * address, port, "typ", type. */
bool parley_room_sdpfrag_candidate_ok(const char *candidate);

#endif
