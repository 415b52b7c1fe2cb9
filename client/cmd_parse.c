/*
 * argv into struct cmd_opts (GNU getopt_long), and the checks of what it
 * holds. The actions' options come from cmd__table (one row an action);
 * the options that modify an action, or any action, are listed here.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "client/cmd_int.h"
#include "client/cmd_export.h"
#include "client/cmd_group.h"
#include "client/cmd_import.h"
#include "client/net.h"
#include "client/profile.h"
#include "client/secret.h"
#include "crypto/fp.h"
#include "lib/err.h"

#define CMD_MAX_TIMEOUT_S (7 * 24 * 3600)

/* ------------------------------------------------------------ options */

enum {
	OPT_DISPLAY_NAME = 256,
	OPT_PHONE,
	OPT_PROFILE,
	OPT_SERVER,
	OPT_SERVER_KEY,
	OPT_PASSPHRASE_FILE,
	OPT_PASSWORD_FILE,
	OPT_TIMEOUT,
	OPT_JSON,
	OPT_REPLY_TO,
	OPT_LIMIT,
	OPT_MEMBERS,
	OPT_FOR_EVERYONE,
	OPT_SECRET,
	OPT_TTL,
	OPT_AS,
	OPT_OUTPUT,
	OPT_FROM,
	OPT_EXPIRES,
	OPT_USES,
	OPT_REASON,
	OPT_ACTION = 1024,	/* and up: that row of cmd__table */
};

/* The options that are not actions. */
static const struct option cmd_modifiers[] = {
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
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "members", required_argument, NULL, OPT_MEMBERS },
	{ "for-everyone", no_argument, NULL, OPT_FOR_EVERYONE },
	{ "secret", no_argument, NULL, OPT_SECRET },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "as", required_argument, NULL, OPT_AS },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "expires", required_argument, NULL, OPT_EXPIRES },
	{ "uses", required_argument, NULL, OPT_USES },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define CMD_MAX_OPTIONS (CMD__TABLE_MAX + \
	sizeof(cmd_modifiers) / sizeof(cmd_modifiers[0]))

/* getopt's options: one per named row of cmd__table, then the others. */
static void
cmd_longopts(struct option *out)
{
	size_t i, n = 0;

	for (i = 0; i < cmd__table_n && i < CMD__TABLE_MAX; i++) {
		if (cmd__table[i].name == NULL)
			continue;
		out[n].name = cmd__table[i].name;
		out[n].has_arg = cmd__table[i].has_arg;
		out[n].flag = NULL;
		out[n].val = OPT_ACTION + (int)i;
		n++;
	}
	memcpy(out + n, cmd_modifiers, sizeof(cmd_modifiers));
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
int
cmd__parse_id(const char *s, uint64_t *v)
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
 * getopt_long takes any unambiguous prefix of a long option ("--password"
 * for "--password-file"), which would let a secret given on the command
 * line be mistaken for a file name. Names must be written out in full.
 */
static int
cmd_check_full_name(const struct option *opts, char **argv, int idx,
    const struct cmd_sink *s)
{
	const char *word, *name = opts[idx].name;
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

/*
 * After the options: --report takes --message ID (not a text), and the
 * options that go with one action only.
 */
static int
cmd_parse_group_after(struct cmd_opts *o, const struct cmd_sink *s)
{
	if (o->action == CMD_REPORT) {
		if (o->message != NULL && cmd__parse_id(o->message,
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

/*
 * The option of an action (row e): a second action is a usage error;
 * the argument goes where e's arg function or its target says. The
 * two-word forms (GROUP PEER, GROUP TITLE, GROUP KEY=VALUE) take the
 * next word of argv too.
 */
static int
cmd_parse_action(const struct cmd_entry *e, int argc, char **argv,
    struct cmd_opts *o, const struct cmd_sink *s)
{
	int r;

	if ((r = cmd_set_action(o, e->action, s)) != 0)
		return r;
	if (e->arg != NULL)
		return e->arg(o, optarg, s);
	switch (e->target) {
	case CMD_T_PEER:
		o->peer = optarg;
		return 0;
	case CMD_T_GROUP:
		o->group = optarg;
		return 0;
	case CMD_T_GROUP_PEER:
	case CMD_T_GROUP_TITLE:
	case CMD_T_GROUP_SETTING:
		break;
	default:
		return 0;
	}
	if (optind >= argc) {
		cmd_err(s, "%s needs two arguments", argv[optind - 2]);
		return CMD_EX_USAGE;
	}
	o->group = optarg;
	if (e->target == CMD_T_GROUP_SETTING &&
	    cmd_group_parse_setting(argv[optind], &o->hide_members) != 0) {
		cmd_err(s, "unknown group setting '%s' (expected "
		    "hide_members=on or hide_members=off)", argv[optind]);
		return CMD_EX_USAGE;
	}
	if (e->target == CMD_T_GROUP_SETTING)
		optind++;
	else if (e->target == CMD_T_GROUP_TITLE)
		o->title = argv[optind++];
	else
		o->peer = argv[optind++];
	return 0;
}

/* An option that is not an action: where its argument goes. */
static int
cmd_parse_modifier(int ch, char **argv, struct cmd_opts *o,
    const struct cmd_sink *s)
{
	char host[NET_HOST_MAX + 1], port[NET_PORT_MAX + 1];
	uint64_t ttl = 0;

	switch (ch) {
	case OPT_DISPLAY_NAME:
		o->display_name = optarg;
		return 0;
	case OPT_PHONE:
		o->phone = optarg;
		return 0;
	case OPT_PROFILE:
		if (!profile_name_valid(optarg)) {
			cmd_err(s, "invalid profile name '%s' (1 to %d "
			    "letters, digits, '.', '_' or '-', not "
			    "starting with '.')", optarg, PROFILE_NAME_MAX);
			return CMD_EX_USAGE;
		}
		o->profile = optarg;
		return 0;
	case OPT_SERVER:
		if (net_parse_addr(optarg, host, port) != 0 ||
		    strlen(optarg) >= STORE_ADDR_MAX) {
			cmd_err(s, "invalid server address '%s' "
			    "(expected HOST[:PORT])", optarg);
			return CMD_EX_USAGE;
		}
		o->server = optarg;
		return 0;
	case OPT_SERVER_KEY:
		if (fp_parse_key(o->server_key, optarg) != 0) {
			cmd_err(s, "invalid --server-key: expected the "
			    "server's fingerprint, 64 hex digits");
			return CMD_EX_USAGE;
		}
		o->have_server_key = 1;
		return 0;
	case OPT_PASSPHRASE_FILE:
		o->passphrase_file = optarg;
		return 0;
	case OPT_PASSWORD_FILE:
		o->password_file = optarg;
		return 0;
	case OPT_TIMEOUT:
		if (cmd_parse_timeout(optarg, &o->timeout_ms) != 0) {
			cmd_err(s, "invalid --timeout '%s' (expected a "
			    "number of seconds above 0)", optarg);
			return CMD_EX_USAGE;
		}
		o->timeout_given = 1;
		return 0;
	case OPT_JSON:
		o->json = 1;
		return 0;
	case 't':
		o->to = optarg;
		return 0;
	case 'm':
		o->message = optarg;
		return 0;
	case OPT_REPLY_TO:
		if (cmd__parse_id(optarg, &o->reply_to) != 0) {
			cmd_err(s, "invalid --reply-to '%s' (expected "
			    "a message id)", optarg);
			return CMD_EX_USAGE;
		}
		return 0;
	case OPT_LIMIT:
		if (cmd__parse_id(optarg, &o->limit) != 0) {
			cmd_err(s, "invalid --limit '%s' (expected a "
			    "number above 0)", optarg);
			return CMD_EX_USAGE;
		}
		return 0;
	case OPT_MEMBERS:
		o->members = optarg;
		return 0;
	case OPT_FOR_EVERYONE:
		o->for_everyone = 1;
		return 0;
	case OPT_SECRET:
		o->secret = 1;
		return 0;
	case OPT_TTL:
		if (strcmp(optarg, "0") == 0)
			ttl = 0;
		else if (cmd__parse_id(optarg, &ttl) != 0)
			ttl = UINT64_MAX;
		if (ttl > SECRET_TTL_MAX) {
			cmd_err(s, "invalid --ttl '%s' (expected 0 to "
			    "%d seconds)", optarg, SECRET_TTL_MAX);
			return CMD_EX_USAGE;
		}
		o->ttl = (long)ttl;
		return 0;
	case OPT_AS:
		o->as = optarg;
		return 0;
	case OPT_OUTPUT:
		o->output = optarg;
		return 0;
	case OPT_FROM:
		o->from = optarg;
		return 0;
	case OPT_EXPIRES:
		if (cmd_group_parse_duration(optarg, &o->expires) == 0)
			return 0;
		cmd_err(s, "invalid --expires '%s' (expected seconds, or a "
		    "number with s, m, h or d, at most 366 days)", optarg);
		return CMD_EX_USAGE;
	case OPT_USES:
		if (cmd__parse_id(optarg, &o->uses) == 0 &&
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
	case 'h':
		o->help = 1;
		return 0;
	case 'V':
		o->version = 1;
		return 0;
	case ':':
		cmd_err(s, "option '%s' needs an argument", argv[optind - 1]);
		return CMD_EX_USAGE;
	default:
		if (optopt != 0 && optopt < 256)
			cmd_err(s, "unknown option '-%c'", optopt);
		else
			cmd_err(s, "unknown option '%s'", argv[optind - 1]);
		s->err(s->ud, "Try 'sotto --help'.");
		return CMD_EX_USAGE;
	}
}

int
cmd_parse(int argc, char **argv, struct cmd_opts *o,
    const struct cmd_sink *s)
{
	struct option opts[CMD_MAX_OPTIONS];
	int ch, idx, r;

	memset(o, 0, sizeof(*o));
	o->ttl = -1;
	o->profile = "default";
	o->timeout_ms = CMD_DEFAULT_TIMEOUT_MS;
	cmd_longopts(opts);
	opterr = 0;
	optind = 0;		/* GNU: start afresh */
	for (;;) {
		idx = -1;
		/* '+': no permutation, so argv[optind - 1] is the option. */
		ch = getopt_long(argc, argv, "+:hVt:m:", opts, &idx);
		if (ch == -1)
			break;
		if (idx >= 0 &&
		    (r = cmd_check_full_name(opts, argv, idx, s)) != 0)
			return r;
		if (ch >= OPT_ACTION)
			r = cmd_parse_action(&cmd__table[ch - OPT_ACTION],
			    argc, argv, o, s);
		else
			r = cmd_parse_modifier(ch, argv, o, s);
		if (r != 0)
			return r;
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
int
cmd__split(const char *list, char **out, size_t max, size_t *n)
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

void
cmd__free_words(char **w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(w[i]);
}

int
cmd_check(const struct cmd_opts *o, const struct cmd_sink *s)
{
	char *w[CMD__MAX_PEERS];
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
	if (o->group != NULL && cmd__parse_id(o->group, &id) != 0) {
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
		r = cmd__split(o->members, w, CMD__MAX_PEERS - 1, &n);
		if (r != 0) {
			cmd_err(s, "invalid --members '%s': expected @a,@b "
			    "(at most %d)", o->members, CMD__MAX_PEERS - 1);
			st = CMD_EX_DATAERR;
		}
		for (i = 0; st == 0 && i < n; i++)
			st = cmd_check_peer("member", w[i], s);
		cmd__free_words(w, n);
		if (st != 0)
			return st;
	}
	if ((st = cmd_export_check(o, s)) != 0)
		return st;
	if (o->delete_ids != NULL) {
		r = cmd__split(o->delete_ids, w, CMD_MAX_IDS, &n);
		for (i = 0; r == 0 && i < n; i++)
			r = cmd__parse_id(w[i], &id);
		cmd__free_words(w, n);
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
