#!/usr/bin/python3
"""Times the account commands end to end with a real sottod and real sotto
processes: register (new profile: Argon2id for the local vault, device key,
handshake, Argon2id password hash on the server), login from a new device,
and whoami (vault unlock + handshake, authenticated by the device key).
Prints figures; passes or fails nothing.

    ./bench/auth_bench.py [N]     (run from the build directory, or set
                                   SOTTO_BIN and SOTTOD_BIN)
"""
import os
import statistics
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests"))
for var, name in (("SOTTO_BIN", "sotto"), ("SOTTOD_BIN", "sottod")):
    if var not in os.environ:
        for cand in (os.path.join(os.getcwd(), name),
                     os.path.join(here, "..", "build", name)):
            if os.access(cand, os.X_OK):
                os.environ[var] = os.path.abspath(cand)
                break

import sottotest  # noqa: E402

sottotest.SOTTO = os.environ.get("SOTTO_BIN", sottotest.SOTTO)
sottotest.SOTTOD = os.environ.get("SOTTOD_BIN", sottotest.SOTTOD)


def timed(client, *args):
    t0 = time.perf_counter()
    p = client.run(*args)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("bench: %s failed: %s" % (" ".join(args), sottotest.describe(p)))
    return dt


def report(name, xs):
    xs = sorted(xs)
    print("%-10s n=%-3d median %7.1f ms   min %7.1f ms   max %7.1f ms" % (
        name, len(xs), statistics.median(xs) * 1e3, xs[0] * 1e3, xs[-1] * 1e3))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with sottotest.Scenario("bench") as sc:
        srv = sc.server()
        reg, login, who = [], [], []
        for i in range(n):
            a = sc.client("u%d" % i, srv)
            reg.append(timed(a, "--register", "user%d" % i))
            b = sc.client("u%db" % i, srv)
            login.append(timed(b, "--login", "user%d" % i))
            who.append(timed(a, "--whoami"))
        print("sotto account commands, wall time per process (%d runs each)" % n)
        report("register", reg)
        report("login", login)
        report("whoami", who)


if __name__ == "__main__":
    main()
