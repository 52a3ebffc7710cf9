/*
 * dtls_shared.h — internal to the DTLS module: what dtls.c (sessions) and
 * dtls_shared.c (process-wide certificate, SSL_CTX, BIO method) share.
 */
#ifndef PARLEY_MEDIA_DTLS_SHARED_H
#define PARLEY_MEDIA_DTLS_SHARED_H

#include <stddef.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>

SSL_CTX *parley_dtls_shared_context(void);        /* NULL before setup */
BIO_METHOD *parley_dtls_shared_send_method(void);
/* The oldest queued OpenSSL error as text; empties the thread's queue. */
const char *parley_dtls_openssl_reason(char *buffer, size_t size);
/* "AB:CD:..." from a digest. */
void parley_dtls_format_fingerprint(const unsigned char *md, unsigned length, char *out, size_t size);

/* In dtls.c: the datagram BIO's write/ctrl and the SSL_CTX verify callback. */
int parley_dtls_bio_write(BIO *bio, const char *data, int length);
long parley_dtls_bio_ctrl(BIO *bio, int cmd, long num, void *ptr);
int parley_dtls_verify_peer(int preverify_ok, X509_STORE_CTX *store);

#endif
