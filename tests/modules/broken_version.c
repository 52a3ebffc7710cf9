/*
 * broken_version.c — a plugin built for an ABI this core does not speak
 * (api_version 99). Everything else is valid, so the version check alone
 * must refuse it, before init is ever called.
 */
#include <stdlib.h>
#include <parley/plugin.h>

static int init(const parley_plugin_core *core)
{
	abort();   /* the loader must never get this far */
}
static void destroy(void) {}

#define BROKEN_API_VERSION 99
#define BROKEN_PACKAGE "parley.plugin.test_version"
#define BROKEN_NAME "wrong api_version"
#include "broken_plugin.h"
