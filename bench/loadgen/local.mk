# bench/loadgen: parley-loadgen, a WebRTC load generator over the Janus API
# (WebSocket) built on Parley's own media library (ICE, DTLS-SRTP, SDP, RTP).
# Not installed: run it from the build folder (bench/loadgen/parley-loadgen).
noinst_PROGRAMS += bench/loadgen/parley-loadgen
bench_loadgen_parley_loadgen_SOURCES = \
	bench/loadgen/loadgen.h bench/loadgen/main.c bench/loadgen/report.c \
	bench/loadgen/janus_ws.h bench/loadgen/janus_ws.c \
	bench/loadgen/janus_api.h bench/loadgen/janus_api.c \
	bench/loadgen/session.h bench/loadgen/session.c \
	bench/loadgen/rtpgen.h bench/loadgen/rtpgen.c \
	bench/loadgen/stats.h bench/loadgen/stats.c \
	bench/loadgen/driver_echo.c bench/loadgen/driver_room.c bench/loadgen/driver_videoroom.c \
	bench/loadgen/driver_whip.c bench/loadgen/http.h bench/loadgen/http.c \
	bench/loadgen/session_data.h bench/loadgen/session_data.c \
	bench/loadgen/textroom_stats.h bench/loadgen/textroom_stats.c bench/loadgen/driver_textroom.c
bench_loadgen_parley_loadgen_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/media
bench_loadgen_parley_loadgen_CFLAGS = $(AM_CFLAGS) $(NICE_CFLAGS) $(SRTP_CFLAGS) $(SSL_CFLAGS)
bench_loadgen_parley_loadgen_LDADD = libparleymedia.la $(GLIB_LIBS) $(JANSSON_LIBS) $(NICE_LIBS) \
	$(SRTP_LIBS) $(SSL_LIBS)

# Unit tests of the generator's packets and the receive accounting, and of
# the textroom driver's message text, event parsing and delivery accounting.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_loadgen
tests_unit_test_loadgen_SOURCES = tests/unit/test_loadgen.c bench/loadgen/rtpgen.c bench/loadgen/stats.c
tests_unit_test_loadgen_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/media -I$(top_srcdir)/bench/loadgen
tests_unit_test_loadgen_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
tests_unit_test_loadgen_LDADD = libparleymedia.la $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(NICE_LIBS) \
	$(SRTP_LIBS) $(SSL_LIBS)
check_PROGRAMS += tests/unit/test_loadgen_textroom
tests_unit_test_loadgen_textroom_SOURCES = tests/unit/test_loadgen_textroom.c bench/loadgen/textroom_stats.c \
	bench/loadgen/stats.c bench/loadgen/rtpgen.c
tests_unit_test_loadgen_textroom_CPPFLAGS = $(tests_unit_test_loadgen_CPPFLAGS)
tests_unit_test_loadgen_textroom_CFLAGS = $(tests_unit_test_loadgen_CFLAGS)
tests_unit_test_loadgen_textroom_LDADD = $(tests_unit_test_loadgen_LDADD)
endif

# What the textroom driver reads from the gateway and its --phases list:
# the corpus replayed in the unit suite, and a libFuzzer target
# (--enable-fuzzers) for tests/fuzz/run.sh.
check_PROGRAMS += tests/unit/test_fuzz_replay_loadgen_textroom
tests_unit_test_fuzz_replay_loadgen_textroom_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_loadgen_textroom.c \
	bench/loadgen/textroom_stats.c bench/loadgen/stats.c bench/loadgen/rtpgen.c
tests_unit_test_fuzz_replay_loadgen_textroom_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/core/media -I$(top_srcdir)/bench/loadgen
tests_unit_test_fuzz_replay_loadgen_textroom_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
tests_unit_test_fuzz_replay_loadgen_textroom_LDADD = libparleymedia.la $(GLIB_LIBS) $(JANSSON_LIBS) $(NICE_LIBS) \
	$(SRTP_LIBS) $(SSL_LIBS)
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_loadgen_textroom
tests_fuzz_fuzz_loadgen_textroom_SOURCES = tests/fuzz/fuzz_loadgen_textroom.c bench/loadgen/textroom_stats.c \
	bench/loadgen/stats.c bench/loadgen/rtpgen.c
tests_fuzz_fuzz_loadgen_textroom_CPPFLAGS = $(tests_unit_test_fuzz_replay_loadgen_textroom_CPPFLAGS)
tests_fuzz_fuzz_loadgen_textroom_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_loadgen_textroom_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_loadgen_textroom_LDADD = $(tests_unit_test_fuzz_replay_loadgen_textroom_LDADD)
endif
