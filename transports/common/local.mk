# Code shared by the HTTP and WebSocket transports: one plain-HTTP exchange
# on a libwebsockets connection (body limits, CORS, security headers, static
# files, core routes) and the listening side (context, vhosts, service loop).
# A convenience library linked into both modules (with util, whose setting
# values it reads).
noinst_LTLIBRARIES += transports/common/libparleytransport.la
transports_common_libparleytransport_la_SOURCES = \
	transports/common/exchange.c transports/common/exchange.h \
	transports/common/call.c transports/common/call.h \
	transports/common/head.c transports/common/head.h \
	transports/common/throttle.c transports/common/throttle.h \
	transports/common/listener.c transports/common/listener.h
transports_common_libparleytransport_la_CFLAGS = $(AM_CFLAGS) $(LWS_CFLAGS) -fvisibility=hidden
transports_common_libparleytransport_la_LIBADD = libparleyutil.la

# Unit tests of the request-head verdict and the credential throttle (pure
# code, no lws).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_tx_head
tests_unit_test_tx_head_SOURCES = tests/unit/test_tx_head.c \
	transports/common/head.c transports/common/head.h
tests_unit_test_tx_head_LDADD = $(UNIT_LIBS)
check_PROGRAMS += tests/unit/test_tx_throttle
tests_unit_test_tx_throttle_SOURCES = tests/unit/test_tx_throttle.c \
	transports/common/throttle.c transports/common/throttle.h
tests_unit_test_tx_throttle_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_unit_test_tx_throttle_LDADD = $(UNIT_LIBS) $(GLIB_LIBS)
endif
