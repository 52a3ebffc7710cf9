# The analytics event handler (parley.handler.analytics). Its logic is a
# convenience library (libanalytics.la) linked into the loadable module and
# into the unit tests and the fuzz target, so they drive exactly the code
# parleyd loads. The module links libcurl (webhooks), hiredis (the Redis
# stream sink) and SQLite, and nothing of the core (--no-undefined).
if HAVE_HIREDIS
analytics_logic_sources = \
	handlers/analytics/rollup.c handlers/analytics/rollup.h \
	handlers/analytics/model.c handlers/analytics/model_pc.c handlers/analytics/model_json.c \
	handlers/analytics/model.h handlers/analytics/model_internal.h \
	handlers/analytics/queue.c handlers/analytics/queue.h \
	handlers/analytics/sink.c handlers/analytics/sink.h handlers/analytics/sinks.h \
	handlers/analytics/webhook.c handlers/analytics/redis_stream.c \
	handlers/analytics/sign.c handlers/analytics/sign.h \
	handlers/analytics/store.c handlers/analytics/store.h

noinst_LTLIBRARIES += handlers/analytics/libanalytics.la
handlers_analytics_libanalytics_la_SOURCES = $(analytics_logic_sources)
handlers_analytics_libanalytics_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(HIREDIS_CFLAGS) $(CURL_CFLAGS) -fvisibility=hidden
handlers_analytics_libanalytics_la_LIBADD = libparleyutil.la $(GLIB_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS) \
	$(HIREDIS_LIBS) $(CURL_LIBS)

handler_LTLIBRARIES += handlers/analytics/parley_handler_analytics.la
handlers_analytics_parley_handler_analytics_la_SOURCES = \
	handlers/analytics/handler.c handlers/analytics/query.c handlers/analytics/metrics.c \
	handlers/analytics/analytics.h
handlers_analytics_parley_handler_analytics_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) -fvisibility=hidden
handlers_analytics_parley_handler_analytics_la_LDFLAGS = $(MODULE_LDFLAGS) -export-symbols-regex '^parley_handler_entry$$'
handlers_analytics_parley_handler_analytics_la_LIBADD = handlers/analytics/libanalytics.la $(MODULE_LIBS) \
	$(SQLITE_LIBS) $(HIREDIS_LIBS) $(CURL_LIBS)

dist_parleyconf_DATA += conf/parley.handler.analytics.conf

if HAVE_CMOCKA
analytics_test_libs = handlers/analytics/libanalytics.la $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS) \
	$(HIREDIS_LIBS) $(CURL_LIBS)
check_PROGRAMS += tests/unit/test_analytics_rollup tests/unit/test_analytics_model tests/unit/test_analytics_sink \
	tests/unit/test_analytics_store
tests_unit_test_analytics_rollup_LDADD = $(analytics_test_libs)
tests_unit_test_analytics_model_LDADD = $(analytics_test_libs)
tests_unit_test_analytics_sink_LDADD = $(analytics_test_libs)
tests_unit_test_analytics_store_LDADD = $(analytics_test_libs)
endif
endif
EXTRA_DIST += handlers/analytics/README.md
