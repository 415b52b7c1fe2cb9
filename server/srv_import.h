/*
 * ImportContacts: contact import by phone, the way Telegram clients find
 * friends (proto/sotto.proto, doc/PROTOCOL.md "Contact import"). Every
 * number passes the directory throttle (srv_directory.h): the request's
 * cost in the token buckets, each new number against the daily cap and
 * each newly found user against the discovery budget. A number that is
 * absent and one whose owner hides from the asker by phone_discovery (or
 * blocked the asker) are both left out of the answer alike.
 */
#ifndef SOTTO_SRV_IMPORT_H
#define SOTTO_SRV_IMPORT_H

#include <stdint.h>

#include "proto/sotto.pb-c.h"

struct srv_conn;

/* Answers m for c (signed in). Returns 0 or an ERR_* that closes c. */
int srv_import_contacts(struct srv_conn *c, uint64_t id,
    const Sotto__ImportContacts *m);

#endif
