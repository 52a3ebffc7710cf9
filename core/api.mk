# The core's JSON API: sessions and handles (with their PeerConnections,
# webrtc.c), the client and admin APIs and the request envelope they share,
# auth, error reasons, declarative validation, the module tables and the
# plain-HTTP status routes. Also their unit tests.
core_api_sources = core/api.c core/messages.c core/admin.c core/request.c core/session.c core/webrtc.c \
	core/validate.c core/errors.c core/auth.c core/tables.c core/status.c

API_TEST_LIBS = libparleycore.la $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(SSL_LIBS)

check_PROGRAMS += tests/unit/test_validate tests/unit/test_session tests/unit/test_auth tests/unit/test_api
tests_unit_test_validate_SOURCES = tests/unit/test_validate.c
tests_unit_test_validate_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_validate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_validate_LDADD = $(API_TEST_LIBS)
tests_unit_test_session_SOURCES = tests/unit/test_session.c
tests_unit_test_session_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_session_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_session_LDADD = $(API_TEST_LIBS)
tests_unit_test_auth_SOURCES = tests/unit/test_auth.c
tests_unit_test_auth_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_auth_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_auth_LDADD = $(API_TEST_LIBS)
tests_unit_test_api_SOURCES = tests/unit/test_api.c
tests_unit_test_api_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_api_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_api_LDADD = $(API_TEST_LIBS)
check_PROGRAMS += tests/unit/test_api_order
tests_unit_test_api_order_SOURCES = tests/unit/test_api_order.c
tests_unit_test_api_order_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_api_order_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_api_order_LDADD = $(API_TEST_LIBS)
