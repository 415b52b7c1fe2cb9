/*
 * The command line's invite links, group settings and reports:
 * --invite-link GROUP [--expires D] [--uses N], --revoke-link LINK,
 * --join LINK, --set-group GROUP KEY=VALUE and --report PEER
 * [--reason R] [--message ID] (doc/CLI.md). client/cmd parses and
 * resolves; this makes the call and prints its result.
 */
#ifndef SOTTO_CMD_GROUP_H
#define SOTTO_CMD_GROUP_H

#include <stdint.h>

#include "client/cloud.h"
#include "client/cmd.h"

#define CMD_GROUP_LINK_PREFIX "sotto:join/"
#define CMD_GROUP_EXPIRES_MAX (366ull * 24 * 3600)

/*
 * Parses a duration ("90", "90s", "30m", "12h", "7d") into seconds, 1
 * to CMD_GROUP_EXPIRES_MAX. 0 or ERR_INVAL.
 */
int cmd_group_parse_duration(const char *s, uint64_t *secs);

/* --reason WORD: the wire's ReportReason, or -1. */
int cmd_group_parse_reason(const char *s);

/* KEY=VALUE of --set-group (hide_members=on|off): 0 or ERR_INVAL. */
int cmd_group_parse_setting(const char *s, unsigned *hide_members);

/* The form of an invite link: 0 or ERR_INVAL. */
int cmd_group_check_link(const char *link);

struct cmd_group_ops {
	/* Whether the command still runs (its sink and opts are valid). */
	int (*alive)(void *ud);
	/*
	 * The call ended: err 0 and a chat id to print as a chat (0: all
	 * printed already), or an ERR_* with the server's sanitised words
	 * (why, may be NULL) for client/cmd to report. Runs exactly once.
	 */
	void (*done)(void *ud, int err, const char *why, uint32_t retry,
	    uint64_t chat_id);
};

/*
 * Runs o's action on c; peer is the resolved GROUP or PEER (NULL for
 * --revoke-link and --join). Returns 0 (ops->done will run, never from
 * inside this call), or an ERR_* (*why set when it has words).
 */
int cmd_group_act(struct cloud *c, const struct cmd_opts *o,
    const struct cmd_sink *s, const struct cloud_peer *peer,
    uint64_t timeout_ms, const struct cmd_group_ops *ops, void *ud,
    const char **why);

#endif
