/*
 * What the files of the command line (client/cmd*.c) share among
 * themselves; nothing here is for the rest of the client, which sees
 * only client/cmd.h.
 *
 * The actions are rows of cmd__table[] (client/cmd_table.c): each names
 * its long option, how its argument is taken in, what is resolved before
 * it runs (its target), the verb of its error messages, its flags, the
 * function that carries it out (exec) and the one that prints what a
 * call answered (done), and its lines of --help. client/cmd_parse.c
 * builds getopt's options from it, client/cmd.c runs the phases by it,
 * and each action's exec and done live in the file of its concept:
 *
 *   cmd.c          the phases: start, resolve, act, events, timeout, stop
 *   cmd_table.c    the table and --help
 *   cmd_parse.c    argv into struct cmd_opts, and the checks of its data
 *   cmd_print.c    lines and JSON objects of messages, chats and users
 *   cmd_report.c   an error in one sentence, and its exit status
 *   cmd_chat.c     sends, edits, deletes, history, read marks, --listen
 *   cmd_people.c   users, contacts, bio, contact import, --export-my-data
 *   cmd_group.c    groups, invite links, group settings, reports
 *   cmd_privacy.c  privacy rules and blocks
 *   cmd_account.c  register, log in, log out, who am I
 */
#ifndef SOTTO_CMD_INT_H
#define SOTTO_CMD_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "client/cloud.h"
#include "client/cmd.h"
#include "store/store.h"

#define CMD__MAX_PEERS 201	/* a group's members and one more */

enum cmd__phase {
	PH_START,
	PH_CONNECT,		/* a send waits for the first attempt's outcome */
	PH_SYNC,
	PH_RESOLVE,
	PH_CALL,
	PH_WAIT_ACK,
	PH_FLUSH,
	PH_LISTEN,
	PH_DONE,
};

struct cmd_entry;

struct cmd {
	struct cloud *c;
	const struct cmd_opts *o;
	const struct cmd_entry *e;	/* o's action in cmd__table */
	const struct cmd_sink *s;
	char server[STORE_ADDR_MAX];
	const char *password;		/* during an account exec only */
	cmd_done_fn *done;
	void *ud;
	uv_timer_t timer;
	uv_timer_t wait;		/* PH_CONNECT's bound */
	unsigned refs;
	enum cmd__phase phase;
	int status;
	int subscribed;
	int finished;			/* status decided */
	int reported;			/* done() has run */

	char *peers[CMD__MAX_PEERS];
	size_t n_peers, next_peer;
	struct cloud_peer res[CMD__MAX_PEERS];

	unsigned retry_after;		/* of the last ERR_RATE_LIMITED */
	uint64_t rid;			/* our queued message */
	int queued;			/* this run wrote to an outbox */
	char deferred[256];		/* why the server put it off, if it did */
	uint64_t ids[CMD_MAX_IDS];
	size_t n_ids;
};

/* ------------------------------------------------------------ the table */

/* What is resolved (through cloud_resolve) before an action's exec. */
enum cmd_target {
	CMD_T_NONE,		/* nothing */
	CMD_T_PEER,		/* the option's PEER (o->peer), and --as PEER */
	CMD_T_GROUP,		/* the option's GROUP (o->group) */
	CMD_T_GROUP_PEER,	/* GROUP PEER: two words, both resolved */
	CMD_T_GROUP_TITLE,	/* GROUP TITLE: two words, the group resolved */
	CMD_T_GROUP_SETTING,	/* GROUP KEY=VALUE: two words, the group */
	CMD_T_TO,		/* -t PEER */
	CMD_T_FROM_TO,		/* --from PEER, then -t PEER */
	CMD_T_MEMBERS,		/* each of --members @a,@b */
};

/* Flags of an action. */
#define CMD_F_ACCOUNT	0x01	/* an account call: no catch-up, not over ctl */
#define CMD_F_NOFLUSH	0x02	/* does not wait for the outboxes to empty */
#define CMD_F_QUEUE	0x04	/* writes to the outbox: no catch-up first */
#define CMD_F_LISTEN	0x08	/* runs until stopped, with no timeout */
#define CMD_F_USER	0x10	/* its PEER names a user ("me" included) */
#define CMD_F_LEFT	0x20	/* a group this account left is still read */

/* Where an action is listed in --help. */
enum cmd_section {
	CMD_S_ACCOUNT,
	CMD_S_MESSAGES,
	CMD_S_PEOPLE,
	CMD_S_SECRET,
	CMD_S_PRIVACY,
	CMD_S_DATA,
	CMD_S_GROUPS,
	CMD_S_SESSIONS,
	CMD_S_N
};

/* What an exec returns besides an ERR_* (which client/cmd reports). */
#define CMD__CALLED 0		/* a call runs; cmd__on_done answers it */
#define CMD__HANDLED 1		/* the action has seen to itself */

/* What a done returns besides an exit status. */
#define CMD__PENDING (-1)	/* another call runs, with the reference */

struct cmd_entry {
	const char *name;	/* the long option; NULL: none (a send) */
	int has_arg;		/* getopt's no_argument or required_argument */
	enum cmd_action action;
	enum cmd_target target;
	const char *verb;	/* "cannot VERB: why"; NULL: "act" */
	unsigned flags;		/* CMD_F_* */
	/*
	 * Takes the option's argument in (0 or an exit status, after saying
	 * why); NULL: the target says where it goes.
	 */
	int (*arg)(struct cmd_opts *o, const char *arg,
	    const struct cmd_sink *s);
	/*
	 * Carries the action out once every target is resolved: CMD__CALLED
	 * (a call with cmd__on_done as its callback runs), CMD__HANDLED, or
	 * an ERR_* to report.
	 */
	int (*exec)(struct cmd *k);
	/* A call of exec answered with id: an exit status or CMD__PENDING. */
	int (*done)(struct cmd *k, uint64_t id);
	enum cmd_section section;
	const char *help;	/* its lines of --help, or NULL */
};

#define CMD__TABLE_MAX 64	/* rows of cmd__table at most */

extern const struct cmd_entry cmd__table[];
extern const size_t cmd__table_n;

/* The row of action a, or NULL. */
const struct cmd_entry *cmd__entry(enum cmd_action a);

/* ------------------------------------------------------------ cmd.c */

void cmd__unref(struct cmd *k);
void cmd__final(struct cmd *k);
/* The action's status is known; waits for the outboxes, then reports. */
void cmd__finish(struct cmd *k, int status);
/* Milliseconds left of the command's timeout (at least 1). */
uint64_t cmd__left_ms(struct cmd *k);
/* Messages of both outboxes not yet acknowledged (*secret: the secret). */
uint64_t cmd__unsent(struct cmd *k, uint64_t *secret);
/* Whether the command still runs: an ops->alive of the cmd_* modules. */
int cmd__alive(void *ud);
/* An ops->done that carries the exit status: finishes with it. */
void cmd__done_status(void *ud, int status);
/* The callback of the calls an exec makes: it runs the action's done. */
void cmd__on_done(void *ud, int err, const char *why, uint64_t id);
/*
 * Whether resolved target i is a group, not this account, a user, a
 * chat: 0, or -1 after saying why and finishing with CMD_EX_DATAERR.
 */
int cmd__need_group(struct cmd *k, size_t i);
int cmd__need_other(struct cmd *k, size_t i, const char *why);
int cmd__need_user(struct cmd *k, size_t i);
int cmd__need_chat(struct cmd *k, size_t i);

/* ------------------------------------------------------------ cmd_parse.c */

/* A positive decimal id below 2^63: 0 or ERR_INVAL. */
int cmd__parse_id(const char *s, uint64_t *v);
/* Splits a comma list into at most max strdup()ed words. */
int cmd__split(const char *list, char **out, size_t max, size_t *n);
void cmd__free_words(char **w, size_t n);

/* ------------------------------------------------------------ cmd_print.c */

void cmd__out(const struct cmd_sink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Writes obj as one line and drops the reference; CMD_EX_* status. */
int cmd__json(const struct cmd_sink *s, json_t *obj, int failed);
void cmd__jset(json_t *o, const char *key, json_t *v, int *failed);
/* A sanitised copy of a string from the server ("" when out of memory). */
char *cmd__clean(const char *s);
void cmd__format_time(char *out, size_t cap, uint64_t t);
/* "me", "@username", or "user ID" for a user id. */
void cmd__name_label(struct cloud *c, uint64_t id, char *out, size_t cap);
void cmd__user_label(struct cmd *k, uint64_t id, char *out, size_t cap);
/* "@username" of a user (also for oneself), or JSON null when unknown. */
json_t *cmd__json_username(struct cmd *k, uint64_t id);
/* The peer of a chat as the user would type it, or a group's title. */
void cmd__chat_label(struct cmd *k, const struct cloud_chat *ch, char *out,
    size_t cap);
/* Prints message m; type is "message" or "edited". chat may be NULL. */
int cmd__print_message(struct cmd *k, const struct cloud_message *m,
    const struct cloud_chat *chat, const char *type, int with_chat);
int cmd__print_chat(struct cmd *k, const struct cloud_chat *ch);
int cmd__print_user(struct cmd *k, const struct cloud_user *u);
/* Prints chat id, or user id; an exit status. */
int cmd__show_chat(struct cmd *k, uint64_t id);
int cmd__show_user(struct cmd *k, uint64_t id);

/* ------------------------------------------------------------ cmd_report.c */

/* Says why the action failed; returns the exit status. */
int cmd__report(struct cmd *k, int err, const char *why);
/* ERR_TIMEOUT, or ERR_UNREACHABLE when no connection ever came up. */
int cmd__late(struct cmd *k);
/* Resolving peer failed with err: says why and finishes. */
void cmd__peer_error(struct cmd *k, const char *peer, int err,
    const char *why);

/* ------------------------------------------------------------ the actions */

/* cmd_chat.c */
int cmd__exec_send(struct cmd *k);
int cmd__exec_list_chats(struct cmd *k);
int cmd__exec_history(struct cmd *k);
int cmd__exec_listen(struct cmd *k);
int cmd__exec_mark_read(struct cmd *k);
int cmd__exec_edit(struct cmd *k);
int cmd__exec_delete(struct cmd *k);
int cmd__exec_forward(struct cmd *k);
int cmd__done_edit(struct cmd *k, uint64_t id);
int cmd__done_delete(struct cmd *k, uint64_t id);
int cmd__done_mark_read(struct cmd *k, uint64_t id);
int cmd__arg_edit(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);
int cmd__arg_delete(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);
int cmd__arg_forward(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);
/* --secret, or a secret-chat action: client/secret_cmd carries it out. */
int cmd__exec_secret(struct cmd *k);
int cmd__arg_secret_id(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);
/* Prints an event of the cloud for --listen. */
void cmd__listen_event(struct cmd *k, const struct cloud_event *ev);

/* cmd_people.c */
int cmd__exec_user(struct cmd *k);
int cmd__exec_contacts(struct cmd *k);
int cmd__exec_contact(struct cmd *k);
int cmd__exec_import(struct cmd *k);
int cmd__exec_set_bio(struct cmd *k);
/* --export-my-data, --user me --as: client/cmd_export carries them out. */
int cmd__exec_export(struct cmd *k);
int cmd__done_contacts(struct cmd *k, uint64_t id);
int cmd__done_user(struct cmd *k, uint64_t id);
int cmd__arg_import(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);
int cmd__arg_bio(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);

/* cmd_group.c */
int cmd__exec_create_group(struct cmd *k);
int cmd__exec_member(struct cmd *k);
int cmd__exec_leave(struct cmd *k);
int cmd__exec_rename_group(struct cmd *k);
/* An invite-link, settings or report action (client/cmd_group's own). */
int cmd__exec_group_call(struct cmd *k);
int cmd__done_chat(struct cmd *k, uint64_t id);
int cmd__arg_title(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);
int cmd__arg_link(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);

/* cmd_privacy.c */
int cmd__exec_get_privacy(struct cmd *k);
int cmd__exec_set_privacy(struct cmd *k);
int cmd__exec_privacy_exception(struct cmd *k);
int cmd__exec_block(struct cmd *k);
int cmd__exec_blocked(struct cmd *k);
int cmd__done_privacy(struct cmd *k, uint64_t id);
int cmd__done_block(struct cmd *k, uint64_t id);
int cmd__arg_privacy_value(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);
int cmd__arg_privacy_peer(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);
/* One privacy rule, or a block or an unblock: a line or an object. */
int cmd__print_rule(struct cmd *k, const struct cloud_privacy_rule *r);
int cmd__print_block(struct cmd *k, uint64_t user_id, int blocked);

/* cmd_account.c */
int cmd__exec_register(struct cmd *k);
int cmd__exec_login(struct cmd *k);
int cmd__exec_logout(struct cmd *k);
int cmd__exec_whoami(struct cmd *k);
int cmd__arg_user(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);

/* cmd_security.c */
int cmd__exec_sessions(struct cmd *k);
int cmd__arg_terminate(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);
int cmd__arg_session_ttl(struct cmd_opts *o, const char *arg,
    const struct cmd_sink *s);

#endif
