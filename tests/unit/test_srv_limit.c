/*
 * The token buckets of server/srv_limit.c as the directory throttle uses
 * them: a cost of several tokens is taken whole or not at all, and
 * source addresses are keyed so that a whole IPv6 /64 is one key.
 */
#include <stdint.h>
#include <string.h>

#include "lib/err.h"
#include "server/srv_limit.h"
#include "tests/unit/tap.h"

/* Whether two addresses share a bucket key. */
static int
same_key(const char *a, const char *b)
{
	uint8_t ka[SRV_LIMIT_ADDR_KEY], kb[SRV_LIMIT_ADDR_KEY];
	size_t la = srv_limit_addr_key(a, ka), lb = srv_limit_addr_key(b, kb);

	return la == lb && memcmp(ka, kb, la) == 0;
}

static void
ipv6_keyed_on_its_64(void)
{
	ok(same_key("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe"),
	    "two addresses of one IPv6 /64 share a key");
	ok(!same_key("2001:db8:1:2::1", "2001:db8:1:3::1"),
	    "the next /64 is another key");
	ok(same_key("::ffff:192.0.2.7", "192.0.2.7"),
	    "an IPv4-mapped IPv6 address is its IPv4 address");
	ok(!same_key("192.0.2.7", "192.0.2.8"),
	    "each IPv4 address is its own key");
	ok(same_key("?", "not an address"),
	    "what is not an address shares one key");
	ok(!same_key("?", "0.0.0.0"), "and that key is no address's");
}

static void
cost_taken_whole(void)
{
	struct srv_limit *l;
	uint32_t retry = 0;
	uint64_t k = 7;

	ok(srv_limit_new(&l, 10, 1, 16, 1) == 0, "a bucket of 10, 1 a second");
	ok(srv_limit_take_n(l, &k, sizeof(k), 0, 6, &retry) == 0,
	    "6 tokens are taken");
	ok(srv_limit_take_n(l, &k, sizeof(k), 0, 6, &retry) ==
	    ERR_RATE_LIMITED, "6 more are refused while 4 are left");
	ok(retry == 2, "and the wait is until 6 are back (2 s), got %u",
	    retry);
	ok(srv_limit_take_n(l, &k, sizeof(k), 0, 4, &retry) == 0,
	    "the 4 left are still there: a refusal took none");
	ok(srv_limit_take(l, &k, sizeof(k), 0, &retry) == ERR_RATE_LIMITED,
	    "then the bucket is empty");
	srv_limit_give_n(l, &k, sizeof(k), 0, 3);
	ok(srv_limit_take_n(l, &k, sizeof(k), 0, 3, &retry) == 0,
	    "tokens given back can be taken again");
	ok(srv_limit_take_n(l, &k, sizeof(k), 30000, 50, &retry) == 0,
	    "a cost above the burst costs a full bucket, once it is full");
	ok(srv_limit_take_n(l, &k, sizeof(k), 30000, 0.5, &retry) == ERR_INVAL,
	    "a cost below 1 is refused");
	srv_limit_free(l);
}

int
main(void)
{
	ipv6_keyed_on_its_64();
	cost_taken_whole();
	return tap_done();
}
