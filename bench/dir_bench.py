#!/usr/bin/python3
"""What the directory throttle costs a lookup, with a real sottod and a raw
device (tests/noiseclient.py): ResolveUser round trips one at a time (each
takes tokens from two buckets, counts the lookup and its outcome in
dir_stats, and, for a user found, checks the discovery budget), by name
found, by name absent, beside a Ping as the bare round trip, and ImportContacts of 100 numbers (each a keyed
hash, a cap check and a lookup). The limits are raised out of the way.
Also times sottod --stats over the counters this leaves. Prints figures;
passes or fails nothing.

    ./bench/dir_bench.py [N]      (run from the build directory, or set
                                   SOTTOD_BIN)
"""
import os
import statistics
import subprocess
import sys
import time

import benchenv  # noqa: F401,E402  (sys.path, SOTTOD_BIN)

import sottotest  # noqa: E402
from noiseclient import B, V, register  # noqa: E402



def report(name, xs, per=1):
    xs = sorted(x / per for x in xs)
    print("%-22s n=%-5d median %8.1f us   min %8.1f us   max %8.1f us" % (
        name, len(xs), statistics.median(xs) * 1e6, xs[0] * 1e6,
        xs[-1] * 1e6))


def timed(dev, method, body, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        err, _ = dev.call(method, body)
        out.append(time.perf_counter() - t0)
        if err not in (0, -12):
            sys.exit("bench: request %d failed: %d" % (method, err))
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    big = "1000000"
    with sottotest.Scenario("dir-bench") as sc:
        srv = sc.server(args=["--limit", "burst=" + big, "--limit",
                              "rate=" + big, "--limit", "addr_burst=" + big,
                              "--limit", "addr_rate=" + big, "--limit",
                              "discover_day=" + big, "--limit",
                              "import_day=" + big])
        d, _, _ = register(srv.addr, "asker")
        register(srv.addr, "target", phone="+15550000")
        print("sottod directory requests, round trip on one connection "
              "(%d each)" % n)
        report("ping (no throttle)", timed(d, 10, V(1, 7), n))
        report("resolve, found", timed(d, 20, B(1, "target"), n))
        report("resolve, absent", timed(d, 20, B(1, "nobody"), n))
        k = max(n // 100, 5)
        body = b"".join(B(1, "+1555%07d" % i) for i in range(100))
        xs = timed(d, 65, body, k)
        report("import 100, per number", xs, per=100)
        t0 = time.perf_counter()
        p = subprocess.run([sottotest.SOTTOD, "--stats", "--data", srv.data],
                           capture_output=True, text=True)
        dt = time.perf_counter() - t0
        print("sottod --stats          %.1f ms (exit %d)" % (dt * 1e3,
                                                            p.returncode))


if __name__ == "__main__":
    main()
