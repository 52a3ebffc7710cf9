# core/media PeerConnections: the pc itself (ICE + DTLS-SRTP + streams,
# negotiation, media path, SDP helpers for plugins) in libparleymedia.la
# (its core side, one pc per handle, is core/webrtc.c). Unit tests:
# negotiation against captured browser offers and two pcs over 127.0.0.1;
# relay_rtp rewriting (test_pc_rewrite); liveness of a frozen peer and
# answers that do not answer our offer (test_pc_liveness).
media_pc_sources = \
	core/media/pc.h core/media/pc_internal.h core/media/pc.c core/media/pc_sdp.c \
	core/media/pc_media.c core/media/pc_liveness.c core/media/pc_rewrite.c core/media/pc_helpers.h \
	core/media/pc_helpers.c core/media/pc_transport.c core/media/pc_params.c core/media/pc_data.c core/media/pc_pair.c core/media/pc_info.c \
	core/media/counters.h core/media/counters.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_pc tests/unit/test_pc_rewrite tests/unit/test_pc_liveness
tests_unit_test_pc_LDADD = $(CORE_TEST_LIBS) $(NICE_LIBS) $(SRTP_LIBS)
tests_unit_test_pc_rewrite_LDADD = $(CORE_TEST_LIBS) $(NICE_LIBS) $(SRTP_LIBS)
tests_unit_test_pc_liveness_LDADD = $(CORE_TEST_LIBS) $(NICE_LIBS) $(SRTP_LIBS)
endif
