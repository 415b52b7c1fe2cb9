/*
 * The server's methods: one table, srv_methods[], indexed by a request's
 * method case (Sotto__Request.method_case), as OpenSSH sftp-server.c's
 * handlers[]. Each RPC is named once, here and in srv_method.c; whether it
 * needs a signed-in connection and what a method the table does not hold
 * is answered are decided once, in srv_dispatch().
 */
#ifndef SOTTO_SRV_METHOD_H
#define SOTTO_SRV_METHOD_H

#include <stddef.h>

#include "proto/sotto.pb-c.h"

struct srv_conn;

#define SRV_M_AUTHED	0x01	/* needs a signed-in connection */
#define SRV_M_BARE	0x02	/* allowed before sign-in */
#define SRV_M_WRITES	0x04	/* writes the store */
/*
 * With SRV_M_AUTHED: the not-signed-in answer carries err_str()'s
 * sentence ("not logged in") instead of "sign in first", as Logout,
 * WhoAmI and SetBio always answered.
 */
#define SRV_M_ERRSTR	0x08

struct srv_method {
	const char *name;		/* the RPC's name in sotto.proto */
	int flags;			/* SRV_M_* */
	/* Answers req on c: 0, or ERR_* to close c. */
	int (*handler)(struct srv_conn *c, const Sotto__Request *req);
};

/*
 * The method for a request's method case, or NULL when this server does
 * not know it (a newer client's, or none at all).
 */
const struct srv_method *srv_method_find(int method_case);

#endif
