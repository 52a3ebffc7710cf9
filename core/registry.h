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

const parley_plugin *parley_registry_plugin(const char *package_or_alias);
unsigned parley_registry_plugins(const parley_plugin **out, unsigned max);
const parley_transport *parley_registry_transport(const char *package);
unsigned parley_registry_transports(const parley_transport **out, unsigned max);
const parley_handler *parley_registry_handler(const char *package);
unsigned parley_registry_handlers(const parley_handler **out, unsigned max);

#endif
