# WebSocket transport: the Janus API over WebSocket (janus-protocol,
# janus-admin-protocol), the core's plain-HTTP routes on the same port, the
# Socket.IO endpoint (Engine.IO 4 polling + WebSocket on [socketio] path),
# and the extra Socket.IO listeners ([socketio] listeners), each on its own
# port with its own plugin.
transport_LTLIBRARIES += transports/websocket/parley_transport_websocket.la
transports_websocket_parley_transport_websocket_la_SOURCES = \
	transports/websocket/websocket.c transports/websocket/clients.c \
	transports/websocket/websocket.h \
	transports/websocket/engineio_codec.c transports/websocket/engineio_codec.h \
	transports/websocket/engineio.c transports/websocket/engineio_http.c transports/websocket/engineio.h \
	transports/websocket/socketio_codec.c transports/websocket/socketio_codec.h \
	transports/websocket/socketio.c transports/websocket/socketio.h \
	transports/websocket/listeners.c transports/websocket/listeners.h \
	transports/websocket/health.c transports/websocket/health.h
transports_websocket_parley_transport_websocket_la_CFLAGS = $(AM_CFLAGS) $(LWS_CFLAGS) -fvisibility=hidden
transports_websocket_parley_transport_websocket_la_LDFLAGS = $(MODULE_LDFLAGS)
transports_websocket_parley_transport_websocket_la_LIBADD = transports/common/libparleytransport.la \
	$(MODULE_LIBS) $(LWS_LIBS)
dist_parleyconf_DATA += conf/parley.transport.websocket.conf
EXTRA_DIST += transports/websocket/README.md

# Unit tests of the Engine.IO and Socket.IO codecs (pure code, no lws), and
# of the listeners' settings and /health shapes (no lws call; linked with
# the common listener code for its settings type).
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_engineio tests/unit/test_socketio tests/unit/test_ws_listeners
tests_unit_test_engineio_SOURCES = tests/unit/test_engineio.c \
	transports/websocket/engineio_codec.c transports/websocket/engineio_codec.h
tests_unit_test_engineio_LDADD = $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS)
tests_unit_test_socketio_SOURCES = tests/unit/test_socketio.c \
	transports/websocket/socketio_codec.c transports/websocket/socketio_codec.h
tests_unit_test_socketio_LDADD = $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS)
tests_unit_test_ws_listeners_SOURCES = tests/unit/test_ws_listeners.c \
	transports/websocket/listeners.c transports/websocket/listeners.h \
	transports/websocket/health.c transports/websocket/health.h
tests_unit_test_ws_listeners_CFLAGS = $(AM_CFLAGS) $(LWS_CFLAGS)
tests_unit_test_ws_listeners_LDADD = transports/common/libparleytransport.la $(UNIT_LIBS) $(GLIB_LIBS) \
	$(JANSSON_LIBS) $(LWS_LIBS)
endif
