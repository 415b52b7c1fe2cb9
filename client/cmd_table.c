/*
 * The actions of the command line, one row each (as tmux's cmd_table[]):
 * its long option and argument, what is resolved before it runs, the
 * verb of its error messages, its flags, its exec and done functions and
 * its lines of --help. An action is added here and nowhere else in the
 * dispatch: getopt's options (client/cmd_parse.c), the phases
 * (client/cmd.c), the error verbs (client/cmd_report.c) and --help
 * (cmd_help() below) read this table.
 *
 * Rows are in the order of --help within each section.
 */
#include "config.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "client/cmd_int.h"

const struct cmd_entry cmd__table[] = {
	/* ---------------------------------------------------- account */
	{ "register", required_argument, CMD_REGISTER, CMD_T_NONE,
	  "register", CMD_F_ACCOUNT | CMD_F_NOFLUSH, cmd__arg_user,
	  cmd__exec_register, NULL, CMD_S_ACCOUNT,
"  --register USER [--display-name NAME] [--phone +NUMBER]\n"
"                          create an account and log this profile in to it\n" },
	{ "login", required_argument, CMD_LOGIN, CMD_T_NONE,
	  "log in", CMD_F_ACCOUNT | CMD_F_NOFLUSH, cmd__arg_user,
	  cmd__exec_login, NULL, CMD_S_ACCOUNT,
"  --login USER            log this profile in to an account (a new device)\n" },
	{ "logout", no_argument, CMD_LOGOUT, CMD_T_NONE,
	  "log out", CMD_F_ACCOUNT | CMD_F_NOFLUSH, NULL,
	  cmd__exec_logout, NULL, CMD_S_ACCOUNT,
"  --logout                log this device out and forget its device key\n" },
	{ "whoami", no_argument, CMD_WHOAMI, CMD_T_NONE,
	  "ask who this is", CMD_F_ACCOUNT, NULL,
	  cmd__exec_whoami, NULL, CMD_S_ACCOUNT,
"  --whoami                show the account and its devices\n" },

	/* ---------------------------------------------------- messages */
	/* No option of its own: -t PEER -m TEXT alone (client/cmd_parse.c). */
	{ NULL, no_argument, CMD_SEND, CMD_T_TO,
	  "send", CMD_F_QUEUE, NULL,
	  cmd__exec_send, NULL, CMD_S_MESSAGES,
"  -t, --to PEER -m, --message TEXT|- [--reply-to ID]\n"
"                          send TEXT (- reads it from standard input)\n" },
	{ "edit", required_argument, CMD_EDIT, CMD_T_TO,
	  "edit", 0, cmd__arg_edit,
	  cmd__exec_edit, cmd__done_edit, CMD_S_MESSAGES,
"  --edit ID -t PEER -m TEXT   edit one of your messages\n" },
	{ "delete", required_argument, CMD_DELETE, CMD_T_TO,
	  "delete", 0, cmd__arg_delete,
	  cmd__exec_delete, cmd__done_delete, CMD_S_MESSAGES,
"  --delete ID[,ID...] -t PEER [--for-everyone]   delete messages\n" },
	{ "list-chats", no_argument, CMD_LIST_CHATS, CMD_T_NONE,
	  NULL, 0, NULL,
	  cmd__exec_list_chats, NULL, CMD_S_MESSAGES,
"  --list-chats            list the chats, most recent first\n" },
	{ "history", required_argument, CMD_HISTORY, CMD_T_PEER,
	  NULL, CMD_F_LEFT, NULL,
	  cmd__exec_history, NULL, CMD_S_MESSAGES,
"  --history PEER [--limit N]   show the last N messages (default 100)\n" },
	{ "listen", no_argument, CMD_LISTEN, CMD_T_NONE,
	  NULL, CMD_F_LISTEN, NULL,
	  cmd__exec_listen, NULL, CMD_S_MESSAGES,
"  --listen                print messages as they arrive, until interrupted\n" },
	{ "mark-read", required_argument, CMD_MARK_READ, CMD_T_PEER,
	  "mark read", 0, NULL,
	  cmd__exec_mark_read, cmd__done_mark_read, CMD_S_MESSAGES,
"  --mark-read PEER        mark a chat read\n" },

	/* ---------------------------------------------------- people */
	{ "user", required_argument, CMD_USER, CMD_T_PEER,
	  NULL, CMD_F_USER, NULL,
	  cmd__exec_user, cmd__done_user, CMD_S_PEOPLE,
"  --user PEER | --contacts | --add-contact PEER | --remove-contact PEER\n" },
	{ "contacts", no_argument, CMD_CONTACTS, CMD_T_NONE,
	  NULL, 0, NULL,
	  cmd__exec_contacts, cmd__done_contacts, CMD_S_PEOPLE, NULL },
	{ "add-contact", required_argument, CMD_ADD_CONTACT, CMD_T_PEER,
	  "add the contact", 0, NULL,
	  cmd__exec_contact, cmd__done_user, CMD_S_PEOPLE, NULL },
	{ "remove-contact", required_argument, CMD_REMOVE_CONTACT, CMD_T_PEER,
	  "remove the contact", 0, NULL,
	  cmd__exec_contact, cmd__done_user, CMD_S_PEOPLE, NULL },
	{ "import-contacts", required_argument, CMD_IMPORT_CONTACTS, CMD_T_NONE,
	  "import the contacts", 0, cmd__arg_import,
	  cmd__exec_import, NULL, CMD_S_PEOPLE,
"  --import-contacts FILE  which of FILE's numbers (one +number a line)\n"
"                          are on Sotto and let you find them\n" },
	{ "set-bio", required_argument, CMD_SET_BIO, CMD_T_NONE,
	  "set the bio", 0, cmd__arg_bio,
	  cmd__exec_set_bio, cmd__done_user, CMD_S_PEOPLE,
"  --set-bio TEXT          set your bio (at most 140 characters)\n" },
	{ "forward", required_argument, CMD_FORWARD, CMD_T_FROM_TO,
	  "forward the message", CMD_F_QUEUE, cmd__arg_forward,
	  cmd__exec_forward, NULL, CMD_S_PEOPLE,
"  --forward ID --from PEER -t PEER   forward message ID of the chat with\n"
"                          --from to -t\n" },

	/* ---------------------------------------------------- secret chats */
	{ "secret-start", required_argument, CMD_SECRET_START, CMD_T_PEER,
	  NULL, 0, NULL,
	  cmd__exec_secret, NULL, CMD_S_SECRET,
"  --secret-start PEER [--ttl S]   ask PEER's devices for a secret chat\n" },
	{ "secret-list", no_argument, CMD_SECRET_LIST, CMD_T_NONE,
	  NULL, 0, NULL,
	  cmd__exec_secret, NULL, CMD_S_SECRET,
"  --secret-list           list secret chats and requests\n" },
	/* With the --secret forms of a send, --history and --mark-read. */
	{ "secret-accept", required_argument, CMD_SECRET_ACCEPT, CMD_T_NONE,
	  NULL, 0, cmd__arg_secret_id,
	  cmd__exec_secret, NULL, CMD_S_SECRET,
"  --secret-accept ID | --secret-decline ID   answer a request\n"
"  -t PEER --secret -m TEXT [--ttl S]   send in the secret chat with PEER\n"
"  --history PEER --secret   show it (what is shown counts as read)\n"
"  --mark-read PEER --secret   mark it read (starts self-destruct timers)\n" },
	{ "secret-decline", required_argument, CMD_SECRET_DECLINE, CMD_T_NONE,
	  NULL, 0, cmd__arg_secret_id,
	  cmd__exec_secret, NULL, CMD_S_SECRET, NULL },
	{ "secret-ttl", required_argument, CMD_SECRET_TTL, CMD_T_PEER,
	  NULL, 0, NULL,
	  cmd__exec_secret, NULL, CMD_S_SECRET,
"  --secret-ttl PEER --ttl S   set its self-destruct timer (0: off)\n" },
	{ "secret-fingerprint", required_argument, CMD_SECRET_FINGERPRINT,
	  CMD_T_PEER, NULL, 0, NULL,
	  cmd__exec_secret, NULL, CMD_S_SECRET,
"  --secret-fingerprint PEER   show the keys' fingerprint to compare\n" },
	{ "secret-close", required_argument, CMD_SECRET_CLOSE, CMD_T_PEER,
	  NULL, 0, NULL,
	  cmd__exec_secret, NULL, CMD_S_SECRET,
"  --secret-close PEER     close it and wipe it on both sides\n" },

	/* ---------------------------------------------------- privacy */
	{ "get-privacy", no_argument, CMD_GET_PRIVACY, CMD_T_NONE,
	  "read the privacy settings", 0, NULL,
	  cmd__exec_get_privacy, NULL, CMD_S_PRIVACY,
"  --get-privacy           show every rule\n" },
	{ "set-privacy", required_argument, CMD_SET_PRIVACY, CMD_T_NONE,
	  "change the privacy setting", 0, cmd__arg_privacy_value,
	  cmd__exec_set_privacy, cmd__done_privacy, CMD_S_PRIVACY,
"  --set-privacy KEY=everybody|contacts|nobody   set a rule (its\n"
"                          exceptions stay)\n" },
	{ "privacy-allow", required_argument, CMD_PRIVACY_ALLOW, CMD_T_PEER,
	  "change the privacy setting", 0, cmd__arg_privacy_peer,
	  cmd__exec_privacy_exception, cmd__done_privacy, CMD_S_PRIVACY,
"  --privacy-allow KEY=PEER | --privacy-deny KEY=PEER\n"
"                          always (never) let PEER, whatever the rule\n" },
	{ "privacy-deny", required_argument, CMD_PRIVACY_DENY, CMD_T_PEER,
	  "change the privacy setting", 0, cmd__arg_privacy_peer,
	  cmd__exec_privacy_exception, cmd__done_privacy, CMD_S_PRIVACY,
	  NULL },
	{ "block", required_argument, CMD_BLOCK, CMD_T_PEER,
	  "block the user", 0, NULL,
	  cmd__exec_block, cmd__done_block, CMD_S_PRIVACY,
"  --block PEER | --unblock PEER | --blocked   block users, list them\n" },
	{ "unblock", required_argument, CMD_UNBLOCK, CMD_T_PEER,
	  "unblock the user", 0, NULL,
	  cmd__exec_block, cmd__done_block, CMD_S_PRIVACY, NULL },
	{ "blocked", no_argument, CMD_BLOCKED, CMD_T_NONE,
	  "list the blocked users", 0, NULL,
	  cmd__exec_blocked, NULL, CMD_S_PRIVACY, NULL },

	/* ---------------------------------------------------- data */
	/* With --user me --as, the --as form of --user. */
	{ "export-my-data", no_argument, CMD_EXPORT, CMD_T_NONE,
	  "export the account's data", 0, NULL,
	  cmd__exec_export, NULL, CMD_S_DATA,
"  --export-my-data [--output FILE]   everything the server stores about\n"
"                          the account, table by table (FILE: a new file)\n"
"  --user me --as everybody|contacts|PEER   your profile as that viewer\n"
"                          gets it from the server\n" },

	/* ---------------------------------------------------- groups */
	{ "create-group", required_argument, CMD_CREATE_GROUP, CMD_T_MEMBERS,
	  "create the group", 0, cmd__arg_title,
	  cmd__exec_create_group, cmd__done_chat, CMD_S_GROUPS,
"  --create-group TITLE --members @a,@b\n" },
	{ "add-member", required_argument, CMD_ADD_MEMBER, CMD_T_GROUP_PEER,
	  "add the member", 0, NULL,
	  cmd__exec_member, cmd__done_chat, CMD_S_GROUPS,
"  --add-member GROUP PEER | --remove-member GROUP PEER | --leave GROUP\n" },
	{ "remove-member", required_argument, CMD_REMOVE_MEMBER,
	  CMD_T_GROUP_PEER, "remove the member", 0, NULL,
	  cmd__exec_member, cmd__done_chat, CMD_S_GROUPS, NULL },
	{ "leave", required_argument, CMD_LEAVE, CMD_T_GROUP,
	  "leave the group", 0, NULL,
	  cmd__exec_leave, cmd__done_chat, CMD_S_GROUPS, NULL },
	{ "rename-group", required_argument, CMD_RENAME_GROUP, CMD_T_GROUP_TITLE,
	  "rename the group", 0, NULL,
	  cmd__exec_rename_group, cmd__done_chat, CMD_S_GROUPS,
"  --rename-group GROUP TITLE\n" },
	{ "invite-link", required_argument, CMD_INVITE_LINK, CMD_T_GROUP,
	  "make the invite link", 0, NULL,
	  cmd__exec_group_call, NULL, CMD_S_GROUPS,
"  --invite-link GROUP [--expires D] [--uses N]   make a revocable link\n"
"                          (admins; D: 90, 30m, 12h, 7d)\n" },
	{ "revoke-link", required_argument, CMD_REVOKE_LINK, CMD_T_NONE,
	  "revoke the invite link", 0, cmd__arg_link,
	  cmd__exec_group_call, NULL, CMD_S_GROUPS,
"  --revoke-link LINK | --join LINK\n" },
	{ "join", required_argument, CMD_JOIN, CMD_T_NONE,
	  "join", 0, cmd__arg_link,
	  cmd__exec_group_call, NULL, CMD_S_GROUPS, NULL },
	{ "set-group", required_argument, CMD_SET_GROUP, CMD_T_GROUP_SETTING,
	  "change the group", 0, NULL,
	  cmd__exec_group_call, NULL, CMD_S_GROUPS,
"  --set-group GROUP hide_members=on|off   show plain members only the\n"
"                          admins and themselves (admins)\n" },
	{ "report", required_argument, CMD_REPORT, CMD_T_PEER,
	  "report the user", 0, NULL,
	  cmd__exec_group_call, NULL, CMD_S_GROUPS,
"  --report PEER [--reason spam|abuse|fake|other] [--message ID]\n"
"                          report a user (or, with GROUP, the sender of\n"
"                          message ID) to the server's operator\n" },

	/* ---------------------------------------------------- sessions */
	{ "sessions", no_argument, CMD_SESSIONS, CMD_T_NONE,
	  "list the sessions", CMD_F_ACCOUNT, NULL,
	  cmd__exec_sessions, NULL, CMD_S_SESSIONS,
"  --sessions              list the account's devices (sessions)\n" },
	{ "terminate-session", required_argument, CMD_TERMINATE_SESSION,
	  CMD_T_NONE, "end the session", CMD_F_ACCOUNT, cmd__arg_terminate,
	  cmd__exec_sessions, NULL, CMD_S_SESSIONS,
"  --terminate-session ID|others   log device ID (or every other device)\n"
"                          out at once\n" },
	{ "set-session-ttl", required_argument, CMD_SET_SESSION_TTL, CMD_T_NONE,
	  "set the session TTL", CMD_F_ACCOUNT, cmd__arg_session_ttl,
	  cmd__exec_sessions, NULL, CMD_S_SESSIONS,
"  --set-session-ttl 1w|1m|3m|6m|1y   end devices inactive for longer\n"
"                          (default 6m)\n" },
};

const size_t cmd__table_n = sizeof(cmd__table) / sizeof(cmd__table[0]);

const struct cmd_entry *
cmd__entry(enum cmd_action a)
{
	size_t i;

	for (i = 0; i < cmd__table_n; i++)
		if (cmd__table[i].action == a)
			return &cmd__table[i];
	return NULL;
}

/* ------------------------------------------------------------ --help */

static const char *const cmd_sections[CMD_S_N] = {
	[CMD_S_ACCOUNT] = "account actions:\n",
	[CMD_S_MESSAGES] = "messages (PEER: @username, +phone, me, or a chat id):\n",
	[CMD_S_PEOPLE] = "people:\n",
	[CMD_S_SECRET] = "secret chats (end-to-end encrypted, bound to one "
	    "device on each side):\n",
	[CMD_S_PRIVACY] = "privacy (kept and enforced by the server; KEY: "
	    "phone_number,\n"
	    "  phone_discovery, last_seen, bio, forwards, group_invites, "
	    "messages,\n"
	    "  secret_chats):\n",
	[CMD_S_DATA] = "what the server keeps (doc/DATA.md):\n",
	[CMD_S_GROUPS] = "groups (GROUP: a chat id):\n",
	[CMD_S_SESSIONS] = "sessions (the account's devices):\n",
};

/* The options that go with any action, and what follows them. */
static const char cmd_help_common[] =
"common options:\n"
"  --profile NAME          profile (one device) to use (default: default)\n"
"  --server HOST[:PORT]    server address (default 127.0.0.1:7433);\n"
"                          remembered by the profile once given\n"
"  --server-key HEX        the server's key (fingerprint) to insist on\n"
"  --passphrase-file FILE  read the profile's passphrase from FILE\n"
"  --password-file FILE    read the account password from FILE\n"
"  --timeout SECONDS       give up after SECONDS (default 10)\n"
"  --json                  print results as one JSON object per line\n"
"  -h, --help              show this help\n"
"  -V, --version           show the version\n"
"\n"
"Secrets are asked on the terminal with echo off, or read from the first\n"
"line of a file; never from the command line. Exit status: 0 done, 64 usage,\n"
"65 refused data, 66 unreadable file, 69 server unreachable, 75 queued in\n"
"the outbox or try again later, 77 not allowed (passphrase, password,\n"
"server key, not logged in, a privacy rule or a block). With no action,\n"
"sotto opens the terminal UI.\n";

/* Writes text's lines, each without its newline, to the sink. */
static void
cmd_help_lines(const struct cmd_sink *s, const char *text)
{
	char line[256];
	const char *nl;
	size_t n;

	for (; *text != '\0'; text = nl + 1) {
		if ((nl = strchr(text, '\n')) == NULL)
			nl = text + strlen(text);
		n = (size_t)(nl - text);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, text, n);
		line[n] = '\0';
		s->out(s->ud, line);
		if (*nl == '\0')
			break;
	}
}

void
cmd_help(const struct cmd_sink *s)
{
	size_t i;
	int sec;

	cmd_help_lines(s, "usage: sotto [common options] ACTION\n\n");
	for (sec = 0; sec < CMD_S_N; sec++) {
		cmd_help_lines(s, cmd_sections[sec]);
		for (i = 0; i < cmd__table_n; i++)
			if ((int)cmd__table[i].section == sec &&
			    cmd__table[i].help != NULL)
				cmd_help_lines(s, cmd__table[i].help);
		s->out(s->ud, "");
	}
	cmd_help_lines(s, cmd_help_common);
}
