"""Sessions on the raw protocol: GetSessions (100) lists the devices of
the asker's account with their software, created, last_active, online and
current, never an address; TerminateSession (101) ends another device at
once (its open connection gets a Goodbye ERR_REVOKED, its next Welcome
says terminated by whom and when), with the 24-hour guard (a device
younger than 24 hours may not end an older one; the older may end it);
another account's device id is ERR_NOT_FOUND, the asker's own id
ERR_INVAL; all_others ends every other device; SetSessionTtl (102) takes
7/30/91/183/365 days only, and an inactive device is ended at connect
once its account's TTL has passed (the test clock, SOTTOD_TEST_CLOCK_FILE)."""
import os
import socket
import time

import noiseclient as nc
from sottotest import Scenario

GET, TERM, TTL = 100, 101, 102
ERR_INVAL, ERR_NOT_FOUND, ERR_PERM, ERR_REVOKED = -2, -12, -20, -23
V, B, get, sub = nc.V, nc.B, nc.get, nc.sub


def sessions(res):
    return [nc.parse(s) for s in res.get(1, [])]


def packed(res, num):
    """The packed repeated uint64 field num."""
    out = []
    for data in res.get(num, []):
        if isinstance(data, int):
            out.append(data)
            continue
        n = shift = 0
        for byte in data:
            n |= (byte & 0x7f) << shift
            shift += 7
            if not byte & 0x80:
                out.append(n)
                n = shift = 0
    return out


def hang_up(dev):
    """Closes dev's connection for good (shutdown: no fd kept open)."""
    try:
        dev.peer.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    dev.peer.sock.close()


def login(addr, name, software=""):
    d = nc.Device(addr)
    body = B(1, name) + B(2, "password-" + name) + B(3, "raw " + name)
    if software:
        body += B(4, software)
    err, res = d.call(12, body)
    if err:
        raise RuntimeError("login %s: %d" % (name, err))
    return d, get(res, 2)


with Scenario("server_sessions") as sc:
    t = sc.t
    clock = os.path.join(sc.root, "clock")
    with open(clock, "w") as f:
        f.write("0\n")
    os.environ["SOTTOD_TEST_CLOCK_FILE"] = clock
    srv = sc.server()
    a1, alice, d1 = nc.register(srv.addr, "alice")
    time.sleep(1.1)
    a2, d2 = login(srv.addr, "alice", "sotto 9.9")
    b1, bob, bd = nc.register(srv.addr, "bob")

    err, res = a1.call(GET)
    t.eq(err, 0, "GetSessions answers", res)
    ss = sessions(res)
    t.eq([get(s, 1) for s in ss], [d1, d2], "both of alice's devices", ss)
    t.eq([get(s, 7) for s in ss], [1, 0], "the first marked current", ss)
    t.eq([get(s, 6) for s in ss], [1, 1], "both online", ss)
    t.eq([get(s, 3, b"") for s in ss], [b"", b"sotto 9.9"],
         "the software each client said ('' when none)", ss)
    t.ok(all(get(s, 4) > 0 and get(s, 5) >= get(s, 4) for s in ss),
         "created and last_active", ss)
    t.eq(get(res, 2), 183, "the default TTL is 183 days", res)
    t.ok(b"127.0.0.1" not in repr(res).encode(), "no address", res)

    # Not a leak: another account's device is as unknown as none.
    err, res = a1.call(TERM, V(1, bd))
    t.eq(err, ERR_NOT_FOUND, "bob's device id: ERR_NOT_FOUND", res)
    err, res = a1.call(TERM, V(1, 999999))
    t.eq(err, ERR_NOT_FOUND, "an unknown id: ERR_NOT_FOUND", res)
    err, res = a1.call(TERM, V(1, d1))
    t.eq(err, ERR_INVAL, "its own id: ERR_INVAL (that is Logout)", res)

    # The guard: the younger device may not end the older one.
    err, res = a2.call(TERM, V(1, d1))
    t.eq(err, ERR_PERM, "a device younger than 24 hours cannot end an "
         "older one", res)
    t.ok(b"24 hours" in get(res, 2, b""), "and says why", res)
    err, res = a2.call(TERM, V(2, 1))
    t.eq(err, ERR_PERM, "nor all others", res)

    # The older ends the younger: at once, with a Goodbye.
    before = int(time.time())
    err, res = a1.call(TERM, V(1, d2))
    t.eq(err, 0, "the older device ends the younger", res)
    t.eq(packed(res, 3), [d2], "ended names it", res)
    t.eq([get(s, 1) for s in sessions(res)], [d1], "one session is left",
         res)
    f = a2.peer.recv_frame()
    bye = nc.parse(f[5][0]) if f is not None and 5 in f else {}
    t.eq(nc.signed32(get(bye, 1)), ERR_REVOKED,
         "its open connection is told ERR_REVOKED", f)
    w = nc.Device(srv.addr, a2.peer.keypair).welcome
    t.eq((get(w, 1), get(w, 5), get(w, 7), get(w, 10)), (0, 1, 2, d1),
         "its next Welcome: terminated, by another device, which", w)
    t.ok(before - 5 <= get(w, 6) <= time.time() + 5, "and when", w)
    t.ok(b"by device %d" % d1 in get(w, 4, b"") and
         get(w, 11, b"") == b"raw", "in words, with its name", w)

    # all_others, and a fresh device older than 24 hours may end older.
    with open(clock, "w") as f:
        f.write("%d\n" % (25 * 3600))
    a3, d3 = login(srv.addr, "alice")
    a4, d4 = login(srv.addr, "alice")
    err, res = a3.call(TERM, V(2, 1))
    t.eq(err, ERR_PERM, "a fresh device cannot end all others", res)
    err, res = a1.call(TERM, V(2, 1))
    t.eq((err, sorted(packed(res, 3))), (0, [d3, d4]),
         "the 25-hour-old device ends all others", res)

    # The TTL.
    err, res = a1.call(TTL, V(1, 10))
    t.eq(err, ERR_INVAL, "10 days is not a TTL", res)
    err, res = a1.call(TTL, V(1, 7))
    t.eq((err, get(res, 2)), (0, 7), "7 days is", res)
    a5, d5 = login(srv.addr, "alice")
    # A device connected all along is active: these two hang up first.
    hang_up(a1)
    hang_up(a5)
    time.sleep(0.5)
    with open(clock, "w") as f:
        f.write("%d\n" % (25 * 3600 + 8 * 86400))
    w = nc.Device(srv.addr, a5.peer.keypair).welcome
    t.eq((get(w, 1), get(w, 5), get(w, 7)), (0, 1, 4),
         "a device inactive past the TTL is ended at connect (why 4)", w)
    t.ok(b"TTL" in get(w, 4, b""), "in words", w)
    out, why = srv.sql("SELECT count(*) FROM devices WHERE user_id = %d"
                       % alice)
    t.eq(out, "0", "alice's devices are all gone (both inactive)", why)
    b2 = nc.Device(srv.addr, b1.peer.keypair)
    t.eq(get(b2.welcome, 1), 1, "bob's device (TTL 183 days) is still "
         "bound", b2.welcome)
    hang_up(b2)

    # The daily sweep (from the one-minute prune timer; its first run is
    # a minute after the start) ends a device that never connects again:
    # bob's, once its first connection (open since the register) is gone.
    hang_up(b1)
    time.sleep(0.5)
    with open(clock, "w") as f:
        f.write("%d\n" % (25 * 3600 + 200 * 86400))
    deadline = time.time() + 150
    while time.time() < deadline:
        out, why = srv.sql("SELECT count(*) FROM devices WHERE user_id = %d"
                           % bob)
        if out == "0":
            break
        time.sleep(2)
    t.eq(out, "0", "the sweep ended bob's device, 200 days inactive", why)

    t.done()
