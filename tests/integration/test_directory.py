"""The directory throttle (doc/PROTOCOL.md, "The directory throttle"), with
a real sottod and raw devices (tests/noiseclient.py), since the real
client would never send this many lookups this fast:

- lookups by username and phone, GetUsers and AddContact draw from one
  bucket per account, shared by the account's connections, and one per
  source address, shared by the accounts on it; a request's cost grows
  with the users it names (GetUsers of 100 ids costs 11 lookups);
- an account may newly discover only discover_day users a day: past it a
  lookup of a new user is refused with ERR_RATE_LIMITED and the wait,
  one already discovered is still answered, a restart does not reset it,
  and sottod logs the account's id (never its name) when it is used up;
- sottod --stats prints the day's counts and the top askers by id, and
  neither it nor the log holds a username, a phone number or an address.
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from noiseclient import B, V, get, login, register, sub  # noqa: E402
from sottotest import SOTTOD, Scenario  # noqa: E402

RESOLVE, USERS, ADD_CONTACT = 20, 24, 26
LIMITED, NOT_FOUND = -13, -12


def lookups(dev, names, phone=False):
    """The error codes of ResolveUser for each name, and the last error."""
    codes, last = [], None
    for n in names:
        err, res = dev.call(RESOLVE, B(2 if phone else 1, n))
        codes.append(err)
        if err:
            last = res
    return codes, last


def ok_count(codes):
    """How many lookups passed before the first refusal by the throttle."""
    return codes.index(LIMITED) if LIMITED in codes else len(codes)


def stats(srv):
    p = subprocess.run([SOTTOD, "--stats", "--data", srv.data],
                       capture_output=True, text=True, timeout=30)
    return p


with Scenario("directory") as sc:
    t = sc.t

    # ------------------------------------------------ buckets
    # Slow refills, so that the test's own pace adds nothing worth a token.
    srv = sc.server(args=["--limit", "burst=10", "--limit", "rate=0.05",
                          "--limit", "addr_burst=16",
                          "--limit", "addr_rate=0.05"])
    a1, alice, _ = register(srv.addr, "alice", phone="+15550100")
    b1, bob, _ = register(srv.addr, "bob")
    codes, _ = lookups(a1, ["bob"] * 6)
    t.eq(codes, [0] * 6, "alice: 6 lookups of her 10")
    a2, _ = login(srv.addr, "alice")
    codes, last = lookups(a2, ["bob"] * 8)
    t.eq(ok_count(codes), 4,
         "alice's second connection gets the 4 left, not a bucket of its own",
         codes)
    t.ok(last is not None and get(last, 3) >= 1,
         "the refusal carries the wait (retry_after)", last)
    t.ok(last is not None and b"slow down" in get(last, 2, b""),
         "and says to slow down", last)

    # 10 taken from 127.0.0.1's 16: bob, a fresh account, gets the other 6.
    codes, last = lookups(b1, ["alice"] * 10)
    t.eq(ok_count(codes), 6,
         "bob on the same address gets only what the address has left",
         codes)
    err, _ = b1.call(USERS, V(1, alice))
    t.eq(err, LIMITED, "GetUsers draws from the same buckets")
    err, _ = b1.call(ADD_CONTACT, V(1, alice))
    t.eq(err, LIMITED, "and so does AddContact")
    codes, _ = lookups(b1, ["+15550100"], phone=True)
    t.eq(codes, [LIMITED], "and a lookup by phone")

    # ------------------------------------------------ cost
    srv2 = sc.server(name="cost", args=["--limit", "burst=12",
                                        "--limit", "rate=0.05"])
    c1, carol, _ = register(srv2.addr, "carol")
    err, _ = c1.call(USERS, b"".join(V(1, 1000 + i) for i in range(100)))
    t.eq(err, 0, "GetUsers of 100 ids is answered")
    codes, _ = lookups(c1, ["carol"] * 3)
    t.eq(ok_count(codes), 1,
         "and cost 11 of the 12: one lookup is left", codes)

    # ------------------------------------------------ budget
    srv3 = sc.server(name="budget", args=["--limit", "discover_day=3"])
    names = ["user%d" % i for i in range(5)]
    ids = {}
    for i, n in enumerate(names):
        d, uid, _ = register(srv3.addr, n, phone="+1555020%d" % i)
        ids[n] = uid
        d.peer.close()
    m1, mallory, _ = register(srv3.addr, "mallory")
    codes, _ = lookups(m1, ["mallory"] + names[:3])
    t.eq(codes, [0] * 4, "three new users (and oneself) are within a "
         "budget of 3")
    err, res = m1.call(RESOLVE, B(1, names[3]))
    t.eq(err, LIMITED, "a fourth new user is over the daily budget")
    t.ok(3600 <= get(res, 3) <= 86400,
         "the wait is when the day's oldest discovery stops counting",
         get(res, 3))
    t.ok(b"daily budget" in get(res, 2, b""), "and the refusal says so", res)
    codes, _ = lookups(m1, [names[0], names[2]])
    t.eq(codes, [0, 0], "users already discovered are still answered")
    err, _ = m1.call(RESOLVE, B(1, "nobodyatall"))
    t.eq(err, NOT_FOUND, "an absent name is still not found")
    m1.peer.close()
    srv3.restart()
    m1, _ = login(srv3.addr, "mallory")
    err, _ = m1.call(RESOLVE, B(1, names[4]))
    t.eq(err, LIMITED, "a restart does not reset the budget")
    m1.peer.close()
    time.sleep(0.3)
    with open(srv3.log, errors="replace") as f:
        log = f.read()
    t.ok(re.search(r"account %d used up its daily budget of 3 new users" %
                   mallory, log), "the log names the account by id when "
         "its budget is used up", log[-2000:])
    t.eq(log.count("used up its daily budget"), 1,
         "once, when it is used up, not at each refusal")

    # ------------------------------------------------ stats
    # SIGUSR1 writes the counts held in memory and logs the statistics.
    srv3.proc.send_signal(signal.SIGUSR1)
    end = time.time() + 10
    while time.time() < end:
        with open(srv3.log, errors="replace") as f:
            log = f.read()
        if "stats: top askers" in log:
            break
        time.sleep(0.1)
    t.ok("stats: lookups: 9" in log and "stats: top askers" in log,
         "SIGUSR1 writes the statistics to the log", log[-2000:])
    time.sleep(0.5)             # the commit at the end of that loop turn
    p = stats(srv3)
    t.eq(p.returncode, 0, "sottod --stats --data DIR runs beside sottod",
         p.stderr)
    out = p.stdout
    t.ok("lookups: 9" in out and "top askers" in out,
         "it prints the lookups and the top askers", out)
    m = re.search(r"^  by username: (\d+)$", out, re.M)
    t.eq(m and int(m.group(1)), 9, "nine lookups by username", out)
    m = re.search(r"^  over the discovery budget: (\d+)$", out, re.M)
    t.eq(m and int(m.group(1)), 2, "two refused over the budget", out)
    m = re.search(r"^  no such user: (\d+)$", out, re.M)
    t.eq(m and int(m.group(1)), 1, "one absent", out)
    t.ok(re.search(r"^  account %d: 9 lookups, 3 refused, 0 rate-limited, "
                   r"3 new users" % mallory, out, re.M),
         "the top asker is mallory's account id, with its counts", out)

    # A key file without a store: nothing to count, and nothing made.
    empty = os.path.join(sc.root, "empty-data")
    os.mkdir(empty, 0o700)
    with open(os.path.join(srv3.data, "server.key")) as f:
        key = f.read()
    fd = os.open(os.path.join(empty, "server.key"),
                 os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, key.encode())
    os.close(fd)
    p = subprocess.run([SOTTOD, "--stats", "--data", empty],
                       capture_output=True, text=True, timeout=30)
    t.ok(p.returncode == 74 and "does not exist" in p.stderr,
         "--stats without a store says so (74)", p.stderr)
    t.ok(not os.path.exists(os.path.join(empty, "sottod.db")),
         "and makes no store")

    for s in (srv, srv2, srv3):
        out = stats(s).stdout
        with open(s.log, errors="replace") as f:
            log = f.read()
        # The only address in the log is the one sottod listens on.
        log = log.replace("listening on %s" % s.addr, "")
        for what, text in (("--stats output", out), ("the log", log)):
            leaks = [w for w in names + ["alice", "bob", "carol", "mallory",
                                         "+1555", "127.0.0.1", "::1"]
                     if w in text]
            t.eq(leaks, [], "%s of %s holds no username, number or address"
                 % (what, s.port))
    t.ok(all(s.alive() for s in (srv, srv2, srv3)), "every sottod is alive")
    t.done()
