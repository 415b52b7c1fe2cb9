/*
 * Secrets from the terminal or from a file. The terminal code follows the
 * shape of OpenBSD's readpassphrase(3): echo off, signals that would stop
 * or kill the process caught while it is off, the terminal restored, then
 * the signal resent so that its usual effect happens with a sane
 * terminal.
 */
#include "client/tty.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "crypto/sec.h"
#include "lib/err.h"

#define TTY_TRIES 3

static const int tty_signals[] = {
	SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN,
	SIGTTOU,
};
#define TTY_NSIGNALS (sizeof(tty_signals) / sizeof(tty_signals[0]))

static volatile sig_atomic_t tty_caught;

static void
tty_handler(int sig)
{
	tty_caught = sig;
}

/* Reads into buf (sec_alloc()ed, TTY_SECRET_MAX + 1 bytes) up to '\n'. */
static int
tty_read_line(int fd, char *buf, size_t *len, int stop_at_eof)
{
	size_t n = 0;
	ssize_t got;
	char ch;

	for (;;) {
		got = read(fd, &ch, 1);
		if (got == -1) {
			if (errno == EINTR && tty_caught == 0)
				continue;
			return ERR_IO;
		}
		if (got == 0) {
			if (stop_at_eof)
				break;
			return ERR_IO;
		}
		if (ch == '\n')
			break;
		if (n == TTY_SECRET_MAX) {
			sec_wipe(buf, TTY_SECRET_MAX + 1);
			return ERR_TOO_BIG;
		}
		buf[n++] = ch;
	}
	buf[n] = '\0';
	*len = n;
	return 0;
}

int
tty_read_file(const char *path, char **out, size_t *len)
{
	char *buf = NULL;
	int fd = -1, r;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return ERR_IO;
	if ((buf = sec_alloc(TTY_SECRET_MAX + 1)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	/* Byte by byte, so that nothing past the first line is ever read. */
	if ((r = tty_read_line(fd, buf, len, 1)) != 0)
		goto out;
	*out = buf;
	buf = NULL;
out:
	sec_free(buf);
	if (fd != -1)
		close(fd);
	return r;
}

int
tty_available(void)
{
	int fd;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return 0;
	close(fd);
	return 1;
}

/* Best effort: a prompt that cannot be shown is not worth failing over. */
static void
tty_write(int fd, const char *s)
{
	size_t n = strlen(s);
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, s, n)) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

/*
 * One prompt with echo off. Returns 0, ERR_AGAIN when a stop signal
 * interrupted it and the process has been continued (prompt again), or an
 * error.
 */
static int
tty_ask(int fd, const char *prompt, char *buf, size_t *len)
{
	struct sigaction sa, saved[TTY_NSIGNALS];
	struct termios old, quiet;
	size_t i;
	int r, sig, have_term;

	tty_caught = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: read() must see EINTR */
	for (i = 0; i < TTY_NSIGNALS; i++)
		(void)sigaction(tty_signals[i], &sa, &saved[i]);

	have_term = tcgetattr(fd, &old) == 0;
	if (have_term) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		(void)tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	tty_write(fd, prompt);
	r = tty_read_line(fd, buf, len, 0);
	tty_write(fd, "\n");
	if (have_term)
		(void)tcsetattr(fd, TCSAFLUSH, &old);

	for (i = 0; i < TTY_NSIGNALS; i++)
		(void)sigaction(tty_signals[i], &saved[i], NULL);
	if ((sig = tty_caught) != 0) {
		sec_wipe(buf, TTY_SECRET_MAX + 1);
		*len = 0;
		/* Now that the terminal is sane, let the signal do its work. */
		(void)raise(sig);
		if (sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			return ERR_AGAIN;
		return ERR_IO;
	}
	return r;
}

int
tty_prompt(const char *prompt, const char *confirm, char **out, size_t *len)
{
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	int fd, r, tries;

	*out = NULL;
	*len = 0;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
		return ERR_NOT_FOUND;
	if ((a = sec_alloc(TTY_SECRET_MAX + 1)) == NULL ||
	    (confirm != NULL && (b = sec_alloc(TTY_SECRET_MAX + 1)) == NULL)) {
		r = ERR_NOMEM;
		goto out;
	}
	for (tries = 0; tries < TTY_TRIES; tries++) {
		while ((r = tty_ask(fd, prompt, a, &alen)) == ERR_AGAIN)
			continue;
		if (r != 0)
			goto out;
		if (confirm == NULL)
			break;
		while ((r = tty_ask(fd, confirm, b, &blen)) == ERR_AGAIN)
			continue;
		if (r != 0)
			goto out;
		if (alen == blen && sec_equal(a, b, alen))
			break;
		tty_write(fd, "They do not match; try again.\n");
		r = ERR_INVAL;
	}
	if (r != 0)
		goto out;
	*out = a;
	*len = alen;
	a = NULL;
out:
	sec_free(a);
	sec_free(b);
	close(fd);
	return r;
}
