/*
 * broken_size.c — a transport that claims a struct_size smaller than
 * version 1 of the vtable (as a module built against a truncated header
 * would). The loader must refuse it without reading past struct_size.
 */
#include <stddef.h>
#include <stdlib.h>
#include <parley/transport.h>

static int init(const parley_transport_core *core)
{
	abort();   /* the loader must never get this far */
}

static const parley_transport transport = {
	.api_version = PARLEY_TRANSPORT_API_VERSION,
	.struct_size = offsetof(parley_transport, init),
	.package = "parley.transport.test_size",
	.name = "too small",
	.init = init,
};

const parley_transport *parley_transport_entry(void);
const parley_transport *parley_transport_entry(void)
{
	return &transport;
}
