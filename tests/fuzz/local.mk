# tests/fuzz: libFuzzer targets for the media parsers (util's RTP header and
# keyframe detection among them, the rtpParameters translation, the ICE-lite
# datagram and ICE-TCP connection entries), the client JSON API, the Redis URL and the
# Redis transport's entry parser, the Socket.IO codecs, the WHIP/WHEP
# trickle fragments and the chat plugin's requests (only with
# --enable-fuzzers, CC=clang) and, always, replay programs that run every
# corpus file through the same entry points as part of the unit suite
# (test_fuzz_replay_<corpus> replays tests/fuzz/corpus/<corpus>).
# tests/fuzz/run.sh runs each libFuzzer target for a bounded time.
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/run.sh

fuzz_media_sources = core/media/sdp_model.c core/media/sdp_parse.c core/media/sdp_write.c \
	core/media/sdp_answer.c core/media/rtp.c core/media/rtp_history.c core/media/rtcp.c \
	core/media/rtcp_fb.c core/media/rtcp_stats.c util/rtp.c

check_PROGRAMS += tests/unit/test_fuzz_replay_sdp tests/unit/test_fuzz_replay_rtp \
	tests/unit/test_fuzz_replay_rtcp tests/unit/test_fuzz_replay_keyframe
tests_unit_test_fuzz_replay_sdp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_sdp.c
tests_unit_test_fuzz_replay_sdp_LDADD = libparleymedia.la
tests_unit_test_fuzz_replay_rtp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_rtp.c
tests_unit_test_fuzz_replay_rtp_LDADD = libparleymedia.la
tests_unit_test_fuzz_replay_rtcp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_rtcp.c
tests_unit_test_fuzz_replay_rtcp_LDADD = libparleymedia.la
tests_unit_test_fuzz_replay_keyframe_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_keyframe.c
tests_unit_test_fuzz_replay_keyframe_LDADD = libparleyutil.la

# The ICE-lite datagram entry (STUN checks, demultiplexing, hand-over).
check_PROGRAMS += tests/unit/test_fuzz_replay_lite
tests_unit_test_fuzz_replay_lite_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_lite.c
tests_unit_test_fuzz_replay_lite_LDADD = libparleymedia.la $(NICE_LIBS) $(GLIB_LIBS) $(SSL_LIBS)

# An ICE-TCP connection of the ICE-lite transport (RFC 4571 framing, STUN
# before authentication, hand-over, the connection as a path).
check_PROGRAMS += tests/unit/test_fuzz_replay_lite_tcp
tests_unit_test_fuzz_replay_lite_tcp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_lite_tcp.c
tests_unit_test_fuzz_replay_lite_tcp_LDADD = libparleymedia.la $(NICE_LIBS) $(GLIB_LIBS) $(SSL_LIBS)

# The rtpParameters translation (PeerConnections described by parameters).
check_PROGRAMS += tests/unit/test_fuzz_replay_params
tests_unit_test_fuzz_replay_params_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_params.c
tests_unit_test_fuzz_replay_params_LDADD = libparleymedia.la $(NICE_LIBS) $(SRTP_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) \
	$(SSL_LIBS)

# What a peer's SCTP association hands the data channel layer (DCEP,
# message pieces, resets), and raw SCTP packets into a live usrsctp
# association (its chunks after DTLS).
check_PROGRAMS += tests/unit/test_fuzz_replay_datachannel
tests_unit_test_fuzz_replay_datachannel_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_datachannel.c
tests_unit_test_fuzz_replay_datachannel_LDADD = libparleymedia.la $(GLIB_LIBS) $(JANSSON_LIBS)
check_PROGRAMS += tests/unit/test_fuzz_replay_sctp
tests_unit_test_fuzz_replay_sctp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_sctp.c
tests_unit_test_fuzz_replay_sctp_CFLAGS = $(AM_CFLAGS) $(USRSCTP_CFLAGS)
tests_unit_test_fuzz_replay_sctp_LDADD = libparleymedia.la $(GLIB_LIBS) $(JANSSON_LIBS) $(USRSCTP_LIBS)

# The client JSON API through the core (echo plugin loaded from the build),
# the Redis URL and the Redis transport's entry parser.
check_PROGRAMS += tests/unit/test_fuzz_replay_json_api tests/unit/test_fuzz_replay_redis_parse \
	tests/unit/test_fuzz_replay_redis_url
tests_unit_test_fuzz_replay_json_api_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_json_api.c
tests_unit_test_fuzz_replay_json_api_CFLAGS = $(AM_CFLAGS) $(SSL_CFLAGS)
tests_unit_test_fuzz_replay_json_api_LDADD = libparleycore.la $(GLIB_LIBS) $(JANSSON_LIBS) $(SSL_LIBS)
tests_unit_test_fuzz_replay_redis_parse_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_redis_parse.c \
	transports/redis/parse.c
tests_unit_test_fuzz_replay_redis_parse_LDADD = $(GLIB_LIBS)
tests_unit_test_fuzz_replay_redis_url_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_redis_url.c
tests_unit_test_fuzz_replay_redis_url_LDADD = libparleyutil.la $(GLIB_LIBS)

# The trickle-ice-sdpfrag bodies of WHIP/WHEP PATCHes (the room plugin).
check_PROGRAMS += tests/unit/test_fuzz_replay_sdpfrag
tests_unit_test_fuzz_replay_sdpfrag_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_sdpfrag.c
tests_unit_test_fuzz_replay_sdpfrag_LDADD = plugins/room/libroom.la $(GLIB_LIBS) $(JANSSON_LIBS)

# The Socket.IO endpoint's codecs (Engine.IO 4 and Socket.IO 5).
check_PROGRAMS += tests/unit/test_fuzz_replay_engineio tests/unit/test_fuzz_replay_socketio
tests_unit_test_fuzz_replay_engineio_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_engineio.c \
	transports/websocket/engineio_codec.c
tests_unit_test_fuzz_replay_engineio_LDADD = $(GLIB_LIBS)
tests_unit_test_fuzz_replay_socketio_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_socketio.c \
	transports/websocket/socketio_codec.c
tests_unit_test_fuzz_replay_socketio_LDADD = $(GLIB_LIBS) $(JANSSON_LIBS)

# The analytics handler's reading of bus events, and the candidate-line
# reader of a PeerConnection's selected pair report.
if HAVE_HIREDIS
check_PROGRAMS += tests/unit/test_fuzz_replay_analytics
tests_unit_test_fuzz_replay_analytics_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_analytics.c
tests_unit_test_fuzz_replay_analytics_LDADD = handlers/analytics/libanalytics.la $(GLIB_LIBS) $(JANSSON_LIBS)
endif
check_PROGRAMS += tests/unit/test_fuzz_replay_candidate
tests_unit_test_fuzz_replay_candidate_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_candidate.c
tests_unit_test_fuzz_replay_candidate_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_fuzz_replay_candidate_LDADD = libparleymedia.la $(NICE_LIBS) $(SRTP_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) \
	$(SSL_LIBS)
# The chat plugin's requests (data channel, Janus API and admin paths).
check_PROGRAMS += tests/unit/test_fuzz_replay_chat
tests_unit_test_fuzz_replay_chat_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_chat.c
tests_unit_test_fuzz_replay_chat_LDADD = plugins/chat/libchat.la $(GLIB_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS)

if FUZZERS
FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
analytics_fuzz_sources = handlers/analytics/model.c handlers/analytics/model_pc.c handlers/analytics/model_json.c \
	handlers/analytics/rollup.c
noinst_PROGRAMS += tests/fuzz/fuzz_analytics tests/fuzz/fuzz_candidate
tests_fuzz_fuzz_analytics_SOURCES = tests/fuzz/fuzz_analytics.c $(analytics_fuzz_sources)
tests_fuzz_fuzz_analytics_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_analytics_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_analytics_LDADD = $(GLIB_LIBS) $(JANSSON_LIBS)
tests_fuzz_fuzz_candidate_SOURCES = tests/fuzz/fuzz_candidate.c core/media/pc_pair.c
tests_fuzz_fuzz_candidate_CPPFLAGS = $(CORE_CPPFLAGS)
tests_fuzz_fuzz_candidate_CFLAGS = $(AM_CFLAGS) $(NICE_CFLAGS) $(SRTP_CFLAGS) $(SSL_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_candidate_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_candidate_LDADD = libparleymedia.la $(NICE_LIBS) $(SRTP_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(SSL_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_sdp tests/fuzz/fuzz_rtp tests/fuzz/fuzz_rtcp tests/fuzz/fuzz_keyframe
tests_fuzz_fuzz_sdp_SOURCES = tests/fuzz/fuzz_sdp.c $(fuzz_media_sources)
tests_fuzz_fuzz_sdp_CPPFLAGS = $(CORE_CPPFLAGS)
tests_fuzz_fuzz_sdp_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_sdp_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_rtp_SOURCES = tests/fuzz/fuzz_rtp.c $(fuzz_media_sources)
tests_fuzz_fuzz_rtp_CPPFLAGS = $(CORE_CPPFLAGS)
tests_fuzz_fuzz_rtp_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_rtp_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_rtcp_SOURCES = tests/fuzz/fuzz_rtcp.c $(fuzz_media_sources)
tests_fuzz_fuzz_rtcp_CPPFLAGS = $(CORE_CPPFLAGS)
tests_fuzz_fuzz_rtcp_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_rtcp_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_keyframe_SOURCES = tests/fuzz/fuzz_keyframe.c util/keyframe.c
tests_fuzz_fuzz_keyframe_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_keyframe_LDFLAGS = $(FUZZ_FLAGS)
# The core's sources instrumented; the media library as built.
noinst_PROGRAMS += tests/fuzz/fuzz_json_api tests/fuzz/fuzz_redis_parse tests/fuzz/fuzz_redis_url
tests_fuzz_fuzz_json_api_SOURCES = tests/fuzz/fuzz_json_api.c $(libparleycore_la_SOURCES)
tests_fuzz_fuzz_json_api_CPPFLAGS = $(CORE_CPPFLAGS)
tests_fuzz_fuzz_json_api_CFLAGS = $(AM_CFLAGS) $(SSL_CFLAGS) $(NICE_CFLAGS) $(SRTP_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_json_api_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_json_api_LDADD = libparleymedia.la $(GLIB_LIBS) $(JANSSON_LIBS) $(SSL_LIBS) \
	$(NICE_LIBS) $(SRTP_LIBS)
tests_fuzz_fuzz_redis_parse_SOURCES = tests/fuzz/fuzz_redis_parse.c transports/redis/parse.c
tests_fuzz_fuzz_redis_parse_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/transports/redis
tests_fuzz_fuzz_redis_parse_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_redis_parse_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_redis_parse_LDADD = $(GLIB_LIBS)
tests_fuzz_fuzz_redis_url_SOURCES = tests/fuzz/fuzz_redis_url.c util/redis_url.c
tests_fuzz_fuzz_redis_url_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_redis_url_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_redis_url_LDADD = $(GLIB_LIBS)
# The ICE-lite sources instrumented; the rest of the media library as built.
noinst_PROGRAMS += tests/fuzz/fuzz_lite
tests_fuzz_fuzz_lite_SOURCES = tests/fuzz/fuzz_lite.c core/media/lite.c core/media/lite_stun.c \
	core/media/lite_mux.c core/media/lite_demux.c core/media/lite_ring.c
tests_fuzz_fuzz_lite_CFLAGS = $(AM_CFLAGS) $(NICE_CFLAGS) $(SSL_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_lite_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_lite_LDADD = libparleymedia.la $(NICE_LIBS) $(GLIB_LIBS) $(SSL_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_lite_tcp
tests_fuzz_fuzz_lite_tcp_SOURCES = tests/fuzz/fuzz_lite_tcp.c core/media/lite.c core/media/lite_stun.c \
	core/media/lite_mux.c core/media/lite_demux.c core/media/lite_tcp.c core/media/lite_frame.c \
	core/media/lite_ring.c
tests_fuzz_fuzz_lite_tcp_CFLAGS = $(AM_CFLAGS) $(NICE_CFLAGS) $(SSL_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_lite_tcp_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_lite_tcp_LDADD = libparleymedia.la $(NICE_LIBS) $(GLIB_LIBS) $(SSL_LIBS)
# The parameters translation instrumented; the rest of the media library as built.
noinst_PROGRAMS += tests/fuzz/fuzz_params
tests_fuzz_fuzz_params_SOURCES = tests/fuzz/fuzz_params.c core/media/params_rtp.c core/media/params_caps.c
tests_fuzz_fuzz_params_CPPFLAGS = $(CORE_CPPFLAGS)
tests_fuzz_fuzz_params_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_params_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_params_LDADD = libparleymedia.la $(NICE_LIBS) $(SRTP_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(SSL_LIBS)
# The data channel layer and DCEP instrumented; the rest of the media library as built.
noinst_PROGRAMS += tests/fuzz/fuzz_datachannel
tests_fuzz_fuzz_datachannel_SOURCES = tests/fuzz/fuzz_datachannel.c core/media/datachannel.c core/media/dcep.c
tests_fuzz_fuzz_datachannel_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_datachannel_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_datachannel_LDADD = libparleymedia.la $(GLIB_LIBS) $(JANSSON_LIBS)
# usrsctp's input path with ours after it: sctp.c, datachannel.c and dcep.c instrumented.
noinst_PROGRAMS += tests/fuzz/fuzz_sctp
tests_fuzz_fuzz_sctp_SOURCES = tests/fuzz/fuzz_sctp.c core/media/sctp.c core/media/sctp_table.c \
	core/media/datachannel.c core/media/dcep.c
tests_fuzz_fuzz_sctp_CFLAGS = $(AM_CFLAGS) $(USRSCTP_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_sctp_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_sctp_LDADD = libparleymedia.la $(GLIB_LIBS) $(JANSSON_LIBS) $(USRSCTP_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_sdpfrag
tests_fuzz_fuzz_sdpfrag_SOURCES = tests/fuzz/fuzz_sdpfrag.c plugins/room/sdpfrag.c
tests_fuzz_fuzz_sdpfrag_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_sdpfrag_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_sdpfrag_LDADD = $(GLIB_LIBS)
# The chat plugin's logic and store instrumented.
noinst_PROGRAMS += tests/fuzz/fuzz_chat
tests_fuzz_fuzz_chat_SOURCES = tests/fuzz/fuzz_chat.c $(chat_logic_sources) plugins/chat/store_queue.c \
	plugins/chat/store_sqlite.c
tests_fuzz_fuzz_chat_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_chat_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_chat_LDADD = libparleyutil.la $(GLIB_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS)
noinst_PROGRAMS += tests/fuzz/fuzz_engineio tests/fuzz/fuzz_socketio
tests_fuzz_fuzz_engineio_SOURCES = tests/fuzz/fuzz_engineio.c transports/websocket/engineio_codec.c
tests_fuzz_fuzz_engineio_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/transports/websocket
tests_fuzz_fuzz_engineio_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_engineio_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_engineio_LDADD = $(GLIB_LIBS)
tests_fuzz_fuzz_socketio_SOURCES = tests/fuzz/fuzz_socketio.c transports/websocket/socketio_codec.c
tests_fuzz_fuzz_socketio_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/transports/websocket
tests_fuzz_fuzz_socketio_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_socketio_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_socketio_LDADD = $(GLIB_LIBS) $(JANSSON_LIBS)
# `make fuzzers` builds the targets and the one module they load
# (fuzz_json_api runs the echo plugin): the fuzz stage needs no daemon,
# transport or other plugin of this clang build.
fuzzers: $(filter tests/fuzz/fuzz_%,$(noinst_PROGRAMS)) plugins/echo/parley_plugin_echo.la
.PHONY: fuzzers
endif
