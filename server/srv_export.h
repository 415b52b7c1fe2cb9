/*
 * Transparency for the user (doc/PROTOCOL.md, "Export"; doc/DATA.md):
 * ExportMyData answers everything sottod stores about the asker's
 * account, a page at a time; GetProfileAs answers the asker's own
 * profile as another viewer would get it, computed by srv_chat_user()
 * with that viewer as the asker (no second copy of the rules).
 */
#ifndef SOTTO_SRV_EXPORT_H
#define SOTTO_SRV_EXPORT_H

#include <stdint.h>

#include "proto/sotto.pb-c.h"

struct srv_conn;

#define SRV_EXPORT_PAGE_ROWS 1000	/* rows in one ExportPage */

/*
 * Answer ExportMyData and GetProfileAs (srv_method.c's table, once c is
 * signed in). 0, or ERR_* to close c.
 */
int srv_export_my_data(struct srv_conn *c, uint64_t id,
    const Sotto__ExportMyData *m);
int srv_export_profile_as(struct srv_conn *c, uint64_t id,
    const Sotto__GetProfileAs *m);

#endif
