# core/media: ICE, DTLS, SRTP, SDP, RTP/RTCP. Built as a convenience library
# linked into parleyd and the unit tests.
noinst_LTLIBRARIES += libparleymedia.la
libparleymedia_la_SOURCES =
libparleymedia_la_CFLAGS = $(AM_CFLAGS) $(NICE_CFLAGS) $(SRTP_CFLAGS) $(SSL_CFLAGS)
libparleymedia_la_LIBADD = $(NICE_LIBS) $(SRTP_LIBS) $(SSL_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS)
