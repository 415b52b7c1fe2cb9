#!/usr/bin/python3
"""Cloud-chat benchmarks against a real sottod on loopback (issue 3's
targets), using bench/sotto_load for the load and a real sotto process for
catch-up. Prints figures; passes or fails nothing.

    ./bench/chat_bench.py [latency] [throughput] [catchup]   (all by default)

Run from the build directory (or set SOTTO_BIN, SOTTOD_BIN, SOTTO_LOAD).

  latency     50 clients, a steady 200 messages/s in total: send -> receive
              p50/p99 (target p99 < 2 ms)
  throughput  1,000 clients each keeping 8 sends in flight: delivered
              messages/s (target >= 20,000), and sottod's RSS per connection
  catchup     100,000 messages from 100 senders arrive while a profile is
              offline; then `sotto --list-chats` syncs them: messages/s from
              reconnect to fully applied (target >= 100,000/s)
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests"))
for var, name in (("SOTTO_BIN", "sotto"), ("SOTTOD_BIN", "sottod"),
                  ("SOTTO_LOAD", "bench/sotto_load")):
    if var not in os.environ:
        for cand in (os.path.join(os.getcwd(), name),
                     os.path.join(here, "..", "build", name)):
            if os.access(cand, os.X_OK):
                os.environ[var] = os.path.abspath(cand)
                break

import sottotest  # noqa: E402

sottotest.SOTTO = os.environ.get("SOTTO_BIN", sottotest.SOTTO)
sottotest.SOTTOD = os.environ.get("SOTTOD_BIN", sottotest.SOTTOD)
LOAD = os.environ.get("SOTTO_LOAD", "./bench/sotto_load")


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def load(srv, *args, timeout=900):
    p = subprocess.run([LOAD, "--server", srv.addr] + list(args),
                       capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        sys.exit("sotto_load failed:\n" + p.stdout + p.stderr)
    return p.stdout


def bench_latency(root):
    srv = sottotest.Server(root, name="lat")
    try:
        out = load(srv, "--clients", "50", "latency", "--rate", "200",
                   "--seconds", "10")
        print("== latency (50 clients, 200 msg/s total, 10 s)")
        print(out.strip())
    finally:
        srv.stop()


def bench_throughput(root):
    srv = sottotest.Server(root, name="tput")
    try:
        before = rss_kib(srv.proc.pid)
        proc = subprocess.Popen(
            [LOAD, "--server", srv.addr, "--clients", "1000", "throughput",
             "--seconds", "10", "--window", "8"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, rss_kib(srv.proc.pid))
            time.sleep(0.5)
        out, err = proc.communicate()
        print("== throughput (1,000 clients, window 8, 10 s)")
        print(out.strip())
        print("sottod RSS: %d KiB before, %d KiB peak under load "
              "(%.1f KiB per connection incl. buffers)" %
              (before, peak, (peak - before) / 1000.0))
    finally:
        srv.stop()


def bench_catchup(root):
    srv = sottotest.Server(root, name="catchup")
    try:
        bob = sottotest.Client(root, "bob", srv)
        p = bob.run("--register", "bob")
        if p.returncode != 0:
            sys.exit("register bob: " + sottotest.describe(p))
        t0 = time.perf_counter()
        bob.run("--list-chats")
        idle = time.perf_counter() - t0
        out = load(srv, "--clients", "100", "flood", "--to", "bob",
                   "--count", "1000")
        print("== catch-up (100 senders x 1,000 messages, bob offline)")
        print(out.strip())
        t0 = time.perf_counter()
        p = bob.run("--list-chats", "--json", timeout=900)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit("sync: " + sottotest.describe(p))
        chats = sum(1 for l in p.stdout.splitlines() if '"chat"' in l)
        t0 = time.perf_counter()
        bob.run("--list-chats")
        idle2 = time.perf_counter() - t0
        base = (idle + idle2) / 2
        print("sync of 100,000 messages into %d chats: %.2f s wall "
              "(a run with nothing to sync: %.2f s)" % (chats, dt, base))
        print("catch-up %.0f msg/s (wall), %.0f msg/s (minus the fixed "
              "cost of a run)" % (100000 / dt, 100000 / max(dt - base,
                                                            1e-9)))
    finally:
        srv.stop()


def main():
    which = sys.argv[1:] or ["latency", "throughput", "catchup"]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    root = tempfile.mkdtemp(prefix="sotto-chatbench-")
    try:
        for w in which:
            {"latency": bench_latency, "throughput": bench_throughput,
             "catchup": bench_catchup}[w](root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


main()
