/*
 * What the client store's files share beside store/store.h (the store__
 * names are internal to store/).
 */
#ifndef SOTTO_STORE_INT_H
#define SOTTO_STORE_INT_H

#include "db/sqlc.h"

struct store;

/* The open database of s (borrowed). */
sqlite3 *store__db(struct store *s);

#endif
