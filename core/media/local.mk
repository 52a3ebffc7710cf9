# core/media: ICE, DTLS, SRTP, SDP, RTP/RTCP. Built as a convenience library
# linked into parleyd and the unit tests.
noinst_LTLIBRARIES += libparleymedia.la
libparleymedia_la_SOURCES = \
	core/media/sdp.h core/media/sdp_internal.h core/media/sdp_model.c \
	core/media/sdp_parse.c core/media/sdp_write.c core/media/sdp_answer.c \
	core/media/rtp.h core/media/rtp.c core/media/rtp_history.c \
	core/media/rtcp.h core/media/rtcp_util.h core/media/rtcp.c core/media/rtcp_fb.c \
	core/media/rtcp_stats.c \
	$(media_transport_sources) $(media_pc_sources) $(media_params_sources) $(media_data_sources)
libparleymedia_la_CPPFLAGS = $(CORE_CPPFLAGS)
libparleymedia_la_CFLAGS = $(AM_CFLAGS) $(NICE_CFLAGS) $(SRTP_CFLAGS) $(SSL_CFLAGS) $(USRSCTP_CFLAGS)
libparleymedia_la_LIBADD = libparleyutil.la $(NICE_LIBS) $(SRTP_LIBS) $(SSL_LIBS) $(USRSCTP_LIBS) $(GLIB_LIBS) \
	$(JANSSON_LIBS)

# What the media library's unit tests (here and transport.mk) link.
MEDIA_TEST_LIBS = libparleymedia.la $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(NICE_LIBS) $(SRTP_LIBS) $(SSL_LIBS) \
	$(USRSCTP_LIBS)

# Unit tests of the media parsers (data files under tests/unit/data/sdp).
EXTRA_DIST += tests/unit/data/sdp
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_sdp tests/unit/test_rtp tests/unit/test_rtcp
tests_unit_test_sdp_LDADD = $(MEDIA_TEST_LIBS)
tests_unit_test_rtp_LDADD = $(MEDIA_TEST_LIBS)
tests_unit_test_rtcp_LDADD = $(MEDIA_TEST_LIBS)
endif
include core/media/transport.mk
include core/media/pc.mk
include core/media/params.mk
include core/media/data.mk
