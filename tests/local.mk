# Tests: unit tests are declared by each module's local.mk (tests/unit/test_*);
# this fragment carries the runner, the e2e suite and the fuzz targets.
EXTRA_DIST += tests/run.sh

# The proof that a module cannot include a core header: the build writes the
# compile commands of a module's and of the core's sources (exactly as it
# runs them) where tests/modules/module_headers.sh, run as a unit test, reads
# them. Every module gets AM_CPPFLAGS; only the core's targets CORE_CPPFLAGS.
check_SCRIPTS = tests/unit/test_module_headers
tests/modules/compile-commands: Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/modules && { \
	  printf '%s\n' '$(abs_top_builddir)' '$(abs_top_srcdir)'; \
	  printf '%s\n' '$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(INCLUDES) $(AM_CPPFLAGS) $(CPPFLAGS) $(AM_CFLAGS) $(CFLAGS)'; \
	  printf '%s\n' '$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(INCLUDES) $(CORE_CPPFLAGS) $(CPPFLAGS) $(AM_CFLAGS) $(CFLAGS)'; \
	} >$@.tmp && mv $@.tmp $@
tests/unit/test_module_headers: $(top_srcdir)/tests/modules/module_headers.sh tests/modules/compile-commands
	$(AM_V_GEN)$(MKDIR_P) tests/unit && cp $(top_srcdir)/tests/modules/module_headers.sh $@ && chmod +x $@
CLEANFILES += tests/modules/compile-commands tests/unit/test_module_headers
EXTRA_DIST += tests/modules/module_headers.sh tests/modules/core_header.c
# The core's include graph (HACKING.md), checked by e2e/core-deps.test.mjs.
EXTRA_DIST += tools/core-deps

# What the WHIP e2e tests give Debian's simple-whip-client on its own
# LD_LIBRARY_PATH / LD_PRELOAD (tests/e2e/whip/*.c say why): a stand-in
# libgupnp-igd-1.0.so.4 (soname .so.4 from -version-info 4:0:0) and a
# getifaddrs() that does not hide lo. Shared objects for `make check` only.
check_LTLIBRARIES += tests/e2e/whip/libgupnp-igd-1.0.la tests/e2e/whip/libloopback-ifaddrs.la
tests_e2e_whip_libgupnp_igd_1_0_la_SOURCES = tests/e2e/whip/gupnp_igd_standin.c
tests_e2e_whip_libgupnp_igd_1_0_la_CFLAGS = -Wall -Wextra -g
tests_e2e_whip_libgupnp_igd_1_0_la_LDFLAGS = -shared -rpath /nowhere -version-info 4:0:0
tests_e2e_whip_libloopback_ifaddrs_la_SOURCES = tests/e2e/whip/loopback_ifaddrs.c
tests_e2e_whip_libloopback_ifaddrs_la_CFLAGS = -Wall -Wextra -g
tests_e2e_whip_libloopback_ifaddrs_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_e2e_whip_libloopback_ifaddrs_la_LIBADD = -ldl
