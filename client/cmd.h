/*
 * The actions of the command line (DESIGN section 10) as asynchronous
 * commands on the engine. A command writes its results and errors to a
 * sink, never to stdout or stderr itself, so the same code serves a
 * command run here and one carried out by a running `sotto --listen` on
 * behalf of a client of its control socket (client/ctl).
 *
 * cmd_parse() turns argv into options (GNU getopt_long); cmd_check()
 * validates what can be validated without the profile (message text,
 * the form of every PEER and id) so that bad data is refused before
 * anything is written; cmd_start() runs the action on a cloud.
 */
#ifndef SOTTO_CMD_H
#define SOTTO_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "client/cloud.h"
#include "crypto/noise.h"

/* Exit statuses of the scripting contract (sysexits.h values). */
#define CMD_EX_OK 0
#define CMD_EX_USAGE 64		/* bad flags */
#define CMD_EX_DATAERR 65	/* refused data */
#define CMD_EX_NOINPUT 66	/* a secret file cannot be read */
#define CMD_EX_UNAVAILABLE 69	/* the server cannot be reached */
#define CMD_EX_SOFTWARE 70	/* a bug, here or on the server */
#define CMD_EX_CANTCREAT 73	/* read-only profile; --output exists */
#define CMD_EX_IOERR 74		/* the profile cannot be read or written */
#define CMD_EX_TEMPFAIL 75	/* queued / try again later */
#define CMD_EX_NOPERM 77	/* passphrase, password, server key, login */
#define CMD_EX_CONFIG 78	/* no home directory to keep profiles in */

#define CMD_DEFAULT_TIMEOUT_MS 10000
#define CMD_DEFAULT_LIMIT 100
#define CMD_MAX_IDS 100		/* ids in one --delete */

enum cmd_action {
	CMD_NONE,
	CMD_REGISTER,
	CMD_LOGIN,
	CMD_LOGOUT,
	CMD_WHOAMI,
	CMD_SEND,
	CMD_LIST_CHATS,
	CMD_HISTORY,
	CMD_LISTEN,
	CMD_MARK_READ,
	CMD_USER,
	CMD_CONTACTS,
	CMD_ADD_CONTACT,
	CMD_REMOVE_CONTACT,
	CMD_CREATE_GROUP,
	CMD_ADD_MEMBER,
	CMD_REMOVE_MEMBER,
	CMD_LEAVE,
	CMD_RENAME_GROUP,
	CMD_EDIT,
	CMD_DELETE,
	/* Secret chats (client/secret_cmd.c); also -t, --history and
	 * --mark-read with --secret. */
	CMD_SECRET_START,
	CMD_SECRET_ACCEPT,
	CMD_SECRET_DECLINE,
	CMD_SECRET_CLOSE,
	CMD_SECRET_LIST,
	CMD_SECRET_FINGERPRINT,
	CMD_SECRET_TTL,
	/* Privacy rules and blocks (the server keeps them). */
	CMD_GET_PRIVACY,
	CMD_SET_PRIVACY,
	CMD_PRIVACY_ALLOW,
	CMD_PRIVACY_DENY,
	CMD_BLOCK,
	CMD_UNBLOCK,
	CMD_BLOCKED,
	/* Transparency (client/cmd_export.c); also --user me --as. */
	CMD_EXPORT,
	/* Contact import by phone (client/cmd_import.c). */
	CMD_IMPORT_CONTACTS,
	/* Profile (client/cmd_presence.c prints what they add). */
	CMD_SET_BIO,
	/* --forward ID --from PEER -t PEER (client/cmd_forward.c prints). */
	CMD_FORWARD,
	/* Invite links, group settings, reports (client/cmd_group.c). */
	CMD_INVITE_LINK,
	CMD_REVOKE_LINK,
	CMD_JOIN,
	CMD_SET_GROUP,
	CMD_REPORT,
	/* Sessions (client/cmd_security.c). */
	CMD_SESSIONS,
	CMD_TERMINATE_SESSION,
	CMD_SET_SESSION_TTL,
};

/* Where a command's output goes: whole lines, without their newline. */
struct cmd_sink {
	void (*out)(void *ud, const char *line);
	void (*err)(void *ud, const char *line);
	void *ud;
};

/*
 * Parsed options. Strings point into argv (or, for a message read from
 * stdin, into memory the caller owns).
 */
struct cmd_opts {
	enum cmd_action action;
	const char *user;		/* --register, --login */
	const char *display_name;
	const char *phone;
	const char *to;			/* -t */
	const char *message;		/* -m; "-" until stdin is read */
	uint64_t reply_to;
	const char *peer;		/* --history, --mark-read, --user, ... */
	const char *group;		/* GROUP of the group actions */
	const char *title;		/* --create-group, --rename-group */
	const char *members;		/* --members @a,@b */
	uint64_t limit;			/* --limit, 0: the default */
	uint64_t edit_id;
	const char *delete_ids;		/* --delete ID[,ID...] */
	int for_everyone;
	int secret;			/* --secret: the secret chat with PEER */
	long ttl;			/* --ttl seconds; -1 when not given */
	uint64_t secret_id;		/* --secret-accept, --secret-decline */
	int priv_key;			/* KEY of --set-privacy, --privacy-* */
	int priv_value;			/* --set-privacy */
	const char *as;			/* --as everybody|contacts|PEER */
	const char *output;		/* --output FILE (--export-my-data) */
	const char *import_file;	/* --import-contacts FILE */
	const char *import_text;	/* its contents (read by the caller) */
	const char *bio;		/* --set-bio */
	uint64_t fwd_id;		/* --forward ID */
	const char *from;		/* --from PEER */
	const char *link;		/* --revoke-link, --join */
	uint64_t expires;		/* --expires, seconds; 0: never */
	uint64_t uses;			/* --uses; 0: no limit */
	unsigned hide_members;		/* --set-group: 1 off, 2 on */
	int reason;			/* --reason: the wire's ReportReason */
	uint64_t report_msg;		/* --report PEER --message ID */
	uint64_t session_id;		/* --terminate-session ID */
	int session_others;		/* --terminate-session others */
	uint32_t session_ttl;		/* --set-session-ttl, in days */
	const char *profile;
	const char *server;
	int have_server_key;
	uint8_t server_key[NOISE_KEY_LEN];
	const char *passphrase_file;
	const char *password_file;
	uint64_t timeout_ms;
	int timeout_given;
	int json;
	int help;
	int version;
};

/* Writes "sotto: " and a sentence to the sink's error side. */
void cmd_err(const struct cmd_sink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Parses argv into *o. Returns 0, or an exit status after writing why to
 * sink. getopt's state is reset first, so it may be called repeatedly.
 */
int cmd_parse(int argc, char **argv, struct cmd_opts *o,
    const struct cmd_sink *sink);

/* Writes --help, a line at a time, to the sink's output side. */
void cmd_help(const struct cmd_sink *sink);

/*
 * Checks the data of *o (after a "-m -" was replaced by what stdin held):
 * the message text (1 to 4096 code points, valid UTF-8, no NUL), every
 * PEER, GROUP and id. Returns 0 or CMD_EX_DATAERR after saying why.
 */
int cmd_check(const struct cmd_opts *o, const struct cmd_sink *sink);

/* Whether an action talks about cloud chats (and can go over ctl). */
int cmd_is_chat(enum cmd_action a);

/* The exit status for an ERR_* code; the one place that decides it. */
int cmd_exit_code(int err);

struct cmd;

typedef void cmd_done_fn(void *ud, int status);

/*
 * Starts o's action on cloud c (started or not; borrowed until done).
 * server names the server in messages; password (for --register and
 * --login, may be NULL) is used before this returns and not kept. o and
 * sink must stay valid until done(ud, status) has run; it runs exactly
 * once, never from inside this call, after which the command is gone.
 * Returns 0, or ERR_NOMEM and done never runs.
 */
int cmd_start(struct cmd **out, struct cloud *c, const struct cmd_opts *o,
    const char *server, const char *password, const struct cmd_sink *sink,
    cmd_done_fn *done, void *ud);

/*
 * Ends a command early (--listen on SIGINT or SIGTERM, or a control
 * client that went away) with status; done runs on the next loop turn.
 */
void cmd_stop(struct cmd *k, int status);

#endif
