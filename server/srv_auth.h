/*
 * Accounts and devices (DESIGN section 4). A device is its Noise static
 * key: Register and Login bind the key of the connection that asks to an
 * account, and every later connection with that key is signed in by the
 * handshake alone (the Welcome says so). Logout unbinds it.
 *
 * Argon2id runs in libuv's thread pool, never on the loop; at most
 * SRV_JOBS_MAX jobs wait there. Unknown users cost the same Argon2 work
 * as known ones and get the same answer as a wrong password.
 */
#ifndef SOTTO_SRV_AUTH_H
#define SOTTO_SRV_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/pwhash.h"
#include "proto/sotto.pb-c.h"
#include "server/srv_store.h"

struct srv_conn;
struct srv_job;

#define SRV_PASSWORD_MIN 8		/* characters (bytes of UTF-8) */
#define SRV_PASSWORD_MAX 1024		/* bytes */

/* After the handshake: looks the key up and sends the Welcome. 0 or ERR_*. */
int srv_auth_welcome(struct srv_conn *c);

/* The account requests; each returns 0, or ERR_* to close c. */
int srv_auth_register(struct srv_conn *c, uint64_t id,
    const Sotto__Register *m);
int srv_auth_login(struct srv_conn *c, uint64_t id, const Sotto__Login *m);
int srv_auth_logout(struct srv_conn *c, uint64_t id);
int srv_auth_whoami(struct srv_conn *c, uint64_t id);

/* The connection of a queued job is gone: its result will be dropped. */
void srv_auth_detach(struct srv_job *j);

/*
 * Input checks, shared with the unit tests. Each returns 0 or ERR_INVAL
 * and sets *why to a sentence for the user.
 *
 * Usernames: 3 to 32 of a-z, 0-9 and _, starting with a letter; upper
 * case is folded to lower case (out gets the folded form).
 */
int srv_auth_check_username(const char *in, char out[SRV_USERNAME_MAX + 1],
    const char **why);
int srv_auth_check_password(const char *pw, size_t len, const char **why);
/*
 * Display and device names: valid UTF-8 without control characters,
 * within max bytes. An empty name is allowed (the caller picks one).
 */
int srv_auth_check_name(const char *name, size_t max, const char **why);
/* Phone numbers: empty, or '+' and 7 to 15 digits. */
int srv_auth_check_phone(const char *phone, const char **why);

#endif
