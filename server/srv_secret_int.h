/*
 * What srv_secret.c shares with srv_prekey.c and nothing else includes.
 */
#ifndef SOTTO_SRV_SECRET_INT_H
#define SOTTO_SRV_SECRET_INT_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sotto.pb-c.h"

struct srv_store;

/*
 * Whether asker may start a secret chat with user_id, or fetch its
 * bundles: user_id's secret_chats rule and blocks. 0, ERR_PERM or ERR_DB.
 */
int srv_secret__may_contact(struct srv_store *st, uint64_t asker,
    uint64_t user_id);

/* Whether b is a key of len bytes. */
int srv_secret__key_ok(const ProtobufCBinaryData *b, size_t len);

#endif
