#include "server/srv_keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/sec.h"
#include "lib/err.h"

#define SRV_KEYFILE_MAX 512
#define SRV_KEYFILE_MAGIC "sotto-server-key 1\n"

int
srv_keyfile_prepare_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return ERR_IO;
	if (stat(dir, &st) == -1)
		return ERR_IO;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return ERR_IO;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return ERR_PERM;
	return 0;
}

static int
srv_keyfile_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		return ERR_IO;
	}
	return 0;
}

/* Writes the text to a temporary file, fsyncs it, renames it in place. */
static int
srv_keyfile_write(const char *dir, const char *text, size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	ssize_t w;
	size_t off = 0;
	int fd, r, dfd;

	if ((r = srv_keyfile_path(path, sizeof(path), dir,
	    SRV_KEYFILE_NAME)) != 0 || (r = srv_keyfile_path(tmp,
	    sizeof(tmp), dir, SRV_KEYFILE_NAME ".tmp")) != 0)
		return r;
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1)
		return ERR_IO;
	while (off < len) {
		w = write(fd, text + off, len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	/* link() refuses to replace a file another process made meanwhile. */
	if (link(tmp, path) == -1)
		goto fail;
	(void)unlink(tmp);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
fail:
	r = errno;
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	errno = r;
	return ERR_IO;
}

static int
srv_keyfile_create(const char *dir)
{
	struct srv_keys *k;
	char *text;
	char hex_n[65], hex_s[65];
	int r, n;

	k = sec_alloc(sizeof(*k));
	text = sec_alloc(SRV_KEYFILE_MAX);
	if (k == NULL || text == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = noise_keypair(k->noise_pub, k->noise_priv)) != 0)
		goto out;
	sec_random(k->store_key, sizeof(k->store_key));
	(void)sec_hex_encode(hex_n, sizeof(hex_n), k->noise_priv, 32);
	(void)sec_hex_encode(hex_s, sizeof(hex_s), k->store_key, 32);
	n = snprintf(text, SRV_KEYFILE_MAX, SRV_KEYFILE_MAGIC
	    "noise %s\nstore %s\n", hex_n, hex_s);
	r = srv_keyfile_write(dir, text, (size_t)n);
out:
	sec_wipe(hex_n, sizeof(hex_n));
	sec_wipe(hex_s, sizeof(hex_s));
	sec_free(text);
	sec_free(k);
	return r;
}

/* Parses "<name> <64 hex>\n" at *p into out and advances *p. */
static int
srv_keyfile_field(const char **p, const char *end, const char *name,
    uint8_t out[32])
{
	size_t nlen = strlen(name), got;
	const char *s = *p;

	if ((size_t)(end - s) < nlen + 1 + 64 + 1 ||
	    memcmp(s, name, nlen) != 0 || s[nlen] != ' ' ||
	    s[nlen + 1 + 64] != '\n')
		return ERR_INVAL;
	s += nlen + 1;
	if (sec_hex_decode(out, 32, &got, s, 64) != 0 || got != 32)
		return ERR_INVAL;
	*p = s + 64 + 1;
	return 0;
}

int
srv_keyfile_load(struct srv_keys *k, const char *dir, int create,
    int *created)
{
	char path[PATH_MAX];
	char *text = NULL;
	const char *p, *end;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd = -1, r;

	if (created != NULL)
		*created = 0;
	if ((r = srv_keyfile_path(path, sizeof(path), dir,
	    SRV_KEYFILE_NAME)) != 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 && errno == ENOENT) {
		if (!create)
			return ERR_NOT_FOUND;
		if ((r = srv_keyfile_create(dir)) != 0)
			return r;
		if (created != NULL)
			*created = 1;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd == -1)
		return ERR_IO;
	if ((text = sec_alloc(SRV_KEYFILE_MAX)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		r = ERR_IO;
		goto out;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		r = ERR_PERM;
		goto out;
	}
	while (len < SRV_KEYFILE_MAX) {
		n = read(fd, text + len, SRV_KEYFILE_MAX - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	p = text;
	end = text + len;
	r = ERR_INVAL;
	if (len == SRV_KEYFILE_MAX || len < strlen(SRV_KEYFILE_MAGIC) ||
	    memcmp(p, SRV_KEYFILE_MAGIC, strlen(SRV_KEYFILE_MAGIC)) != 0)
		goto out;
	p += strlen(SRV_KEYFILE_MAGIC);
	if (srv_keyfile_field(&p, end, "noise", k->noise_priv) != 0 ||
	    srv_keyfile_field(&p, end, "store", k->store_key) != 0 || p != end)
		goto out;
	if ((r = noise_public_key(k->noise_pub, k->noise_priv)) != 0)
		goto out;
	r = 0;
out:
	if (fd != -1)
		close(fd);
	sec_free(text);
	if (r != 0)
		sec_wipe(k, sizeof(*k));
	return r;
}
