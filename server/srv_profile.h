/*
 * The bio: a profile field of at most SRV_BIO_MAX characters that the
 * owner's bio rule shows (doc/PROTOCOL.md, "Bio"). SetBio answers with
 * the asker's own profile.
 */
#ifndef SOTTO_SRV_PROFILE_H
#define SOTTO_SRV_PROFILE_H

#include <stdint.h>

#include "proto/sotto.pb-c.h"

struct srv_conn;
struct srv_profile;
struct srv_store;

/*
 * Checks a bio: strict UTF-8, at most SRV_BIO_MAX code points, no C0 or
 * C1 control (line breaks included), no U+2028 or U+2029, no BiDi mark,
 * embedding, override or isolate. 0 or ERR_INVAL, *why a sentence.
 */
int srv_profile_check_bio(const char *bio, const char **why);

/* Sets u->bio (borrowing p's) when p's bio rule allows asker. 0, ERR_DB. */
int srv_profile_fill(struct srv_store *st, uint64_t asker,
    const struct srv_profile *p, Sotto__User *u);

/* Answers SetBio. Returns 0, or ERR_* to close c. */
int srv_profile_set_bio(struct srv_conn *c, uint64_t id,
    const Sotto__SetBio *m);

#endif
