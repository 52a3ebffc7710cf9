# core/media PeerConnections: the pc itself (ICE + DTLS-SRTP + streams,
# negotiation, media path, SDP helpers for plugins) in libparleymedia.la
# (its core side, one pc per handle, is core/webrtc.c). Unit tests:
# negotiation against captured browser offers and two pcs over 127.0.0.1;
# relay_rtp rewriting (test_pc_rewrite); liveness of a frozen peer and
# answers that do not answer our offer (test_pc_liveness).
media_pc_sources = \
	core/media/pc.h core/media/pc_internal.h core/media/pc.c core/media/pc_sdp.c \
	core/media/pc_media.c core/media/pc_liveness.c core/media/pc_rewrite.c core/media/pc_helpers.h \
	core/media/pc_helpers.c core/media/pc_transport.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_pc
tests_unit_test_pc_SOURCES = tests/unit/test_pc.c
tests_unit_test_pc_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_pc_CFLAGS = $(UNIT_CFLAGS) $(NICE_CFLAGS) $(SRTP_CFLAGS) $(SSL_CFLAGS)
tests_unit_test_pc_LDADD = libparleycore.la $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(NICE_LIBS) \
	$(SRTP_LIBS) $(SSL_LIBS)
check_PROGRAMS += tests/unit/test_pc_rewrite
tests_unit_test_pc_rewrite_SOURCES = tests/unit/test_pc_rewrite.c
tests_unit_test_pc_rewrite_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_pc_rewrite_CFLAGS = $(UNIT_CFLAGS) $(NICE_CFLAGS) $(SRTP_CFLAGS) $(SSL_CFLAGS)
tests_unit_test_pc_rewrite_LDADD = libparleycore.la $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(NICE_LIBS) \
	$(SRTP_LIBS) $(SSL_LIBS)
check_PROGRAMS += tests/unit/test_pc_liveness
tests_unit_test_pc_liveness_SOURCES = tests/unit/test_pc_liveness.c
tests_unit_test_pc_liveness_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_pc_liveness_CFLAGS = $(UNIT_CFLAGS) $(NICE_CFLAGS) $(SRTP_CFLAGS) $(SSL_CFLAGS)
tests_unit_test_pc_liveness_LDADD = libparleycore.la $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(NICE_LIBS) \
	$(SRTP_LIBS) $(SSL_LIBS)
endif
