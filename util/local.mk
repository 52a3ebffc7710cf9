# util: the small internal library of what the core, the media library and
# the modules would otherwise each write again (see util/README.md). A
# libtool convenience library (PIC objects, never installed, no ABI) linked
# into libparleymedia.la (and through it libparleycore.la and parleyd) and
# into each loadable module that uses it. Its headers are reached as
# "util/<name>.h" from the top source folder, by every target.
AM_CPPFLAGS += -I$(top_srcdir)

util_sources = \
	util/rtp.h util/rtp.c util/keyframe.h util/keyframe.c \
	util/setting.h util/setting.c util/redis_url.h util/redis_url.c

noinst_LTLIBRARIES += libparleyutil.la
libparleyutil_la_SOURCES = $(util_sources)
libparleyutil_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
libparleyutil_la_LIBADD = $(GLIB_LIBS)
EXTRA_DIST += util/README.md

# One unit test per util source.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_util_rtp tests/unit/test_util_keyframe tests/unit/test_util_setting \
	tests/unit/test_util_redis_url
util_test_libs = libparleyutil.la $(UNIT_LIBS) $(GLIB_LIBS)
tests_unit_test_util_rtp_LDADD = $(util_test_libs)
tests_unit_test_util_keyframe_LDADD = $(util_test_libs)
tests_unit_test_util_setting_LDADD = $(util_test_libs)
tests_unit_test_util_redis_url_LDADD = $(util_test_libs)
endif
