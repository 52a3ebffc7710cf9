/*
 * registry.h — the modules the core accepted (registry.c): plugins (with
 * their config aliases), transports and event handlers. Filled at start-up
 * by the loader (loader.h) or, in tests, directly; read-only afterwards, so
 * lookups take no lock.
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
#define PARLEY_MODULE_KINDS 3

/* Modules per kind. */
#define PARLEY_REGISTRY_MAX 128

/* What every vtable starts with, whatever its kind (the strings are NULL
 * when struct_size is too small to hold them). */
typedef struct parley_module_head {
	uint32_t api_version;
	uint32_t struct_size;
	const char *package;
	const char *name;
	const char *version_string;
} parley_module_head;

parley_module_head parley_registry_read_head(const void *vtable);

/* One registered module: its vtable, its dlopen handle (or NULL) and the
 * file it came from (owned, or NULL). */
typedef struct parley_registry_entry {
	const void *vtable;
	void *dl;
	char *path;
} parley_registry_entry;

/* Registers a module that is already validated and initialised (the
 * loader's job; tests use it for in-process modules). `path` is copied.
 * 0, or -1 when the package is taken or the kind is full. */
int parley_registry_add(parley_module_kind kind, const void *vtable, void *dl, const char *path);
/* True when a module of any kind has this package. */
bool parley_registry_has_package(const char *package);
/* How many modules of `kind` are registered. */
unsigned parley_registry_count(parley_module_kind kind);
/* Empties `kind`: copies its entries, oldest first, into `out` (room for
 * PARLEY_REGISTRY_MAX) and returns how many; the caller owns their paths. */
unsigned parley_registry_take_all(parley_module_kind kind, parley_registry_entry *out);
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
