#!/usr/bin/python3
"""What last seen, online and the bio cost where every User is filled
(srv_chat_user: the phone rule, then the owner's and the asker's
last_seen rules, a block check and the bio rule), with a real sottod and
raw devices (tests/noiseclient.py): GetContacts of an account with N
contacts (each filled for the asker), beside a Ping as the bare round
trip; N of the contacts are online half the time (connected devices).
Run it against an older sottod (SOTTOD_BIN) to compare. Prints figures;
passes or fails nothing.

    ./bench/presence_bench.py [N] [ROUNDS]   (N <= 28; from the build dir,
                                              or set SOTTOD_BIN)
"""
import os
import statistics
import sys
import time

import benchenv  # noqa: F401,E402  (sys.path, SOTTOD_BIN)

import sottotest  # noqa: E402
from noiseclient import V, register  # noqa: E402

PING, GET_CONTACTS, ADD_CONTACT = 10, 25, 26


def report(name, xs):
    xs = sorted(xs)
    print("%-26s n=%-5d median %8.1f us   min %8.1f us   max %8.1f us" % (
        name, len(xs), statistics.median(xs) * 1e6, xs[0] * 1e6,
        xs[-1] * 1e6))


def timed(dev, method, body, rounds):
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        err, _ = dev.call(method, body)
        out.append(time.perf_counter() - t0)
        if err:
            raise RuntimeError("method %d: %d" % (method, err))
    return out


def main():
    # Sign-ups are limited per address (30 at once): 25 users fit.
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with sottotest.Scenario("presence-bench") as sc:
        srv = sc.server()
        me, _, _ = register(srv.addr, "owner")
        others = []
        for i in range(n):
            d, uid, _ = register(srv.addr, "u%03d" % i)
            err, _ = me.call(ADD_CONTACT, V(1, uid))
            if err:
                raise RuntimeError("add contact: %d" % err)
            # Half stay connected (online), half go (last seen).
            if i % 2:
                d.peer.close()
            else:
                others.append(d)
        print("sottod: %s, %d contacts (%d online)" %
              (sottotest.SOTTOD, n, len(others)))
        report("Ping", timed(me, PING, V(1, 1), rounds))
        report("GetContacts (%d users)" % n,
               timed(me, GET_CONTACTS, b"", rounds))
        for d in others:
            d.peer.close()


if __name__ == "__main__":
    main()
