# The core: everything but the loadable modules. Built as a convenience
# library (libparleycore.la) so unit tests link exactly what parleyd runs.
# runtime.mk lists the runtime (config, log, loops, loader, registry,
# events, main); api.mk lists the JSON API, sessions and their WebRTC side
# (which links libparleymedia.la), auth, admin and the module tables.
noinst_LTLIBRARIES += libparleycore.la
libparleycore_la_SOURCES = $(core_runtime_sources) $(core_api_sources)
libparleycore_la_CPPFLAGS = $(CORE_CPPFLAGS)
libparleycore_la_CFLAGS = $(AM_CFLAGS) $(SSL_CFLAGS)
libparleycore_la_LIBADD = libparleymedia.la $(NICE_LIBS) $(SRTP_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(SSL_LIBS)

bin_PROGRAMS += parleyd
parleyd_SOURCES = core/main.c
parleyd_CPPFLAGS = $(CORE_CPPFLAGS)
parleyd_LDADD = libparleycore.la $(GLIB_LIBS) $(JANSSON_LIBS) $(SSL_LIBS)

include core/runtime.mk
include core/api.mk

# The unit tests of the runtime and of the JSON API; each links the whole
# core (so do core/media/pc.mk's).
CORE_TEST_LIBS = libparleycore.la $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(SSL_LIBS)
check_PROGRAMS += tests/unit/test_config tests/unit/test_loader tests/unit/test_loops tests/unit/test_events \
	tests/unit/test_example_plugin tests/unit/test_validate tests/unit/test_session tests/unit/test_auth \
	tests/unit/test_api tests/unit/test_api_order tests/unit/test_memtrim tests/unit/test_lateness
tests_unit_test_memtrim_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_lateness_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_config_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_loader_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_loops_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_events_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_example_plugin_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_validate_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_session_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_auth_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_api_LDADD = $(CORE_TEST_LIBS)
tests_unit_test_api_order_LDADD = $(CORE_TEST_LIBS)
# The plugin table's parameters entries (webrtc_params.c) on a real handle.
check_PROGRAMS += tests/unit/test_webrtc_params
tests_unit_test_webrtc_params_LDADD = $(CORE_TEST_LIBS) $(NICE_LIBS) $(SRTP_LIBS)
# Data channels through the plugin ABI: the packet layout by the plugin's struct_size.
check_PROGRAMS += tests/unit/test_webrtc_data
tests_unit_test_webrtc_data_LDADD = $(CORE_TEST_LIBS) $(NICE_LIBS) $(SRTP_LIBS)
