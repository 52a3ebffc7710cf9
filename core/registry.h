/*
 * registry.h — the modules the loader accepted: plugins (with their config
 * aliases), transports and event handlers. Filled at start-up, read-only
 * afterwards, so lookups take no lock.
 */
#ifndef PARLEY_REGISTRY_H
#define PARLEY_REGISTRY_H

#include <parley/plugin.h>
#include <parley/transport.h>
#include <parley/handler.h>

typedef enum parley_module_kind {
	PARLEY_MODULE_PLUGIN,
	PARLEY_MODULE_TRANSPORT,
	PARLEY_MODULE_HANDLER,
} parley_module_kind;

/* Loads every *.so in `folder` of `kind`, skipping names in the
 * comma-separated `disabled` list (file names or packages). Each refusal is
 * one log line. Returns how many were loaded. */
int parley_loader_load_folder(const char *folder, parley_module_kind kind, const char *disabled);
/* Loads one file; 0 or -1 with one log line. */
int parley_loader_load_file(const char *path, parley_module_kind kind);
/* Calls destroy on every module (handlers, transports, plugins) and dlcloses. */
void parley_loader_unload_all(void);

/* Registers a module that is already validated and initialised (the
 * loader's job; tests use it for in-process modules). `dl` is its dlopen
 * handle or NULL; `path` may be NULL. 0, or -1 when the package is taken or
 * the registry is full. */
int parley_registry_add(parley_module_kind kind, const void *vtable, void *dl, const char *path);
/* Parses [plugins] aliases ("alias=package,alias2=package2"); replaces the
 * previous list. Returns how many aliases were accepted. */
int parley_registry_set_aliases(const char *list);

/* Lookups. The list functions copy up to `max` vtables into `out` and
 * return how many they copied; with out == NULL they return the total.
 * Optional callbacks (may be NULL): plugin handle_admin_message,
 * query_session, handle_http (required when http_prefix is set) and the
 * media callbacks; transport query_transport; handler handle_request and
 * metrics. Every other callback was checked non-NULL by the loader. */
const parley_plugin *parley_registry_plugin(const char *package_or_alias);
unsigned parley_registry_plugins(const parley_plugin **out, unsigned max);
const parley_transport *parley_registry_transport(const char *package);
unsigned parley_registry_transports(const parley_transport **out, unsigned max);
const parley_handler *parley_registry_handler(const char *package);
unsigned parley_registry_handlers(const parley_handler **out, unsigned max);

#endif
