# The meeting plugin (parley.plugin.meeting). Its logic is a convenience
# library (libmeeting.la) linked both into the loadable module and into the
# unit tests, so tests drive exactly the code parleyd loads.
meeting_logic_sources = \
	plugins/meeting/admin.c plugins/meeting/chat_history.c plugins/meeting/context.c \
	plugins/meeting/host.c plugins/meeting/ice.c \
	plugins/meeting/meetings_db.c plugins/meeting/membership.c plugins/meeting/ratelimit.c \
	plugins/meeting/rest.c plugins/meeting/rules.c plugins/meeting/signaling.c \
	plugins/meeting/store_memory.c plugins/meeting/views.c \
	plugins/meeting/cluster.c plugins/meeting/cluster_link.c plugins/meeting/cluster_meetings.c \
	plugins/meeting/store_redis.c plugins/meeting/cluster.h \
	plugins/meeting/ice.h plugins/meeting/meeting.h plugins/meeting/meetings_db.h \
	plugins/meeting/ratelimit.h plugins/meeting/rules.h plugins/meeting/store.h

noinst_LTLIBRARIES += plugins/meeting/libmeeting.la
plugins_meeting_libmeeting_la_SOURCES = $(meeting_logic_sources)
plugins_meeting_libmeeting_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(HIREDIS_CFLAGS)
plugins_meeting_libmeeting_la_LIBADD = plugins/chat/libchatstore.la libparleyutil.la $(GLIB_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS) $(HIREDIS_LIBS)

plugin_LTLIBRARIES += plugins/meeting/parley_plugin_meeting.la
plugins_meeting_parley_plugin_meeting_la_SOURCES = plugins/meeting/plugin.c
plugins_meeting_parley_plugin_meeting_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(HIREDIS_CFLAGS)
plugins_meeting_parley_plugin_meeting_la_LDFLAGS = $(MODULE_LDFLAGS) -export-symbols-regex '^parley_plugin_entry$$'
plugins_meeting_parley_plugin_meeting_la_LIBADD = plugins/meeting/libmeeting.la $(MODULE_LIBS) $(SQLITE_LIBS) $(HIREDIS_LIBS)

dist_parleyconf_DATA += conf/parley.plugin.meeting.conf
EXTRA_DIST += plugins/meeting/README.md tests/unit/test_meeting_core.h tests/unit/recording_core.h

if HAVE_CMOCKA
meeting_test_libs = plugins/meeting/libmeeting.la $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS) $(HIREDIS_LIBS)
check_PROGRAMS += tests/unit/test_meeting_store tests/unit/test_meeting_rules \
	tests/unit/test_meeting_ice tests/unit/test_meeting_db tests/unit/test_meeting_rest \
	tests/unit/test_meeting_signaling tests/unit/test_meeting_redis tests/unit/test_meeting_admin
tests_unit_test_meeting_store_LDADD = $(meeting_test_libs)
tests_unit_test_meeting_rules_LDADD = $(meeting_test_libs)
tests_unit_test_meeting_ice_LDADD = $(meeting_test_libs)
tests_unit_test_meeting_db_LDADD = $(meeting_test_libs)
tests_unit_test_meeting_rest_LDADD = $(meeting_test_libs)
tests_unit_test_meeting_signaling_LDADD = $(meeting_test_libs)
tests_unit_test_meeting_admin_LDADD = $(meeting_test_libs)
# the cluster's header includes hiredis
tests_unit_test_meeting_redis_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS)
tests_unit_test_meeting_redis_LDADD = $(meeting_test_libs)
endif
