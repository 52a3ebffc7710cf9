# The core runtime: configuration, logging, event loops, the module loader
# and registry, the event bus (core/main.c is parleyd's own, see local.mk).
# Also the deliberately broken modules the loader test refuses and a test
# module that declares an environment variable (their unit tests are listed
# with the JSON API's in local.mk).
core_runtime_sources = core/config.c core/log.c core/loops.c core/loader.c core/registry.c core/events.c \
	core/memtrim.h core/memtrim.c core/lateness.h core/lateness.c

# Broken modules: built only for `make check` from tests/modules/<name>.c
# (they call nothing but libc); -rpath makes libtool build a shared object
# (.libs/*.so) that is never installed.
BROKEN_MODULE_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
check_LTLIBRARIES += tests/modules/broken_no_entry.la tests/modules/broken_version.la \
	tests/modules/broken_init.la tests/modules/broken_size.la
tests_modules_broken_no_entry_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_broken_version_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_broken_init_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_broken_size_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
EXTRA_DIST += tests/modules/broken_plugin.h
# A plugin that declares an environment variable and needs it at init.
check_LTLIBRARIES += tests/modules/env_plugin.la
tests_modules_env_plugin_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
EXTRA_DIST += core/README.md examples/plugin/hello.c examples/plugin/Makefile examples/plugin/README.md
