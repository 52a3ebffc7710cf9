# The room plugin (parley.plugin.room, the SFU). Its logic is a convenience
# library (libroom.la) linked into the loadable module and into the unit
# tests, so tests drive exactly the code parleyd loads.
room_logic_sources = \
	plugins/room/config.c plugins/room/connection.c plugins/room/feedback.c plugins/room/forward.c \
	plugins/room/media.c plugins/room/mediasoup.c plugins/room/mediasoup_params.c \
	plugins/room/negotiate.c plugins/room/peers.c plugins/room/requests.c plugins/room/rewrite.c \
	plugins/room/rooms.c plugins/room/simulcast.c plugins/room/snapshot.c plugins/room/speaker.c \
	plugins/room/stats.c plugins/room/sdpfrag.c plugins/room/whip_http.c plugins/room/whip_resources.c \
	plugins/room/whip_publish.c plugins/room/whep.c \
	plugins/room/room.h plugins/room/rewrite.h plugins/room/simulcast.h plugins/room/sdpfrag.h plugins/room/whip.h

noinst_LTLIBRARIES += plugins/room/libroom.la
plugins_room_libroom_la_SOURCES = $(room_logic_sources)
plugins_room_libroom_la_LIBADD = libparleyutil.la $(GLIB_LIBS) $(JANSSON_LIBS)

plugin_LTLIBRARIES += plugins/room/parley_plugin_room.la
plugins_room_parley_plugin_room_la_SOURCES = plugins/room/plugin.c
plugins_room_parley_plugin_room_la_LDFLAGS = $(MODULE_LDFLAGS) -export-symbols-regex '^parley_plugin_entry$$'
plugins_room_parley_plugin_room_la_LIBADD = plugins/room/libroom.la $(MODULE_LIBS)

dist_parleyconf_DATA += conf/parley.plugin.room.conf
EXTRA_DIST += plugins/room/README.md tests/unit/test_room_core.h tests/unit/recording_core.h

if HAVE_CMOCKA
room_test_libs = plugins/room/libroom.la $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS)
check_PROGRAMS += tests/unit/test_room_rewrite tests/unit/test_room_simulcast tests/unit/test_room_lifecycle \
	tests/unit/test_room_forward tests/unit/test_room_negotiate tests/unit/test_room_mediasoup
tests_unit_test_room_rewrite_LDADD = $(room_test_libs)
tests_unit_test_room_simulcast_LDADD = $(room_test_libs)
tests_unit_test_room_lifecycle_LDADD = $(room_test_libs)
tests_unit_test_room_negotiate_LDADD = $(room_test_libs)
tests_unit_test_room_mediasoup_LDADD = $(room_test_libs)
# the sdpfrag parser alone; the WHIP/WHEP state machine with the core's real SDP helpers
check_PROGRAMS += tests/unit/test_room_sdpfrag tests/unit/test_room_whip
tests_unit_test_room_sdpfrag_LDADD = $(room_test_libs)
tests_unit_test_room_whip_LDADD = plugins/room/libroom.la libparleymedia.la $(UNIT_LIBS) $(GLIB_LIBS) \
	$(JANSSON_LIBS) $(NICE_LIBS) $(SRTP_LIBS) $(SSL_LIBS)
# the forwarding test runs the plugin against the core's real SDP helpers
tests_unit_test_room_forward_LDADD = plugins/room/libroom.la libparleymedia.la $(UNIT_LIBS) $(GLIB_LIBS) \
	$(JANSSON_LIBS) $(NICE_LIBS) $(SRTP_LIBS) $(SSL_LIBS)
endif
