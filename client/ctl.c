/*
 * The control socket. The listening side runs on the loop of the process
 * that owns the profile (libuv pipes); the asking side is a short blocking
 * exchange before anything else happens in the asking process, so it
 * needs no loop of its own.
 *
 * Trust: the socket is made with umask 077 and chmod 0600 in the profile
 * directory (itself 0700), and each side checks the other's uid with
 * SO_PEERCRED, so only the profile's owner can drive it and a command is
 * never handed to another user's process.
 *
 * A stale socket (its process died) is replaced only after a connect to
 * it was refused; one that answers belongs to a live process and is left
 * alone.
 */
#define _GNU_SOURCE 1	/* struct ucred, SO_PEERCRED */
#include "config.h"

#include "client/ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "client/cmd.h"
#include "lib/log.h"
#include "client/profile.h"
#include "lib/err.h"

struct ctl_conn;

struct ctl {
	struct cloud *c;
	uv_pipe_t pipe;
	char *path;
	char server[STORE_ADDR_MAX];
	struct ctl_conn *conns;
};

struct ctl_conn {
	struct ctl *ctl;		/* NULL once the ctl is gone */
	struct ctl_conn *next;
	uv_pipe_t pipe;
	char *buf;
	size_t len;
	int got_request;
	int closing;
	unsigned writes;		/* uv_write in flight */
	int ended;			/* the exit line was queued */
	struct cmd_sink sink;
	struct cmd_opts opts;
	struct cmd *cmd;
	char **argv;
	int argc;
	char *message;
	char server[STORE_ADDR_MAX];
};

struct ctl_write {
	uv_write_t req;
	struct ctl_conn *conn;
	char *data;
};

static void
ctl_conn_closed(uv_handle_t *h)
{
	struct ctl_conn *cc = h->data;
	int i;

	for (i = 0; i < cc->argc; i++)
		free(cc->argv[i]);
	free(cc->argv);
	free(cc->message);
	free(cc->buf);
	free(cc);
}

static void
ctl_conn_unlink(struct ctl_conn *cc)
{
	struct ctl_conn **pp;

	if (cc->ctl == NULL)
		return;
	for (pp = &cc->ctl->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == cc) {
			*pp = cc->next;
			break;
		}
	cc->ctl = NULL;
}

/* Closes once no command runs and every write is out. */
static void
ctl_conn_maybe_close(struct ctl_conn *cc)
{
	if (cc->closing || cc->cmd != NULL || cc->writes > 0)
		return;
	cc->closing = 1;
	ctl_conn_unlink(cc);
	uv_close((uv_handle_t *)&cc->pipe, ctl_conn_closed);
}

static void
ctl_write_cb(uv_write_t *req, int status)
{
	struct ctl_write *w = (struct ctl_write *)req;
	struct ctl_conn *cc = w->conn;

	(void)status;
	free(w->data);
	free(w);
	cc->writes--;
	if (cc->ended)
		ctl_conn_maybe_close(cc);
}

/* Queues one JSON line {key: value} to the client. */
static void
ctl_send(struct ctl_conn *cc, const char *key, json_t *value)
{
	struct ctl_write *w;
	json_t *o;
	uv_buf_t b;
	char *text;
	size_t n;

	if (cc->closing || value == NULL) {
		json_decref(value);
		return;
	}
	if ((o = json_object()) == NULL ||
	    json_object_set_new(o, key, value) != 0) {
		json_decref(o);
		return;
	}
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return;
	n = strlen(text);
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->data = realloc(text, n + 2)) == NULL) {
		free(w);
		free(text);
		return;
	}
	w->data[n] = '\n';
	w->data[n + 1] = '\0';
	w->conn = cc;
	b = uv_buf_init(w->data, (unsigned)(n + 1));
	if (uv_write(&w->req, (uv_stream_t *)&cc->pipe, &b, 1,
	    ctl_write_cb) != 0) {
		free(w->data);
		free(w);
		return;
	}
	cc->writes++;
}

static void
ctl_sink_out(void *ud, const char *line)
{
	ctl_send(ud, "out", json_string(line));
}

static void
ctl_sink_err(void *ud, const char *line)
{
	ctl_send(ud, "err", json_string(line));
}

static void
ctl_end(struct ctl_conn *cc, int status)
{
	ctl_send(cc, "exit", json_integer(status));
	cc->ended = 1;
	ctl_conn_maybe_close(cc);
}

static void
ctl_cmd_done(void *ud, int status)
{
	struct ctl_conn *cc = ud;

	cc->cmd = NULL;
	log_info("control command done (%d)", status);
	ctl_end(cc, status);
}

/* Parses the request line and starts its command. */
static void
ctl_run(struct ctl_conn *cc, const char *line)
{
	json_t *req, *argv, *msg;
	json_error_t jerr;
	size_t i, n;
	int st, r;

	if ((req = json_loads(line, 0, &jerr)) == NULL ||
	    !json_is_integer(json_object_get(req, "v")) ||
	    json_integer_value(json_object_get(req, "v")) != 1 ||
	    !json_is_array(argv = json_object_get(req, "argv")) ||
	    (n = json_array_size(argv)) == 0 || n > 1000) {
		json_decref(req);
		cmd_err(&cc->sink, "malformed control request");
		ctl_end(cc, CMD_EX_USAGE);
		return;
	}
	if ((cc->argv = calloc(n + 1, sizeof(*cc->argv))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (!json_is_string(json_array_get(argv, i)) ||
		    (cc->argv[i] = strdup(json_string_value(
		    json_array_get(argv, i)))) == NULL)
			goto nomem;
		cc->argc++;
	}
	msg = json_object_get(req, "message");
	if (json_is_string(msg) &&
	    (cc->message = strdup(json_string_value(msg))) == NULL)
		goto nomem;
	json_decref(req);
	req = NULL;

	if ((st = cmd_parse(cc->argc, cc->argv, &cc->opts, &cc->sink)) != 0) {
		ctl_end(cc, st);
		return;
	}
	if (!cmd_is_chat(cc->opts.action) || cc->opts.action == CMD_LISTEN) {
		cmd_err(&cc->sink, "this action is not carried out over the "
		    "control socket");
		ctl_end(cc, CMD_EX_USAGE);
		return;
	}
	if (cc->opts.message != NULL && strcmp(cc->opts.message, "-") == 0)
		cc->opts.message = cc->message != NULL ? cc->message : "";
	/* --import-contacts: the file's text travels, not its path. */
	if (cc->opts.action == CMD_IMPORT_CONTACTS)
		cc->opts.import_text = cc->message;
	if ((st = cmd_check(&cc->opts, &cc->sink)) != 0) {
		ctl_end(cc, st);
		return;
	}
	log_info("control command (action %d)", (int)cc->opts.action);
	if ((r = cmd_start(&cc->cmd, cc->ctl->c, &cc->opts, cc->server, NULL,
	    &cc->sink, ctl_cmd_done, cc)) != 0) {
		cc->cmd = NULL;
		cmd_err(&cc->sink, "cannot start: %s", err_str(r));
		ctl_end(cc, cmd_exit_code(r));
	}
	return;
nomem:
	json_decref(req);
	cmd_err(&cc->sink, "out of memory");
	ctl_end(cc, CMD_EX_SOFTWARE);
}

static void
ctl_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	(void)h;
	(void)hint;
	b->base = malloc(65536);
	b->len = b->base != NULL ? 65536 : 0;
}

static void
ctl_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct ctl_conn *cc = s->data;
	char *nl, *p;

	if (n < 0) {
		free(b->base);
		uv_read_stop(s);
		if (cc->cmd != NULL)
			cmd_stop(cc->cmd, CMD_EX_SOFTWARE);	/* client gone */
		else if (!cc->got_request) {
			cc->ended = 1;
			ctl_conn_maybe_close(cc);
		}
		return;
	}
	if (n == 0 || cc->got_request) {
		free(b->base);
		return;
	}
	if (cc->len + (size_t)n > CTL_LINE_MAX ||
	    (p = realloc(cc->buf, cc->len + (size_t)n + 1)) == NULL) {
		free(b->base);
		cc->got_request = 1;
		uv_read_stop(s);
		cmd_err(&cc->sink, "control request too long");
		ctl_end(cc, CMD_EX_USAGE);
		return;
	}
	cc->buf = p;
	memcpy(cc->buf + cc->len, b->base, (size_t)n);
	cc->len += (size_t)n;
	cc->buf[cc->len] = '\0';
	free(b->base);
	if ((nl = memchr(cc->buf, '\n', cc->len)) == NULL)
		return;
	*nl = '\0';
	cc->got_request = 1;
	ctl_run(cc, cc->buf);
}

/* The uid of the process at the other end of fd, or -1. */
static long
ctl_peer_uid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return -1;
	return (long)cred.uid;
}

static void
ctl_on_connection(uv_stream_t *server, int status)
{
	struct ctl *ctl = server->data;
	struct ctl_conn *cc;
	uv_os_fd_t fd;

	if (status != 0)
		return;
	if ((cc = calloc(1, sizeof(*cc))) == NULL)
		return;
	uv_pipe_init(server->loop, &cc->pipe, 0);
	cc->pipe.data = cc;
	if (uv_accept(server, (uv_stream_t *)&cc->pipe) != 0) {
		uv_close((uv_handle_t *)&cc->pipe, ctl_conn_closed);
		return;
	}
	if (uv_fileno((uv_handle_t *)&cc->pipe, &fd) != 0 ||
	    ctl_peer_uid(fd) != (long)getuid()) {
		log_warn("control socket: refused a process of another user");
		uv_close((uv_handle_t *)&cc->pipe, ctl_conn_closed);
		return;
	}
	cc->ctl = ctl;
	cc->next = ctl->conns;
	ctl->conns = cc;
	cc->sink.out = ctl_sink_out;
	cc->sink.err = ctl_sink_err;
	cc->sink.ud = cc;
	snprintf(cc->server, sizeof(cc->server), "%s", ctl->server);
	if (uv_read_start((uv_stream_t *)&cc->pipe, ctl_alloc, ctl_read) != 0) {
		cc->ended = 1;
		ctl_conn_maybe_close(cc);
	}
}

/* Fills sa with path; ERR_TOO_BIG when it does not fit. */
static int
ctl_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return ERR_TOO_BIG;
	memcpy(sa->sun_path, path, strlen(path));
	return 0;
}

/* Connects to path: the fd, or -1 with errno. */
static int
ctl_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (ctl_addr(&sa, path) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static char *
ctl_path(const char *dir)
{
	size_t n = strlen(dir) + sizeof(CTL_SOCKET_NAME) + 2;
	char *p;

	if ((p = malloc(n)) != NULL)
		snprintf(p, n, "%s/%s", dir, CTL_SOCKET_NAME);
	return p;
}

static void
ctl_closed(uv_handle_t *h)
{
	free(h->data);
}

int
ctl_listen(struct ctl **out, struct cloud *c, const char *dir,
    const char *server)
{
	struct ctl *ctl;
	struct stat st;
	mode_t old;
	int fd, r;

	*out = NULL;
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		return ERR_NOMEM;
	if ((ctl->path = ctl_path(dir)) == NULL) {
		free(ctl);
		return ERR_NOMEM;
	}
	ctl->c = c;
	snprintf(ctl->server, sizeof(ctl->server), "%s", server);
	if (lstat(ctl->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warn("%s is not a socket; no control socket",
			    CTL_SOCKET_NAME);
			r = ERR_EXISTS;
			goto fail;
		}
		if ((fd = ctl_connect(ctl->path)) >= 0) {
			close(fd);
			r = ERR_EXISTS;		/* another process runs */
			goto fail;
		}
		if (errno != ECONNREFUSED && errno != ENOENT) {
			r = ERR_IO;
			goto fail;
		}
		(void)unlink(ctl->path);	/* stale */
	}
	uv_pipe_init(cloud_loop(c), &ctl->pipe, 0);
	ctl->pipe.data = ctl;
	old = umask(077);
	r = uv_pipe_bind(&ctl->pipe, ctl->path);
	umask(old);
	if (r != 0 || chmod(ctl->path, 0600) != 0 ||
	    uv_listen((uv_stream_t *)&ctl->pipe, 8, ctl_on_connection) != 0) {
		log_warn("cannot listen on %s: %s", CTL_SOCKET_NAME,
		    r != 0 ? uv_strerror(r) : strerror(errno));
		(void)unlink(ctl->path);
		free(ctl->path);
		ctl->pipe.data = ctl;
		uv_close((uv_handle_t *)&ctl->pipe, ctl_closed);
		return ERR_IO;
	}
	log_info("control socket listening");
	*out = ctl;
	return 0;
fail:
	free(ctl->path);
	free(ctl);
	return r;
}

void
ctl_free(struct ctl *ctl)
{
	struct ctl_conn *cc, *next;

	if (ctl == NULL)
		return;
	for (cc = ctl->conns; cc != NULL; cc = next) {
		next = cc->next;
		cc->ctl = NULL;
		if (cc->cmd != NULL)
			cmd_stop(cc->cmd, CMD_EX_UNAVAILABLE);
		else if (!cc->got_request) {
			/* No command yet: hang up, the client runs it itself. */
			cc->got_request = 1;
			uv_read_stop((uv_stream_t *)&cc->pipe);
			cc->ended = 1;
			ctl_conn_maybe_close(cc);
		}
	}
	ctl->conns = NULL;
	(void)unlink(ctl->path);
	free(ctl->path);
	uv_close((uv_handle_t *)&ctl->pipe, ctl_closed);
}

/* ------------------------------------------------------- asking side */

/* Writes all of p[0..n) to fd. */
static int
ctl_write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Relays one answer line; returns 1 with *status at the exit line. */
static int
ctl_relay(const char *line, int *status)
{
	json_t *o, *v;
	int done = 0;

	if ((o = json_loads(line, 0, NULL)) == NULL)
		return 0;
	if ((v = json_object_get(o, "out")) != NULL && json_is_string(v)) {
		fputs(json_string_value(v), stdout);
		fputc('\n', stdout);
		fflush(stdout);
	} else if ((v = json_object_get(o, "err")) != NULL &&
	    json_is_string(v)) {
		fflush(stdout);
		fputs(json_string_value(v), stderr);
		fputc('\n', stderr);
	} else if ((v = json_object_get(o, "exit")) != NULL &&
	    json_is_integer(v)) {
		*status = (int)json_integer_value(v);
		done = 1;
	}
	json_decref(o);
	return done;
}

int
ctl_try(const char *profile, int argc, char **argv, const char *message,
    int *status)
{
	struct profile prof;
	struct timeval tv;
	json_t *req = NULL, *args;
	char *path = NULL, *text = NULL, *buf = NULL, *nl, *p;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd = -1, i, r = ERR_NOT_FOUND, done = 0, any = 0;

	if (profile_init(&prof, profile) != 0)
		return ERR_NOT_FOUND;
	path = ctl_path(prof.dir);
	profile_close(&prof);
	if (path == NULL || (fd = ctl_connect(path)) < 0)
		goto out;
	if (ctl_peer_uid(fd) != (long)getuid())
		goto out;	/* never hand a command to another user */
	if ((req = json_object()) == NULL || (args = json_array()) == NULL)
		goto out;
	if (json_object_set_new(req, "v", json_integer(1)) != 0 ||
	    json_object_set_new(req, "argv", args) != 0)
		goto out;
	for (i = 0; i < argc; i++) {
		json_t *s = json_string(argv[i]);

		if (s == NULL || json_array_append_new(args, s) != 0)
			goto out;	/* not UTF-8: run it here */
	}
	if (message != NULL && json_object_set_new(req, "message",
	    json_string(message)) != 0)
		goto out;
	if ((text = json_dumps(req, JSON_COMPACT)) == NULL)
		goto out;
	if (ctl_write_all(fd, text, strlen(text)) != 0 ||
	    ctl_write_all(fd, "\n", 1) != 0)
		goto out;
	/* From here on the command is theirs: never run it here too. */
	r = 0;
	*status = CMD_EX_UNAVAILABLE;
	tv.tv_sec = 7 * 24 * 3600;
	tv.tv_usec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!done) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > 16 * CTL_LINE_MAX ||
			    (p = realloc(buf, cap)) == NULL)
				break;
			buf = p;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		while (!done && (nl = memchr(buf, '\n', len)) != NULL) {
			*nl = '\0';
			any = 1;
			done = ctl_relay(buf, status);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
			buf[len] = '\0';
		}
	}
	if (!done) {
		fprintf(stderr, "sotto: the running sotto of this profile "
		    "stopped before it finished the command%s\n", any ? "" :
		    "; a message may be waiting in its outbox");
		*status = CMD_EX_TEMPFAIL;
	}
out:
	if (fd >= 0)
		close(fd);
	json_decref(req);
	free(text);
	free(buf);
	free(path);
	return r;
}
