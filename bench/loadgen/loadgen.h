/*
 * loadgen.h — parley-loadgen's shared types: the run options and their
 * limits, the run (one GMainContext, one Janus API WebSocket — none for
 * the WHIP/WHEP driver, which speaks plain HTTP — the peers), and the
 * driver table every scenario (echo, room, videoroom, whip, textroom)
 * fills in.
 *
 * Threading: everything runs on the run's one GMainContext, in the main
 * thread; no thread per peer.
 */
#ifndef PARLEY_LOADGEN_H
#define PARLEY_LOADGEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <glib.h>
#include <jansson.h>

/* GError domain of the generator (one code: the message says what). */
#define LOADGEN_ERROR g_quark_from_static_string("parley-loadgen")
#define LOADGEN_ERROR_FAILED 1

/* Limits of the options (enforced by main.c). */
#define LOADGEN_MAX_PUBLISHERS 200
#define LOADGEN_MAX_PEERS 2000
#define LOADGEN_MAX_DURATION_S 3600
#define LOADGEN_MIN_BITRATE_KBPS 16
#define LOADGEN_MAX_BITRATE_KBPS 20000
#define LOADGEN_MAX_FPS 60
#define LOADGEN_MAX_KEYFRAME_INTERVAL_S 600
#define LOADGEN_MAX_SETUP_TIMEOUT_S 300
#define LOADGEN_MAX_WINDOW 256
#define LOADGEN_MAX_WARMUP 1000

typedef struct loadgen_options {
	char *url;                  /* ws://host:port/path (whip: http://host:port) */
	char *driver;               /* echo, room, videoroom, whip, textroom */
	char *token;                /* whip: Bearer token for /whip/ and /whep/, or NULL */
	char *plugin;               /* plugin package; NULL = the driver's default */
	char *iface;                /* ICE interface or IP ("lo") */
	char *srtp;                 /* "all", "gcm", "cm" */
	int publishers;             /* publishers (rooms * per room for room drivers) */
	int subscribers;            /* subscribers per publisher (fan-out) */
	int rooms;                  /* rooms, publishers are spread over them */
	int duration_s;             /* media phase length */
	int setup_timeout_s;        /* bound on signaling + ICE + DTLS */
	int bitrate_kbps;           /* video bitrate */
	int fps;
	int keyframe_interval_s;
	int keyframe_gap_ms;        /* least time between keyframes a PLI/FIR asks for */
	int audio_bytes;            /* Opus payload size per 20 ms packet */
	bool no_audio, no_video;
	bool mesh;                  /* room drivers: every publisher gets one subscriber per other member */
	bool expect_intact;         /* echo: exit 1 unless every packet came back intact */
	bool json_only;             /* no human table */
	/* textroom driver */
	int participants;           /* peers in the room */
	int messages;               /* measured messages per phase */
	int window;                 /* "one": messages in flight */
	int warmup;                 /* unmeasured messages before each phase */
	int room;                   /* TextRoom room id */
	int gateway_pid;            /* gateway whose /proc CPU is sampled (0 = none) */
	char *phases;               /* "one,all" */
	int verbose;
} loadgen_options;

typedef struct loadgen_ws loadgen_ws;
typedef struct loadgen_peer loadgen_peer;
typedef struct loadgen_run loadgen_run;
typedef struct loadgen_histogram loadgen_histogram;

/* One scenario. `start` begins signaling (asynchronously: it returns at
 * once); the driver calls loadgen_run_peer_ready when a peer has media up
 * and loadgen_run_fail on an error that ends the run. `stop` sends the
 * polite goodbyes (hangup/leave/detach/destroy); it must not wait. */
typedef struct loadgen_driver {
	const char *name;
	const char *default_plugin;
	const char *summary;
	bool has_rooms;             /* rooms, subscribers and --mesh mean something */
	bool uses_http;             /* plain HTTP to --url: no Janus API WebSocket */
	int (*start)(loadgen_run *run, GError **error);
	void (*stop)(loadgen_run *run);
	void (*free)(loadgen_run *run);
	/* Optional: drivers with their own phases. all_ready replaces the media
	 * window (the driver ends the run with loadgen_run_finish); report and
	 * table replace the media summary. */
	void (*all_ready)(loadgen_run *run);
	/* Optional: the driver's own options, checked before the run (false
	 * with the reason: exit 2). */
	bool (*check)(const loadgen_options *options, char *err, size_t size);
	json_t *(*report)(loadgen_run *run);
	void (*table)(loadgen_run *run, json_t *summary, FILE *out);
} loadgen_driver;

extern const loadgen_driver loadgen_driver_echo;
extern const loadgen_driver loadgen_driver_room;
extern const loadgen_driver loadgen_driver_videoroom;
extern const loadgen_driver loadgen_driver_whip;
extern const loadgen_driver loadgen_driver_textroom;

struct loadgen_run {
	const loadgen_options *options;
	const loadgen_driver *driver;
	const char *plugin;         /* options->plugin or the driver's default */
	GMainContext *context;
	GMainLoop *loop;
	loadgen_ws *ws;
	GPtrArray *peers;           /* loadgen_peer* (owned) */
	GPtrArray *routes;          /* event routes of handles without their own session (owned) */
	void *driver_data;          /* the driver's own state */
	int peers_expected;         /* peers the driver will create */
	int peers_ready;
	bool media_phase;           /* publishers send */
	bool stopping;
	char *failure;              /* first fatal error (g_malloc'd) */
	loadgen_histogram *delays;  /* one-way delay of every received packet */
	int64_t media_start_us, media_end_us;
	int64_t cpu_start_us, cpu_end_us;  /* process utime+stime at media start/end */
	int64_t start_us;
};

/* Called by drivers. */
void loadgen_run_fail(loadgen_run *run, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void loadgen_run_peer_ready(loadgen_run *run, loadgen_peer *peer);
/* A driver with its own phases is done: goodbyes after a short drain. */
void loadgen_run_finish(loadgen_run *run);
/* Adds a peer to the run (the run owns it from now on). */
void loadgen_run_add_peer(loadgen_run *run, loadgen_peer *peer);
/* report.c: the JSON summary (new reference), the human table, the echo
 * check (true when every packet came back intact; else why). */
json_t *loadgen_report_json(loadgen_run *run);
void loadgen_report_table(loadgen_run *run, json_t *summary, FILE *out);
bool loadgen_report_echo_intact(loadgen_run *run, char *why, size_t why_size);

void loadgen_log(const loadgen_run *run, int level, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

#endif
