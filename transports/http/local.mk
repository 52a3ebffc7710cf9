# HTTP transport: the Janus API over HTTP (REST + long-poll) and the admin
# API, the core's and plugins' plain-HTTP routes, static files.
transport_LTLIBRARIES += transports/http/parley_transport_http.la
transports_http_parley_transport_http_la_SOURCES = \
	transports/http/http.c transports/http/janus.c transports/http/longpoll.c transports/http/http.h
transports_http_parley_transport_http_la_CFLAGS = $(AM_CFLAGS) $(LWS_CFLAGS) -fvisibility=hidden
transports_http_parley_transport_http_la_LDFLAGS = $(MODULE_LDFLAGS)
transports_http_parley_transport_http_la_LIBADD = transports/common/libparleytransport.la \
	$(MODULE_LIBS) $(LWS_LIBS)
dist_parleyconf_DATA += conf/parley.transport.http.conf
EXTRA_DIST += transports/http/README.md
