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
