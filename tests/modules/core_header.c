/*
 * core_header.c — a module source for tests/modules/module_headers.sh. As
 * is, it is a plain module that needs only <parley/plugin.h>; with
 * PARLEY_TRY_CORE_HEADER defined it also includes one of the core's own
 * headers, which the flags every module is built with must not find.
 */
#include <stddef.h>
#include <parley/plugin.h>
#ifdef PARLEY_TRY_CORE_HEADER
#include "session.h"
#endif

const parley_plugin *parley_plugin_entry(void);

const parley_plugin *parley_plugin_entry(void)
{
	return NULL;
}
