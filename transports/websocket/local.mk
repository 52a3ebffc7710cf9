# WebSocket transport: the Janus API over WebSocket (janus-protocol,
# janus-admin-protocol) and the core's plain-HTTP routes on the same port.
transport_LTLIBRARIES += transports/websocket/parley_transport_websocket.la
transports_websocket_parley_transport_websocket_la_SOURCES = \
	transports/websocket/websocket.c transports/websocket/clients.c \
	transports/websocket/websocket.h
transports_websocket_parley_transport_websocket_la_CFLAGS = $(AM_CFLAGS) $(LWS_CFLAGS) -fvisibility=hidden
transports_websocket_parley_transport_websocket_la_LDFLAGS = $(MODULE_LDFLAGS)
transports_websocket_parley_transport_websocket_la_LIBADD = transports/common/libparleytransport.la \
	$(MODULE_LIBS) $(LWS_LIBS)
parleyconf_DATA += conf/parley.transport.websocket.conf
EXTRA_DIST += conf/parley.transport.websocket.conf
