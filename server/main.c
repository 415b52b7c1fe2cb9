/*
 * sottod: options, the data directory and its key file, the store, signals;
 * then the loop runs until SIGINT or SIGTERM. See sottod(8).
 *
 * Exit status follows sysexits.h: 0 after a clean stop, 64 for a usage
 * error, 65 for a malformed key file, 71 when the server could not start
 * (address in use, store unreadable), 74 for I/O errors, 77 for unsafe
 * permissions on the data directory or key file, 78 when the key file is
 * there but the store is missing or empty (a wrong --data, a failed disk,
 * a bad restore: starting anew would make every device start over).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <uv.h>

#include "crypto/fp.h"
#include "crypto/sec.h"
#include "lib/err.h"
#include "server/srv.h"
#include "server/srv_directory.h"
#include "server/srv_keyfile.h"
#include "lib/log.h"
#include "server/srv_report.h"
#include "server/srv_store.h"

#define EX_OK_ 0
#define EX_USAGE_ 64
#define EX_DATAERR_ 65
#define EX_OSERR_ 71
#define EX_IOERR_ 74
#define EX_NOPERM_ 77
#define EX_CONFIG_ 78

#define DEFAULT_LISTEN "127.0.0.1:7433"

struct opts {
	const char *listen;
	const char *data;
	const char *log;
	int fingerprint;
	int stats;
	int reports;
	int full_sync;
	int debug;
	int init;		/* --init: make a new server in DIR and exit */
	int new_store;		/* --new-store: the key stays, the store is new */
	struct srv_dir_config dir;	/* --limit KEY=VALUE */
};

struct runtime {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm, sigusr1;
	struct srv srv;
	int stopping;
};

static const char *progname = "sottod";

static void
usage(FILE *f)
{
	fprintf(f,
"usage: %s --data DIR [--listen ADDR:PORT] [--log FILE] [--sync normal|full]\n"
"       %s --init --data DIR\n"
"       %s --fingerprint --data DIR\n"
"       %s --stats --data DIR\n"
"       %s --reports --data DIR\n"
"\n"
"  -d, --data DIR         data directory (made 0700 on first start)\n"
"  -l, --listen ADDR:PORT address to serve on (default " DEFAULT_LISTEN ")\n"
"  -L, --log FILE         log to FILE (0600) instead of standard error\n"
"  -s, --sync MODE        normal: an acknowledged write survives a crash of\n"
"                         sottod; full: it also survives power loss (slower)\n"
"  -f, --fingerprint      print the server's key fingerprint and exit\n"
"      --init             make a new server (key and store) in DIR and exit\n"
"      --new-store        start with a new, empty store beside an existing\n"
"                         key (every device must log in or register again)\n"
"      --stats            print the directory's last 24 hours and exit\n"
"      --limit KEY=VALUE  a directory limit: burst, rate (per account),\n"
"                         addr_burst, addr_rate (per address), discover_day,\n"
"                         import_day (per account and day); see sottod(8)\n"
"      --reports          list the users' reports (ids, reasons, dates) and exit\n"
"      --debug            log debugging detail\n"
"  -h, --help             this text\n"
"  -V, --version          the version\n",
	    progname, progname, progname, progname, progname);
}

/* --limit KEY=VALUE. 0 or EX_USAGE_ after saying why. */
static int
parse_limit(struct opts *o, const char *arg)
{
	char key[32];
	const char *eq = strchr(arg, '='), *why;
	size_t n = eq != NULL ? (size_t)(eq - arg) : 0;

	if (eq == NULL || n == 0 || n >= sizeof(key)) {
		fprintf(stderr, "%s: --limit takes KEY=VALUE, e.g. burst=30, "
		    "not \"%s\"\n", progname, arg);
		return EX_USAGE_;
	}
	memcpy(key, arg, n);
	key[n] = '\0';
	if (srv_dir_config_set(&o->dir, key, eq + 1, &why) != 0) {
		fprintf(stderr, "%s: --limit %s: %s %s\n", progname, arg, key,
		    why);
		return EX_USAGE_;
	}
	return 0;
}

static int
parse_opts(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "log", required_argument, NULL, 'L' },
		{ "sync", required_argument, NULL, 's' },
		{ "fingerprint", no_argument, NULL, 'f' },
		{ "stats", no_argument, NULL, 'S' },
		{ "limit", required_argument, NULL, 'M' },
		{ "reports", no_argument, NULL, 'R' },
		{ "debug", no_argument, NULL, 'D' },
		{ "init", no_argument, NULL, 'I' },
		{ "new-store", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_storage ss;
	int ch, r;

	memset(o, 0, sizeof(*o));
	o->listen = DEFAULT_LISTEN;
	srv_dir_config_default(&o->dir);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "d:l:L:s:fhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			o->data = optarg;
			break;
		case 'l':
			o->listen = optarg;
			break;
		case 'L':
			o->log = optarg;
			break;
		case 's':
			if (strcmp(optarg, "normal") == 0)
				o->full_sync = 0;
			else if (strcmp(optarg, "full") == 0)
				o->full_sync = 1;
			else {
				fprintf(stderr, "%s: --sync takes normal or "
				    "full, not \"%s\"\n", progname, optarg);
				return EX_USAGE_;
			}
			break;
		case 'f':
			o->fingerprint = 1;
			break;
		case 'S':
			o->stats = 1;
			break;
		case 'M':
			if ((r = parse_limit(o, optarg)) != 0)
				return r;
			break;
		case 'R':
			o->reports = 1;
			break;
		case 'D':
			o->debug = 1;
			break;
		case 'I':
			o->init = 1;
			break;
		case 'N':
			o->new_store = 1;
			break;
		case 'h':
			usage(stdout);
			exit(EX_OK_);
		case 'V':
			printf("%s\n", SRV_SOFTWARE);
			exit(EX_OK_);
		case ':':
			fprintf(stderr, "%s: %s needs a value\n", progname,
			    argv[optind - 1]);
			return EX_USAGE_;
		default:
			fprintf(stderr, "%s: unknown option %s (try --help)\n",
			    progname, argv[optind - 1]);
			return EX_USAGE_;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\" (try --help)\n",
		    progname, argv[optind]);
		return EX_USAGE_;
	}
	if (srv_parse_listen(o->listen, &ss) != 0) {
		fprintf(stderr, "%s: --listen takes ADDR:PORT, e.g. "
		    "127.0.0.1:7433 or [::1]:7433, not \"%s\"\n", progname,
		    o->listen);
		return EX_USAGE_;
	}
	if (o->data == NULL || *o->data == '\0') {
		fprintf(stderr, "%s: --data DIR is required (try --help)\n",
		    progname);
		return EX_USAGE_;
	}
	return 0;
}

/* Maps a key file error to words and an exit status. */
static int
keyfile_failed(const struct opts *o, int r)
{
	switch (r) {
	case ERR_NOT_FOUND:
		fprintf(stderr, "%s: %s/%s does not exist; start sottod with "
		    "this --data once to create it\n", progname, o->data,
		    SRV_KEYFILE_NAME);
		return EX_IOERR_;
	case ERR_PERM:
		fprintf(stderr, "%s: %s or its %s is open to other users; "
		    "make the directory 0700 and the file 0600\n", progname,
		    o->data, SRV_KEYFILE_NAME);
		return EX_NOPERM_;
	case ERR_INVAL:
		fprintf(stderr, "%s: %s/%s is malformed; restore it from a "
		    "backup (a new key would make every client refuse this "
		    "server)\n", progname, o->data, SRV_KEYFILE_NAME);
		return EX_DATAERR_;
	default:
		fprintf(stderr, "%s: cannot read %s/%s: %s\n", progname,
		    o->data, SRV_KEYFILE_NAME, err_str(r));
		return EX_IOERR_;
	}
}

/* -1: DIR/name does not exist; else its size (0: empty). */
static long long
data_file_size(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path) || lstat(path, &st) != 0)
		return -1;
	return (long long)st.st_size;
}

static int
store_exists(const char *dir)
{
	return data_file_size(dir, SRV_STORE_FILE) >= 0;
}

/*
 * The data directory's state against --init and --new-store: a key file
 * with no store (or an empty one) is a server that lost its data, never a
 * new one, unless told so. Returns 0 to go on, or the exit status.
 */
static int
check_data_dir(const struct opts *o)
{
	int have_key = data_file_size(o->data, SRV_KEYFILE_NAME) >= 0;
	long long db = data_file_size(o->data, SRV_STORE_FILE);

	if (o->init && (have_key || db >= 0)) {
		fprintf(stderr, "%s: --init makes a new server, but %s already "
		    "holds one (%s/%s or %s/%s exists); leave --init out to "
		    "start it\n", progname, o->data, o->data, SRV_KEYFILE_NAME,
		    o->data, SRV_STORE_FILE);
		return EX_CONFIG_;
	}
	if (o->new_store && db > 0) {
		fprintf(stderr, "%s: --new-store is for a missing or empty "
		    "store, but %s/%s holds data; leave --new-store out, or "
		    "move that file away first\n", progname, o->data,
		    SRV_STORE_FILE);
		return EX_USAGE_;
	}
	if (!have_key || db > 0 || o->new_store)
		return 0;
	fprintf(stderr, "%s: %s/%s exists but the store %s/%s is %s: this "
	    "server had data, and starting empty would make every device "
	    "start over. Check --data, or restore %s from a backup; to start "
	    "with an empty store on purpose, add --new-store\n", progname,
	    o->data, SRV_KEYFILE_NAME, o->data, SRV_STORE_FILE,
	    db < 0 ? "missing" : "empty", SRV_STORE_FILE);
	return EX_CONFIG_;
}

static int print_fingerprint(const struct srv_keys *k);

/* --init: the key and the migrated store, then the fingerprint. */
static int
init_data_dir(const struct opts *o, struct srv_keys *keys)
{
	struct srv_store *store = NULL;
	int r, created = 0;

	if ((r = srv_keyfile_load(keys, o->data, 1, &created)) != 0)
		return keyfile_failed(o, r);
	if ((r = srv_store_open(&store, o->data, keys->store_key,
	    o->full_sync)) != 0) {
		fprintf(stderr, "%s: cannot make the store in %s: %s\n",
		    progname, o->data, err_str(r));
		return EX_OSERR_;
	}
	srv_store_close(store);
	log_info("made a new server in %s", o->data);
	return print_fingerprint(keys) == 0 ? EX_OK_ : EX_IOERR_;
}

static void
on_closed(uv_handle_t *h)
{
	(void)h;
}

/* srv_stop() is done: close the signal handles and the loop ends. */
static void
on_stopped(void *ud)
{
	struct runtime *rt = ud;

	uv_close((uv_handle_t *)&rt->sigint, on_closed);
	uv_close((uv_handle_t *)&rt->sigterm, on_closed);
	uv_close((uv_handle_t *)&rt->sigusr1, on_closed);
}

/* SIGUSR1: the directory statistics (as --stats prints them) to the log. */
static void
on_usr1(uv_signal_t *h, int signum)
{
	struct runtime *rt = h->data;
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	(void)signum;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		log_warn("statistics: out of memory");
		return;
	}
	/* The counts held in memory first, so that both views agree. */
	(void)srv_dir_flush(rt->srv.dir, rt->srv.store);
	r = srv_dir_stats_print(rt->srv.store, (uint64_t)time(NULL), f);
	fclose(f);
	if (r != 0)
		log_warn_err(r, "statistics");
	else
		for (line = strtok_r(buf, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			log_info("stats: %s", line);
	free(buf);
}

/* --stats: the directory statistics of the store in DIR, then exit. */
static int
print_stats(const struct opts *o, const struct srv_keys *keys)
{
	struct srv_store *store = NULL;
	int r;

	/* Opening would make an empty store: there is nothing to count. */
	if (!store_exists(o->data)) {
		fprintf(stderr, "%s: %s/%s does not exist: no statistics\n",
		    progname, o->data, SRV_STORE_FILE);
		return EX_IOERR_;
	}
	if ((r = srv_store_open(&store, o->data, keys->store_key, 0)) != 0) {
		fprintf(stderr, "%s: cannot open the store in %s: %s\n",
		    progname, o->data, err_str(r));
		return EX_OSERR_;
	}
	r = srv_dir_stats_print(store, (uint64_t)time(NULL), stdout);
	srv_store_close(store);
	if (r != 0) {
		fprintf(stderr, "%s: cannot read the statistics: %s\n",
		    progname, err_str(r));
		return r == ERR_IO ? EX_IOERR_ : EX_OSERR_;
	}
	return EX_OK_;
}

static void
on_signal(uv_signal_t *h, int signum)
{
	struct runtime *rt = h->data;

	if (rt->stopping) {
		/* A second signal while draining: stop waiting. */
		log_warn("signal %d again: stopping now", signum);
		uv_stop(&rt->loop);
		return;
	}
	rt->stopping = 1;
	log_info("signal %d: stopping", signum);
	srv_stop(&rt->srv, on_stopped, rt);
}

static int
print_fingerprint(const struct srv_keys *k)
{
	char fp[FP_KEY_TEXT_LEN];

	fp_format_key(fp, k->noise_pub);
	printf("fingerprint: %s\n", fp);
	return fflush(stdout) == 0 ? 0 : ERR_IO;
}

/* sottod --reports: the store is opened (and migrated) like a start. */
static int
list_reports(const struct opts *o, const struct srv_keys *keys)
{
	struct srv_store *store = NULL;
	int r;

	if (!store_exists(o->data)) {
		fprintf(stderr, "%s: %s holds no %s\n", progname, o->data,
		    SRV_STORE_FILE);
		return EX_IOERR_;
	}
	if ((r = srv_store_open(&store, o->data, keys->store_key,
	    o->full_sync)) != 0) {
		fprintf(stderr, "%s: cannot open the store in %s: %s\n",
		    progname, o->data, err_str(r));
		return EX_OSERR_;
	}
	r = srv_report_list(store, stdout);
	srv_store_close(store);
	if (r != 0) {
		fprintf(stderr, "%s: cannot list the reports: %s\n", progname,
		    err_str(r));
		return EX_IOERR_;
	}
	return EX_OK_;
}

static int
serve(const struct opts *o, struct srv_keys *keys)
{
	struct runtime *rt;
	struct srv_store *store = NULL;
	char bound[128];
	const char *why = NULL;
	int r, ex = EX_OK_;

	if ((rt = calloc(1, sizeof(*rt))) == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return EX_OSERR_;
	}
	if ((r = srv_store_open(&store, o->data, keys->store_key,
	    o->full_sync)) != 0) {
		fprintf(stderr, "%s: cannot open the store in %s: %s\n",
		    progname, o->data, err_str(r));
		free(rt);
		return EX_OSERR_;
	}
	if (uv_loop_init(&rt->loop) != 0) {
		fprintf(stderr, "%s: cannot make the event loop\n", progname);
		srv_store_close(store);
		free(rt);
		return EX_OSERR_;
	}
	if ((r = srv_init(&rt->srv, &rt->loop, keys, store)) != 0) {
		fprintf(stderr, "%s: cannot start: %s\n", progname, err_str(r));
		ex = EX_OSERR_;
		goto out_loop;
	}
	if ((r = srv_dir_configure(rt->srv.dir, &o->dir)) != 0)
		why = "cannot set the directory limits";
	else
		r = srv_listen(&rt->srv, o->listen, bound, sizeof(bound),
		    &why);
	if (r != 0) {
		fprintf(stderr, "%s: cannot listen on %s: %s\n", progname,
		    o->listen, why != NULL ? why : err_str(r));
		ex = r == ERR_INVAL ? EX_USAGE_ : EX_OSERR_;
		srv_stop(&rt->srv, NULL, NULL);
		uv_run(&rt->loop, UV_RUN_DEFAULT);
		srv_free(&rt->srv);
		goto out_loop;
	}

	uv_signal_init(&rt->loop, &rt->sigint);
	uv_signal_init(&rt->loop, &rt->sigterm);
	uv_signal_init(&rt->loop, &rt->sigusr1);
	rt->sigint.data = rt->sigterm.data = rt->sigusr1.data = rt;
	uv_signal_start(&rt->sigint, on_signal, SIGINT);
	uv_signal_start(&rt->sigterm, on_signal, SIGTERM);
	uv_signal_start(&rt->sigusr1, on_usr1, SIGUSR1);
	/* The loop ends when the others close; this one must not keep it. */
	uv_unref((uv_handle_t *)&rt->sigusr1);

	/* Scripts wait for this line: it comes once the port is bound. */
	printf("listening on %s\n", bound);
	fflush(stdout);
	log_info("%s listening on %s", SRV_SOFTWARE, bound);

	uv_run(&rt->loop, UV_RUN_DEFAULT);
	if (uv_loop_alive(&rt->loop)) {
		/* A second signal cut the drain short: close what is left. */
		if (!rt->srv.stopping)
			srv_stop(&rt->srv, NULL, NULL);
		if (!uv_is_closing((uv_handle_t *)&rt->sigint)) {
			uv_close((uv_handle_t *)&rt->sigint, on_closed);
			uv_close((uv_handle_t *)&rt->sigterm, on_closed);
			uv_close((uv_handle_t *)&rt->sigusr1, on_closed);
		}
		uv_run(&rt->loop, UV_RUN_DEFAULT);
	}
	srv_free(&rt->srv);
	log_info("stopped");
out_loop:
	if (uv_loop_close(&rt->loop) != 0)
		log_warn("event loop still had handles at exit");
	srv_store_close(store);
	free(rt);
	return ex;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct srv_keys *keys;
	int r, ex, created = 0;

	if ((r = parse_opts(&o, argc, argv)) != 0)
		return r;
	(void)log_open(NULL, 0);	/* stderr, until --log is opened */
	/* A peer that goes away mid-write must not kill the server. */
	signal(SIGPIPE, SIG_IGN);
	if (sec_init() != 0) {
		fprintf(stderr, "%s: libsodium failed to initialise\n",
		    progname);
		return EX_OSERR_;
	}
	if ((keys = sec_alloc(sizeof(*keys))) == NULL) {
		fprintf(stderr, "%s: out of secure memory\n", progname);
		return EX_OSERR_;
	}

	if (o.fingerprint || o.reports) {
		r = srv_keyfile_load(keys, o.data, 0, &created);
		ex = r != 0 ? keyfile_failed(&o, r) : o.reports ?
		    list_reports(&o, keys) :
		    print_fingerprint(keys) == 0 ? EX_OK_ : EX_IOERR_;
		sec_free(keys);
		return ex;
	}
	if (o.stats) {
		r = srv_keyfile_load(keys, o.data, 0, &created);
		ex = r != 0 ? keyfile_failed(&o, r) : print_stats(&o, keys);
		sec_free(keys);
		return ex;
	}

	if (log_open(o.log, 0) != 0) {
		fprintf(stderr, "%s: cannot open the log %s: %s\n", progname,
		    o.log, strerror(errno));
		sec_free(keys);
		return EX_IOERR_;
	}
	log_set_level(o.debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);

	if ((r = srv_keyfile_prepare_dir(o.data)) != 0) {
		if (r == ERR_PERM)
			fprintf(stderr, "%s: %s is writable by other users; "
			    "chmod 700 it\n", progname, o.data);
		else
			fprintf(stderr, "%s: cannot make %s: %s\n", progname,
			    o.data, strerror(errno));
		ex = r == ERR_PERM ? EX_NOPERM_ : EX_IOERR_;
		goto out;
	}
	if ((ex = check_data_dir(&o)) != 0)
		goto out;
	if (o.init) {
		ex = init_data_dir(&o, keys);
		goto out;
	}
	if (o.new_store)
		log_warn("starting with a new, empty store (--new-store)");
	/*
	 * A new key can never open an existing store: when the key file is
	 * gone but the data is not, making one would only hide the loss.
	 */
	r = srv_keyfile_load(keys, o.data, 0, &created);
	if (r == ERR_NOT_FOUND && store_exists(o.data)) {
		fprintf(stderr, "%s: %s/%s exists but %s does not; restore "
		    "%s from a backup (a new key cannot open the data)\n",
		    progname, o.data, SRV_STORE_FILE, SRV_KEYFILE_NAME,
		    SRV_KEYFILE_NAME);
		ex = EX_DATAERR_;
		goto out;
	}
	if (r == ERR_NOT_FOUND)
		r = srv_keyfile_load(keys, o.data, 1, &created);
	if (r != 0) {
		ex = keyfile_failed(&o, r);
		goto out;
	}
	if (created)
		log_info("made a new server key in %s", o.data);
	if (print_fingerprint(keys) != 0) {
		ex = EX_IOERR_;
		goto out;
	}
	ex = serve(&o, keys);
out:
	sec_free(keys);
	log_close();
	return ex;
}
