/*
 * messages.h — plugin messages on the bounded worker pool (messages.c): one
 * at a time per handle in arrival order, events pushed from inside
 * handle_message held until the answer went out.
 */
#ifndef PARLEY_MESSAGES_H
#define PARLEY_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "session.h"

/* Starts `workers` threads; at most `queue_limit` messages wait (0 = 1024).
 * 0, or -1 with the reason in error_text. */
int parley_messages_start(unsigned workers, unsigned queue_limit, char *error_text, size_t error_size);
/* Answers every queued message, then stops the workers. */
void parley_messages_stop(void);
unsigned parley_messages_workers(void);

/* Queues body/jsep (borrowed: the job takes its own references) for h's
 * plugin; the answer goes to conn with request_ctx. 0, or an error code
 * with its reason (the request was not queued and is not answered). */
int parley_messages_submit(parley_conn *conn, void *request_ctx, parley_handle *h, const char *transaction,
                           json_t *body, json_t *jsep, char *reason, size_t reason_size);

/* Called by push_event: when `event` is pushed for h from inside h's
 * handle_message on this thread, keeps it (taking the reference) to send
 * after the answer and returns true; otherwise false and nothing changes. */
bool parley_messages_hold(parley_handle *h, json_t *event, bool jsep);

#endif
