/*
 * memtrim.h — gives the memory malloc holds free back to the system.
 *
 * glibc keeps what a thread frees in its arena for the next malloc and
 * returns to the system only the free space at an arena's very top. A burst
 * of PeerConnection set-ups (DTLS handshakes: certificates, key exchange,
 * handshake buffers, SDP and JSON) leaves megabytes free between the
 * blocks that live on, resident for the process's whole life. A timer on
 * the main context looks, every [general] memory_trim_interval ms, at how
 * much malloc holds free (mallinfo2) and, from [general] memory_trim_min_kb
 * on, calls malloc_trim(0), which hands the whole free pages back
 * (MADV_DONTNEED). Never on a media path: the event loops allocate nothing
 * per packet, so the arena locks the trim takes are not theirs to wait for
 * then. Without glibc 2.33 (mallinfo2) it does nothing.
 */
#ifndef PARLEY_MEMTRIM_H
#define PARLEY_MEMTRIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct parley_memtrim_stats {
	uint64_t checks;         /* looks at malloc's free memory */
	uint64_t trims;          /* malloc_trim calls */
	uint64_t released_bytes; /* resident memory those calls gave back (RSS before − after) */
	uint64_t free_bytes;     /* what malloc held free at the last check, outside arenas' tops */
} parley_memtrim_stats;

/* Starts the timer on the default main context (interval_ms 0: never);
 * false when the C library cannot do it (a log line says so). */
bool parley_memtrim_start(unsigned interval_ms, size_t min_free_bytes);
void parley_memtrim_stop(void);
/* One check now (what the timer does): trims when malloc holds at least
 * min_free_bytes free; true when it trimmed. */
bool parley_memtrim_check(size_t min_free_bytes);
void parley_memtrim_get_stats(parley_memtrim_stats *stats);

#endif
