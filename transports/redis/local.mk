# Redis transport: Janus and admin API requests through Redis streams
# (consumer groups), answers and events back through Redis. Built only when
# hiredis is found.
if HAVE_HIREDIS
transport_LTLIBRARIES += transports/redis/parley_transport_redis.la
transports_redis_parley_transport_redis_la_SOURCES = \
	transports/redis/redis.c transports/redis/link.c transports/redis/streams.c \
	transports/redis/clients.c transports/redis/parse.c \
	transports/redis/redis.h transports/redis/parse.h
transports_redis_parley_transport_redis_la_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS) -fvisibility=hidden
transports_redis_parley_transport_redis_la_LDFLAGS = $(MODULE_LDFLAGS)
transports_redis_parley_transport_redis_la_LIBADD = libparleyutil.la $(MODULE_LIBS) $(HIREDIS_LIBS)
dist_parleyconf_DATA += conf/parley.transport.redis.conf
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_redis_parse
tests_unit_test_redis_parse_SOURCES = tests/unit/test_redis_parse.c transports/redis/parse.c
tests_unit_test_redis_parse_LDADD = $(UNIT_LIBS) $(GLIB_LIBS)
endif
endif
EXTRA_DIST += transports/redis/README.md
