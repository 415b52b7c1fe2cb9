/*
 * The command line. One run carries out one action:
 *
 *   parse flags (client/cmd) -> read "-m -" from stdin and check the data
 *   -> hand a cloud-chat action to a running `sotto --listen` of the same
 *   profile over its control socket, if one answers (client/ctl) -> else
 *   open (or create) the profile, asking for the passphrase and deriving
 *   the key before the loop starts -> check the profile's state (logged
 *   in? pinned key?) -> read the password if the action needs one -> run
 *   the action on the cloud engine on a libuv loop -> exit status.
 *
 * Output: results on stdout (text, or one JSON object per line with
 * --json); every error is a sentence on stderr starting "sotto: ". The
 * action itself writes to a sink (client/cmd), which here is stdout and
 * stderr.
 */
#include "config.h"

#include "client/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <uv.h>

#include "client/cloud.h"
#include "client/cmd.h"
#include "client/cmd_import.h"
#include "client/fault.h"
#include "client/ctl.h"
#include "lib/log.h"
#include "client/net.h"
#include "client/profile.h"
#include "client/tty.h"
#include "crypto/fp.h"
#include "crypto/noise.h"
#include "crypto/sec.h"
#include "lib/err.h"
#include "proto/version.h"
#include "store/store.h"

#define CLI_EX_CONFIG CMD_EX_CONFIG
#define CLI_STDIN_MAX (64 * 1024)	/* a message read with -m - */

struct cli {
	const struct cmd_opts *o;
	cli_tui_fn *tui;		/* main's terminal UI, or NULL */
	struct profile prof;
	char server[STORE_ADDR_MAX];
	uint8_t *device_priv;		/* sec_alloc()ed */
	char *password;			/* sec_alloc()ed, or NULL */
	size_t password_len;
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	struct cloud *cloud;
	struct cmd *cmd;
	struct ctl *ctl;
	int status;
};

int
cli_exit_code(int err)
{
	return cmd_exit_code(err);
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

/* The sink of a command run here: stdout and stderr. */
static void
cli_sink_out(void *ud, const char *line)
{
	(void)ud;
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static void
cli_sink_err(void *ud, const char *line)
{
	(void)ud;
	fflush(stdout);
	fputs(line, stderr);
	fputc('\n', stderr);
}

static const struct cmd_sink cli_sink = { cli_sink_out, cli_sink_err, NULL };

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

/* A local fault of the profile in one sentence; 0 when r is none. */
static int
cli_fault(const struct cli *c, int r, const char *path)
{
	char why[1024];
	int status;

	if ((status = fault_describe(r, path, why, sizeof(why))) != 0)
		cli_err("profile %s: %s%s", c->o->profile, why,
		    c->o->action == CMD_SEND ? " (the message was not queued)" :
		    "");
	return status;
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
	const struct cmd_opts *o = c->o;
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
	case PROFILE_DENIED:
		return cli_fault(c, ERR_ACCESS, c->prof.dir);
	case PROFILE_NO_KDF:
		cli_err("profile %s: the database %s is there but its "
		    "key-derivation file %s is missing, so the database "
		    "cannot be unlocked; restore that file", o->profile,
		    c->prof.db_path, c->prof.kdf_path);
		return CLI_EX_DATAERR;
	case PROFILE_ABSENT:
		if (o->action != CMD_REGISTER && o->action != CMD_LOGIN) {
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
		if (r != 0 && (status = cli_fault(c, r, c->prof.fault)) != 0)
			goto out;
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
			if (c->prof.unchecked)
				cli_err("wrong passphrase for profile %s, or "
				    "the first page of %s is damaged (this "
				    "profile has no key check yet to tell)",
				    o->profile, c->prof.db_path);
			else
				cli_err("wrong passphrase for profile %s",
				    o->profile);
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
			if ((status = cli_fault(c, r, c->prof.fault)) != 0)
				goto out;
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

/* Whether USER names the stored username (an '@' and case aside). */
static int
cli_same_user(const char *stored, const char *user)
{
	if (stored == NULL || user == NULL)
		return 0;
	if (*user == '@')
		user++;
	return *stored != '\0' && strcasecmp(stored, user) == 0;
}

/*
 * The profile's state before connecting: the server address, the key
 * pin, whether the action fits the login state, the device key.
 */
static int
cli_prepare(struct cli *c)
{
	const struct cmd_opts *o = c->o;
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
	if (o->action == CMD_REGISTER || o->action == CMD_LOGIN) {
		/*
		 * The same account again: binds this device anew on a server
		 * that forgot it, keeping the profile (client/cmd_reset.h).
		 */
		if (logged_in && o->action == CMD_LOGIN &&
		    cli_same_user(acct.username, o->user))
			logged_in = 0;
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
		if (o->action != CMD_REGISTER && o->action != CMD_LOGIN) {
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
cli_closed(uv_handle_t *h)
{
	(void)h;
}

static void
cli_cmd_done(void *ud, int status)
{
	struct cli *c = ud;

	c->status = status;
	c->cmd = NULL;
	if (c->ctl != NULL) {
		ctl_free(c->ctl);
		c->ctl = NULL;
	}
	if (uv_is_active((uv_handle_t *)&c->sigint))
		uv_signal_stop(&c->sigint);
	if (uv_is_active((uv_handle_t *)&c->sigterm))
		uv_signal_stop(&c->sigterm);
	uv_close((uv_handle_t *)&c->sigint, cli_closed);
	uv_close((uv_handle_t *)&c->sigterm, cli_closed);
	cloud_free(c->cloud, NULL, NULL);
	c->cloud = NULL;
}

/* SIGINT or SIGTERM: --listen ends with status 0. */
static void
cli_on_signal(uv_signal_t *h, int signum)
{
	struct cli *c = h->data;

	(void)signum;
	if (c->cmd != NULL)
		cmd_stop(c->cmd, CMD_EX_OK);
}

/*
 * No action: the terminal UI that main gave (c->tui) on the cloud, which
 * also serves the profile's control socket while it runs.
 */
static int
cli_run_tui(struct cli *c)
{
	struct store_account acct;
	char label[STORE_ADDR_MAX];
	int r;

	label[0] = '\0';
	if (store_get_account(c->prof.store, &acct) == 0) {
		snprintf(label, sizeof(label), "@%s", acct.username);
		store_account_free(&acct);
	}
	if ((r = ctl_listen(&c->ctl, c->cloud, c->prof.dir, c->server)) != 0)
		log_warn_err(r, "no control socket");
	if ((r = cloud_start(c->cloud)) != 0)
		log_warn_err(r, "cannot start the engine");
	sec_free(c->device_priv);
	c->device_priv = NULL;
	c->status = c->tui(&c->loop, c->cloud, label);
	ctl_free(c->ctl);
	c->ctl = NULL;
	cloud_free(c->cloud, NULL, NULL);
	c->cloud = NULL;
	(void)uv_run(&c->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&c->loop) != 0)
		log_warn("event loop closed with handles still open");
	return c->status;
}

/* Runs the action on a cloud engine until it is done. */
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
		return CMD_EX_SOFTWARE;
	}
	if ((r = cloud_new(&c->cloud, &c->loop, c->prof.store,
	    c->device_priv, &cfg)) != 0) {
		cli_err("cannot start: %s", err_str(r));
		(void)uv_loop_close(&c->loop);
		return cli_exit_code(r);
	}
	if (c->o->action == CMD_NONE)
		return cli_run_tui(c);
	uv_signal_init(&c->loop, &c->sigint);
	uv_signal_init(&c->loop, &c->sigterm);
	c->sigint.data = c->sigterm.data = c;
	if (c->o->action == CMD_LISTEN) {
		uv_signal_start(&c->sigint, cli_on_signal, SIGINT);
		uv_signal_start(&c->sigterm, cli_on_signal, SIGTERM);
		if ((r = ctl_listen(&c->ctl, c->cloud, c->prof.dir,
		    c->server)) != 0)
			log_warn_err(r, "no control socket");
	}
	c->status = CMD_EX_SOFTWARE;
	if ((r = cmd_start(&c->cmd, c->cloud, c->o, c->server, c->password,
	    &cli_sink, cli_cmd_done, c)) != 0) {
		cli_err("cannot start: %s", err_str(r));
		uv_close((uv_handle_t *)&c->sigint, cli_closed);
		uv_close((uv_handle_t *)&c->sigterm, cli_closed);
		cloud_free(c->cloud, NULL, NULL);
		c->cloud = NULL;
	} else if ((r = cloud_start(c->cloud)) != 0)
		log_warn_err(r, "cannot start the engine");

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
	const struct cmd_opts *o = c->o;
	char prompt[128];
	int status;

	if ((status = cli_open_profile(c)) != 0)
		return status;
	if (log_open(c->prof.log_path, LOG_ROTATE) != 0)
		fprintf(stderr, "sotto: warning: cannot write the log %s\n",
		    c->prof.log_path);
	if (getenv("SOTTO_LOG_DEBUG") != NULL)
		log_set_level(LOG_LEVEL_DEBUG);
	log_info("sotto %s: action %d", PACKAGE_VERSION, (int)o->action);
	if ((status = cli_prepare(c)) != 0)
		return status;
	if (o->action == CMD_REGISTER || o->action == CMD_LOGIN) {
		snprintf(prompt, sizeof(prompt), "%s for account %s: ",
		    o->action == CMD_REGISTER ? "New password" : "Password",
		    o->user);
		if ((status = cli_read_secret(o->password_file, "password",
		    "--password-file", prompt, o->action == CMD_REGISTER ?
		    "Repeat the password: " : NULL, &c->password,
		    &c->password_len)) != 0)
			return status;
	}
	return cli_run_loop(c);
}

/*
 * Reads the message of "-m -" from stdin: all of it, one trailing
 * newline dropped (as a shell's echo adds one). Returns 0 or an exit
 * status. *out is the caller's to free.
 */
static int
cli_read_stdin(char **out)
{
	char *buf;
	size_t len = 0, n;

	if ((buf = malloc(CLI_STDIN_MAX + 2)) == NULL) {
		cli_err("out of memory");
		return CMD_EX_SOFTWARE;
	}
	while ((n = fread(buf + len, 1, CLI_STDIN_MAX + 1 - len, stdin)) > 0)
		len += n;
	if (ferror(stdin)) {
		cli_err("cannot read the message from standard input: %s",
		    strerror(errno));
		free(buf);
		return CMD_EX_NOINPUT;
	}
	if (len > CLI_STDIN_MAX) {
		cli_err("the message on standard input is longer than %d "
		    "bytes", CLI_STDIN_MAX);
		free(buf);
		return CMD_EX_DATAERR;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	/* A NUL inside stays, so that the check below refuses it. */
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		cli_err("the message is not valid text (it holds a NUL byte)");
		free(buf);
		return CMD_EX_DATAERR;
	}
	*out = buf;
	return 0;
}

/*
 * --output FILE: standard output becomes a new file, private to its
 * owner (an export holds messages and phone numbers); an existing file
 * is never overwritten. 0 or CMD_EX_CANTCREAT.
 */
static int
cli_output_open(const char *path)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		cli_err("cannot create %s: %s%s", path, strerror(errno),
		    errno == EEXIST ? " (sotto does not overwrite a file)" : "");
		return CMD_EX_CANTCREAT;
	}
	fflush(stdout);
	if (dup2(fd, STDOUT_FILENO) < 0) {
		cli_err("cannot write to %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return CMD_EX_CANTCREAT;
	}
	close(fd);
	return 0;
}

/*
 * Ends --output: the file is kept only when the action succeeded and
 * every byte reached it, so a failed export leaves no partial copy.
 */
static int
cli_output_close(const char *path, int status)
{
	if (fflush(stdout) != 0 || fsync(STDOUT_FILENO) != 0) {
		if (status == 0)
			cli_err("cannot write to %s: %s", path,
			    strerror(errno));
		status = status != 0 ? status : CMD_EX_IOERR;
	}
	if (status != 0)
		unlink(path);
	return status;
}

int
cli_main(int argc, char **argv, cli_tui_fn *tui)
{
	struct cmd_opts o;
	struct cli c;
	struct sigaction sa;
	char *stdin_text = NULL, *import_text = NULL;
	const char *output = NULL;
	int status;

	if ((status = cmd_parse(argc, argv, &o, &cli_sink)) != 0)
		return status;
	if (o.help) {
		cmd_help(&cli_sink);
		return CMD_EX_OK;
	}
	if (o.version) {
		printf("sotto %s (protocol version %u)\n", PACKAGE_VERSION,
		    SOTTO_PROTO_VERSION);
		return CMD_EX_OK;
	}
	if (o.message != NULL && strcmp(o.message, "-") == 0) {
		if ((status = cli_read_stdin(&stdin_text)) != 0)
			return status;
		o.message = stdin_text;
	}
	if (o.action == CMD_IMPORT_CONTACTS) {
		if ((status = cmd_import_read(o.import_file, &import_text,
		    &cli_sink)) != 0)
			goto out;
		o.import_text = import_text;
	}
	if ((status = cmd_check(&o, &cli_sink)) != 0)
		goto out;
	if (o.action == CMD_NONE && tui == NULL) {
		cli_err("no action given (see sotto --help)");
		status = CMD_EX_USAGE;
		goto out;
	}
	if (o.output != NULL) {
		if ((status = cli_output_open(o.output)) != 0)
			goto out;
		output = o.output;
	}

	/* A peer closing the socket must be an error, not a signal. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGPIPE, &sa, NULL);

	/* A running --listen of this profile carries it out, if one answers. */
	if (cmd_is_chat(o.action) && o.action != CMD_LISTEN &&
	    ctl_try(o.profile, argc, argv, o.action == CMD_IMPORT_CONTACTS ?
	    o.import_text : o.message, &status) == 0)
		goto out;

	if (sec_init() != 0) {
		cli_err("cannot initialise the cryptographic library");
		status = CMD_EX_SOFTWARE;
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.o = &o;
	c.tui = tui;
	status = cli_run(&c);
	sec_free(c.password);
	sec_free(c.device_priv);
	profile_close(&c.prof);
	log_close();
out:
	if (output != NULL)
		status = cli_output_close(output, status);
	free(stdin_text);
	free(import_text);
	return status;
}
