/*
 * handlers/analytics/model_internal.h — what model.c (meetings, rooms,
 * participants, dispatch), model_pc.c (PeerConnections) and model_json.c
 * (views) share: the model's structs and the helpers that count into the
 * rollups.
 */
#ifndef PARLEY_ANALYTICS_MODEL_INTERNAL_H
#define PARLEY_ANALYTICS_MODEL_INTERNAL_H

#include "model.h"

#define ANALYTICS_MAX_REASONS 32   /* distinct failure / leave reasons kept; more count as "other" */
#define ANALYTICS_MAX_HANDLES 4    /* handles (PeerConnections) remembered per participant */

/* Media counters of one or several PeerConnections. */
typedef struct analytics_counters {
	int64_t bytes_in, bytes_out, packets_in, packets_out, lost_in, lost_out, nacks, plis;
} analytics_counters;

typedef enum analytics_pc_state {
	ANALYTICS_PC_NEW = 0,         /* created, DTLS not up yet */
	ANALYTICS_PC_CONNECTED,       /* DTLS up */
	ANALYTICS_PC_DISCONNECTED,    /* up, the peer went quiet */
} analytics_pc_state;

typedef struct analytics_room analytics_room;
typedef struct analytics_participant analytics_participant;

/* What a handle belongs to (from plugin events carrying that handle). */
typedef struct analytics_binding {
	char *room_key;
	char *participant;
} analytics_binding;

typedef struct analytics_pc {
	uint64_t handle_id;
	int64_t created_us, ice_us, up_us, media_us;
	analytics_pc_state state;
	bool relay, ice_seen;
	char local_type[8], remote_type[8], protocol[4];
	analytics_counters last;     /* totals of the latest stats event */
	int64_t last_stats_us;
	double rtt_ms, jitter_ms;    /* latest (0 = none) */
	double bitrate_in, bitrate_out; /* bits/s over the latest stats period */
	unsigned slow_links;
} analytics_pc;

struct analytics_participant {
	char *id, *name, *peer;
	int64_t joined_us;
	int64_t first_up_us, first_media_us;
	unsigned pcs_up, pcs_failed;
	bool relay;
	char *failure;               /* the first failure's reason */
	analytics_counters totals;
	double rtt_ms, jitter_ms;
	unsigned tracks_published, tracks_unpublished, slow_links;
	uint64_t handles[ANALYTICS_MAX_HANDLES];
};

struct analytics_room {
	char *key;                   /* plugin + '\n' + id */
	char *plugin, *id, *title;
	analytics_kind kind;
	int64_t started_us;
	GHashTable *participants;    /* id → analytics_participant* (present only) */
	GHashTable *distinct;        /* ids seen (bounded) */
	unsigned peak, joins, leaves, tracks_live, tracks_published;
	unsigned pcs_up, pcs_failed, pcs_relay;
	analytics_counters totals;
	int64_t connect_ms_sum, connect_samples;  /* join → first DTLS up of each participant */
	int64_t media_ms_sum, media_samples;      /* join → first media */
	int64_t participant_seconds;
};

struct analytics_model {
	analytics_limits limits;
	GHashTable *rooms;           /* key → analytics_room* */
	GHashTable *pcs;             /* &handle_id → analytics_pc* */
	GHashTable *bindings;        /* &handle_id → analytics_binding* */
	GHashTable *pending;         /* bucket key → analytics_bucket* */
	analytics_rollup since_start[ANALYTICS_KIND_COUNT];
	unsigned live_participants[ANALYTICS_KIND_COUNT];
	unsigned live_rooms[ANALYTICS_KIND_COUNT];
	unsigned pcs_by_state[3];
	GHashTable *reasons;         /* failure reason → count (bounded) */
	uint64_t events[10];         /* by type bit; [9] = not understood */
	uint64_t untracked;          /* refused by a limit */
	int64_t connect_hist[ANALYTICS_CONNECT_BUCKETS], connect_hist_sum_ms;
};

/* model.c */
analytics_kind parley_analytics_kind_of_plugin(const char *plugin);
/* The rollup to count into for `ts_us` and `kind`: [0] waiting for the
 * store, [1] since start. */
void parley_analytics_rollups_at(analytics_model *m, int64_t ts_us, analytics_kind kind, analytics_rollup *out[2]);
#define ANALYTICS_COUNT(m, ts, kind, field, value)                                \
	do {                                                                      \
		analytics_rollup *r_[2];                                          \
		parley_analytics_rollups_at((m), (ts), (kind), r_);               \
		r_[0]->field += (value);                                          \
		r_[1]->field += (value);                                          \
	} while (0)
void parley_analytics_count_reason(analytics_model *m, const char *reason);
void parley_analytics_notice(analytics_output *out, const char *name, int64_t ts_us, json_t *body);
analytics_room *parley_analytics_room_find(const analytics_model *m, const char *plugin, const char *id);
/* The room and participant `handle_id` is bound to (either may be NULL). */
void parley_analytics_binding_of(const analytics_model *m, uint64_t handle_id, analytics_room **room,
                                 analytics_participant **participant);
void parley_analytics_counters_add(analytics_counters *into, const analytics_counters *add);

/* model_pc.c */
void parley_analytics_pc_event(analytics_model *m, uint64_t handle_id, int64_t ts, json_t *body);
void parley_analytics_media_event(analytics_model *m, uint64_t handle_id, int64_t ts, json_t *body);
/* The handle went away: its PeerConnection ends (a failure when DTLS never came up). */
void parley_analytics_pc_end(analytics_model *m, uint64_t handle_id, int64_t ts, const char *reason);
void parley_analytics_pc_free(gpointer pc);
/* A participant's live PeerConnections' bitrates (bits/s). */
void parley_analytics_participant_rates(const analytics_model *m, const analytics_participant *p, double *in,
                                        double *out);

/* model_json.c */
json_t *parley_analytics_counters_json(const analytics_counters *c);
json_t *parley_analytics_participant_figures(const analytics_model *m, const analytics_room *room,
                                             const analytics_participant *p, int64_t now_us);
json_t *parley_analytics_room_figures(const analytics_model *m, const analytics_room *room, int64_t now_us);

#endif
