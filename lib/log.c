/*
 * One log per process, so its state is file-scope (as tmux's log.c
 * does); nothing but this module touches it.
 */
#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"

#define LOG_ROTATE_SIZE (1024L * 1024L)

static FILE *log_file;		/* NULL: closed, lines dropped */
static enum log_level log_level = LOG_LEVEL_INFO;

static const char *const log_names[] = { "debug", "info", "warn", "error" };

/* Moves a log past its size limit aside, keeping one old generation. */
static void
log_rotate(const char *path)
{
	struct stat st;
	char *old;
	size_t n;

	if (stat(path, &st) == -1 || st.st_size < LOG_ROTATE_SIZE)
		return;
	n = strlen(path) + sizeof(".old");
	if ((old = malloc(n)) == NULL)
		return;
	snprintf(old, n, "%s.old", path);
	(void)rename(path, old);
	free(old);
}

int
log_open(const char *path, int flags)
{
	int fd;

	log_close();
	if (path == NULL) {
		log_file = stderr;
		return 0;
	}
	if (flags & LOG_ROTATE)
		log_rotate(path);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return ERR_IO;
	if ((log_file = fdopen(fd, "a")) == NULL) {
		close(fd);
		return ERR_IO;
	}
	setvbuf(log_file, NULL, _IOLBF, 0);
	return 0;
}

void
log_close(void)
{
	if (log_file != NULL && log_file != stderr)
		fclose(log_file);
	log_file = NULL;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

void
log_emit(enum log_level level, const char *func, int line, int err,
    const char *fmt, ...)
{
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int saved = errno;

	if (log_file == NULL || level < log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "%lld", (long long)ts.tv_sec);
	fprintf(log_file, "%s.%03ldZ %ld %s %s:%d: ", stamp,
	    ts.tv_nsec / 1000000L, (long)getpid(), log_names[level], func,
	    line);
	va_start(ap, fmt);
	vfprintf(log_file, fmt, ap);
	va_end(ap);
	if (err == ERR_IO)
		fprintf(log_file, ": %s", strerror(saved));
	else if (err != 0)
		fprintf(log_file, ": %s", err_str(err));
	fputc('\n', log_file);
	fflush(log_file);
	errno = saved;
}
