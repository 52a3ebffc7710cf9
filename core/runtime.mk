# The core runtime: configuration, logging, event loops, the module loader
# and registry, the event bus (core/main.c is parleyd's own, see local.mk).
# Also the runtime's unit tests, the deliberately broken modules the loader
# test refuses and a test module that declares an environment variable.
core_runtime_sources = core/config.c core/log.c core/loops.c core/loader.c core/registry.c core/events.c

# Broken modules: built only for `make check`; -rpath makes libtool build a
# shared object (.libs/*.so) that is never installed.
BROKEN_MODULE_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
check_LTLIBRARIES += tests/modules/broken_no_entry.la tests/modules/broken_version.la \
	tests/modules/broken_init.la tests/modules/broken_size.la
tests_modules_broken_no_entry_la_SOURCES = tests/modules/broken_no_entry.c
tests_modules_broken_no_entry_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_broken_no_entry_la_LIBADD = $(MODULE_LIBS)
tests_modules_broken_version_la_SOURCES = tests/modules/broken_version.c
tests_modules_broken_version_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_broken_version_la_LIBADD = $(MODULE_LIBS)
tests_modules_broken_init_la_SOURCES = tests/modules/broken_init.c
tests_modules_broken_init_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_broken_init_la_LIBADD = $(MODULE_LIBS)
tests_modules_broken_size_la_SOURCES = tests/modules/broken_size.c
tests_modules_broken_size_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_broken_size_la_LIBADD = $(MODULE_LIBS)
# A plugin that declares an environment variable and needs it at init.
check_LTLIBRARIES += tests/modules/env_plugin.la
tests_modules_env_plugin_la_SOURCES = tests/modules/env_plugin.c
tests_modules_env_plugin_la_LDFLAGS = $(BROKEN_MODULE_LDFLAGS)
tests_modules_env_plugin_la_LIBADD = $(MODULE_LIBS)

RUNTIME_TEST_LIBS = libparleycore.la $(UNIT_LIBS) $(GLIB_LIBS) $(JANSSON_LIBS) $(SSL_LIBS)

check_PROGRAMS += tests/unit/test_config tests/unit/test_loader tests/unit/test_loops tests/unit/test_events \
	tests/unit/test_example_plugin
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(RUNTIME_TEST_LIBS)
tests_unit_test_loader_SOURCES = tests/unit/test_loader.c
tests_unit_test_loader_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_loader_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_loader_LDADD = $(RUNTIME_TEST_LIBS)
tests_unit_test_loops_SOURCES = tests/unit/test_loops.c
tests_unit_test_loops_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_loops_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_loops_LDADD = $(RUNTIME_TEST_LIBS)
tests_unit_test_events_SOURCES = tests/unit/test_events.c
tests_unit_test_events_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_events_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_events_LDADD = $(RUNTIME_TEST_LIBS)
tests_unit_test_example_plugin_SOURCES = tests/unit/test_example_plugin.c
tests_unit_test_example_plugin_CPPFLAGS = $(CORE_CPPFLAGS)
tests_unit_test_example_plugin_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_example_plugin_LDADD = $(RUNTIME_TEST_LIBS)
EXTRA_DIST += examples/plugin/hello.c examples/plugin/Makefile examples/plugin/README.md
