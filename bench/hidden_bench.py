#!/usr/bin/python3
"""Hidden is missing, in time too (doc/PROTOCOL.md, "Addressing by id"):
with a real sottod and a raw device (tests/noiseclient.py), the round trip
of a lookup that finds nobody, side by side for the three reasons it can
find nobody:

    ResolveUser{phone}  a number nobody has / a user whose phone_discovery
                        is nobody / a user (discoverable) who blocked the
                        asker
    AddContact{id}      an id past the newest / an existing account the
                        asker was never shown
    GetUsers{id}        the same two

and, for scale, a Ping and a ResolveUser{phone} that finds its user.
The requests are interleaved round by round, so that drift hits every
column alike. The limits are raised out of the way. Prints figures;
passes or fails nothing.

    ./bench/hidden_bench.py [ROUNDS]    (run from the build directory, or
                                         set SOTTOD_BIN)
"""
import os
import statistics
import sys
import time

import benchenv  # noqa: F401,E402  (sys.path, SOTTOD_BIN)

import sottotest  # noqa: E402
from noiseclient import B, V, register  # noqa: E402


PING, RESOLVE, USERS, ADD_CONTACT = 10, 20, 24, 26
SET_PRIVACY, BLOCK = 51, 53
LIMITS = ["--limit", "burst=1000000", "--limit", "rate=100000",
          "--limit", "addr_burst=1000000", "--limit", "addr_rate=100000",
          "--limit", "discover_day=1000000"]


def timed(dev, method, body):
    t0 = time.perf_counter()
    err, res = dev.call(method, body)
    return time.perf_counter() - t0, err, res


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with sottotest.Scenario("hidden-bench") as sc:
        srv = sc.server(args=LIMITS)
        asker, asker_id, _ = register(srv.addr, "asker")
        hider, hider_id, _ = register(srv.addr, "hider", phone="+15550001")
        blocker, _, _ = register(srv.addr, "blocker", phone="+15550002")
        opener, _, _ = register(srv.addr, "opener", phone="+15550003")
        # hider: found by phone by nobody; blocker and opener: by everybody.
        nobody, everybody = B(1, V(1, 2) + V(2, 3)), B(1, V(1, 2) + V(2, 1))
        for dev, rule in ((hider, nobody), (blocker, everybody),
                          (opener, everybody)):
            err, _ = dev.call(SET_PRIVACY, rule)
            assert err == 0, err
        err, _ = blocker.call(RESOLVE, B(1, "asker"))
        assert err == 0, err
        err, _ = blocker.call(BLOCK, V(1, asker_id))
        assert err == 0, err
        missing_id = asker_id + 1000

        cols = [
            ("Ping", PING, V(1, 1), 0),
            ("phone found", RESOLVE, B(2, "+15550003"), 0),
            ("phone missing", RESOLVE, B(2, "+15550999"), -12),
            ("phone hidden", RESOLVE, B(2, "+15550001"), -12),
            ("phone blocked me", RESOLVE, B(2, "+15550002"), -12),
            ("AddContact missing", ADD_CONTACT, V(1, missing_id), -12),
            ("AddContact not shown", ADD_CONTACT, V(1, hider_id), -12),
            ("GetUsers missing", USERS, V(1, missing_id), 0),
            ("GetUsers not shown", USERS, V(1, hider_id), 0),
        ]
        times = {c[0]: [] for c in cols}
        texts, odd = {}, set()
        for _ in range(200):    # warm up
            for name, method, body, _want in cols:
                asker.call(method, body)
        for _ in range(rounds):
            for name, method, body, want in cols:
                dt, err, res = timed(asker, method, body)
                if err != want:     # an older sottod, say
                    odd.add(name)
                times[name].append(dt)
                texts[name] = (err, res.get(2, [b""])[0] if err else
                               res.get(1, []))
        print("sottod %s, %d rounds (median / p10 / p90 round trip, us):"
              % (sottotest.SOTTOD, rounds))
        for name, _m, _b, _w in cols:
            xs = sorted(times[name])
            print("  %-22s %8.1f %8.1f %8.1f   answer %r" % (
                name, statistics.median(xs) * 1e6,
                xs[len(xs) // 10] * 1e6, xs[len(xs) * 9 // 10] * 1e6,
                texts[name]) + ("  (NOT the expected answer)"
                                if name in odd else ""))
        for a, b in (("phone missing", "phone hidden"),
                     ("phone missing", "phone blocked me"),
                     ("AddContact missing", "AddContact not shown"),
                     ("GetUsers missing", "GetUsers not shown")):
            ma = statistics.median(times[a])
            mb = statistics.median(times[b])
            print("  %-22s - %-22s %+7.1f us (%+.1f%%)" % (
                b, a, (mb - ma) * 1e6, (mb - ma) / ma * 100))


if __name__ == "__main__":
    main()
