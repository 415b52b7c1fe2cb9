#include "server/srv_limit.h"

#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "lib/err.h"

#define SRV_LIMIT_SLOTS 1024	/* hash chains; a power of two */

struct srv_limit_node {
	struct srv_limit_node *next;
	double tokens;
	uint64_t stamp;		/* ms of the last refill */
	uint8_t len;
	uint8_t key[SRV_LIMIT_KEY_MAX];
};

struct srv_limit {
	struct srv_limit_node *slot[SRV_LIMIT_SLOTS];
	double burst, rate;
	size_t count, max;
	uint64_t seed;
};

int
srv_limit_new(struct srv_limit **out, double burst, double rate,
    size_t max_keys, uint64_t seed)
{
	struct srv_limit *l;

	*out = NULL;
	if (burst < 1 || !(rate > 0) || max_keys == 0)
		return ERR_INVAL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return ERR_NOMEM;
	l->burst = burst;
	l->rate = rate;
	l->max = max_keys;
	l->seed = seed;
	*out = l;
	return 0;
}

void
srv_limit_free(struct srv_limit *l)
{
	struct srv_limit_node *n, *next;
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < SRV_LIMIT_SLOTS; i++)
		for (n = l->slot[i]; n != NULL; n = next) {
			next = n->next;
			free(n);
		}
	free(l);
}

/* FNV-1a over the key, started from a per-process random seed. */
static size_t
srv_limit_hash(const struct srv_limit *l, const uint8_t *key, size_t len)
{
	uint64_t h = 14695981039346656037ULL ^ l->seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= key[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;
	return (size_t)(h & (SRV_LIMIT_SLOTS - 1));
}

/* Seconds, rounded up, at least 1 (no libm for one ceil). */
static uint32_t
srv_limit_secs(double x)
{
	uint32_t s;

	if (!(x < 86400.0))
		return 86400;
	s = (uint32_t)x;
	if ((double)s < x)
		s++;
	return s < 1 ? 1 : s;
}

static void
srv_limit_refill(const struct srv_limit *l, struct srv_limit_node *n,
    uint64_t now)
{
	if (now > n->stamp) {
		n->tokens += (double)(now - n->stamp) / 1000.0 * l->rate;
		if (n->tokens > l->burst)
			n->tokens = l->burst;
		n->stamp = now;
	}
}

static struct srv_limit_node **
srv_limit_find(struct srv_limit *l, const uint8_t *key, size_t len)
{
	struct srv_limit_node **pp;

	pp = &l->slot[srv_limit_hash(l, key, len)];
	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->len == len && memcmp((*pp)->key, key, len) == 0)
			break;
	return pp;
}

size_t
srv_limit_prune(struct srv_limit *l, uint64_t now)
{
	struct srv_limit_node **pp, *n;
	size_t i;

	for (i = 0; i < SRV_LIMIT_SLOTS; i++) {
		pp = &l->slot[i];
		while ((n = *pp) != NULL) {
			srv_limit_refill(l, n, now);
			if (n->tokens >= l->burst) {
				*pp = n->next;
				free(n);
				l->count--;
			} else
				pp = &n->next;
		}
	}
	return l->count;
}

int
srv_limit_take(struct srv_limit *l, const void *key, size_t len,
    uint64_t now, uint32_t *retry_after)
{
	return srv_limit_take_n(l, key, len, now, 1.0, retry_after);
}

int
srv_limit_take_n(struct srv_limit *l, const void *key, size_t len,
    uint64_t now, double cost, uint32_t *retry_after)
{
	struct srv_limit_node **pp, *n;

	*retry_after = 0;
	if (len == 0 || len > SRV_LIMIT_KEY_MAX || !(cost >= 1.0))
		return ERR_INVAL;
	/* More than a full bucket could never be paid: charge a full one. */
	if (cost > l->burst)
		cost = l->burst;
	pp = srv_limit_find(l, key, len);
	if ((n = *pp) == NULL) {
		if (l->count >= l->max && srv_limit_prune(l, now) >= l->max) {
			*retry_after = srv_limit_secs(1.0 / l->rate);
			return ERR_RATE_LIMITED;
		}
		/* Pruning may have unlinked nodes before our slot's tail. */
		pp = srv_limit_find(l, key, len);
		if ((n = calloc(1, sizeof(*n))) == NULL)
			return ERR_NOMEM;
		n->tokens = l->burst;
		n->stamp = now;
		n->len = (uint8_t)len;
		memcpy(n->key, key, len);
		*pp = n;
		l->count++;
	}
	srv_limit_refill(l, n, now);
	if (n->tokens < cost) {
		*retry_after = srv_limit_secs((cost - n->tokens) / l->rate);
		return ERR_RATE_LIMITED;
	}
	n->tokens -= cost;
	return 0;
}

void
srv_limit_give(struct srv_limit *l, const void *key, size_t len,
    uint64_t now)
{
	srv_limit_give_n(l, key, len, now, 1.0);
}

void
srv_limit_give_n(struct srv_limit *l, const void *key, size_t len,
    uint64_t now, double cost)
{
	struct srv_limit_node *n;

	if (len == 0 || len > SRV_LIMIT_KEY_MAX)
		return;
	if ((n = *srv_limit_find(l, key, len)) == NULL)
		return;
	srv_limit_refill(l, n, now);
	n->tokens += cost;
	if (n->tokens > l->burst)
		n->tokens = l->burst;
}

size_t
srv_limit_addr_key(const char *addr, uint8_t out[SRV_LIMIT_ADDR_KEY])
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	uint8_t a[16];

	if (addr != NULL && uv_inet_pton(AF_INET, addr, a) == 0) {
		out[0] = 4;
		memcpy(out + 1, a, 4);
		return 5;
	}
	if (addr != NULL && uv_inet_pton(AF_INET6, addr, a) == 0) {
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			out[0] = 4;
			memcpy(out + 1, a + 12, 4);
			return 5;
		}
		out[0] = 6;
		memcpy(out + 1, a, 8);
		return 9;
	}
	out[0] = 0;
	return 1;
}
