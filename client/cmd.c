/*
 * A command goes through phases:
 *
 *   SYNC (wait for the catch-up; sends and --listen skip it) ->
 *   RESOLVE (each PEER or GROUP in turn, through cloud_resolve) ->
 *   CALL (the action's request, or the outbox for a send: WAIT_ACK) ->
 *   FLUSH (wait until the outbox is empty, so that what an earlier run
 *   queued goes out now) -> done.
 *
 * One timer bounds the whole command (--timeout); --listen has none. A
 * command is referenced by its timer and by each call or resolution in
 * flight; once it has reported its status it ignores late answers and
 * touches neither its options nor its sink again.
 */
#include "config.h"

#include "client/cmd.h"
#include "client/cmd_reset.h"
#include "client/cmd_group.h"
#include "client/fault.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/json.h"
#include "client/log.h"
#include "client/net.h"
#include "client/profile.h"
#include "client/secret.h"
#include "client/cmd_export.h"
#include "client/cmd_import.h"
#include "client/cmd_forward.h"
#include "client/cmd_presence.h"
#include "client/presence.h"
#include "client/secret_cmd.h"
#include "crypto/fp.h"
#include "crypto/sec.h"
#include "proto/err.h"
#include "proto/version.h"

#define CMD_MAX_TIMEOUT_S (7 * 24 * 3600)
#define CMD_MAX_PEERS 201		/* a group's members and one more */

/* ------------------------------------------------------------ output */

/*
 * Formats one line for fn. With clean set it is sanitised first (errors
 * quote arguments and the server's words, which may hold escapes).
 */
static void
cmd_vline(void (*fn)(void *, const char *), void *ud, const char *prefix,
    int clean, const char *fmt, va_list ap)
{
	char buf[512], *p = buf, *c = NULL;
	size_t plen = strlen(prefix);
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n + plen + 1 > sizeof(buf) &&
	    (p = malloc((size_t)n + plen + 1)) == NULL)
		return;
	memcpy(p, prefix, plen);
	vsnprintf(p + plen, (size_t)n + 1, fmt, ap);
	if (clean && (c = json_sanitize(p, plen + (size_t)n)) == NULL)
		fn(ud, "sotto: out of memory");
	else
		fn(ud, c != NULL ? c : p);
	free(c);
	if (p != buf)
		free(p);
}

void
cmd_err(const struct cmd_sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmd_vline(s->err, s->ud, "sotto: ", 1, fmt, ap);
	va_end(ap);
}

static void cmd_out(const struct cmd_sink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
cmd_out(const struct cmd_sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmd_vline(s->out, s->ud, "", 0, fmt, ap);
	va_end(ap);
}

/* Writes obj as one line and drops the reference; CMD_EX_* status. */
static int
cmd_json(const struct cmd_sink *s, json_t *obj, int failed)
{
	char *text;

	if (obj == NULL || failed) {
		json_decref(obj);
		cmd_err(s, "out of memory");
		return CMD_EX_SOFTWARE;
	}
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (text == NULL) {
		cmd_err(s, "out of memory");
		return CMD_EX_SOFTWARE;
	}
	s->out(s->ud, text);
	free(text);
	return 0;
}

static void
cmd_jset(json_t *o, const char *key, json_t *v, int *failed)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*failed = 1;
}

/* A sanitised copy of a string from the server ("" when out of memory). */
static char *
cmd_clean(const char *s)
{
	char *p;

	if ((p = json_sanitize(s, s != NULL ? strlen(s) : 0)) == NULL)
		p = calloc(1, 1);
	return p;
}

static void
cmd_format_time(char *out, size_t cap, uint64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, cap, "never");
}

/* ----------------------------------------------------------- parsing */

enum {
	OPT_REGISTER = 256,
	OPT_LOGIN,
	OPT_LOGOUT,
	OPT_WHOAMI,
	OPT_DISPLAY_NAME,
	OPT_PHONE,
	OPT_PROFILE,
	OPT_SERVER,
	OPT_SERVER_KEY,
	OPT_PASSPHRASE_FILE,
	OPT_PASSWORD_FILE,
	OPT_TIMEOUT,
	OPT_JSON,
	OPT_REPLY_TO,
	OPT_LIST_CHATS,
	OPT_HISTORY,
	OPT_LIMIT,
	OPT_LISTEN,
	OPT_MARK_READ,
	OPT_USER,
	OPT_CONTACTS,
	OPT_ADD_CONTACT,
	OPT_REMOVE_CONTACT,
	OPT_CREATE_GROUP,
	OPT_MEMBERS,
	OPT_ADD_MEMBER,
	OPT_REMOVE_MEMBER,
	OPT_LEAVE,
	OPT_RENAME_GROUP,
	OPT_EDIT,
	OPT_DELETE,
	OPT_FOR_EVERYONE,
	OPT_SECRET,
	OPT_TTL,
	OPT_SECRET_START,
	OPT_SECRET_ACCEPT,
	OPT_SECRET_DECLINE,
	OPT_SECRET_CLOSE,
	OPT_SECRET_LIST,
	OPT_SECRET_FINGERPRINT,
	OPT_SECRET_TTL,
	OPT_GET_PRIVACY,
	OPT_SET_PRIVACY,
	OPT_PRIVACY_ALLOW,
	OPT_PRIVACY_DENY,
	OPT_BLOCK,
	OPT_UNBLOCK,
	OPT_BLOCKED,
	OPT_EXPORT_MY_DATA,
	OPT_AS,
	OPT_OUTPUT,
	OPT_IMPORT_CONTACTS,
	OPT_SET_BIO,
	OPT_FORWARD,
	OPT_FROM,
	OPT_INVITE_LINK,
	OPT_EXPIRES,
	OPT_USES,
	OPT_REVOKE_LINK,
	OPT_JOIN,
	OPT_SET_GROUP,
	OPT_REPORT,
	OPT_REASON,
};

static const struct option cmd_longopts[] = {
	{ "register", required_argument, NULL, OPT_REGISTER },
	{ "login", required_argument, NULL, OPT_LOGIN },
	{ "logout", no_argument, NULL, OPT_LOGOUT },
	{ "whoami", no_argument, NULL, OPT_WHOAMI },
	{ "display-name", required_argument, NULL, OPT_DISPLAY_NAME },
	{ "phone", required_argument, NULL, OPT_PHONE },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "server-key", required_argument, NULL, OPT_SERVER_KEY },
	{ "passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "to", required_argument, NULL, 't' },
	{ "message", required_argument, NULL, 'm' },
	{ "reply-to", required_argument, NULL, OPT_REPLY_TO },
	{ "list-chats", no_argument, NULL, OPT_LIST_CHATS },
	{ "history", required_argument, NULL, OPT_HISTORY },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "listen", no_argument, NULL, OPT_LISTEN },
	{ "mark-read", required_argument, NULL, OPT_MARK_READ },
	{ "user", required_argument, NULL, OPT_USER },
	{ "contacts", no_argument, NULL, OPT_CONTACTS },
	{ "add-contact", required_argument, NULL, OPT_ADD_CONTACT },
	{ "remove-contact", required_argument, NULL, OPT_REMOVE_CONTACT },
	{ "create-group", required_argument, NULL, OPT_CREATE_GROUP },
	{ "members", required_argument, NULL, OPT_MEMBERS },
	{ "add-member", required_argument, NULL, OPT_ADD_MEMBER },
	{ "remove-member", required_argument, NULL, OPT_REMOVE_MEMBER },
	{ "leave", required_argument, NULL, OPT_LEAVE },
	{ "rename-group", required_argument, NULL, OPT_RENAME_GROUP },
	{ "edit", required_argument, NULL, OPT_EDIT },
	{ "delete", required_argument, NULL, OPT_DELETE },
	{ "for-everyone", no_argument, NULL, OPT_FOR_EVERYONE },
	{ "secret", no_argument, NULL, OPT_SECRET },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "secret-start", required_argument, NULL, OPT_SECRET_START },
	{ "secret-accept", required_argument, NULL, OPT_SECRET_ACCEPT },
	{ "secret-decline", required_argument, NULL, OPT_SECRET_DECLINE },
	{ "secret-close", required_argument, NULL, OPT_SECRET_CLOSE },
	{ "secret-list", no_argument, NULL, OPT_SECRET_LIST },
	{ "secret-fingerprint", required_argument, NULL,
	    OPT_SECRET_FINGERPRINT },
	{ "secret-ttl", required_argument, NULL, OPT_SECRET_TTL },
	{ "get-privacy", no_argument, NULL, OPT_GET_PRIVACY },
	{ "set-privacy", required_argument, NULL, OPT_SET_PRIVACY },
	{ "privacy-allow", required_argument, NULL, OPT_PRIVACY_ALLOW },
	{ "privacy-deny", required_argument, NULL, OPT_PRIVACY_DENY },
	{ "block", required_argument, NULL, OPT_BLOCK },
	{ "unblock", required_argument, NULL, OPT_UNBLOCK },
	{ "blocked", no_argument, NULL, OPT_BLOCKED },
	{ "export-my-data", no_argument, NULL, OPT_EXPORT_MY_DATA },
	{ "as", required_argument, NULL, OPT_AS },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "import-contacts", required_argument, NULL, OPT_IMPORT_CONTACTS },
	{ "set-bio", required_argument, NULL, OPT_SET_BIO },
	{ "forward", required_argument, NULL, OPT_FORWARD },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "invite-link", required_argument, NULL, OPT_INVITE_LINK },
	{ "expires", required_argument, NULL, OPT_EXPIRES },
	{ "uses", required_argument, NULL, OPT_USES },
	{ "revoke-link", required_argument, NULL, OPT_REVOKE_LINK },
	{ "join", required_argument, NULL, OPT_JOIN },
	{ "set-group", required_argument, NULL, OPT_SET_GROUP },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

int
cmd_is_chat(enum cmd_action a)
{
	return a >= CMD_SEND;
}

int
cmd_exit_code(int err)
{
	switch (err) {
	case 0:
		return CMD_EX_OK;
	case ERR_INVAL:
	case ERR_EXISTS:
	case ERR_NOT_FOUND:
	case ERR_TOO_BIG:
		return CMD_EX_DATAERR;
	case ERR_UNREACHABLE:
	case ERR_TIMEOUT:
	case ERR_CLOSED:
	case ERR_VERSION:
	case ERR_PROTO:
	case ERR_CRYPTO:
		return CMD_EX_UNAVAILABLE;
	case ERR_RATE_LIMITED:
	case ERR_AGAIN:
		return CMD_EX_TEMPFAIL;
	case ERR_BAD_PASSPHRASE:
	case ERR_AUTH:
	case ERR_NOT_AUTHED:
	case ERR_KEY_CHANGED:
	case ERR_PERM:
	case ERR_REVOKED:
		return CMD_EX_NOPERM;
	case ERR_IO:
	case ERR_DB:
	case ERR_NO_SPACE:
		return CMD_EX_IOERR;
	case ERR_DAMAGED:
		return CMD_EX_DATAERR;
	case ERR_ACCESS:
		return CMD_EX_NOINPUT;
	case ERR_READ_ONLY:
		return CMD_EX_CANTCREAT;
	default:
		/* ERR_NOMEM, ERR_INTERNAL, ERR_UNKNOWN_METHOD and the unknown. */
		return CMD_EX_SOFTWARE;
	}
}

/* Records the action; two different ones are a usage error. */
static int
cmd_set_action(struct cmd_opts *o, enum cmd_action a,
    const struct cmd_sink *s)
{
	if (o->action != CMD_NONE && o->action != a) {
		cmd_err(s, "only one action at a time (see sotto --help)");
		return CMD_EX_USAGE;
	}
	o->action = a;
	return 0;
}

static int
cmd_parse_timeout(const char *s, uint64_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v > 0) ||
	    v > CMD_MAX_TIMEOUT_S)
		return ERR_INVAL;
	*ms = (uint64_t)(v * 1000.0);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

/* A positive decimal id below 2^63. */
static int
cmd_parse_id(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL || *s < '1' || *s > '9')
		return ERR_INVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || x > INT64_MAX)
		return ERR_INVAL;
	*v = x;
	return 0;
}

/*
 * KEY=WORD of --set-privacy (WORD a value) or --privacy-allow and
 * --privacy-deny (WORD a PEER, checked with the other peers). An unknown
 * key or value is a usage error: they are words of the command line,
 * like its options.
 */
static int
cmd_parse_privacy(const char *arg, int want_value, struct cmd_opts *o,
    const struct cmd_sink *s)
{
	const char *eq = strchr(arg, '=');
	char key[32], keys[200];
	size_t n, len = 0;
	int i;

	if (eq == NULL || eq == arg || eq[1] == '\0') {
		cmd_err(s, "expected KEY=%s, not '%s'", want_value ?
		    "everybody|contacts|nobody" : "PEER", arg);
		return CMD_EX_USAGE;
	}
	n = (size_t)(eq - arg);
	if (n < sizeof(key)) {
		memcpy(key, arg, n);
		key[n] = '\0';
	}
	if (n >= sizeof(key) ||
	    (o->priv_key = cloud_privacy_key_parse(key)) < 0) {
		keys[0] = '\0';
		for (i = 0; i < CLOUD_PRIV_N; i++)
			len += (size_t)snprintf(keys + len, sizeof(keys) - len,
			    "%s%s", i ? ", " : "", cloud_privacy_key_name(i));
		cmd_err(s, "unknown privacy key '%.*s' (expected one of %s)",
		    (int)n, arg, keys);
		return CMD_EX_USAGE;
	}
	if (!want_value) {
		o->peer = eq + 1;
		return 0;
	}
	if ((o->priv_value = cloud_privacy_value_parse(eq + 1)) < 0) {
		cmd_err(s, "unknown privacy value '%s' (expected everybody, "
		    "contacts or nobody)", eq + 1);
		return CMD_EX_USAGE;
	}
	return 0;
}

/*
 * getopt_long takes any unambiguous prefix of a long option ("--password"
 * for "--password-file"), which would let a secret given on the command
 * line be mistaken for a file name. Names must be written out in full.
 */
static int
cmd_check_full_name(char **argv, int idx, const struct cmd_sink *s)
{
	const char *word, *name = cmd_longopts[idx].name;
	size_t n;

	if (optarg != NULL && optind >= 2 && optarg == argv[optind - 1])
		word = argv[optind - 2];
	else
		word = argv[optind - 1];
	if (strncmp(word, "--", 2) != 0)
		return 0;
	n = strcspn(word + 2, "=");
	if (n == strlen(name) && strncmp(word + 2, name, n) == 0)
		return 0;
	cmd_err(s, "unknown option '%.*s' (did you mean --%s? options cannot "
	    "be abbreviated)", (int)(n + 2), word, name);
	return CMD_EX_USAGE;
}

/* The options of client/cmd_group's actions; *two as in cmd_parse. */
static int
cmd_parse_group(int ch, struct cmd_opts *o, const struct cmd_sink *s,
    int *two)
{
	static const enum cmd_action acts[] = {
		[OPT_INVITE_LINK - OPT_INVITE_LINK] = CMD_INVITE_LINK,
		[OPT_REVOKE_LINK - OPT_INVITE_LINK] = CMD_REVOKE_LINK,
		[OPT_JOIN - OPT_INVITE_LINK] = CMD_JOIN,
		[OPT_SET_GROUP - OPT_INVITE_LINK] = CMD_SET_GROUP,
		[OPT_REPORT - OPT_INVITE_LINK] = CMD_REPORT,
	};
	enum cmd_action a;
	int r;

	switch (ch) {
	case OPT_EXPIRES:
		if (cmd_group_parse_duration(optarg, &o->expires) == 0)
			return 0;
		cmd_err(s, "invalid --expires '%s' (expected seconds, or a "
		    "number with s, m, h or d, at most 366 days)", optarg);
		return CMD_EX_USAGE;
	case OPT_USES:
		if (cmd_parse_id(optarg, &o->uses) == 0 &&
		    o->uses <= UINT32_MAX)
			return 0;
		cmd_err(s, "invalid --uses '%s' (expected a number above 0)",
		    optarg);
		return CMD_EX_USAGE;
	case OPT_REASON:
		if ((o->reason = cmd_group_parse_reason(optarg)) > 0)
			return 0;
		cmd_err(s, "unknown --reason '%s' (expected spam, abuse, fake "
		    "or other)", optarg);
		return CMD_EX_USAGE;
	default:
		break;
	}
	a = acts[ch - OPT_INVITE_LINK];
	if ((r = cmd_set_action(o, a, s)) != 0)
		return r;
	if (a == CMD_REVOKE_LINK || a == CMD_JOIN)
		o->link = optarg;
	else if (a == CMD_SET_GROUP)
		*two = 3;
	else if (a == CMD_INVITE_LINK)
		o->group = optarg;
	else
		o->peer = optarg;
	return 0;
}

/*
 * After the options: --report takes --message ID (not a text), and the
 * options that go with one action only.
 */
static int
cmd_parse_group_after(struct cmd_opts *o, const struct cmd_sink *s)
{
	if (o->action == CMD_REPORT) {
		if (o->message != NULL && cmd_parse_id(o->message,
		    &o->report_msg) != 0) {
			cmd_err(s, "invalid --message '%s' with --report "
			    "(expected a message id)", o->message);
			return CMD_EX_USAGE;
		}
		o->message = NULL;
		if (o->reason == 0)
			o->reason = 1;	/* spam */
	} else if (o->reason != 0) {
		cmd_err(s, "--reason goes with --report");
		return CMD_EX_USAGE;
	}
	if ((o->expires != 0 || o->uses != 0) &&
	    o->action != CMD_INVITE_LINK) {
		cmd_err(s, "--expires and --uses go with --invite-link");
		return CMD_EX_USAGE;
	}
	return 0;
}

int
cmd_parse(int argc, char **argv, struct cmd_opts *o,
    const struct cmd_sink *s)
{
	uint64_t ttl = 0;
	int ch, idx, r, two;
	char host[NET_HOST_MAX + 1], port[NET_PORT_MAX + 1];

	memset(o, 0, sizeof(*o));
	o->ttl = -1;
	o->profile = "default";
	o->timeout_ms = CMD_DEFAULT_TIMEOUT_MS;
	opterr = 0;
	optind = 0;		/* GNU: start afresh */
	for (;;) {
		idx = -1;
		two = 0;
		/* '+': no permutation, so argv[optind - 1] is the option. */
		ch = getopt_long(argc, argv, "+:hVt:m:", cmd_longopts, &idx);
		if (ch == -1)
			break;
		if (idx >= 0 && (r = cmd_check_full_name(argv, idx, s)) != 0)
			return r;
		r = 0;
		switch (ch) {
		case OPT_REGISTER:
			r = cmd_set_action(o, CMD_REGISTER, s);
			o->user = optarg;
			break;
		case OPT_LOGIN:
			r = cmd_set_action(o, CMD_LOGIN, s);
			o->user = optarg;
			break;
		case OPT_LOGOUT:
			r = cmd_set_action(o, CMD_LOGOUT, s);
			break;
		case OPT_WHOAMI:
			r = cmd_set_action(o, CMD_WHOAMI, s);
			break;
		case OPT_DISPLAY_NAME:
			o->display_name = optarg;
			break;
		case OPT_PHONE:
			o->phone = optarg;
			break;
		case OPT_PROFILE:
			if (!profile_name_valid(optarg)) {
				cmd_err(s, "invalid profile name '%s' (1 to %d "
				    "letters, digits, '.', '_' or '-', not "
				    "starting with '.')", optarg,
				    PROFILE_NAME_MAX);
				return CMD_EX_USAGE;
			}
			o->profile = optarg;
			break;
		case OPT_SERVER:
			if (net_parse_addr(optarg, host, port) != 0 ||
			    strlen(optarg) >= STORE_ADDR_MAX) {
				cmd_err(s, "invalid server address '%s' "
				    "(expected HOST[:PORT])", optarg);
				return CMD_EX_USAGE;
			}
			o->server = optarg;
			break;
		case OPT_SERVER_KEY:
			if (fp_parse_key(o->server_key, optarg) != 0) {
				cmd_err(s, "invalid --server-key: expected the "
				    "server's fingerprint, 64 hex digits");
				return CMD_EX_USAGE;
			}
			o->have_server_key = 1;
			break;
		case OPT_PASSPHRASE_FILE:
			o->passphrase_file = optarg;
			break;
		case OPT_PASSWORD_FILE:
			o->password_file = optarg;
			break;
		case OPT_TIMEOUT:
			if (cmd_parse_timeout(optarg, &o->timeout_ms) != 0) {
				cmd_err(s, "invalid --timeout '%s' (expected a "
				    "number of seconds above 0)", optarg);
				return CMD_EX_USAGE;
			}
			o->timeout_given = 1;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case 't':
			o->to = optarg;
			break;
		case 'm':
			o->message = optarg;
			break;
		case OPT_REPLY_TO:
			if (cmd_parse_id(optarg, &o->reply_to) != 0) {
				cmd_err(s, "invalid --reply-to '%s' (expected "
				    "a message id)", optarg);
				return CMD_EX_USAGE;
			}
			break;
		case OPT_LIST_CHATS:
			r = cmd_set_action(o, CMD_LIST_CHATS, s);
			break;
		case OPT_HISTORY:
			r = cmd_set_action(o, CMD_HISTORY, s);
			o->peer = optarg;
			break;
		case OPT_LIMIT:
			if (cmd_parse_id(optarg, &o->limit) != 0) {
				cmd_err(s, "invalid --limit '%s' (expected a "
				    "number above 0)", optarg);
				return CMD_EX_USAGE;
			}
			break;
		case OPT_LISTEN:
			r = cmd_set_action(o, CMD_LISTEN, s);
			break;
		case OPT_MARK_READ:
			r = cmd_set_action(o, CMD_MARK_READ, s);
			o->peer = optarg;
			break;
		case OPT_USER:
			r = cmd_set_action(o, CMD_USER, s);
			o->peer = optarg;
			break;
		case OPT_CONTACTS:
			r = cmd_set_action(o, CMD_CONTACTS, s);
			break;
		case OPT_ADD_CONTACT:
			r = cmd_set_action(o, CMD_ADD_CONTACT, s);
			o->peer = optarg;
			break;
		case OPT_REMOVE_CONTACT:
			r = cmd_set_action(o, CMD_REMOVE_CONTACT, s);
			o->peer = optarg;
			break;
		case OPT_CREATE_GROUP:
			r = cmd_set_action(o, CMD_CREATE_GROUP, s);
			o->title = optarg;
			break;
		case OPT_MEMBERS:
			o->members = optarg;
			break;
		case OPT_ADD_MEMBER:
			r = cmd_set_action(o, CMD_ADD_MEMBER, s);
			two = 1;
			break;
		case OPT_REMOVE_MEMBER:
			r = cmd_set_action(o, CMD_REMOVE_MEMBER, s);
			two = 1;
			break;
		case OPT_LEAVE:
			r = cmd_set_action(o, CMD_LEAVE, s);
			o->group = optarg;
			break;
		case OPT_RENAME_GROUP:
			r = cmd_set_action(o, CMD_RENAME_GROUP, s);
			two = 2;
			break;
		case OPT_EDIT:
			r = cmd_set_action(o, CMD_EDIT, s);
			if (r == 0 && cmd_parse_id(optarg, &o->edit_id) != 0) {
				cmd_err(s, "invalid --edit '%s' (expected a "
				    "message id)", optarg);
				return CMD_EX_USAGE;
			}
			break;
		case OPT_DELETE:
			r = cmd_set_action(o, CMD_DELETE, s);
			o->delete_ids = optarg;
			break;
		case OPT_FOR_EVERYONE:
			o->for_everyone = 1;
			break;
		case OPT_SECRET:
			o->secret = 1;
			break;
		case OPT_TTL:
			if (strcmp(optarg, "0") == 0)
				ttl = 0;
			else if (cmd_parse_id(optarg, &ttl) != 0)
				ttl = UINT64_MAX;
			if (ttl > SECRET_TTL_MAX) {
				cmd_err(s, "invalid --ttl '%s' (expected 0 to "
				    "%d seconds)", optarg, SECRET_TTL_MAX);
				return CMD_EX_USAGE;
			}
			o->ttl = (long)ttl;
			break;
		case OPT_SECRET_START:
		case OPT_SECRET_CLOSE:
		case OPT_SECRET_FINGERPRINT:
		case OPT_SECRET_TTL:
			r = cmd_set_action(o, ch == OPT_SECRET_START ?
			    CMD_SECRET_START : ch == OPT_SECRET_CLOSE ?
			    CMD_SECRET_CLOSE : ch == OPT_SECRET_TTL ?
			    CMD_SECRET_TTL : CMD_SECRET_FINGERPRINT, s);
			o->peer = optarg;
			break;
		case OPT_SECRET_ACCEPT:
		case OPT_SECRET_DECLINE:
			r = cmd_set_action(o, ch == OPT_SECRET_ACCEPT ?
			    CMD_SECRET_ACCEPT : CMD_SECRET_DECLINE, s);
			if (r == 0 && cmd_parse_id(optarg,
			    &o->secret_id) != 0) {
				cmd_err(s, "invalid secret chat id '%s'",
				    optarg);
				return CMD_EX_USAGE;
			}
			break;
		case OPT_SECRET_LIST:
			r = cmd_set_action(o, CMD_SECRET_LIST, s);
			break;
		case OPT_GET_PRIVACY:
			r = cmd_set_action(o, CMD_GET_PRIVACY, s);
			break;
		case OPT_SET_PRIVACY:
			if ((r = cmd_set_action(o, CMD_SET_PRIVACY, s)) == 0)
				r = cmd_parse_privacy(optarg, 1, o, s);
			break;
		case OPT_PRIVACY_ALLOW:
		case OPT_PRIVACY_DENY:
			if ((r = cmd_set_action(o, ch == OPT_PRIVACY_ALLOW ?
			    CMD_PRIVACY_ALLOW : CMD_PRIVACY_DENY, s)) == 0)
				r = cmd_parse_privacy(optarg, 0, o, s);
			break;
		case OPT_BLOCK:
		case OPT_UNBLOCK:
			r = cmd_set_action(o, ch == OPT_BLOCK ? CMD_BLOCK :
			    CMD_UNBLOCK, s);
			o->peer = optarg;
			break;
		case OPT_BLOCKED:
			r = cmd_set_action(o, CMD_BLOCKED, s);
			break;
		case OPT_EXPORT_MY_DATA:
			r = cmd_set_action(o, CMD_EXPORT, s);
			break;
		case OPT_AS:
			o->as = optarg;
			break;
		case OPT_OUTPUT:
			o->output = optarg;
			break;
		case OPT_IMPORT_CONTACTS:
			r = cmd_set_action(o, CMD_IMPORT_CONTACTS, s);
			o->import_file = optarg;
			break;
		case OPT_SET_BIO:
			r = cmd_set_action(o, CMD_SET_BIO, s);
			o->bio = optarg;
			break;
		case OPT_FORWARD:
			r = cmd_set_action(o, CMD_FORWARD, s);
			if (r == 0 && cmd_parse_id(optarg, &o->fwd_id) != 0) {
				cmd_err(s, "invalid --forward '%s' (expected a "
				    "message id)", optarg);
				return CMD_EX_USAGE;
			}
			break;
		case OPT_FROM:
			o->from = optarg;
			break;
		case OPT_INVITE_LINK:
		case OPT_EXPIRES:
		case OPT_USES:
		case OPT_REVOKE_LINK:
		case OPT_JOIN:
		case OPT_SET_GROUP:
		case OPT_REPORT:
		case OPT_REASON:
			r = cmd_parse_group(ch, o, s, &two);
			break;
		case 'h':
			o->help = 1;
			break;
		case 'V':
			o->version = 1;
			break;
		case ':':
			cmd_err(s, "option '%s' needs an argument",
			    argv[optind - 1]);
			return CMD_EX_USAGE;
		default:
			if (optopt != 0 && optopt < 256)
				cmd_err(s, "unknown option '-%c'", optopt);
			else
				cmd_err(s, "unknown option '%s'",
				    argv[optind - 1]);
			s->err(s->ud, "Try 'sotto --help'.");
			return CMD_EX_USAGE;
		}
		if (r != 0)
			return r;
		if (two) {
			/* GROUP PEER, or GROUP TITLE: the next word too. */
			if (optind >= argc) {
				cmd_err(s, "%s needs two arguments",
				    argv[optind - 2]);
				return CMD_EX_USAGE;
			}
			o->group = optarg;
			if (two == 3 && cmd_group_parse_setting(argv[optind],
			    &o->hide_members) != 0) {
				cmd_err(s, "unknown group setting '%s' (expected "
				    "hide_members=on or hide_members=off)",
				    argv[optind]);
				return CMD_EX_USAGE;
			}
			if (two == 3)
				optind++;
			else if (two == 2)
				o->title = argv[optind++];
			else
				o->peer = argv[optind++];
		}
	}
	if (optind < argc) {
		cmd_err(s, "unexpected argument '%s'", argv[optind]);
		return CMD_EX_USAGE;
	}
	if (o->help || o->version)
		return 0;
	if ((r = cmd_parse_group_after(o, s)) != 0)
		return r;
	if ((o->display_name != NULL || o->phone != NULL) &&
	    o->action != CMD_REGISTER) {
		cmd_err(s, "--display-name and --phone go with --register");
		return CMD_EX_USAGE;
	}
	if ((o->from != NULL || o->action == CMD_FORWARD) &&
	    (o->action != CMD_FORWARD || o->from == NULL || o->to == NULL ||
	    o->message != NULL)) {
		cmd_err(s, "--forward ID needs --from PEER and -t PEER (and "
		    "no -m)");
		return CMD_EX_USAGE;
	}
	if (o->action != CMD_FORWARD && (o->to != NULL || o->message != NULL)) {
		if (o->action == CMD_NONE)
			o->action = CMD_SEND;
		if (o->action != CMD_SEND && o->action != CMD_EDIT &&
		    o->action != CMD_DELETE) {
			cmd_err(s, "-t and -m go with a send, --edit or "
			    "--delete, not with another action");
			return CMD_EX_USAGE;
		}
		if (o->to == NULL) {
			cmd_err(s, "-m needs -t PEER to say where it goes");
			return CMD_EX_USAGE;
		}
		if (o->message == NULL && o->action != CMD_DELETE) {
			cmd_err(s, "-t needs -m TEXT (or -m - to read it from "
			    "standard input)");
			return CMD_EX_USAGE;
		}
		if (o->message != NULL && o->action == CMD_DELETE) {
			cmd_err(s, "--delete takes no -m");
			return CMD_EX_USAGE;
		}
	} else if (o->action == CMD_EDIT || o->action == CMD_DELETE) {
		cmd_err(s, "%s needs -t PEER%s", o->action == CMD_EDIT ?
		    "--edit" : "--delete", o->action == CMD_EDIT ?
		    " and -m TEXT" : "");
		return CMD_EX_USAGE;
	}
	if (o->reply_to != 0 && o->action != CMD_SEND) {
		cmd_err(s, "--reply-to goes with -t and -m");
		return CMD_EX_USAGE;
	}
	if (o->limit != 0 && o->action != CMD_HISTORY) {
		cmd_err(s, "--limit goes with --history");
		return CMD_EX_USAGE;
	}
	if ((o->members != NULL) != (o->action == CMD_CREATE_GROUP)) {
		cmd_err(s, o->members != NULL ? "--members goes with "
		    "--create-group" : "--create-group needs --members "
		    "@a,@b");
		return CMD_EX_USAGE;
	}
	if (o->for_everyone && o->action != CMD_DELETE) {
		cmd_err(s, "--for-everyone goes with --delete");
		return CMD_EX_USAGE;
	}
	if (o->secret && o->action != CMD_SEND && o->action != CMD_HISTORY &&
	    o->action != CMD_MARK_READ) {
		cmd_err(s, "--secret goes with -t PEER -m TEXT, --history or "
		    "--mark-read");
		return CMD_EX_USAGE;
	}
	if (o->secret && o->reply_to != 0) {
		cmd_err(s, "--reply-to does not go with --secret");
		return CMD_EX_USAGE;
	}
	if (o->ttl >= 0 && o->action != CMD_SECRET_START &&
	    o->action != CMD_SECRET_TTL &&
	    !(o->action == CMD_SEND && o->secret)) {
		cmd_err(s, "--ttl goes with --secret-start, --secret-ttl or "
		    "-t PEER --secret");
		return CMD_EX_USAGE;
	}
	if (o->action == CMD_SECRET_TTL && o->ttl < 0) {
		cmd_err(s, "--secret-ttl needs --ttl SECONDS");
		return CMD_EX_USAGE;
	}
	return 0;
}

static int
cmd_check_peer(const char *what, const char *p, const struct cmd_sink *s)
{
	if (cloud_peer_check(p) == 0)
		return 0;
	cmd_err(s, "invalid %s '%s': expected @username, +phone, me or a "
	    "chat id", what, p);
	return CMD_EX_DATAERR;
}

static int
cmd_check_text(const char *what, const char *text, const struct cmd_sink *s)
{
	switch (cloud_text_check(text, strlen(text))) {
	case 0:
		return 0;
	case ERR_TOO_BIG:
		cmd_err(s, "the %s is longer than %d characters", what,
		    CLOUD_TEXT_MAX);
		return CMD_EX_DATAERR;
	default:
		cmd_err(s, "the %s is %s", what, text[0] == '\0' ? "empty" :
		    "not valid UTF-8 text (or holds a NUL)");
		return CMD_EX_DATAERR;
	}
}

/* --as goes with --user me, --output with --export-my-data. */
static int
cmd_export_check(const struct cmd_opts *o, const struct cmd_sink *s)
{
	if (o->as != NULL && (o->action != CMD_USER ||
	    strcmp(o->peer, "me") != 0)) {
		cmd_err(s, "--as shows your own profile: use --user me --as "
		    "everybody|contacts|PEER");
		return CMD_EX_USAGE;
	}
	if (o->output != NULL && o->action != CMD_EXPORT) {
		cmd_err(s, "--output goes with --export-my-data");
		return CMD_EX_USAGE;
	}
	if (o->output != NULL && o->output[0] == '\0') {
		cmd_err(s, "--output needs a file name");
		return CMD_EX_USAGE;
	}
	if (cmd_export_viewer(o->as) == CMD_VIEWER_USER)
		return cmd_check_peer("viewer", o->as, s);
	return 0;
}

/* Splits a comma list into words (each checked by fn); n words at most. */
static int
cmd_split(const char *list, char **out, size_t max, size_t *n)
{
	const char *p = list, *q;
	size_t len;

	*n = 0;
	for (;;) {
		q = strchr(p, ',');
		len = q != NULL ? (size_t)(q - p) : strlen(p);
		if (len == 0 || *n == max)
			return ERR_INVAL;
		if ((out[*n] = strndup(p, len)) == NULL)
			return ERR_NOMEM;
		(*n)++;
		if (q == NULL)
			return 0;
		p = q + 1;
	}
}

static void
cmd_free_words(char **w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(w[i]);
}

int
cmd_check(const struct cmd_opts *o, const struct cmd_sink *s)
{
	char *w[CMD_MAX_PEERS];
	size_t n = 0, i;
	uint64_t id;
	int r, st = 0;

	if (o->to != NULL && (st = cmd_check_peer("peer", o->to, s)) != 0)
		return st;
	if (o->message != NULL &&
	    (st = cmd_check_text("message", o->message, s)) != 0)
		return st;
	if (o->from != NULL && (st = cmd_check_peer("peer", o->from, s)) != 0)
		return st;
	if (o->peer != NULL && (st = cmd_check_peer("peer", o->peer, s)) != 0)
		return st;
	if (o->link != NULL && cmd_group_check_link(o->link) != 0) {
		cmd_err(s, "invalid invite link '%s': expected %s and 32 hex "
		    "digits", o->link, CMD_GROUP_LINK_PREFIX);
		return CMD_EX_DATAERR;
	}
	if (o->group != NULL && cmd_parse_id(o->group, &id) != 0) {
		cmd_err(s, "invalid group '%s': expected a chat id", o->group);
		return CMD_EX_DATAERR;
	}
	if (o->title != NULL) {
		if (strlen(o->title) > CLOUD_TITLE_MAX) {
			cmd_err(s, "the title is longer than %d bytes",
			    CLOUD_TITLE_MAX);
			return CMD_EX_DATAERR;
		}
		if ((st = cmd_check_text("title", o->title, s)) != 0)
			return st;
	}
	if (o->members != NULL) {
		r = cmd_split(o->members, w, CMD_MAX_PEERS - 1, &n);
		if (r != 0) {
			cmd_err(s, "invalid --members '%s': expected @a,@b "
			    "(at most %d)", o->members, CMD_MAX_PEERS - 1);
			st = CMD_EX_DATAERR;
		}
		for (i = 0; st == 0 && i < n; i++)
			st = cmd_check_peer("member", w[i], s);
		cmd_free_words(w, n);
		if (st != 0)
			return st;
	}
	if ((st = cmd_export_check(o, s)) != 0)
		return st;
	if (o->delete_ids != NULL) {
		r = cmd_split(o->delete_ids, w, CMD_MAX_IDS, &n);
		for (i = 0; r == 0 && i < n; i++)
			r = cmd_parse_id(w[i], &id);
		cmd_free_words(w, n);
		if (r != 0) {
			cmd_err(s, "invalid --delete '%s': expected message "
			    "ids ID[,ID...] (at most %d)", o->delete_ids,
			    CMD_MAX_IDS);
			return CMD_EX_DATAERR;
		}
	}
	if (o->action == CMD_IMPORT_CONTACTS)
		return cmd_import_check(o, s);
	return 0;
}

/* ------------------------------------------------------------ running */

/* How long a send waits for the first connection attempt's outcome. */
#define CMD_CONNECT_WAIT_MS 1000

enum cmd_phase {
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

struct cmd {
	struct cloud *c;
	const struct cmd_opts *o;
	const struct cmd_sink *s;
	char server[STORE_ADDR_MAX];
	cmd_done_fn *done;
	void *ud;
	uv_timer_t timer;
	uv_timer_t wait;		/* PH_CONNECT's bound */
	unsigned refs;
	enum cmd_phase phase;
	int status;
	int subscribed;
	int finished;			/* status decided */
	int reported;			/* done() has run */

	char *peers[CMD_MAX_PEERS];
	size_t n_peers, next_peer;
	struct cloud_peer res[CMD_MAX_PEERS];

	unsigned retry_after;		/* of the last ERR_RATE_LIMITED */
	uint64_t rid;			/* our queued message */
	int queued;			/* this run wrote to an outbox */
	char deferred[256];		/* why the server put it off, if it did */
	uint64_t ids[CMD_MAX_IDS];
	size_t n_ids;
};

static void cmd_finish(struct cmd *k, int status);

static void
cmd_unref(struct cmd *k)
{
	size_t i;

	if (--k->refs > 0)
		return;
	for (i = 0; i < k->n_peers; i++)
		free(k->peers[i]);
	free(k);
}

static void
cmd_timer_closed(uv_handle_t *h)
{
	cmd_unref(h->data);
}

static void cmd_on_event(void *ud, const struct cloud_event *ev);
static uint64_t cmd_unsent(struct cmd *k, uint64_t *secret);

/*
 * Every way out after this run's message went into an outbox is 75
 * "queued" while the message is still there (doc/CLI.md): a script that
 * sees any other failure may send again without making a duplicate. The
 * secret outbox is asked as a whole: its entries are not named by run.
 */
static int
cmd_still_queued(struct cmd *k, int status)
{
	uint64_t secret = 0;
	int queued = 1;

	if (!k->queued || status == CMD_EX_OK || status == CMD_EX_TEMPFAIL)
		return status;
	if (k->rid != 0)
		(void)cloud_outbox_has(k->c, k->rid, &queued);
	else
		queued = cmd_unsent(k, &secret) > 0 && secret > 0;
	if (!queued)
		return status;
	cmd_err(k->s, "the message is queued in the outbox; it goes out "
	    "with the next command of this profile");
	return CMD_EX_TEMPFAIL;
}

/* Reports the status once, on a fresh loop turn. */
static void
cmd_report_cb(uv_timer_t *t)
{
	struct cmd *k = t->data;

	if (k->reported)
		return;
	k->reported = 1;
	if (k->subscribed) {
		cloud_unsubscribe(k->c, cmd_on_event, k);
		k->subscribed = 0;
	}
	if (k->o->action == CMD_LISTEN)
		secret_cmd_unlisten(k->c);
	k->status = cmd_still_queued(k, k->status);
	uv_close((uv_handle_t *)&k->timer, cmd_timer_closed);
	uv_close((uv_handle_t *)&k->wait, cmd_timer_closed);
	k->done(k->ud, k->status);
}

static void
cmd_final(struct cmd *k)
{
	k->phase = PH_DONE;
	uv_timer_stop(&k->timer);
	uv_timer_start(&k->timer, cmd_report_cb, 0, 0);
}

/* ---------------------------------------------------- names and objects */

/* "me", "@username", or "user ID" for a user id. */
static void
cmd_user_label(struct cmd *k, uint64_t id, char *out, size_t cap)
{
	struct store_user u;
	char *name;

	if (id != 0 && id == cloud_self(k->c)) {
		snprintf(out, cap, "me");
		return;
	}
	if (cloud_get_user(k->c, id, &u) == 0) {
		name = cmd_clean(u.username);
		if (name[0] != '\0')
			snprintf(out, cap, "@%s", name);
		else
			snprintf(out, cap, "user %llu", (unsigned long long)id);
		free(name);
		store_user_free(&u);
		return;
	}
	snprintf(out, cap, "user %llu", (unsigned long long)id);
}

/* "@username" of a user (also for oneself), or NULL when unknown. */
static json_t *
cmd_json_username(struct cmd *k, uint64_t id)
{
	struct store_user u;
	json_t *j = NULL;
	char *name, *at;

	if (cloud_get_user(k->c, id, &u) != 0)
		return json_null();
	name = cmd_clean(u.username);
	if (name[0] != '\0' && (at = malloc(strlen(name) + 2)) != NULL) {
		at[0] = '@';
		strcpy(at + 1, name);
		j = json_string(at);
		free(at);
	} else
		j = json_null();
	free(name);
	store_user_free(&u);
	return j;
}

static const char *
cmd_action_word(int action)
{
	switch (action) {
	case 1:
		return "created";
	case 2:
		return "added";
	case 3:
		return "removed";
	case 4:
		return "left";
	case 5:
		return "renamed";
	case 6:
		return "changed";
	case 7:
		return "joined";
	default:
		return "other";
	}
}

static const char *
cmd_kind_word(int kind)
{
	switch (kind) {
	case STORE_CHAT_SAVED:
		return "saved";
	case STORE_CHAT_PRIVATE:
		return "private";
	case STORE_CHAT_GROUP:
		return "group";
	default:
		return "unknown";
	}
}

/* The peer of a chat as the user would type it, or a group's title. */
static void
cmd_chat_label(struct cmd *k, const struct store_chat *ch, char *out,
    size_t cap)
{
	char *t;

	if (ch->kind == STORE_CHAT_SAVED)
		snprintf(out, cap, "me");
	else if (ch->kind == STORE_CHAT_PRIVATE)
		cmd_user_label(k, ch->peer_id, out, cap);
	else {
		t = cmd_clean(ch->title);
		snprintf(out, cap, "%s", t);
		free(t);
	}
}

/* Prints message m; type is "message" or "edited". chat may be NULL. */
static int
cmd_print_message(struct cmd *k, const struct store_message *m,
    const struct store_chat *chat, const char *type, int with_chat)
{
	struct store_chat own;
	const struct store_chat *ch = chat;
	json_t *o;
	char from[80], when[32], label[300], au[80], fwd[400], *text;
	int failed = 0, out, have_chat = 0, read = 0;

	if (ch == NULL && cloud_get_chat(k->c, m->chat_id, &own) == 0) {
		ch = &own;
		have_chat = 1;
	}
	out = m->sender_id == cloud_self(k->c);
	if (out && ch != NULL)
		read = ch->read_outbox_max_id >= m->id ||
		    ch->kind == STORE_CHAT_SAVED;
	cmd_user_label(k, m->sender_id, from, sizeof(from));
	if (k->o->json) {
		if ((o = json_object()) == NULL)
			failed = 1;
		else {
			cmd_jset(o, "type", json_string(type), &failed);
			cmd_jset(o, "chat_id", json_u64(m->chat_id), &failed);
			cmd_jset(o, "id", json_u64(m->id), &failed);
			cmd_jset(o, "from", out ? json_string("me") :
			    cmd_json_username(k, m->sender_id), &failed);
			cmd_jset(o, "from_id", json_u64(m->sender_id),
			    &failed);
			cmd_jset(o, "out", json_boolean(out), &failed);
			cmd_jset(o, "text", json_text_ml(m->text), &failed);
			cmd_jset(o, "date", json_u64(m->date), &failed);
			cmd_jset(o, "reply_to", json_u64(m->reply_to),
			    &failed);
			cmd_jset(o, "edit_date", json_u64(m->edit_date),
			    &failed);
			if (m->action != 0) {
				cmd_jset(o, "action", json_string(
				    cmd_action_word(m->action)), &failed);
				cmd_jset(o, "action_user", m->action_user_id ?
				    cmd_json_username(k, m->action_user_id) :
				    json_null(), &failed);
				cmd_jset(o, "action_user_id",
				    json_u64(m->action_user_id), &failed);
			}
			if (out)
				cmd_jset(o, "read", json_boolean(read),
				    &failed);
			cmd_forward_json(k->c, m, o, &failed);
		}
		if (have_chat)
			store_chat_free(&own);
		return cmd_json(k->s, o, failed);
	}
	cmd_format_time(when, sizeof(when), m->date);
	label[0] = '\0';
	if (with_chat && ch != NULL)
		cmd_chat_label(k, ch, label, sizeof(label));
	text = json_sanitize_text(m->text, m->text != NULL ?
	    strlen(m->text) : 0);
	if (m->action != 0) {
		au[0] = '\0';
		if (m->action_user_id != 0)
			cmd_user_label(k, m->action_user_id, au, sizeof(au));
		cmd_out(k->s, "%s%s[%s] #%llu %s %s%s%s%s%s", label,
		    label[0] ? " " : "", when,
		    (unsigned long long)m->id, from,
		    cmd_action_word(m->action), au[0] ? " " : "", au,
		    m->action == 1 || m->action == 5 || m->action == 6 ?
		    ": " : "",
		    m->action == 1 || m->action == 5 || m->action == 6 ?
		    (text != NULL ? text : "") : "");
	} else {
		cmd_forward_text(k->c, m, fwd, sizeof(fwd));
		cmd_out(k->s, "%s%s[%s] #%llu %s%s%s%s%s: %s", label,
		    label[0] ? " " : "", when, (unsigned long long)m->id,
		    from, fwd, m->reply_to ? " (reply)" : "",
		    m->edit_date ? " (edited)" : "",
		    out ? (read ? " (read)" : "") : "",
		    text != NULL ? text : "");
	}
	free(text);
	if (have_chat)
		store_chat_free(&own);
	return 0;
}

struct cmd_members {
	struct cmd *k;
	json_t *members, *admins;
	int failed;
	char *text;
	size_t len;
};

static int
cmd_member_cb(void *ud, const struct store_member *m)
{
	struct cmd_members *cm = ud;
	char label[80];
	size_t n;
	char *p;

	if (cm->members != NULL) {
		if (json_array_append_new(cm->members,
		    cmd_json_username(cm->k, m->user_id)) != 0)
			cm->failed = 1;
		if (m->admin && json_array_append_new(cm->admins,
		    cmd_json_username(cm->k, m->user_id)) != 0)
			cm->failed = 1;
		return 0;
	}
	cmd_user_label(cm->k, m->user_id, label, sizeof(label));
	n = strlen(label) + (m->admin ? 8 : 0) + 3;
	if ((p = realloc(cm->text, cm->len + n)) == NULL)
		return 0;
	cm->text = p;
	cm->len += (size_t)snprintf(p + cm->len, n, "%s%s%s",
	    cm->len ? ", " : "", label, m->admin ? " (admin)" : "");
	return 0;
}

static int
cmd_print_chat(struct cmd *k, const struct store_chat *ch)
{
	struct cmd_members cm;
	json_t *o;
	char label[300], *title;
	int failed = 0;

	cmd_chat_label(k, ch, label, sizeof(label));
	memset(&cm, 0, sizeof(cm));
	cm.k = k;
	if (k->o->json) {
		if ((o = json_object()) == NULL)
			return cmd_json(k->s, NULL, 1);
		cmd_jset(o, "type", json_string("chat"), &failed);
		cmd_jset(o, "id", json_u64(ch->id), &failed);
		cmd_jset(o, "kind", json_string(cmd_kind_word(ch->kind)),
		    &failed);
		if (ch->kind == STORE_CHAT_GROUP)
			cmd_jset(o, "peer", json_text(ch->title), &failed);
		else
			cmd_jset(o, "peer", json_string(label), &failed);
		if (ch->kind == STORE_CHAT_PRIVATE) {
			struct store_user u;

			if (cloud_get_user(k->c, ch->peer_id, &u) == 0) {
				cmd_jset(o, "title", json_text(
				    u.display_name), &failed);
				store_user_free(&u);
			} else
				cmd_jset(o, "title", json_string(""),
				    &failed);
		} else if (ch->kind == STORE_CHAT_SAVED)
			cmd_jset(o, "title", json_string("Saved Messages"),
			    &failed);
		else
			cmd_jset(o, "title", json_text(ch->title), &failed);
		cmd_jset(o, "unread", json_u64(ch->unread), &failed);
		cmd_jset(o, "last_message_id", json_u64(ch->last_message_id),
		    &failed);
		cmd_jset(o, "last_date", json_u64(ch->last_date), &failed);
		if (ch->kind == STORE_CHAT_GROUP) {
			cm.members = json_array();
			cm.admins = json_array();
			if (cm.members == NULL || cm.admins == NULL)
				failed = 1;
			else
				(void)cloud_list_members(k->c, ch->id,
				    cmd_member_cb, &cm);
			cmd_jset(o, "members", cm.members, &failed);
			cmd_jset(o, "admins", cm.admins, &failed);
			cmd_jset(o, "creator_id", json_u64(ch->creator_id),
			    &failed);
			cmd_jset(o, "left", json_boolean(ch->left), &failed);
			failed |= cm.failed;
		}
		return cmd_json(k->s, o, failed);
	}
	title = cmd_clean(ch->title);
	if (ch->kind == STORE_CHAT_GROUP) {
		(void)cloud_list_members(k->c, ch->id, cmd_member_cb, &cm);
		cmd_out(k->s, "%llu  group  %s  %llu unread%s  members: %s",
		    (unsigned long long)ch->id, title,
		    (unsigned long long)ch->unread, ch->left ? " (left)" : "",
		    cm.text != NULL ? cm.text : "-");
		free(cm.text);
	} else
		cmd_out(k->s, "%llu  %s  %s  %llu unread",
		    (unsigned long long)ch->id, cmd_kind_word(ch->kind), label,
		    (unsigned long long)ch->unread);
	free(title);
	return 0;
}

static int
cmd_print_user(struct cmd *k, const struct store_user *u)
{
	json_t *o;
	char *s1, *s2, *s3;
	int failed = 0;

	if (k->o->json) {
		if ((o = json_object()) == NULL)
			return cmd_json(k->s, NULL, 1);
		cmd_jset(o, "type", json_string("user"), &failed);
		cmd_jset(o, "id", json_u64(u->id), &failed);
		cmd_jset(o, "username", json_text(u->username), &failed);
		cmd_jset(o, "display_name", json_text(u->display_name),
		    &failed);
		cmd_jset(o, "phone", json_text(u->phone), &failed);
		cmd_jset(o, "contact", json_boolean(u->contact), &failed);
		if (k->o->action == CMD_USER || k->o->action == CMD_SET_BIO)
			cmd_presence_json(k->c, u->id, o, &failed);
		return cmd_json(k->s, o, failed);
	}
	s1 = cmd_clean(u->username);
	s2 = cmd_clean(u->display_name);
	s3 = cmd_clean(u->phone);
	cmd_out(k->s, "%llu  @%s  %s  %s%s", (unsigned long long)u->id, s1,
	    s2[0] ? s2 : "-", s3[0] ? s3 : "-", u->contact ? "  (contact)" :
	    "");
	free(s1);
	free(s2);
	free(s3);
	if (k->o->action == CMD_USER || k->o->action == CMD_SET_BIO)
		cmd_presence_lines(k->c, u->id, k->s);
	return 0;
}

/* A list of user ids as "@a, @b" (text) or ["@a", "@b"] (JSON). */
static char *
cmd_user_list(struct cmd *k, const uint64_t *ids, size_t n)
{
	char label[80], *p = NULL, *np;
	size_t len = 0, i, m;

	for (i = 0; i < n; i++) {
		cmd_user_label(k, ids[i], label, sizeof(label));
		m = strlen(label) + 3;
		if ((np = realloc(p, len + m)) == NULL)
			break;
		p = np;
		len += (size_t)snprintf(p + len, m, "%s%s", i ? ", " : "",
		    label);
	}
	return p;
}

static json_t *
cmd_json_users(struct cmd *k, const uint64_t *ids, size_t n, int names,
    int *failed)
{
	json_t *a;
	size_t i;

	if ((a = json_array()) == NULL) {
		*failed = 1;
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, names ? cmd_json_username(k,
		    ids[i]) : json_u64(ids[i])) != 0)
			*failed = 1;
	return a;
}

/* One privacy rule: a line of text, or a "privacy" object. */
static int
cmd_print_rule(struct cmd *k, const struct cloud_privacy_rule *r)
{
	json_t *o;
	char *allow, *deny;
	int failed = 0;

	if (k->o->json) {
		if ((o = json_object()) == NULL)
			return cmd_json(k->s, NULL, 1);
		cmd_jset(o, "type", json_string("privacy"), &failed);
		cmd_jset(o, "key", json_string(cloud_privacy_key_name(
		    r->key)), &failed);
		cmd_jset(o, "value", json_string(cloud_privacy_value_name(
		    r->value)), &failed);
		cmd_jset(o, "allow", cmd_json_users(k, r->allow, r->n_allow,
		    1, &failed), &failed);
		cmd_jset(o, "allow_ids", cmd_json_users(k, r->allow,
		    r->n_allow, 0, &failed), &failed);
		cmd_jset(o, "deny", cmd_json_users(k, r->deny, r->n_deny, 1,
		    &failed), &failed);
		cmd_jset(o, "deny_ids", cmd_json_users(k, r->deny, r->n_deny,
		    0, &failed), &failed);
		return cmd_json(k->s, o, failed);
	}
	allow = cmd_user_list(k, r->allow, r->n_allow);
	deny = cmd_user_list(k, r->deny, r->n_deny);
	cmd_out(k->s, "%-16s %s%s%s%s%s", cloud_privacy_key_name(r->key),
	    cloud_privacy_value_name(r->value),
	    allow != NULL ? "  always: " : "", allow != NULL ? allow : "",
	    deny != NULL ? "  never: " : "", deny != NULL ? deny : "");
	free(allow);
	free(deny);
	return 0;
}

/* A block or an unblock of user_id: a line, or a "block" object. */
static int
cmd_print_block(struct cmd *k, uint64_t user_id, int blocked)
{
	struct store_user u;
	json_t *o;
	char label[80];
	int failed = 0, have;

	if (k->o->json) {
		if ((o = json_object()) == NULL)
			return cmd_json(k->s, NULL, 1);
		have = cloud_get_user(k->c, user_id, &u) == 0;
		cmd_jset(o, "type", json_string("block"), &failed);
		cmd_jset(o, "id", json_u64(user_id), &failed);
		cmd_jset(o, "username", have ? json_text(u.username) :
		    json_null(), &failed);
		cmd_jset(o, "blocked", json_boolean(blocked), &failed);
		if (have)
			store_user_free(&u);
		return cmd_json(k->s, o, failed);
	}
	cmd_user_label(k, user_id, label, sizeof(label));
	cmd_out(k->s, "%s %s", blocked ? "blocked" : "unblocked", label);
	return 0;
}

/* ------------------------------------------------------------ errors */

static const char *
cmd_action_name(enum cmd_action a)
{
	switch (a) {
	case CMD_REGISTER:
		return "register";
	case CMD_LOGIN:
		return "log in";
	case CMD_LOGOUT:
		return "log out";
	case CMD_WHOAMI:
		return "ask who this is";
	case CMD_SEND:
		return "send";
	case CMD_EDIT:
		return "edit";
	case CMD_DELETE:
		return "delete";
	case CMD_MARK_READ:
		return "mark read";
	case CMD_ADD_CONTACT:
		return "add the contact";
	case CMD_REMOVE_CONTACT:
		return "remove the contact";
	case CMD_CREATE_GROUP:
		return "create the group";
	case CMD_ADD_MEMBER:
		return "add the member";
	case CMD_REMOVE_MEMBER:
		return "remove the member";
	case CMD_LEAVE:
		return "leave the group";
	case CMD_RENAME_GROUP:
		return "rename the group";
	case CMD_GET_PRIVACY:
		return "read the privacy settings";
	case CMD_SET_PRIVACY:
	case CMD_PRIVACY_ALLOW:
	case CMD_PRIVACY_DENY:
		return "change the privacy setting";
	case CMD_BLOCK:
		return "block the user";
	case CMD_UNBLOCK:
		return "unblock the user";
	case CMD_BLOCKED:
		return "list the blocked users";
	case CMD_EXPORT:
		return "export the account's data";
	case CMD_IMPORT_CONTACTS:
		return "import the contacts";
	case CMD_SET_BIO:
		return "set the bio";
	case CMD_FORWARD:
		return "forward the message";
	case CMD_INVITE_LINK:
		return "make the invite link";
	case CMD_REVOKE_LINK:
		return "revoke the invite link";
	case CMD_JOIN:
		return "join";
	case CMD_SET_GROUP:
		return "change the group";
	case CMD_REPORT:
		return "report the user";
	default:
		return "act";
	}
}

static void
cmd_key_lines(struct cmd *k, const char *l1, const uint8_t *k1,
    const char *l2, const uint8_t *k2)
{
	char f1[FP_KEY_TEXT_LEN], f2[FP_KEY_TEXT_LEN];

	fp_format_key(f1, k1);
	fp_format_key(f2, k2);
	cmd_err(k->s, "%s %s", l1, f1);
	cmd_err(k->s, "%s %s", l2, f2);
}

static void
cmd_report_key(struct cmd *k)
{
	uint8_t want[NOISE_KEY_LEN], got[NOISE_KEY_LEN];

	if (engine_key_mismatch(cloud_engine(k->c), want, got) != 0) {
		cmd_err(k->s, "the server's key is not the expected one");
		return;
	}
	if (k->o->have_server_key) {
		cmd_err(k->s, "the server at %s offered a key other than the "
		    "one given with --server-key; refusing to connect",
		    k->server);
		cmd_key_lines(k, "expected key:", want, "server key:  ", got);
	} else {
		cmd_err(k->s, "the server at %s offered a key other than the "
		    "one pinned for this profile; refusing to connect",
		    k->server);
		cmd_key_lines(k, "pinned key:", want, "server key:", got);
		cmd_err(k->s, "someone may be impersonating the server; if "
		    "its key was changed on purpose, check the new "
		    "fingerprint with its operator (sottod --fingerprint) and "
		    "use a new profile");
	}
}

/* Says why the action failed; returns the exit status. */
static int
cmd_report(struct cmd *k, int err, const char *why)
{
	const struct engine_welcome *w = engine_welcome(cloud_engine(k->c));
	const char *m = why != NULL ? why : "";
	const char *what = cmd_action_name(k->o->action);
	const char *reason;
	char fault[1024];
	int st;

	if ((st = fault_describe(err, cloud_store_path(k->c), fault,
	    sizeof(fault))) != 0) {
		cmd_err(k->s, "cannot %s: %s", what, fault);
		return st;
	}
	switch (err) {
	case ERR_AUTH:
		cmd_err(k->s, "wrong username or password");
		if (w->received && w->unknown)
			cmd_reset_login_failed(k->s);
		break;
	case ERR_NOT_AUTHED:
		if (w->received && w->unknown)
			return cmd_reset_unknown(k->s, w,
			    k->phase == PH_WAIT_ACK);
		if (w->received && !w->authenticated)
			cmd_err(k->s, "the server no longer knows this device, "
			    "so this profile is logged out; use --login USER");
		else
			cmd_err(k->s, "this profile is not logged in; use "
			    "--login USER");
		break;
	case ERR_REVOKED:
		cmd_err(k->s, "this device was logged out by its account: %s",
		    w->revoked_reason[0] != '\0' ? w->revoked_reason :
		    err_str(err));
		break;
	case ERR_KEY_CHANGED:
		cmd_report_key(k);
		break;
	case ERR_RATE_LIMITED:
		/* Cloud calls carry the wait in why (client/cloud.c). */
		if (k->retry_after > 0)
			cmd_err(k->s, "too many attempts; try again in %u "
			    "seconds", k->retry_after);
		else if (*m != '\0')
			cmd_err(k->s, "cannot %s: %s", what, m);
		else
			cmd_err(k->s, "too many attempts; try again later");
		break;
	case ERR_EXISTS:
		if (k->o->action == CMD_REGISTER && (*m == '\0' ||
		    strstr(m, "taken") != NULL))
			cmd_err(k->s, "cannot register %s: the username is "
			    "taken", k->o->user);
		else if (k->o->action == CMD_REGISTER)
			cmd_err(k->s, "cannot register %s: %s (already "
			    "exists)", k->o->user, m);
		else
			cmd_err(k->s, "cannot %s: %s", what, *m ? m :
			    err_str(err));
		break;
	case ERR_INVAL:
		cmd_err(k->s, "cannot %s: %s", what, *m ? m : "the server "
		    "refused the data given");
		break;
	case ERR_UNREACHABLE:
		reason = engine_last_down_reason(cloud_engine(k->c));
		cmd_err(k->s, "cannot reach the server at %s (%s)", k->server,
		    reason != NULL ? reason : "no answer");
		break;
	case ERR_TIMEOUT:
		cmd_err(k->s, "the server at %s did not answer in time",
		    k->server);
		break;
	case ERR_CLOSED:
		cmd_err(k->s, "the connection to the server at %s was lost "
		    "before it answered", k->server);
		break;
	case ERR_VERSION:
		cmd_err(k->s, "the server at %s speaks another protocol "
		    "version (this client speaks version %u)", k->server,
		    SOTTO_PROTO_VERSION);
		break;
	default:
		cmd_err(k->s, "cannot %s: %s%s%s%s", what, err_str(err),
		    *m ? " (" : "", m, *m ? ")" : "");
		break;
	}
	return cmd_exit_code(err);
}

/* ERR_TIMEOUT, or ERR_UNREACHABLE when no connection ever came up. */
static int
cmd_late(struct cmd *k)
{
	return engine_was_ready(cloud_engine(k->c)) ? ERR_TIMEOUT :
	    ERR_UNREACHABLE;
}

/* ------------------------------------------------------------ phases */

/* Messages of both outboxes (cloud, secret) not yet acknowledged. */
static uint64_t
cmd_unsent(struct cmd *k, uint64_t *secret)
{
	uint64_t n = 0, m = 0;

	if (cloud_outbox_count(k->c, &n) != 0)
		n = 0;
	if (secret_outbox_count(cloud_secret(k->c), &m) != 0)
		m = 0;
	if (secret != NULL)
		*secret = m;
	return n + m;
}

static void
cmd_secret_flushed(void *ud, int err, const char *why, uint64_t id)
{
	struct cmd *k = ud;

	(void)err;
	(void)why;
	(void)id;
	if (k->phase == PH_FLUSH && cmd_unsent(k, NULL) == 0)
		cmd_final(k);
	cmd_unref(k);
}

/* The action's status is known; wait for the outboxes, then report. */
static void
cmd_finish(struct cmd *k, int status)
{
	uint64_t secret = 0;

	if (k->finished)
		return;
	k->finished = 1;
	k->status = status;
	if (k->o->action != CMD_REGISTER && k->o->action != CMD_LOGIN &&
	    k->o->action != CMD_LOGOUT &&
	    engine_state(cloud_engine(k->c)) == ENGINE_READY &&
	    cmd_unsent(k, &secret) > 0 &&
	    uv_is_active((uv_handle_t *)&k->timer)) {
		k->phase = PH_FLUSH;
		/* The cloud outbox says CLOUD_EV_OUTBOX_EMPTY; this one: */
		if (secret > 0) {
			k->refs++;
			if (secret_when_flushed(cloud_secret(k->c),
			    cmd_secret_flushed, k) != 0)
				k->refs--;
		}
		return;
	}
	cmd_final(k);
}

static uint64_t
cmd_left_ms(struct cmd *k)
{
	uint64_t due = uv_timer_get_due_in(&k->timer);

	return due > 0 ? due : 1;
}

static void cmd_act(struct cmd *k);

static void
cmd_peer_error(struct cmd *k, const char *peer, int err, const char *why)
{
	int queued_not = k->o->action == CMD_SEND;

	switch (err) {
	case ERR_NOT_FOUND:
		if (peer[0] == '@')
			cmd_err(k->s, "there is no user %s", peer);
		else if (peer[0] == '+')
			cmd_err(k->s, "there is no user with the phone number "
			    "%s (or they do not show it)", peer);
		else
			cmd_err(k->s, "you are not in chat %s (or it does not "
			    "exist)", peer);
		cmd_finish(k, CMD_EX_DATAERR);
		return;
	case ERR_PERM:
		cmd_err(k->s, "you are no longer a member of chat %s", peer);
		cmd_finish(k, CMD_EX_DATAERR);
		return;
	case ERR_NOT_AUTHED:
		cmd_finish(k, cmd_report(k, err, why));
		return;
	default:
		if (queued_not && (err == ERR_TIMEOUT ||
		    err == ERR_UNREACHABLE || err == ERR_CLOSED)) {
			cmd_report(k, err, why);
			cmd_err(k->s, "%s is not known on this device and the "
			    "server could not be asked; nothing was queued",
			    peer);
			cmd_finish(k, CMD_EX_UNAVAILABLE);
			return;
		}
		cmd_finish(k, cmd_report(k, err, why));
	}
}

static void
cmd_on_peer(void *ud, int err, const char *why, const struct cloud_peer *p)
{
	struct cmd *k = ud;

	/*
	 * A group this account has left can no longer be written to, but
	 * its history up to the departure is still this account's to read.
	 */
	if (err == ERR_PERM && p != NULL && k->o->action == CMD_HISTORY)
		err = 0;
	if (!k->finished) {
		if (err != 0)
			cmd_peer_error(k, k->peers[k->next_peer], err, why);
		else {
			k->res[k->next_peer++] = *p;
			if (k->next_peer < k->n_peers) {
				k->refs++;
				if ((err = cloud_resolve(k->c,
				    k->peers[k->next_peer],
				    k->o->action == CMD_USER, cmd_left_ms(k),
				    cmd_on_peer, k)) != 0) {
					k->refs--;
					cmd_finish(k, cmd_report(k, err, NULL));
				}
			} else
				cmd_act(k);
		}
	}
	cmd_unref(k);
}

static void
cmd_resolve(struct cmd *k)
{
	int r;

	k->phase = PH_RESOLVE;
	if (k->n_peers == 0) {
		cmd_act(k);
		return;
	}
	k->refs++;
	if ((r = cloud_resolve(k->c, k->peers[0], k->o->action == CMD_USER,
	    cmd_left_ms(k), cmd_on_peer, k)) != 0) {
		k->refs--;
		cmd_finish(k, cmd_report(k, r, NULL));
	}
}

static int
cmd_history_cb(void *ud, const struct store_message *m)
{
	struct cmd *k = ud;

	return cmd_print_message(k, m, NULL, "message", 0);
}

static int
cmd_chat_cb(void *ud, const struct store_chat *ch)
{
	return cmd_print_chat(ud, ch);
}

static int
cmd_user_cb(void *ud, const struct store_user *u)
{
	return cmd_print_user(ud, u);
}

/* Prints chat id (after a group call or a read). */
static int
cmd_show_chat(struct cmd *k, uint64_t id)
{
	struct store_chat ch;
	int r;

	if ((r = cloud_get_chat(k->c, id, &ch)) != 0)
		return cmd_report(k, r, NULL);
	r = cmd_print_chat(k, &ch);
	store_chat_free(&ch);
	return r;
}

static int
cmd_show_user(struct cmd *k, uint64_t id)
{
	struct store_user u;
	int r;

	if ((r = cloud_get_user(k->c, id, &u)) != 0) {
		if (r == ERR_NOT_FOUND && id == cloud_self(k->c)) {
			memset(&u, 0, sizeof(u));
			u.id = id;
			return cmd_print_user(k, &u);
		}
		return cmd_report(k, r, NULL);
	}
	r = cmd_print_user(k, &u);
	store_user_free(&u);
	return r;
}

/* GetPrivacy answered: every rule, or the one just changed. */
static void
cmd_on_privacy(void *ud, int err, const char *why,
    const struct cloud_privacy_rule *rules, size_t n)
{
	struct cmd *k = ud;
	size_t i;
	int st = 0;

	if (!k->finished && err != 0)
		cmd_finish(k, cmd_report(k, err, why));
	for (i = 0; !k->finished && i < n && st == 0; i++)
		if (k->o->action == CMD_GET_PRIVACY ||
		    rules[i].key == k->o->priv_key)
			st = cmd_print_rule(k, &rules[i]);
	if (!k->finished)
		cmd_finish(k, st);
	cmd_unref(k);
}

static void
cmd_on_blocked(void *ud, int err, const char *why,
    const struct store_user *users, size_t n)
{
	struct cmd *k = ud;
	size_t i;
	int st = 0;

	if (!k->finished && err != 0)
		cmd_finish(k, cmd_report(k, err, why));
	for (i = 0; !k->finished && i < n && st == 0; i++)
		st = cmd_print_user(k, &users[i]);
	if (!k->finished)
		cmd_finish(k, st);
	cmd_unref(k);
}

static void
cmd_on_done(void *ud, int err, const char *why, uint64_t id)
{
	struct cmd *k = ud;
	struct store_message m;
	json_t *o, *a;
	size_t i;
	int st = 0, failed = 0;

	if (k->finished) {
		cmd_unref(k);
		return;
	}
	if (err != 0) {
		cmd_finish(k, cmd_report(k, err, why));
		cmd_unref(k);
		return;
	}
	switch (k->o->action) {
	case CMD_EDIT:
		if ((st = cloud_get_message(k->c, k->res[0].chat_id, id,
		    &m)) == 0) {
			st = cmd_print_message(k, &m, NULL, "message", 0);
			store_message_free(&m);
		} else
			st = 0;
		break;
	case CMD_DELETE:
		if (k->o->json) {
			o = json_object();
			a = json_array();
			if (o == NULL || a == NULL)
				failed = 1;
			for (i = 0; a != NULL && i < k->n_ids; i++)
				if (json_array_append_new(a,
				    json_u64(k->ids[i])) != 0)
					failed = 1;
			if (o != NULL) {
				cmd_jset(o, "type", json_string("deleted"),
				    &failed);
				cmd_jset(o, "chat_id",
				    json_u64(k->res[0].chat_id), &failed);
				cmd_jset(o, "ids", a, &failed);
				cmd_jset(o, "for_everyone",
				    json_boolean(k->o->for_everyone), &failed);
			} else
				json_decref(a);
			st = cmd_json(k->s, o, failed);
		} else
			cmd_out(k->s, "deleted %zu message%s%s", k->n_ids,
			    k->n_ids == 1 ? "" : "s", k->o->for_everyone ?
			    " for everyone" : "");
		break;
	case CMD_MARK_READ:
		if (k->o->json) {
			if ((o = json_object()) != NULL) {
				cmd_jset(o, "type", json_string("read"),
				    &failed);
				cmd_jset(o, "chat_id",
				    json_u64(k->res[0].chat_id), &failed);
				cmd_jset(o, "max_id", json_u64(id), &failed);
				cmd_jset(o, "reader", json_string("me"),
				    &failed);
			}
			st = cmd_json(k->s, o, failed);
		} else
			cmd_out(k->s, "chat %llu read up to message %llu",
			    (unsigned long long)k->res[0].chat_id,
			    (unsigned long long)id);
		break;
	case CMD_CONTACTS:
		if ((st = cloud_list_contacts(k->c, cmd_user_cb, k)) < 0)
			st = cmd_report(k, st, NULL);
		break;
	case CMD_ADD_CONTACT:
	case CMD_REMOVE_CONTACT:
	case CMD_USER:
	case CMD_SET_BIO:
		st = cmd_show_user(k, id != 0 ? id : k->res[0].user_id);
		break;
	case CMD_SET_PRIVACY:
	case CMD_PRIVACY_ALLOW:
	case CMD_PRIVACY_DENY:
		/* Show the rule as the server now has it. */
		k->refs++;
		if ((st = cloud_get_privacy(k->c, cmd_left_ms(k),
		    cmd_on_privacy, k)) == 0) {
			cmd_unref(k);
			return;
		}
		k->refs--;
		st = cmd_report(k, st, NULL);
		break;
	case CMD_BLOCK:
	case CMD_UNBLOCK:
		st = cmd_print_block(k, k->res[0].user_id,
		    k->o->action == CMD_BLOCK);
		break;
	default:		/* the group calls */
		st = cmd_show_chat(k, id);
		break;
	}
	cmd_finish(k, st);
	cmd_unref(k);
}

/* Checks that resolved peer i is a group. */
static int
cmd_need_group(struct cmd *k, size_t i)
{
	if (k->res[i].kind == STORE_CHAT_GROUP && k->res[i].chat_id != 0)
		return 0;
	cmd_err(k->s, "chat %s is not a group", k->peers[i]);
	cmd_finish(k, CMD_EX_DATAERR);
	return -1;
}

/* Checks that resolved peer i is not this account; why says otherwise. */
static int
cmd_need_other(struct cmd *k, size_t i, const char *why)
{
	if (k->res[i].user_id != cloud_self(k->c))
		return 0;
	cmd_err(k->s, "%s", why);
	cmd_finish(k, CMD_EX_DATAERR);
	return -1;
}

/* Checks that resolved peer i is a user. */
static int
cmd_need_user(struct cmd *k, size_t i)
{
	if (k->res[i].user_id != 0 && k->res[i].kind != STORE_CHAT_GROUP)
		return 0;
	cmd_err(k->s, "%s is a group, not a user", k->peers[i]);
	cmd_finish(k, CMD_EX_DATAERR);
	return -1;
}

static int
cmd_need_chat(struct cmd *k, size_t i)
{
	if (k->res[i].chat_id != 0)
		return 0;
	cmd_err(k->s, "there is no chat with %s yet", k->peers[i]);
	cmd_finish(k, CMD_EX_DATAERR);
	return -1;
}

static int
cmd_secret_alive(void *ud)
{
	return !((struct cmd *)ud)->finished;
}

/* The secret message is stored: a timeout now means "queued" (75). */
static void
cmd_secret_queued(void *ud)
{
	struct cmd *k = ud;

	k->queued = 1;
	if (!k->finished)
		k->phase = PH_WAIT_ACK;
}

static void
cmd_secret_done(void *ud, int status)
{
	struct cmd *k = ud;

	if (!k->finished)
		cmd_finish(k, status);
	cmd_unref(k);
}

/* --import-contacts: client/cmd_import carries it out. */
static void
cmd_import_run(struct cmd *k)
{
	static const struct cmd_import_ops ops = {
		cmd_secret_alive, cmd_secret_done
	};
	int r;

	k->refs++;
	if ((r = cmd_import_act(k->c, k->o, k->s, cmd_left_ms(k), &ops,
	    k)) != 0) {
		k->refs--;
		cmd_finish(k, cmd_report(k, r, NULL));
	}
}

/* A secret-chat action: client/secret_cmd carries it out. */
static void
cmd_secret_act(struct cmd *k)
{
	static const struct secret_cmd_ops ops = {
		cmd_secret_alive, cmd_secret_done, cmd_secret_queued
	};
	int r;

	if (k->n_peers > 0 && cmd_need_user(k, 0) != 0)
		return;
	k->refs++;
	if ((r = secret_cmd_act(k->c, k->o, k->s, k->n_peers > 0 ?
	    &k->res[0] : NULL, cmd_left_ms(k), &ops, k)) != 0) {
		k->refs--;
		if (r == ERR_INVAL && k->n_peers > 0) {
			cmd_err(k->s, "a secret chat needs another user, not "
			    "%s", k->peers[0]);
			cmd_finish(k, CMD_EX_DATAERR);
		} else
			cmd_finish(k, cmd_report(k, r, NULL));
	}
}

static uint64_t
cmd_export_left(void *ud)
{
	return cmd_left_ms(ud);
}

static void
cmd_export_done(void *ud, int err, const char *why, int status)
{
	struct cmd *k = ud;
	char *clean;

	if (!k->finished) {
		if (err != 0) {
			clean = why != NULL ? cmd_clean(why) : NULL;
			status = cmd_report(k, err, clean);
			free(clean);
		}
		cmd_finish(k, status);
	}
	cmd_unref(k);
}

static int
cmd_group_alive(void *ud)
{
	return !((struct cmd *)ud)->finished;
}

static void
cmd_group_done(void *ud, int err, const char *why, uint32_t retry,
    uint64_t chat_id)
{
	struct cmd *k = ud;

	if (!k->finished) {
		k->retry_after = retry;
		if (err != 0)
			cmd_finish(k, cmd_report(k, err, why));
		else
			cmd_finish(k, chat_id != 0 ? cmd_show_chat(k, chat_id) :
			    0);
	}
	cmd_unref(k);
}

/* --export-my-data, --user me --as: client/cmd_export carries them out. */
static void
cmd_export_act(struct cmd *k)
{
	static const struct cmd_export_ops ops = {
		cmd_secret_alive, cmd_export_left, cmd_export_done
	};
	enum cmd_viewer v = cmd_export_viewer(k->o->as);
	struct engine *e = cloud_engine(k->c);
	int r;

	if (v == CMD_VIEWER_USER && cmd_need_user(k, 1) != 0)
		return;
	k->refs++;
	if (k->o->action == CMD_EXPORT)
		r = cmd_export_run(e, k->s, k->o->json, &ops, k);
	else
		r = cmd_export_profile_as(e, k->s, k->o->json, v,
		    v == CMD_VIEWER_USER ? k->res[1].user_id : 0, k->o->as,
		    &ops, k);
	if (r != 0) {
		k->refs--;
		cmd_finish(k, cmd_report(k, r, NULL));
	}
}

/* An invite-link, settings or report action: client/cmd_group. */
static void
cmd_group_run(struct cmd *k)
{
	static const struct cmd_group_ops ops = {
		cmd_group_alive, cmd_group_done
	};
	const char *why = NULL;
	int r;

	if ((k->o->action == CMD_INVITE_LINK ||
	    k->o->action == CMD_SET_GROUP) && cmd_need_group(k, 0) != 0)
		return;
	if (k->o->action == CMD_REPORT && k->res[0].kind != STORE_CHAT_GROUP &&
	    (cmd_need_user(k, 0) != 0 || cmd_need_other(k, 0,
	    "you cannot report yourself") != 0))
		return;
	k->refs++;
	if ((r = cmd_group_act(k->c, k->o, k->s, k->n_peers > 0 ?
	    &k->res[0] : NULL, cmd_left_ms(k), &ops, k, &why)) != 0) {
		k->refs--;
		cmd_finish(k, cmd_report(k, r, why));
	}
}

/* Every PEER is resolved: carry the action out. */
static void
cmd_act(struct cmd *k)
{
	const struct cmd_opts *o = k->o;
	uint64_t limit, ids[CMD_MAX_PEERS];
	size_t i;
	int r = 0, st;

	k->phase = PH_CALL;
	if (secret_cmd_is_secret(o)) {
		cmd_secret_act(k);
		return;
	}
	if (o->action == CMD_EXPORT || o->as != NULL) {
		cmd_export_act(k);
		return;
	}
	if (cmd_group_is_group(o->action)) {
		cmd_group_run(k);
		return;
	}
	switch (o->action) {
	case CMD_SEND:
		r = cloud_send(k->c, &k->res[0], o->message, o->reply_to,
		    &k->rid);
		if (r != 0) {
			k->rid = 0;
			cmd_finish(k, cmd_report(k, r, NULL));
			return;
		}
		k->queued = 1;
		k->phase = PH_WAIT_ACK;
		/*
		 * A server that never heard of this device keeps it queued
		 * until the device is bound again (75, cmd_reset.h).
		 */
		if (engine_state(cloud_engine(k->c)) == ENGINE_READY &&
		    !engine_welcome(cloud_engine(k->c))->authenticated)
			cmd_finish(k, cmd_report(k, ERR_NOT_AUTHED, NULL));
		return;
	case CMD_LIST_CHATS:
		st = cloud_list_chats(k->c, cmd_chat_cb, k);
		cmd_finish(k, st < 0 ? cmd_report(k, st, NULL) : st);
		return;
	case CMD_HISTORY:
		limit = o->limit ? o->limit : CMD_DEFAULT_LIMIT;
		st = 0;
		if (k->res[0].chat_id != 0)
			st = cloud_history(k->c, k->res[0].chat_id, limit,
			    cmd_history_cb, k);
		cmd_finish(k, st < 0 ? cmd_report(k, st, NULL) : st);
		return;
	case CMD_USER:
		if (cmd_need_user(k, 0) != 0)
			return;
		/* Last seen and bio as the server shows them now. */
		r = cloud_user_fetch(k->c, k->res[0].user_id, cmd_left_ms(k),
		    cmd_on_done, k);
		break;
	case CMD_MARK_READ:
		if (cmd_need_chat(k, 0) != 0)
			return;
		r = cloud_mark_read(k->c, k->res[0].chat_id, 0, cmd_left_ms(k),
		    cmd_on_done, k);
		break;
	case CMD_CONTACTS:
		r = cloud_refresh_contacts(k->c, cmd_left_ms(k), cmd_on_done,
		    k);
		break;
	case CMD_ADD_CONTACT:
	case CMD_REMOVE_CONTACT:
		if (cmd_need_user(k, 0) != 0)
			return;
		r = (o->action == CMD_ADD_CONTACT ? cloud_add_contact :
		    cloud_remove_contact)(k->c, k->res[0].user_id,
		    cmd_left_ms(k), cmd_on_done, k);
		break;
	case CMD_CREATE_GROUP:
		for (i = 0; i < k->n_peers; i++) {
			if (cmd_need_user(k, i) != 0)
				return;
			ids[i] = k->res[i].user_id;
		}
		r = cloud_create_group(k->c, o->title, ids, k->n_peers,
		    cmd_left_ms(k), cmd_on_done, k);
		break;
	case CMD_ADD_MEMBER:
	case CMD_REMOVE_MEMBER:
		if (cmd_need_group(k, 0) != 0 || cmd_need_user(k, 1) != 0)
			return;
		r = (o->action == CMD_ADD_MEMBER ? cloud_add_member :
		    cloud_remove_member)(k->c, k->res[0].chat_id,
		    k->res[1].user_id, cmd_left_ms(k), cmd_on_done, k);
		break;
	case CMD_LEAVE:
		if (cmd_need_group(k, 0) != 0)
			return;
		r = cloud_leave(k->c, k->res[0].chat_id, cmd_left_ms(k),
		    cmd_on_done, k);
		break;
	case CMD_RENAME_GROUP:
		if (cmd_need_group(k, 0) != 0)
			return;
		r = cloud_rename(k->c, k->res[0].chat_id, o->title,
		    cmd_left_ms(k), cmd_on_done, k);
		break;
	case CMD_EDIT:
		if (cmd_need_chat(k, 0) != 0)
			return;
		r = cloud_edit(k->c, k->res[0].chat_id, o->edit_id, o->message,
		    cmd_left_ms(k), cmd_on_done, k);
		break;
	case CMD_DELETE:
		if (cmd_need_chat(k, 0) != 0)
			return;
		r = cloud_delete(k->c, k->res[0].chat_id, k->ids, k->n_ids,
		    o->for_everyone, cmd_left_ms(k), cmd_on_done, k);
		break;
	case CMD_GET_PRIVACY:
		r = cloud_get_privacy(k->c, cmd_left_ms(k), cmd_on_privacy, k);
		break;
	case CMD_SET_PRIVACY:
		r = cloud_set_privacy_value(k->c, o->priv_key, o->priv_value,
		    cmd_left_ms(k), cmd_on_done, k);
		break;
	case CMD_PRIVACY_ALLOW:
	case CMD_PRIVACY_DENY:
		if (cmd_need_user(k, 0) != 0 || cmd_need_other(k, 0,
		    "your own privacy rules always allow you") != 0)
			return;
		r = cloud_privacy_exception(k->c, o->priv_key,
		    k->res[0].user_id, o->action == CMD_PRIVACY_ALLOW ?
		    CLOUD_PRIV_EXC_ALLOW : CLOUD_PRIV_EXC_DENY, cmd_left_ms(k),
		    cmd_on_done, k);
		break;
	case CMD_BLOCK:
	case CMD_UNBLOCK:
		if (cmd_need_user(k, 0) != 0 || cmd_need_other(k, 0,
		    "you cannot block yourself") != 0)
			return;
		r = cloud_block(k->c, k->res[0].user_id, o->action == CMD_BLOCK,
		    cmd_left_ms(k), cmd_on_done, k);
		break;
	case CMD_BLOCKED:
		r = cloud_get_blocked(k->c, cmd_left_ms(k), cmd_on_blocked, k);
		break;
	case CMD_IMPORT_CONTACTS:
		cmd_import_run(k);
		return;
	case CMD_SET_BIO:
		r = cloud_set_bio(k->c, o->bio, cmd_left_ms(k), cmd_on_done, k);
		break;
	case CMD_FORWARD:
		if (cmd_need_chat(k, 0) != 0)
			return;
		if ((r = cloud_forward(k->c, k->res[0].chat_id, o->fwd_id,
		    &k->res[1], &k->rid)) != 0) {
			if (r == ERR_NOT_FOUND)
				cmd_err(k->s, "no message #%llu in the chat "
				    "with %s", (unsigned long long)o->fwd_id,
				    k->peers[0]);
			k->rid = 0;
			cmd_finish(k, r == ERR_NOT_FOUND ? CMD_EX_DATAERR :
			    cmd_report(k, r, NULL));
			return;
		}
		k->queued = 1;
		k->phase = PH_WAIT_ACK;
		return;
	default:
		cmd_finish(k, CMD_EX_SOFTWARE);
		return;
	}
	if (r != 0) {
		cmd_finish(k, cmd_report(k, r, NULL));
		return;
	}
	k->refs++;		/* for cmd_on_done */
}

/* ------------------------------------------------------------ events */

static void
cmd_listen_event(struct cmd *k, const struct cloud_event *ev)
{
	json_t *o, *a;
	char who[80];
	size_t i;
	int failed = 0;

	switch (ev->kind) {
	case CLOUD_EV_MESSAGE:
		(void)cmd_print_message(k, ev->msg, NULL, "message", 1);
		return;
	case CLOUD_EV_PRESENCE:
		cmd_presence_event(k->c, k->o, k->s, ev);
		return;
	case CLOUD_EV_EDITED:
		(void)cmd_print_message(k, ev->msg, NULL, "edited", 1);
		return;
	case CLOUD_EV_CHAT:
		if (k->o->json)
			(void)cmd_show_chat(k, ev->chat->id);
		return;
	default:
		break;
	}
	if (ev->kind == CLOUD_EV_DELETED) {
		if (!k->o->json) {
			cmd_out(k->s, "chat %llu: %zu message%s deleted",
			    (unsigned long long)ev->chat_id, ev->n_ids,
			    ev->n_ids == 1 ? "" : "s");
			return;
		}
		o = json_object();
		a = json_array();
		for (i = 0; a != NULL && i < ev->n_ids; i++)
			if (json_array_append_new(a, json_u64(ev->ids[i])) != 0)
				failed = 1;
		if (o == NULL || a == NULL) {
			json_decref(a);
			(void)cmd_json(k->s, o, 1);
			return;
		}
		cmd_jset(o, "type", json_string("deleted"), &failed);
		cmd_jset(o, "chat_id", json_u64(ev->chat_id), &failed);
		cmd_jset(o, "ids", a, &failed);
		cmd_jset(o, "for_everyone", json_boolean(ev->for_everyone),
		    &failed);
		(void)cmd_json(k->s, o, failed);
		return;
	}
	if (ev->kind == CLOUD_EV_READ_INBOX || ev->kind == CLOUD_EV_READ_OUTBOX ||
	    ev->kind == CLOUD_EV_TYPING) {
		cmd_user_label(k, ev->user_id, who, sizeof(who));
		if (!k->o->json) {
			if (ev->kind == CLOUD_EV_TYPING)
				cmd_out(k->s, "chat %llu: %s is typing",
				    (unsigned long long)ev->chat_id, who);
			else
				cmd_out(k->s, "chat %llu: read by %s up to "
				    "#%llu", (unsigned long long)ev->chat_id,
				    who, (unsigned long long)ev->max_id);
			return;
		}
		if ((o = json_object()) == NULL) {
			(void)cmd_json(k->s, NULL, 1);
			return;
		}
		cmd_jset(o, "type", json_string(ev->kind == CLOUD_EV_TYPING ?
		    "typing" : "read"), &failed);
		cmd_jset(o, "chat_id", json_u64(ev->chat_id), &failed);
		if (ev->kind != CLOUD_EV_TYPING)
			cmd_jset(o, "max_id", json_u64(ev->max_id), &failed);
		cmd_jset(o, ev->kind == CLOUD_EV_TYPING ? "user" : "reader",
		    ev->user_id == cloud_self(k->c) ? json_string("me") :
		    cmd_json_username(k, ev->user_id), &failed);
		cmd_jset(o, "user_id", json_u64(ev->user_id), &failed);
		(void)cmd_json(k->s, o, failed);
		return;
	}
	if (ev->kind == CLOUD_EV_PRIVACY && ev->privacy != NULL) {
		(void)cmd_print_rule(k, ev->privacy);
		return;
	}
	if (ev->kind == CLOUD_EV_BLOCKED) {
		(void)cmd_print_block(k, ev->user_id, ev->added);
		return;
	}
	if (ev->kind == CLOUD_EV_CONTACT && k->o->json) {
		if ((o = json_object()) == NULL) {
			(void)cmd_json(k->s, NULL, 1);
			return;
		}
		cmd_jset(o, "type", json_string("contact"), &failed);
		cmd_jset(o, "id", json_u64(ev->user->id), &failed);
		cmd_jset(o, "username", json_text(ev->user->username),
		    &failed);
		cmd_jset(o, "added", json_boolean(ev->added), &failed);
		(void)cmd_json(k->s, o, failed);
	}
}

static void
cmd_on_event(void *ud, const struct cloud_event *ev)
{
	struct cmd *k = ud;
	struct store_chat ch;
	int st;

	if (k->reported)
		return;
	switch (ev->kind) {
	case CLOUD_EV_STATE:
		if (ev->state == ENGINE_STOPPED && k->phase != PH_LISTEN &&
		    !k->finished)
			cmd_finish(k, cmd_report(k, ev->err, NULL));
		else if (ev->state == ENGINE_STOPPED && k->phase == PH_LISTEN)
			cmd_finish(k, cmd_report(k, ev->err, NULL));
		else if (ev->state == ENGINE_READY && !k->finished &&
		    !engine_welcome(cloud_engine(k->c))->authenticated &&
		    !(k->phase == PH_CONNECT &&
		    engine_welcome(cloud_engine(k->c))->unknown))
			/* Not bound here: nothing to do (cmd_reset.h). */
			cmd_finish(k, cmd_report(k, ERR_NOT_AUTHED, NULL));
		else if (ev->state == ENGINE_READY &&
		    engine_welcome(cloud_engine(k->c))->behind)
			cmd_reset_behind(k->s, engine_welcome(cloud_engine(k->c)));
		if (k->phase == PH_CONNECT && !k->finished &&
		    (ev->state == ENGINE_READY || ev->err != 0))
			cmd_resolve(k);	/* trusted, or unreachable: queue */
		return;
	case CLOUD_EV_SYNCED:
		if (k->phase == PH_SYNC)
			cmd_resolve(k);
		return;
	case CLOUD_EV_SENT:
		k->deferred[0] = '\0';	/* the server takes messages again */
		if (k->phase == PH_WAIT_ACK && ev->random_id == k->rid) {
			k->phase = PH_CALL;
			st = 0;
			if (k->o->json)
				st = cmd_print_message(k, ev->msg, NULL,
				    "message", 0);
			else if (cloud_get_chat(k->c, ev->msg->chat_id,
			    &ch) == 0) {
				char label[300];

				cmd_chat_label(k, &ch, label, sizeof(label));
				cmd_out(k->s, "sent to %s: message #%llu in "
				    "chat %llu", label,
				    (unsigned long long)ev->msg->id,
				    (unsigned long long)ch.id);
				store_chat_free(&ch);
			}
			cmd_finish(k, st);
		}
		return;
	case CLOUD_EV_REFUSED:
		if (k->phase == PH_WAIT_ACK && ev->random_id == k->rid) {
			k->phase = PH_CALL;
			cmd_err(k->s, "the server refused the message: %s",
			    ev->why[0] ? ev->why : err_str(ev->err));
			cmd_finish(k, ev->err == ERR_PERM ? CMD_EX_NOPERM :
			    CMD_EX_DATAERR);
		} else if (k->phase != PH_LISTEN)
			cmd_err(k->s, "a message queued earlier was refused by "
			    "the server and dropped: %s", ev->why[0] ?
			    ev->why : err_str(ev->err));
		return;
	case CLOUD_EV_OUTBOX_EMPTY:
		if (k->phase == PH_FLUSH && cmd_unsent(k, NULL) == 0)
			cmd_final(k);
		return;
	case CLOUD_EV_DEFERRED:
		/* The outbox is held up; ours waits in it or behind it. */
		if (k->phase == PH_WAIT_ACK)
			snprintf(k->deferred, sizeof(k->deferred), "%s",
			    ev->why[0] != '\0' ? ev->why : err_str(ev->err));
		return;
	case CLOUD_EV_UNRECORDED:
		if (k->phase == PH_WAIT_ACK && ev->random_id == k->rid) {
			k->phase = PH_CALL;
			(void)cmd_report(k, ev->err, NULL);
			cmd_err(k->s, "the server has the message, but it "
			    "stays in the outbox until it can be recorded here; "
			    "the next command of this profile records it "
			    "without sending it twice");
			cmd_finish(k, CMD_EX_TEMPFAIL);
		}
		return;
	default:
		break;
	}
	if (k->phase == PH_LISTEN)
		cmd_listen_event(k, ev);
}

static void
cmd_timeout(uv_timer_t *t)
{
	struct cmd *k = t->data;
	uint64_t n = 0;

	switch (k->phase) {
	case PH_WAIT_ACK:
		k->phase = PH_CALL;
		if (k->deferred[0] != '\0')
			cmd_err(k->s, "the server at %s could not store "
			    "messages: %s", k->server, k->deferred);
		else if (engine_was_ready(cloud_engine(k->c)))
			cmd_err(k->s, "the server at %s did not acknowledge "
			    "the message in time", k->server);
		else
			cmd_report(k, ERR_UNREACHABLE, NULL);
		cmd_err(k->s, "the message is queued in the outbox; it goes "
		    "out with the next command of this profile");
		cmd_finish(k, CMD_EX_TEMPFAIL);
		return;
	case PH_FLUSH:
		if ((n = cmd_unsent(k, NULL)) > 0)
			cmd_err(k->s, "%llu message%s still queued in the "
			    "outbox", (unsigned long long)n, n == 1 ? " is" :
			    "s are");
		cmd_final(k);
		return;
	case PH_DONE:
	case PH_LISTEN:
		return;
	default:
		cmd_finish(k, cmd_report(k, cmd_late(k), NULL));
		return;
	}
}

/* ----------------------------------------------------- account actions */

static json_t *
cmd_json_account(const Sotto__Account *a, uint64_t device_id, int *failed)
{
	json_t *o;

	if ((o = json_object()) == NULL) {
		*failed = 1;
		return NULL;
	}
	cmd_jset(o, "user_id", json_u64(a->user_id), failed);
	cmd_jset(o, "username", json_text(a->username), failed);
	cmd_jset(o, "display_name", json_text(a->display_name), failed);
	cmd_jset(o, "phone", json_text(a->phone), failed);
	cmd_jset(o, "device_id", json_u64(device_id), failed);
	return o;
}

static int
cmd_print_auth(struct cmd *k, const Sotto__AuthResult *res)
{
	const Sotto__Account *a = res->account;
	char *user;
	int failed = 0;

	if (k->o->json)
		return cmd_json(k->s, cmd_json_account(a, res->device_id,
		    &failed), failed);
	user = cmd_clean(a->username);
	cmd_out(k->s, "%s %s (user id %llu); this device is device %llu",
	    k->o->action == CMD_REGISTER ? "registered" : "logged in as",
	    user, (unsigned long long)a->user_id,
	    (unsigned long long)res->device_id);
	free(user);
	return 0;
}

static int
cmd_print_whoami(struct cmd *k, const Sotto__WhoAmIResult *w)
{
	const Sotto__Account *a = w->account;
	const Sotto__Device *d;
	json_t *o, *devs, *jd;
	uint64_t current = engine_welcome(cloud_engine(k->c))->device_id;
	char *s1, *s2, *s3, t1[32], t2[32];
	size_t i;
	int failed = 0;

	for (i = 0; i < w->n_devices; i++)
		if (w->devices[i]->current)
			current = w->devices[i]->id;
	if (k->o->json) {
		o = cmd_json_account(a, current, &failed);
		if (o != NULL && (devs = json_array()) != NULL) {
			for (i = 0; i < w->n_devices; i++) {
				d = w->devices[i];
				if ((jd = json_object()) == NULL) {
					failed = 1;
					break;
				}
				cmd_jset(jd, "id", json_u64(d->id), &failed);
				cmd_jset(jd, "name", json_text(d->name),
				    &failed);
				cmd_jset(jd, "created", json_u64(d->created),
				    &failed);
				cmd_jset(jd, "last_seen",
				    json_u64(d->last_seen), &failed);
				cmd_jset(jd, "current",
				    json_boolean(d->current), &failed);
				if (json_array_append_new(devs, jd) != 0)
					failed = 1;
			}
			cmd_jset(o, "devices", devs, &failed);
		} else
			failed = 1;
		return cmd_json(k->s, o, failed);
	}
	s1 = cmd_clean(a->username);
	s2 = cmd_clean(a->display_name);
	s3 = cmd_clean(a->phone);
	cmd_out(k->s, "user id:       %llu", (unsigned long long)a->user_id);
	cmd_out(k->s, "username:      %s", s1);
	cmd_out(k->s, "display name:  %s", s2[0] != '\0' ? s2 : "-");
	cmd_out(k->s, "phone:         %s", s3[0] != '\0' ? s3 : "-");
	cmd_out(k->s, "devices:       %zu", w->n_devices);
	free(s1);
	free(s2);
	free(s3);
	for (i = 0; i < w->n_devices; i++) {
		d = w->devices[i];
		s1 = cmd_clean(d->name);
		cmd_format_time(t1, sizeof(t1), d->created);
		cmd_format_time(t2, sizeof(t2), d->last_seen);
		cmd_out(k->s, "  %c %llu  %s  (created %s, last seen %s)%s",
		    d->current ? '*' : '-', (unsigned long long)d->id, s1, t1,
		    t2, d->current ? "  <- this device" : "");
		free(s1);
	}
	return 0;
}

static int
cmd_print_logout(struct cmd *k, int err)
{
	int failed = 0;
	json_t *o;

	if (err == ERR_NOT_AUTHED)
		cmd_err(k->s, "the server no longer knew this device; it is "
		    "logged out here too");
	if (k->o->json) {
		if ((o = json_object()) != NULL)
			cmd_jset(o, "logged_out", json_true(), &failed);
		return cmd_json(k->s, o, failed);
	}
	cmd_out(k->s, "logged out; this profile's device key has been wiped");
	return 0;
}

/* After a login: the keys are published (or could not be; logged). */
static void
cmd_published(void *ud, int err, const char *why, uint64_t id)
{
	struct cmd *k = ud;

	(void)why;
	(void)id;
	if (err != 0)
		log_warn_err(err, "secret chats: keys not published yet");
	if (!k->finished)
		cmd_finish(k, 0);
	cmd_unref(k);
}

static void
cmd_account_reply(void *ud, int err, const Sotto__Response *resp)
{
	struct cmd *k = ud;
	const char *why = NULL;
	char *clean = NULL;
	int st;

	if (k->finished) {
		cmd_unref(k);
		return;
	}
	if (err == 0 || (k->o->action == CMD_LOGOUT &&
	    err == ERR_NOT_AUTHED)) {
		switch (k->o->action) {
		case CMD_REGISTER:
		case CMD_LOGIN:
			st = cmd_print_auth(k, resp->auth);
			/* The new device publishes its secret-chat keys. */
			if (st == 0) {
				k->refs++;
				secret_on_ready(cloud_secret(k->c));
				if (secret_when_synced(cloud_secret(k->c),
				    cmd_published, k) == 0) {
					cmd_unref(k);
					return;
				}
				k->refs--;
			}
			break;
		case CMD_WHOAMI:
			st = cmd_print_whoami(k, resp->whoami);
			break;
		default:
			st = cmd_print_logout(k, err);
			break;
		}
	} else {
		if (resp != NULL && resp->error != NULL) {
			why = clean = cmd_clean(resp->error->message);
			k->retry_after = resp->error->retry_after;
		}
		st = cmd_report(k, err, why);
		free(clean);
	}
	cmd_finish(k, st);
	cmd_unref(k);
}

/* "sotto on <hostname>", the device name shown in session lists. */
static void
cmd_device_name(char *out, size_t cap)
{
	char host[256];
	size_t i;

	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i] != '\0'; i++)
		if (host[i] <= ' ' || host[i] >= 0x7f)
			host[i] = '?';
	if (host[0] == '\0')
		snprintf(host, sizeof(host), "unknown host");
	snprintf(out, cap, "sotto on %s", host);
}

static int
cmd_start_account(struct cmd *k, const char *password)
{
	struct engine *e = cloud_engine(k->c);
	struct engine_auth a;
	char device[300];
	int r;

	memset(&a, 0, sizeof(a));
	cmd_device_name(device, sizeof(device));
	a.username = k->o->user;
	a.password = password;
	a.display_name = k->o->display_name;
	a.phone = k->o->phone;
	a.device_name = device;
	switch (k->o->action) {
	case CMD_REGISTER:
		r = engine_register(e, &a, 0, cmd_account_reply, k);
		break;
	case CMD_LOGIN:
		r = engine_login(e, &a, 0, cmd_account_reply, k);
		break;
	case CMD_LOGOUT:
		r = engine_logout(e, 0, cmd_account_reply, k);
		break;
	default:
		r = engine_whoami(e, 0, cmd_account_reply, k);
		break;
	}
	if (r == 0)
		k->refs++;
	return r;
}

/* ------------------------------------------------------------ start */

/* The first attempt is taking long (a frozen server): queue anyway. */
static void
cmd_connect_wait(uv_timer_t *t)
{
	struct cmd *k = t->data;

	if (k->phase == PH_CONNECT && !k->finished)
		cmd_resolve(k);
}

/*
 * A send writes its message to an outbox only once the first connection
 * attempt has an outcome, or after CMD_CONNECT_WAIT_MS at most (doc/CLI.md,
 * "Exit status"): a server whose key changed, or that no longer knows
 * this device, is then refused with nothing queued (77); an unreachable
 * one gets the message queued (75).
 */
static void
cmd_send_begin(struct cmd *k)
{
	const struct engine *e = cloud_engine(k->c);
	uint64_t wait = cmd_left_ms(k) / 2;

	k->phase = PH_CONNECT;
	uv_timer_start(&k->wait, cmd_connect_wait, wait < CMD_CONNECT_WAIT_MS ?
	    wait : CMD_CONNECT_WAIT_MS, 0);
	if (engine_state(e) == ENGINE_STOPPED)
		cmd_finish(k, cmd_report(k, engine_error(e), NULL));
	else if (engine_state(e) == ENGINE_READY &&
	    !engine_welcome(e)->authenticated && !engine_welcome(e)->unknown)
		cmd_finish(k, cmd_report(k, ERR_NOT_AUTHED, NULL));
	else if (engine_state(e) == ENGINE_READY || engine_last_down(e) != 0)
		cmd_resolve(k);
}

static void
cmd_begin(uv_timer_t *t)
{
	struct cmd *k = t->data;
	enum cmd_action a = k->o->action;

	if (a != CMD_LISTEN)
		uv_timer_start(&k->timer, cmd_timeout, k->o->timeout_ms, 0);
	if (a == CMD_LISTEN) {
		k->phase = PH_LISTEN;
		secret_cmd_listen(k->c, k->o, k->s);
		return;
	}
	if (a == CMD_SEND || a == CMD_FORWARD) {
		/* From the profile alone once the first attempt is known. */
		cmd_send_begin(k);
		return;
	}
	k->phase = PH_SYNC;
	if (engine_state(cloud_engine(k->c)) == ENGINE_STOPPED) {
		cmd_finish(k, cmd_report(k, engine_error(cloud_engine(k->c)),
		    NULL));
		return;
	}
	if (cloud_synced(k->c))
		cmd_resolve(k);
}

int
cmd_start(struct cmd **out, struct cloud *c, const struct cmd_opts *o,
    const char *server, const char *password, const struct cmd_sink *sink,
    cmd_done_fn *done, void *ud)
{
	struct cmd *k;
	char *w[CMD_MAX_IDS];
	size_t n = 0, i;
	int r = 0;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return ERR_NOMEM;
	k->c = c;
	k->o = o;
	k->s = sink;
	snprintf(k->server, sizeof(k->server), "%s", server);
	k->done = done;
	k->ud = ud;
	switch (o->action) {
	case CMD_SEND:
	case CMD_EDIT:
		k->peers[k->n_peers++] = strdup(o->to);
		break;
	case CMD_FORWARD:
		k->peers[k->n_peers++] = strdup(o->from);
		k->peers[k->n_peers++] = strdup(o->to);
		break;
	case CMD_DELETE:
		k->peers[k->n_peers++] = strdup(o->to);
		if (cmd_split(o->delete_ids, w, CMD_MAX_IDS, &n) != 0)
			r = ERR_INVAL;
		for (i = 0; i < n; i++) {
			if (r == 0 && cmd_parse_id(w[i], &k->ids[i]) != 0)
				r = ERR_INVAL;
			free(w[i]);
		}
		k->n_ids = n;
		break;
	case CMD_HISTORY:
	case CMD_MARK_READ:
	case CMD_USER:
	case CMD_ADD_CONTACT:
	case CMD_REMOVE_CONTACT:
	case CMD_SECRET_START:
	case CMD_SECRET_CLOSE:
	case CMD_SECRET_FINGERPRINT:
	case CMD_SECRET_TTL:
	case CMD_PRIVACY_ALLOW:
	case CMD_PRIVACY_DENY:
	case CMD_BLOCK:
	case CMD_UNBLOCK:
		k->peers[k->n_peers++] = strdup(o->peer);
		if (cmd_export_viewer(o->as) == CMD_VIEWER_USER)
			k->peers[k->n_peers++] = strdup(o->as);
		break;
	case CMD_CREATE_GROUP:
		if (cmd_split(o->members, k->peers, CMD_MAX_PEERS - 1,
		    &k->n_peers) != 0)
			r = ERR_INVAL;
		break;
	case CMD_ADD_MEMBER:
	case CMD_REMOVE_MEMBER:
		k->peers[k->n_peers++] = strdup(o->group);
		k->peers[k->n_peers++] = strdup(o->peer);
		break;
	case CMD_LEAVE:
	case CMD_RENAME_GROUP:
	case CMD_INVITE_LINK:
	case CMD_SET_GROUP:
		k->peers[k->n_peers++] = strdup(o->group);
		break;
	case CMD_REPORT:
		k->peers[k->n_peers++] = strdup(o->peer);
		break;
	default:
		break;
	}
	for (i = 0; i < k->n_peers; i++)
		if (k->peers[i] == NULL)
			r = ERR_NOMEM;
	if (r == 0 && cmd_is_chat(o->action) &&
	    (r = cloud_subscribe(c, cmd_on_event, k)) == 0)
		k->subscribed = 1;
	if (r != 0) {
		for (i = 0; i < k->n_peers; i++)
			free(k->peers[i]);
		free(k);
		return r;
	}
	k->refs = 2;		/* the timers */
	uv_timer_init(cloud_loop(c), &k->timer);
	uv_timer_init(cloud_loop(c), &k->wait);
	k->timer.data = k->wait.data = k;
	*out = k;
	if (!cmd_is_chat(o->action)) {
		k->phase = PH_CALL;
		uv_timer_start(&k->timer, cmd_timeout, o->timeout_ms, 0);
		if ((r = cmd_start_account(k, password)) != 0)
			cmd_finish(k, cmd_report(k, r, NULL));
		return 0;
	}
	uv_timer_start(&k->timer, cmd_begin, 0, 0);
	return 0;
}

void
cmd_stop(struct cmd *k, int status)
{
	if (k->reported)
		return;
	k->finished = 1;
	k->status = status;
	cmd_final(k);
}
