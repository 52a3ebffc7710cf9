# The chat plugin (parley.plugin.chat): TextRoom's protocol, history in
# SQLite. Its history store is a convenience library of its own
# (libchatstore.la) so that other plugins keep their chat through the same
# store; the rest of its logic is libchat.la, linked both into the
# loadable module and into the unit tests and the fuzz target.
noinst_LTLIBRARIES += plugins/chat/libchatstore.la
plugins_chat_libchatstore_la_SOURCES = plugins/chat/store_queue.c plugins/chat/store_sqlite.c plugins/chat/store_sqlite.h \
	plugins/chat/store.h
plugins_chat_libchatstore_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
plugins_chat_libchatstore_la_LIBADD = $(GLIB_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS)

chat_logic_sources = \
	plugins/chat/config.c plugins/chat/context.c plugins/chat/negotiate.c plugins/chat/outbox.c \
	plugins/chat/params.c plugins/chat/pump.c plugins/chat/ratelimit.c plugins/chat/request.c plugins/chat/requests_members.c \
	plugins/chat/requests_moderation.c plugins/chat/requests_rooms.c plugins/chat/rooms.c plugins/chat/views.c \
	plugins/chat/chat.h plugins/chat/ratelimit.h

noinst_LTLIBRARIES += plugins/chat/libchat.la
plugins_chat_libchat_la_SOURCES = $(chat_logic_sources)
plugins_chat_libchat_la_LIBADD = plugins/chat/libchatstore.la libparleyutil.la $(GLIB_LIBS) $(JANSSON_LIBS)

plugin_LTLIBRARIES += plugins/chat/parley_plugin_chat.la
plugins_chat_parley_plugin_chat_la_SOURCES = plugins/chat/plugin.c
plugins_chat_parley_plugin_chat_la_LDFLAGS = $(MODULE_LDFLAGS) -export-symbols-regex '^parley_plugin_entry$$'
plugins_chat_parley_plugin_chat_la_LIBADD = plugins/chat/libchat.la $(MODULE_LIBS) $(SQLITE_LIBS)

dist_parleyconf_DATA += conf/parley.plugin.chat.conf
EXTRA_DIST += plugins/chat/README.md tests/unit/test_chat_core.h

if HAVE_CMOCKA
chat_test_libs = plugins/chat/libchat.la $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS)
check_PROGRAMS += tests/unit/test_chat_store tests/unit/test_chat_requests tests/unit/test_chat_limits \
	tests/unit/test_chat_pump tests/unit/test_chat_store_queue
tests_unit_test_chat_store_LDADD = $(chat_test_libs)
tests_unit_test_chat_requests_LDADD = $(chat_test_libs)
tests_unit_test_chat_limits_LDADD = $(chat_test_libs)
tests_unit_test_chat_pump_LDADD = $(chat_test_libs)
tests_unit_test_chat_store_queue_LDADD = $(chat_test_libs)
endif
