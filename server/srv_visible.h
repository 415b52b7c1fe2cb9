/*
 * Addressing by id (DESIGN section 10, doc/PROTOCOL.md "Addressing by
 * id"). A request that names a user by id is answered only for a user
 * its asker was shown through a legitimate path (found in the directory,
 * a contact, a member of a chat in common that shows it, someone who
 * wrote to the asker, an entry of the asker's own log); for any other id
 * the answer is word for word the one for an id that does not exist, and
 * it costs the same work. The server keeps the relation (the "shown"
 * table beside the live relations it derives from), so ids stay plain
 * numbers on the wire and old clients and their logs keep working.
 */
#ifndef SOTTO_SRV_VISIBLE_H
#define SOTTO_SRV_VISIBLE_H

#include <stdint.h>

struct srv_store;
struct srv_profile;

/*
 * Whether asker may name user by id (oneself always). 0, ERR_NOT_FOUND
 * (also for id 0 and for ids that do not exist) or ERR_DB.
 */
int srv_visible_user(struct srv_store *st, uint64_t asker, uint64_t user);

/*
 * Loads user's profile for asker: as srv_store_profile_by_id(), with
 * ERR_NOT_FOUND also for a user asker may not name. Does the visibility
 * check and the lookup both, whatever the first says.
 */
int srv_visible_profile(struct srv_store *st, uint64_t asker, uint64_t user,
    struct srv_profile *p);

/*
 * Records that asker was shown user through a legitimate path (its own
 * unit: call it where a write is allowed). 0 or ERR_DB.
 */
int srv_visible_mark(struct srv_store *st, uint64_t asker, uint64_t user);

#endif
