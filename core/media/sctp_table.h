/*
 * sctp_table.h — the associations usrsctp may name, by id. usrsctp keeps an
 * opaque address per association (AF_CONN's sconn_addr) and hands it back
 * in every callback, possibly after the association is gone. That address
 * is a random id from this table, never a pointer: a callback for an id
 * the table no longer has is dropped instead of touching freed memory.
 *
 * No lock inside: sctp.c holds its queue lock around every call.
 */
#ifndef PARLEY_MEDIA_SCTP_TABLE_H
#define PARLEY_MEDIA_SCTP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct parley_sctp_table parley_sctp_table;

parley_sctp_table *parley_sctp_table_new(void);
/* Frees the table, not the values. */
void parley_sctp_table_free(parley_sctp_table *table);
/* Keeps `value` (not NULL) under a fresh random id: never 0, never one in
 * use. Returns the id. */
uintptr_t parley_sctp_table_add(parley_sctp_table *table, void *value);
/* The value under `id`, or NULL. */
void *parley_sctp_table_lookup(const parley_sctp_table *table, uintptr_t id);
/* Forgets `id`: true when it was there. */
bool parley_sctp_table_remove(parley_sctp_table *table, uintptr_t id);
size_t parley_sctp_table_size(const parley_sctp_table *table);

#endif
