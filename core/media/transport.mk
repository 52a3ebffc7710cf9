# core/media transport half: ICE (libnice), DTLS-SRTP (OpenSSL) and SRTP
# (libsrtp2) building blocks, the per-loop UDP send batch, included by core/media/local.mk into
# libparleymedia.la; their unit tests and the SRTP cost measurement.
media_transport_sources = \
	core/media/ice.h core/media/ice.c core/media/udp_batch.h core/media/udp_batch.c \
	core/media/lite.h core/media/lite_internal.h core/media/lite.c core/media/lite_stun.c \
	core/media/lite_mux.c core/media/lite_demux.c core/media/lite_tcp.c core/media/lite_frame.h \
	core/media/lite_frame.c core/media/lite_ring.h core/media/lite_ring.c \
	core/media/dtls.h core/media/dtls.c core/media/dtls_shared.h core/media/dtls_shared.c \
	core/media/srtp.h core/media/srtp.c core/media/srtp_evp.h core/media/srtp_evp.c

EXTRA_DIST += tests/unit/dtls_pair.h

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_ice tests/unit/test_dtls tests/unit/test_srtp tests/unit/test_udp_batch
tests_unit_test_udp_batch_LDADD = $(MEDIA_TEST_LIBS)
tests_unit_test_ice_LDADD = $(MEDIA_TEST_LIBS)
# The same source's one 50 s case (libnice's keepalive bound), on its own.
check_PROGRAMS += tests/unit/test_ice_vanished
tests_unit_test_ice_vanished_SOURCES = tests/unit/test_ice.c
tests_unit_test_ice_vanished_CPPFLAGS = $(AM_CPPFLAGS) -DTEST_ICE_VANISHED
tests_unit_test_ice_vanished_LDADD = $(MEDIA_TEST_LIBS)
# test_dtls makes its certificates with OpenSSL itself
tests_unit_test_dtls_CFLAGS = $(AM_CFLAGS) $(SSL_CFLAGS)
tests_unit_test_dtls_LDADD = $(MEDIA_TEST_LIBS)
tests_unit_test_srtp_LDADD = $(MEDIA_TEST_LIBS)
# ICE-lite: raw STUN peers and a libnice-driven pc against a lite pc.
check_PROGRAMS += tests/unit/test_ice_lite
tests_unit_test_ice_lite_LDADD = $(CORE_TEST_LIBS) $(NICE_LIBS) $(SRTP_LIBS)
# The hand-over ring between loops, alone and with two threads.
check_PROGRAMS += tests/unit/test_lite_ring
tests_unit_test_lite_ring_LDADD = $(MEDIA_TEST_LIBS)
# ICE-TCP: RFC 4571 framing, and TCP peers against passive candidates.
check_PROGRAMS += tests/unit/test_lite_tcp
tests_unit_test_lite_tcp_LDADD = $(CORE_TEST_LIBS) $(NICE_LIBS) $(SRTP_LIBS)
endif

# Not a test: protect/unprotect cost per 1200-byte packet, both profiles.
noinst_PROGRAMS += bench/srtp_cost
bench_srtp_cost_SOURCES = bench/srtp_cost.c
bench_srtp_cost_CPPFLAGS = $(CORE_CPPFLAGS)
bench_srtp_cost_CFLAGS = $(AM_CFLAGS) $(SRTP_CFLAGS)
bench_srtp_cost_LDADD = libparleymedia.la $(GLIB_LIBS) $(NICE_LIBS) $(SRTP_LIBS) $(SSL_LIBS)
