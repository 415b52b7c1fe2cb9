/*
 * The command line's last seen, online and bio (doc/CLI.md, "Last seen
 * and bio"): what --user and --set-bio print beside the user, and the
 * online/offline lines of --listen. client/cmd calls these; the values
 * come from the engine (client/presence.h), never from the network here.
 */
#ifndef SOTTO_CMD_PRESENCE_H
#define SOTTO_CMD_PRESENCE_H

#include <stdint.h>

#include <jansson.h>

#include "client/cloud.h"
#include "client/cmd.h"

/*
 * Adds "status" (presence_word()), "last_seen" (exact values only) and
 * "bio" (when shown) of user_id to the JSON object o; *failed is set when
 * memory runs out. Nothing is added when nothing is known.
 */
void cmd_presence_json(struct cloud *c, uint64_t user_id, json_t *o,
    int *failed);

/* The text lines "  last seen: ..." and "  bio: ..." (sanitised) to s. */
void cmd_presence_lines(struct cloud *c, uint64_t user_id,
    const struct cmd_sink *s);

/*
 * --listen: prints a CLOUD_EV_PRESENCE event: "@alice is online", "@alice
 * went offline (last seen 14:05)", or a "status" JSON object.
 */
void cmd_presence_event(struct cloud *c, const struct cmd_opts *o,
    const struct cmd_sink *s, const struct cloud_event *ev);

#endif
