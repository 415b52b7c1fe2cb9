/*
 * The command line. One run carries out one action:
 *
 *   parse flags -> open (or create) the profile, asking for the
 *   passphrase and deriving the key before the loop starts -> check the
 *   profile's state (logged in? pinned key?) -> read the password if the
 *   action needs one -> run the engine on a libuv loop until the answer,
 *   a fatal error or --timeout -> print -> exit status.
 *
 * Output: results on stdout (text, or one JSON object per line with
 * --json); every error is a sentence on stderr starting "sotto: ".
 * Strings that came from the server are sanitised before printing.
 */
#include "config.h"

#include "client/cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "client/engine.h"
#include "client/json.h"
#include "client/log.h"
#include "client/net.h"
#include "client/profile.h"
#include "client/tty.h"
#include "crypto/fp.h"
#include "crypto/noise.h"
#include "crypto/sec.h"
#include "proto/err.h"
#include "proto/version.h"
#include "store/store.h"

#define CLI_EX_CONFIG 78	/* no home directory to keep profiles in */

#define CLI_DEFAULT_PROFILE "default"
#define CLI_DEFAULT_TIMEOUT_MS 10000
#define CLI_MAX_TIMEOUT_S (7 * 24 * 3600)

enum cli_action {
	CLI_NONE,
	CLI_REGISTER,
	CLI_LOGIN,
	CLI_LOGOUT,
	CLI_WHOAMI,
};

struct cli_opts {
	enum cli_action action;
	const char *user;
	const char *display_name;
	const char *phone;
	const char *profile;
	const char *server;
	int have_server_key;
	uint8_t server_key[NOISE_KEY_LEN];
	const char *passphrase_file;
	const char *password_file;
	uint64_t timeout_ms;
	int json;
	int help;
	int version;
};

struct cli {
	const struct cli_opts *o;
	struct profile prof;
	char server[STORE_ADDR_MAX];
	uint8_t *device_priv;		/* sec_alloc()ed */
	char *password;			/* sec_alloc()ed, or NULL */
	size_t password_len;
	uv_loop_t loop;
	uv_timer_t timer;
	struct engine *engine;
	int finished;
	int status;
};

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
};

static const struct option cli_longopts[] = {
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
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
cli_usage(FILE *f)
{
	fputs(
"usage: sotto [common options] ACTION\n"
"\n"
"account actions:\n"
"  --register USER [--display-name NAME] [--phone +NUMBER]\n"
"                          create an account and log this profile in to it\n"
"  --login USER            log this profile in to an account (a new device)\n"
"  --logout                log this device out and forget its device key\n"
"  --whoami                show the account and its devices\n"
"\n"
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
"65 refused data, 66 unreadable file, 69 server unreachable, 75 try again\n"
"later, 77 not allowed (passphrase, password, server key, not logged in).\n"
"With no action, sotto opens the terminal UI (not available yet).\n",
	    f);
}

int
cli_exit_code(int err)
{
	switch (err) {
	case 0:
		return CLI_EX_OK;
	case ERR_INVAL:
	case ERR_EXISTS:
	case ERR_NOT_FOUND:
	case ERR_TOO_BIG:
		return CLI_EX_DATAERR;
	case ERR_UNREACHABLE:
	case ERR_TIMEOUT:
	case ERR_CLOSED:
	case ERR_VERSION:
	case ERR_PROTO:
	case ERR_CRYPTO:
		return CLI_EX_UNAVAILABLE;
	case ERR_RATE_LIMITED:
	case ERR_AGAIN:
		return CLI_EX_TEMPFAIL;
	case ERR_BAD_PASSPHRASE:
	case ERR_AUTH:
	case ERR_NOT_AUTHED:
	case ERR_KEY_CHANGED:
	case ERR_PERM:
	case ERR_REVOKED:
		return CLI_EX_NOPERM;
	case ERR_IO:
	case ERR_DB:
		return CLI_EX_IOERR;
	default:
		/* ERR_NOMEM, ERR_INTERNAL, ERR_UNKNOWN_METHOD and the unknown. */
		return CLI_EX_SOFTWARE;
	}
}

/* Prints "sotto: " and a sentence on stderr. */
static void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
cli_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("sotto: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
cli_set_action(struct cli_opts *o, enum cli_action a, const char *user)
{
	if (o->action != CLI_NONE && (o->action != a || (user != NULL &&
	    strcmp(user, o->user) != 0))) {
		cli_err("only one action at a time (--register, --login, "
		    "--logout or --whoami)");
		return CLI_EX_USAGE;
	}
	o->action = a;
	o->user = user;
	return 0;
}

static int
cli_parse_timeout(const char *s, uint64_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(v > 0) ||
	    v > CLI_MAX_TIMEOUT_S)
		return ERR_INVAL;
	*ms = (uint64_t)(v * 1000.0);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

/*
 * getopt_long takes any unambiguous prefix of a long option ("--password"
 * for "--password-file"), which would let a secret given on the command
 * line be mistaken for a file name. Names must be written out in full.
 */
static int
cli_check_full_name(char **argv, int idx)
{
	const char *word, *name = cli_longopts[idx].name;
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
	cli_err("unknown option '%.*s' (did you mean --%s? options cannot be "
	    "abbreviated)", (int)(n + 2), word, name);
	return CLI_EX_USAGE;
}

static int
cli_parse(int argc, char **argv, struct cli_opts *o)
{
	int ch, idx, r;
	char host[NET_HOST_MAX + 1], port[NET_PORT_MAX + 1];

	memset(o, 0, sizeof(*o));
	o->profile = CLI_DEFAULT_PROFILE;
	o->timeout_ms = CLI_DEFAULT_TIMEOUT_MS;
	opterr = 0;
	for (;;) {
		idx = -1;
		/* '+': no permutation, so argv[optind - 1] is the option. */
		ch = getopt_long(argc, argv, "+:hV", cli_longopts, &idx);
		if (ch == -1)
			break;
		if (idx >= 0 && (r = cli_check_full_name(argv, idx)) != 0)
			return r;
		switch (ch) {
		case OPT_REGISTER:
			if ((r = cli_set_action(o, CLI_REGISTER, optarg)) != 0)
				return r;
			break;
		case OPT_LOGIN:
			if ((r = cli_set_action(o, CLI_LOGIN, optarg)) != 0)
				return r;
			break;
		case OPT_LOGOUT:
			if ((r = cli_set_action(o, CLI_LOGOUT, NULL)) != 0)
				return r;
			break;
		case OPT_WHOAMI:
			if ((r = cli_set_action(o, CLI_WHOAMI, NULL)) != 0)
				return r;
			break;
		case OPT_DISPLAY_NAME:
			o->display_name = optarg;
			break;
		case OPT_PHONE:
			o->phone = optarg;
			break;
		case OPT_PROFILE:
			if (!profile_name_valid(optarg)) {
				cli_err("invalid profile name '%s' (1 to %d "
				    "letters, digits, '.', '_' or '-', not "
				    "starting with '.')", optarg,
				    PROFILE_NAME_MAX);
				return CLI_EX_USAGE;
			}
			o->profile = optarg;
			break;
		case OPT_SERVER:
			if (net_parse_addr(optarg, host, port) != 0 ||
			    strlen(optarg) >= STORE_ADDR_MAX) {
				cli_err("invalid server address '%s' (expected "
				    "HOST[:PORT])", optarg);
				return CLI_EX_USAGE;
			}
			o->server = optarg;
			break;
		case OPT_SERVER_KEY:
			if (fp_parse_key(o->server_key, optarg) != 0) {
				cli_err("invalid --server-key: expected the "
				    "server's fingerprint, 64 hex digits");
				return CLI_EX_USAGE;
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
			if (cli_parse_timeout(optarg, &o->timeout_ms) != 0) {
				cli_err("invalid --timeout '%s' (expected a "
				    "number of seconds above 0)", optarg);
				return CLI_EX_USAGE;
			}
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case 'h':
			o->help = 1;
			break;
		case 'V':
			o->version = 1;
			break;
		case ':':
			cli_err("option '%s' needs an argument",
			    argv[optind - 1]);
			return CLI_EX_USAGE;
		default:
			if (optopt != 0 && optopt < 256)
				cli_err("unknown option '-%c'", optopt);
			else
				cli_err("unknown option '%s'",
				    argv[optind - 1]);
			fputs("Try 'sotto --help'.\n", stderr);
			return CLI_EX_USAGE;
		}
	}
	if (optind < argc) {
		cli_err("unexpected argument '%s'", argv[optind]);
		return CLI_EX_USAGE;
	}
	if ((o->display_name != NULL || o->phone != NULL) &&
	    o->action != CLI_REGISTER && !o->help && !o->version) {
		cli_err("--display-name and --phone go with --register");
		return CLI_EX_USAGE;
	}
	return 0;
}

/*
 * Reads a secret from file, or else from the terminal. what names it in
 * messages ("passphrase"); flag is the option that names a file.
 * Returns 0 or an exit status (after saying why).
 */
static int
cli_read_secret(const char *file, const char *what, const char *flag,
    const char *prompt, const char *confirm, char **out, size_t *len)
{
	int r;

	if (file != NULL) {
		r = tty_read_file(file, out, len);
		if (r == ERR_IO) {
			cli_err("cannot read the %s file %s: %s", what, file,
			    strerror(errno));
			return CLI_EX_NOINPUT;
		}
		if (r == ERR_TOO_BIG) {
			cli_err("the %s in %s is longer than %d bytes", what,
			    file, TTY_SECRET_MAX);
			return CLI_EX_DATAERR;
		}
		if (r != 0) {
			cli_err("cannot read the %s: %s", what, err_str(r));
			return cli_exit_code(r);
		}
		return 0;
	}
	r = tty_prompt(prompt, confirm, out, len);
	switch (r) {
	case 0:
		return 0;
	case ERR_NOT_FOUND:
		cli_err("no terminal to ask for the %s on; use %s FILE", what,
		    flag);
		return CLI_EX_USAGE;
	case ERR_INVAL:
		cli_err("the %ss did not match", what);
		return CLI_EX_DATAERR;
	case ERR_TOO_BIG:
		cli_err("the %s is longer than %d bytes", what,
		    TTY_SECRET_MAX);
		return CLI_EX_DATAERR;
	default:
		cli_err("cannot read the %s from the terminal", what);
		return cli_exit_code(r);
	}
}

static void
cli_not_logged_in(const struct cli *c)
{
	cli_err("this profile is not logged in; use --login USER");
}

/* Opens the profile, creating it for --register and --login. */
static int
cli_open_profile(struct cli *c)
{
	const struct cli_opts *o = c->o;
	char *pass = NULL, prompt[128];
	size_t len = 0;
	int r, status;

	if ((r = profile_init(&c->prof, o->profile)) != 0) {
		if (r == ERR_NOT_FOUND) {
			cli_err("cannot tell where to keep profiles: set "
			    "HOME or XDG_DATA_HOME");
			return CLI_EX_CONFIG;
		}
		cli_err("cannot use profile %s: %s", o->profile, err_str(r));
		return cli_exit_code(r);
	}
	switch (profile_state(&c->prof)) {
	case PROFILE_NO_KDF:
		cli_err("profile %s: the database %s is there but its "
		    "key-derivation file %s is missing, so the database "
		    "cannot be unlocked; restore that file", o->profile,
		    c->prof.db_path, c->prof.kdf_path);
		return CLI_EX_DATAERR;
	case PROFILE_ABSENT:
		if (o->action == CLI_WHOAMI || o->action == CLI_LOGOUT) {
			cli_not_logged_in(c);
			return CLI_EX_NOPERM;
		}
		snprintf(prompt, sizeof(prompt), "New passphrase for sotto "
		    "profile %s: ", o->profile);
		if ((status = cli_read_secret(o->passphrase_file, "passphrase",
		    "--passphrase-file", prompt, "Repeat the passphrase: ",
		    &pass, &len)) != 0)
			return status;
		if (len == 0) {
			cli_err("the passphrase must not be empty");
			status = CLI_EX_DATAERR;
			goto out;
		}
		r = profile_create(&c->prof, pass, len);
		if (r != 0) {
			cli_err("cannot create profile %s in %s: %s",
			    o->profile, c->prof.dir, r == ERR_IO ?
			    strerror(errno) : err_str(r));
			status = cli_exit_code(r);
			goto out;
		}
		break;
	case PROFILE_PRESENT:
		snprintf(prompt, sizeof(prompt), "Passphrase for sotto profile "
		    "%s: ", o->profile);
		if ((status = cli_read_secret(o->passphrase_file, "passphrase",
		    "--passphrase-file", prompt, NULL, &pass, &len)) != 0)
			return status;
		r = profile_unlock(&c->prof, pass, len);
		switch (r) {
		case 0:
			break;
		case ERR_BAD_PASSPHRASE:
			cli_err("wrong passphrase for profile %s", o->profile);
			status = CLI_EX_NOPERM;
			goto out;
		case ERR_INVAL:
			cli_err("profile %s: the key-derivation file %s is "
			    "damaged", o->profile, c->prof.kdf_path);
			status = CLI_EX_DATAERR;
			goto out;
		case ERR_VERSION:
			cli_err("profile %s was made by a newer version of "
			    "sotto", o->profile);
			status = CLI_EX_DATAERR;
			goto out;
		default:
			cli_err("cannot open profile %s: %s", o->profile,
			    r == ERR_IO ? strerror(errno) : err_str(r));
			status = cli_exit_code(r);
			goto out;
		}
		break;
	}
	status = 0;
out:
	sec_free(pass);
	return status;
}

static void
cli_print_key_lines(const char *label1, const uint8_t *k1,
    const char *label2, const uint8_t *k2)
{
	char f1[FP_KEY_TEXT_LEN], f2[FP_KEY_TEXT_LEN];

	fp_format_key(f1, k1);
	fp_format_key(f2, k2);
	cli_err("%s %s", label1, f1);
	cli_err("%s %s", label2, f2);
}

/*
 * The profile's state before connecting: the server address, the key
 * pin, whether the action fits the login state, the device key.
 */
static int
cli_prepare(struct cli *c)
{
	const struct cli_opts *o = c->o;
	struct store *st = c->prof.store;
	struct store_server srv;
	struct store_account acct;
	uint8_t pub[NOISE_KEY_LEN];
	int r, logged_in;

	if ((r = store_get_server(st, &srv)) != 0)
		goto dberr;
	if (o->server != NULL) {
		snprintf(c->server, sizeof(c->server), "%s", o->server);
		if (strcmp(srv.addr, o->server) != 0 &&
		    (r = store_set_server_addr(st, o->server)) != 0)
			goto dberr;
	} else if (srv.addr[0] != '\0')
		snprintf(c->server, sizeof(c->server), "%s", srv.addr);
	else
		snprintf(c->server, sizeof(c->server), "127.0.0.1:%d",
		    SOTTO_DEFAULT_PORT);

	if (o->have_server_key && srv.has_key &&
	    !sec_equal(srv.key, o->server_key, sizeof(srv.key))) {
		cli_err("the key given with --server-key is not the key "
		    "pinned for this profile; refusing to go on");
		cli_print_key_lines("pinned key:", srv.key, "given key: ",
		    o->server_key);
		return CLI_EX_NOPERM;
	}

	r = store_get_account(st, &acct);
	if (r != 0 && r != ERR_NOT_FOUND)
		goto dberr;
	logged_in = r == 0;
	if (o->action == CLI_REGISTER || o->action == CLI_LOGIN) {
		if (logged_in) {
			cli_err("this profile is already logged in as %s; "
			    "use --logout first, or another --profile",
			    acct.username);
			store_account_free(&acct);
			return CLI_EX_USAGE;
		}
	} else if (!logged_in) {
		cli_not_logged_in(c);
		return CLI_EX_NOPERM;
	}
	store_account_free(&acct);

	if ((c->device_priv = sec_alloc(NOISE_KEY_LEN)) == NULL) {
		cli_err("out of memory");
		return CLI_EX_SOFTWARE;
	}
	r = store_get_device_key(st, c->device_priv, pub);
	if (r == ERR_NOT_FOUND) {
		if (o->action != CLI_REGISTER && o->action != CLI_LOGIN) {
			/* An account without its key cannot be used. */
			(void)store_clear_account(st);
			cli_not_logged_in(c);
			return CLI_EX_NOPERM;
		}
		if ((r = noise_keypair(pub, c->device_priv)) != 0) {
			cli_err("cannot make a device key: %s", err_str(r));
			return cli_exit_code(r);
		}
		if ((r = store_set_device_key(st, c->device_priv, pub)) != 0)
			goto dberr;
		log_info("new device key made");
	} else if (r != 0)
		goto dberr;
	return 0;
dberr:
	cli_err("cannot use the database of profile %s: %s", o->profile,
	    err_str(r));
	return cli_exit_code(r);
}

/* "sotto on <hostname>", the device name shown in session lists. */
static void
cli_device_name(char *out, size_t cap)
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

/* A sanitised copy of a string from the server ("" when out of memory). */
static char *
cli_clean(const char *s)
{
	char *p;

	if ((p = json_sanitize(s, s != NULL ? strlen(s) : 0)) == NULL)
		p = calloc(1, 1);
	return p;
}

static void
cli_format_time(char *out, size_t cap, uint64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, cap, "never");
}

/* json_object_set_new that remembers whether anything failed. */
static void
cli_jset(json_t *o, const char *key, json_t *v, int *failed)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		*failed = 1;
}

static json_t *
cli_json_account(const Sotto__Account *a, uint64_t device_id, int *failed)
{
	json_t *o;

	if ((o = json_object()) == NULL) {
		*failed = 1;
		return NULL;
	}
	cli_jset(o, "user_id", json_u64(a->user_id), failed);
	cli_jset(o, "username", json_text(a->username), failed);
	cli_jset(o, "display_name", json_text(a->display_name), failed);
	cli_jset(o, "phone", json_text(a->phone), failed);
	cli_jset(o, "device_id", json_u64(device_id), failed);
	return o;
}

static int
cli_emit(json_t *o, int failed)
{
	int r;

	if (o == NULL || failed) {
		json_decref(o);
		cli_err("out of memory");
		return CLI_EX_SOFTWARE;
	}
	r = json_emit(stdout, o);
	json_decref(o);
	if (r != 0) {
		cli_err("cannot write the result: %s", err_str(r));
		return CLI_EX_IOERR;
	}
	return 0;
}

static int
cli_print_auth(struct cli *c, const Sotto__AuthResult *res)
{
	const Sotto__Account *a = res->account;
	char *user;
	int failed = 0;

	if (c->o->json)
		return cli_emit(cli_json_account(a, res->device_id, &failed),
		    failed);
	user = cli_clean(a->username);
	printf("%s %s (user id %llu); this device is device %llu\n",
	    c->o->action == CLI_REGISTER ? "registered" : "logged in as",
	    user, (unsigned long long)a->user_id,
	    (unsigned long long)res->device_id);
	free(user);
	return 0;
}

static int
cli_print_whoami(struct cli *c, const Sotto__WhoAmIResult *w)
{
	const Sotto__Account *a = w->account;
	const Sotto__Device *d;
	json_t *o, *devs, *jd;
	uint64_t current = engine_welcome(c->engine)->device_id;
	char *s1, *s2, *s3, t1[32], t2[32];
	size_t i;
	int failed = 0;

	for (i = 0; i < w->n_devices; i++)
		if (w->devices[i]->current)
			current = w->devices[i]->id;
	if (c->o->json) {
		o = cli_json_account(a, current, &failed);
		if (o != NULL && (devs = json_array()) != NULL) {
			for (i = 0; i < w->n_devices; i++) {
				d = w->devices[i];
				if ((jd = json_object()) == NULL) {
					failed = 1;
					break;
				}
				cli_jset(jd, "id", json_u64(d->id), &failed);
				cli_jset(jd, "name", json_text(d->name),
				    &failed);
				cli_jset(jd, "created", json_u64(d->created),
				    &failed);
				cli_jset(jd, "last_seen",
				    json_u64(d->last_seen), &failed);
				cli_jset(jd, "current",
				    json_boolean(d->current), &failed);
				if (json_array_append_new(devs, jd) != 0)
					failed = 1;
			}
			cli_jset(o, "devices", devs, &failed);
		} else
			failed = 1;
		return cli_emit(o, failed);
	}
	s1 = cli_clean(a->username);
	s2 = cli_clean(a->display_name);
	s3 = cli_clean(a->phone);
	printf("user id:       %llu\n", (unsigned long long)a->user_id);
	printf("username:      %s\n", s1);
	printf("display name:  %s\n", s2[0] != '\0' ? s2 : "-");
	printf("phone:         %s\n", s3[0] != '\0' ? s3 : "-");
	printf("devices:       %zu\n", w->n_devices);
	free(s1);
	free(s2);
	free(s3);
	for (i = 0; i < w->n_devices; i++) {
		d = w->devices[i];
		s1 = cli_clean(d->name);
		cli_format_time(t1, sizeof(t1), d->created);
		cli_format_time(t2, sizeof(t2), d->last_seen);
		printf("  %c %llu  %s  (created %s, last seen %s)%s\n",
		    d->current ? '*' : '-', (unsigned long long)d->id, s1, t1,
		    t2, d->current ? "  <- this device" : "");
		free(s1);
	}
	fflush(stdout);
	return 0;
}

static int
cli_print_logout(struct cli *c, int err)
{
	int failed = 0;
	json_t *o;

	if (err == ERR_NOT_AUTHED)
		cli_err("the server no longer knew this device; it is "
		    "logged out here too");
	if (c->o->json) {
		if ((o = json_object()) != NULL)
			cli_jset(o, "logged_out", json_true(), &failed);
		return cli_emit(o, failed);
	}
	printf("logged out; this profile's device key has been wiped\n");
	return 0;
}

static const char *
cli_action_name(enum cli_action a)
{
	switch (a) {
	case CLI_REGISTER:
		return "register";
	case CLI_LOGIN:
		return "log in";
	case CLI_LOGOUT:
		return "log out";
	case CLI_WHOAMI:
		return "ask who this is";
	default:
		return "act";
	}
}

/* Explains a key mismatch with both fingerprints. */
static void
cli_report_key(struct cli *c)
{
	uint8_t want[NOISE_KEY_LEN], got[NOISE_KEY_LEN];

	if (engine_key_mismatch(c->engine, want, got) != 0) {
		cli_err("the server's key is not the expected one");
		return;
	}
	if (c->o->have_server_key) {
		cli_err("the server at %s offered a key other than the one "
		    "given with --server-key; refusing to connect", c->server);
		cli_print_key_lines("expected key:", want, "server key:  ",
		    got);
	} else {
		cli_err("the server at %s offered a key other than the one "
		    "pinned for this profile; refusing to connect", c->server);
		cli_print_key_lines("pinned key:", want, "server key:", got);
		cli_err("someone may be impersonating the server; if its key "
		    "was changed on purpose, check the new fingerprint with "
		    "its operator (sottod --fingerprint) and use a new "
		    "profile");
	}
}

/* Says why the action failed; returns the exit status. */
static int
cli_report(struct cli *c, int err, const Sotto__Response *resp)
{
	const struct engine_welcome *w = engine_welcome(c->engine);
	const Sotto__Error *e = resp != NULL ? resp->error : NULL;
	char *msg = cli_clean(e != NULL ? e->message : NULL);
	const char *m = msg != NULL ? msg : "";
	const char *what = cli_action_name(c->o->action);
	const char *reason;

	switch (err) {
	case ERR_AUTH:
		/* Never tell an unknown user from a wrong password. */
		cli_err("wrong username or password");
		break;
	case ERR_NOT_AUTHED:
		if (w->received && !w->authenticated)
			cli_err("the server no longer knows this device, so "
			    "this profile is logged out; use --login USER");
		else
			cli_not_logged_in(c);
		break;
	case ERR_REVOKED:
		cli_err("this device was logged out by its account: %s",
		    w->revoked_reason[0] != '\0' ? w->revoked_reason :
		    err_str(err));
		break;
	case ERR_KEY_CHANGED:
		cli_report_key(c);
		break;
	case ERR_RATE_LIMITED:
		if (e != NULL && e->retry_after > 0)
			cli_err("too many attempts; try again in %u seconds",
			    (unsigned)e->retry_after);
		else
			cli_err("too many attempts; try again later");
		break;
	case ERR_EXISTS:
		if (c->o->action == CLI_REGISTER && (*m == '\0' ||
		    strstr(m, "taken") != NULL))
			cli_err("cannot register %s: the username is taken",
			    c->o->user);
		else if (c->o->action == CLI_REGISTER)
			cli_err("cannot register %s: %s (already exists)",
			    c->o->user, m);
		else
			cli_err("cannot %s: %s", what, *m ? m : err_str(err));
		break;
	case ERR_INVAL:
		cli_err("cannot %s: %s", what, *m ? m : "the server refused "
		    "the data given");
		break;
	case ERR_UNREACHABLE:
		reason = engine_last_down_reason(c->engine);
		cli_err("cannot reach the server at %s (%s)", c->server,
		    reason != NULL ? reason : "no answer");
		break;
	case ERR_TIMEOUT:
		cli_err("the server at %s did not answer in time", c->server);
		break;
	case ERR_CLOSED:
		cli_err("the connection to the server at %s was lost before "
		    "it answered", c->server);
		break;
	case ERR_VERSION:
		cli_err("the server at %s speaks another protocol version "
		    "(this client speaks version %u)", c->server,
		    SOTTO_PROTO_VERSION);
		break;
	default:
		cli_err("cannot %s: %s%s%s%s", what, err_str(err),
		    *m ? " (" : "", m, *m ? ")" : "");
		break;
	}
	free(msg);
	return cli_exit_code(err);
}

static void
cli_finish(struct cli *c, int status)
{
	if (c->finished)
		return;
	c->finished = 1;
	c->status = status;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, NULL);
	engine_free(c->engine, NULL, NULL);
	c->engine = NULL;
}

static void
cli_reply(void *ud, int err, const Sotto__Response *resp)
{
	struct cli *c = ud;
	int status;

	if (c->finished)
		return;
	if (err == 0 || (c->o->action == CLI_LOGOUT &&
	    err == ERR_NOT_AUTHED)) {
		switch (c->o->action) {
		case CLI_REGISTER:
		case CLI_LOGIN:
			status = cli_print_auth(c, resp->auth);
			break;
		case CLI_WHOAMI:
			status = cli_print_whoami(c, resp->whoami);
			break;
		case CLI_LOGOUT:
			status = cli_print_logout(c, err);
			break;
		default:
			status = CLI_EX_SOFTWARE;
			break;
		}
	} else
		status = cli_report(c, err, resp);
	cli_finish(c, status);
}

static void
cli_timeout(uv_timer_t *t)
{
	struct cli *c = t->data;

	/* Never welcomed means never reached: the server is unavailable. */
	cli_finish(c, cli_report(c, engine_was_ready(c->engine) ?
	    ERR_TIMEOUT : ERR_UNREACHABLE, NULL));
}

/* Starts the action; cli_reply finishes it. 0 or an ERR_* code. */
static int
cli_start_action(struct cli *c)
{
	struct engine_auth a;
	char device[300];

	memset(&a, 0, sizeof(a));
	cli_device_name(device, sizeof(device));
	a.username = c->o->user;
	a.password = c->password;
	a.display_name = c->o->display_name;
	a.phone = c->o->phone;
	a.device_name = device;
	switch (c->o->action) {
	case CLI_REGISTER:
		return engine_register(c->engine, &a, 0, cli_reply, c);
	case CLI_LOGIN:
		return engine_login(c->engine, &a, 0, cli_reply, c);
	case CLI_LOGOUT:
		return engine_logout(c->engine, 0, cli_reply, c);
	case CLI_WHOAMI:
		return engine_whoami(c->engine, 0, cli_reply, c);
	default:
		return ERR_INTERNAL;
	}
}

/* Runs the engine on a loop until the action is done. */
static int
cli_run_loop(struct cli *c)
{
	struct engine_config cfg;
	char software[64];
	int r;

	snprintf(software, sizeof(software), "sotto %s", PACKAGE_VERSION);
	memset(&cfg, 0, sizeof(cfg));
	cfg.server = c->server;
	cfg.software = software;
	cfg.server_key = c->o->have_server_key ? c->o->server_key : NULL;

	if (uv_loop_init(&c->loop) != 0) {
		cli_err("cannot start the event loop");
		return CLI_EX_SOFTWARE;
	}
	if ((r = engine_new(&c->engine, &c->loop, c->prof.store,
	    c->device_priv, &cfg, NULL, c)) != 0) {
		cli_err("cannot start: %s", err_str(r));
		(void)uv_loop_close(&c->loop);
		return cli_exit_code(r);
	}
	uv_timer_init(&c->loop, &c->timer);
	c->timer.data = c;
	uv_timer_start(&c->timer, cli_timeout, c->o->timeout_ms, 0);
	if ((r = engine_start(c->engine)) != 0 ||
	    (r = cli_start_action(c)) != 0)
		cli_finish(c, cli_report(c, r, NULL));

	/* The secrets are in the engine's own secure copies now. */
	sec_free(c->password);
	c->password = NULL;
	sec_free(c->device_priv);
	c->device_priv = NULL;

	(void)uv_run(&c->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&c->loop) != 0)
		log_warn("event loop closed with handles still open");
	return c->status;
}

static int
cli_run(struct cli *c)
{
	const struct cli_opts *o = c->o;
	char prompt[128];
	int status;

	if ((status = cli_open_profile(c)) != 0)
		return status;
	if (log_open(c->prof.log_path) != 0)
		fprintf(stderr, "sotto: warning: cannot write the log %s\n",
		    c->prof.log_path);
	log_info("sotto %s: %s", PACKAGE_VERSION, cli_action_name(o->action));
	if ((status = cli_prepare(c)) != 0)
		return status;
	if (o->action == CLI_REGISTER || o->action == CLI_LOGIN) {
		snprintf(prompt, sizeof(prompt), "%s for account %s: ",
		    o->action == CLI_REGISTER ? "New password" : "Password",
		    o->user);
		if ((status = cli_read_secret(o->password_file, "password",
		    "--password-file", prompt, o->action == CLI_REGISTER ?
		    "Repeat the password: " : NULL, &c->password,
		    &c->password_len)) != 0)
			return status;
	}
	return cli_run_loop(c);
}

int
cli_main(int argc, char **argv)
{
	struct cli_opts o;
	struct cli c;
	struct sigaction sa;
	int status;

	if ((status = cli_parse(argc, argv, &o)) != 0)
		return status;
	if (o.help) {
		cli_usage(stdout);
		return CLI_EX_OK;
	}
	if (o.version) {
		printf("sotto %s (protocol version %u)\n", PACKAGE_VERSION,
		    SOTTO_PROTO_VERSION);
		return CLI_EX_OK;
	}
	if (o.action == CLI_NONE) {
		cli_err("the terminal UI is not available yet; see sotto "
		    "--help");
		return CLI_EX_USAGE;
	}

	/* A peer closing the socket must be an error, not a signal. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGPIPE, &sa, NULL);

	if (sec_init() != 0) {
		cli_err("cannot initialise the cryptographic library");
		return CLI_EX_SOFTWARE;
	}
	memset(&c, 0, sizeof(c));
	c.o = &o;
	status = cli_run(&c);
	sec_free(c.password);
	sec_free(c.device_priv);
	profile_close(&c.prof);
	log_close();
	return status;
}
