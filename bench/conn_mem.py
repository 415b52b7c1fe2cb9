#!/usr/bin/python3
"""sottod's memory per idle connection: starts a real sottod, opens N
connections that finish the Noise handshake (python3-dissononce, the same
peer the hostile tests use) and then stay idle, and prints the growth of
sottod's resident and proportional memory divided by N. Prints figures;
passes or fails nothing.

    ./bench/conn_mem.py [N]      (from the build directory, or set SOTTOD_BIN)
"""
import os
import resource
import shutil
import sys
import tempfile
import time

import benchenv  # noqa: F401,E402  (sys.path, SOTTOD_BIN)

import sottotest  # noqa: E402
from noiseclient import Peer  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000


def memory(pid):
    """(RSS, PSS) in KiB from /proc."""
    rss = pss = 0
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss, pss


soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, N + 256)), hard))
root = tempfile.mkdtemp(prefix="sotto-bench-")
srv = sottotest.Server(root)
try:
    pid = srv.proc.pid
    peers = [Peer(srv.addr)]            # warm up allocator and tables
    peers[0].handshake()
    peers[0].recv_frame()
    time.sleep(0.5)
    rss0, pss0 = memory(pid)
    t0 = time.perf_counter()
    for _ in range(N):
        p = Peer(srv.addr)
        p.handshake()
        p.recv_frame()                  # the Welcome: the server is done
        peers.append(p)
    dt = time.perf_counter() - t0
    time.sleep(1.0)
    rss1, pss1 = memory(pid)
    with open("/proc/%d/maps" % pid) as f:
        maps = sum(1 for _ in f)
    print("sottod, %d idle connections after the handshake" % N)
    print("handshakes      %.0f per second (one Python client, serial)"
          % (N / dt))
    print("RSS  before %8d KiB  after %8d KiB  per connection %6.1f KiB"
          % (rss0, rss1, (rss1 - rss0) / N))
    print("PSS  before %8d KiB  after %8d KiB  per connection %6.1f KiB"
          % (pss0, pss1, (pss1 - pss0) / N))
    print("memory mappings %d (vm.max_map_count bounds them)" % maps)
    for p in peers:
        p.close()
finally:
    srv.stop()
    shutil.rmtree(root, ignore_errors=True)
