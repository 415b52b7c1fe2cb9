#include "server/srv_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto/err.h"

static FILE *srv_log_file;	/* NULL: stderr */
static enum srv_log_level srv_log_level = SRV_LOG_INFO;

static const char *const srv_log_names[] = { "debug", "info", "warn", "error" };

int
srv_log_open(const char *path)
{
	FILE *f;
	int fd;

	srv_log_close();
	if (path == NULL)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd == -1)
		return ERR_IO;
	if ((f = fdopen(fd, "a")) == NULL) {
		close(fd);
		return ERR_IO;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	srv_log_file = f;
	return 0;
}

void
srv_log_close(void)
{
	if (srv_log_file != NULL)
		fclose(srv_log_file);
	srv_log_file = NULL;
}

void
srv_log_set_level(enum srv_log_level level)
{
	srv_log_level = level;
}

void
srv_log_emit(enum srv_log_level level, const char *func, int line, int err,
    const char *fmt, ...)
{
	FILE *f = srv_log_file != NULL ? srv_log_file : stderr;
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int saved = errno;

	if (level < srv_log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%03ldZ %s %s:%d: ", stamp, ts.tv_nsec / 1000000L,
	    srv_log_names[level], func, line);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (err == ERR_IO)
		fprintf(f, ": %s", strerror(saved));
	else if (err != 0)
		fprintf(f, ": %s", err_str(err));
	fputc('\n', f);
	fflush(f);
	errno = saved;
}
