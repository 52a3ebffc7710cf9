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
