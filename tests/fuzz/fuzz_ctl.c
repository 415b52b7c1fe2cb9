/*
 * libFuzzer target for the control socket (client/ctl.c): the request
 * line a process sends to a running `sotto --listen` ({"v":1,"argv":[...],
 * "message":...}), its JSON parsing, the command line it carries
 * (cmd_parse, cmd_check) and the command it starts (cmd_start) on the
 * profile's modules, over a real profile store signed in as alice
 * (fuzz_client.h).
 *
 * ctl_listen() listens on ctl.sock in the profile directory; each input is
 * written to a new connection to it (a line break is added when it has
 * none), then the loop runs while every request the command makes gets a
 * plain success, until the answer ends with {"exit":N} or FZ_TURNS turns
 * have passed; then the connection is closed (a command still running is
 * stopped, as when its client goes away).
 *
 * Checked: every line of the answer is a JSON object with exactly one of
 * "out" (a string), "err" (a string) or "exit" (an integer 0..255), the
 * exit line comes last, and no out or err text holds a control character
 * other than tab (they are printed to a terminal as they are).
 *
 * With FUZZ_WRITE_SEEDS=DIR set, writes its seed corpus into DIR and exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "client/ctl.h"
#include "tests/fuzz/fuzz_client.h"
#include "tests/fuzz/fuzz_common.h"

#define FZ_TURNS 200
#define FZ_ANSWER_MAX (1 << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ctl *fz_ctl;
static char *fz_ans;
static size_t fz_len;

static void fz_write_seeds(const char *dir);

static void
fz_die(const char *what)
{
	fprintf(stderr, "fuzz_ctl: %s (%s)\n", what, strerror(errno));
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_write_seeds_if_asked(fz_write_seeds);
	fzc_setup("fuzz_ctl");
	fzc_ready();
	fzc_answer_all(8);
	fzc_turn();
	if (ctl_listen(&fz_ctl, fzc.cloud, fzc.dir, "127.0.0.1:1") != 0)
		fz_die("cannot listen");
	if ((fz_ans = malloc(FZ_ANSWER_MAX + 1)) == NULL)
		fz_die("out of memory");
	return 0;
}

static int
fz_connect(void)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", fzc.dir,
	    CTL_SOCKET_NAME);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fz_die("cannot connect");
	return fd;
}

/* Writes all of p while the loop runs (the socket buffer may fill). */
static void
fz_write(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EAGAIN) {
			fzc_turn();
			continue;
		}
		if (w < 0)
			return;		/* it hung up: answered already */
		p += w;
		n -= (size_t)w;
	}
}

/* Reads what is there; 1 at EOF. */
static int
fz_read(int fd)
{
	ssize_t r;

	while (fz_len < FZ_ANSWER_MAX) {
		r = read(fd, fz_ans + fz_len, FZ_ANSWER_MAX - fz_len);
		if (r == 0)
			return 1;
		if (r < 0)
			return errno == EAGAIN ? 0 : 1;
		fz_len += (size_t)r;
	}
	return 1;
}

static void
fz_bad(const char *why, const char *line)
{
	fprintf(stderr, "fuzz_ctl: %s: %.200s\n", why, line);
	abort();
}

static void
fz_check_text(const char *s, const char *line)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			fz_bad("a control character in the answer", line);
}

/* Checks the answer's lines; returns whether it ended with exit. */
static int
fz_check(void)
{
	json_t *j, *v;
	char *line, *nl;
	int ended = 0;

	fz_ans[fz_len] = '\0';
	for (line = fz_ans; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;		/* cut short by the close */
		*nl = '\0';
		if (ended)
			fz_bad("a line after exit", line);
		if ((j = json_loads(line, 0, NULL)) == NULL ||
		    !json_is_object(j) || json_object_size(j) != 1)
			fz_bad("not one JSON member", line);
		if ((v = json_object_get(j, "exit")) != NULL) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 255)
				fz_bad("a bad exit", line);
			ended = 1;
		} else if ((v = json_object_get(j, "out")) == NULL &&
		    (v = json_object_get(j, "err")) == NULL)
			fz_bad("neither out, err nor exit", line);
		else if (!json_is_string(v))
			fz_bad("not a string", line);
		else
			fz_check_text(json_string_value(v), line);
		json_decref(j);
	}
	return ended;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd, turns, eof = 0;

	fd = fz_connect();
	if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0)
		fz_die("fcntl");
	fz_len = 0;
	fz_write(fd, data, size);
	if (memchr(data, '\n', size) == NULL)
		fz_write(fd, (const uint8_t *)"\n", 1);
	for (turns = 0; turns < FZ_TURNS && !eof; turns++) {
		fzc_answer_all(2);
		fzc_turn();
		eof = fz_read(fd);
	}
	(void)fz_check();
	close(fd);
	/* A command still running is stopped; let it end. */
	for (turns = 0; turns < 20; turns++) {
		fzc_answer_all(2);
		fzc_turn();
	}
	return 0;
}

/* ---------------------------------------------------------------- seeds */

static void
fz_seed(const char *dir, const char *name, const char *line)
{
	FILE *f = fuzz_seed_open(dir, name);

	if (fputs(line, f) == EOF || fclose(f) != 0)
		abort();
}

static void
fz_write_seeds(const char *dir)
{
	fz_seed(dir, "send", "{\"v\":1,\"argv\":[\"sotto\",\"--to\",\"@bob\","
	    "\"-m\",\"-\"],\"message\":\"hi \\u202e bob\"}\n");
	fz_seed(dir, "chats", "{\"v\":1,\"argv\":[\"sotto\",\"--list-chats\","
	    "\"--json\"]}\n");
	fz_seed(dir, "history", "{\"v\":1,\"argv\":[\"sotto\",\"--history\","
	    "\"@bob\",\"--limit\",\"5\"]}\n");
	fz_seed(dir, "secret", "{\"v\":1,\"argv\":[\"sotto\",\"--secret\","
	    "\"--to\",\"@bob\",\"-m\",\"x\"]}\n");
	fz_seed(dir, "group", "{\"v\":1,\"argv\":[\"sotto\",\"--create-group\","
	    "\"friends\",\"--members\",\"@bob,@carol\"]}\n");
	fz_seed(dir, "privacy", "{\"v\":1,\"argv\":[\"sotto\",\"--set-privacy\","
	    "\"phone=nobody\",\"--privacy-allow\",\"@bob\"]}\n");
	fz_seed(dir, "bad", "{\"v\":2,\"argv\":[]}\n");
}
