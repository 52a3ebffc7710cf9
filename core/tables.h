/*
 * tables.h — the three tables of core services handed to modules at init
 * (tables.c), in the form the loader takes them: parleyd gives them to
 * parley_loader_set_tables before loading anything.
 */
#ifndef PARLEY_TABLES_H
#define PARLEY_TABLES_H

#include "loader.h"

/* Static for the process: the plugin, transport and handler tables. */
const parley_loader_tables *parley_tables_all(void);

#endif
