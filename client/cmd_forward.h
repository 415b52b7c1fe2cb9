/*
 * How the command line shows a forward copy (doc/CLI.md, "Forwards"):
 * client/cmd calls these from its message printer; what a message
 * forwards comes from the engine (cloud_forward_get), never from the
 * network here.
 */
#ifndef SOTTO_CMD_FORWARD_H
#define SOTTO_CMD_FORWARD_H

#include <stddef.h>

#include <jansson.h>

#include "client/cloud.h"

/*
 * Adds "forwarded": {"name", "date", and "from_id" and "from" when the
 * server linked the original sender} to o when m is a forward copy;
 * *failed is set when memory runs out.
 */
void cmd_forward_json(struct cloud *c, const struct cloud_message *m,
    json_t *o, int *failed);

/*
 * Writes " (forwarded from NAME)" or " (forwarded from NAME, @user)"
 * (sanitised) into out (cap bytes) when m is a forward copy, else "".
 */
void cmd_forward_text(struct cloud *c, const struct cloud_message *m,
    char *out, size_t cap);

#endif
