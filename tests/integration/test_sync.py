"""Sync with real processes: a device that was offline while 2,000
messages arrived catches up completely, in order, each once; a running
--listen survives a sottod restart, reconnects by itself, and prints every
message exactly once.

The 2,000 messages are sent by a raw Noise peer (tests/noiseclient.py)
logged in as a third device of alice, so the test does not start 2,000
processes; the devices that catch up are real sotto processes."""
import signal
import subprocess
import time

import noiseclient as nc
import sottotest
from itest import listen, printed, registered, stop
from sottotest import EX_OK, Scenario, describe, jsonl

ERR_RATE_LIMITED = -13


def raw_login(addr, username, password):
    peer = nc.Peer(addr)
    peer.handshake()
    peer.recv_frame()                               # Welcome
    body = (nc.field_bytes(1, username.encode()) +
            nc.field_bytes(2, password.encode()) +
            nc.field_bytes(3, b"raw sender"))
    peer.send_frame(nc.request(1, 12, body))        # Login
    while True:
        f = peer.recv_frame()
        if f is None:
            raise RuntimeError("closed during login")
        if 2 in f:
            resp = nc.parse(f[2][0])
            if 2 in resp:
                raise RuntimeError("login refused: %r" % nc.parse(resp[2][0]))
            return peer


def raw_blast(peer, to_user_id, n, prefix, base=0x5000000000):
    """Sends n messages pipelined, resending (same random_id) when the
    server asks us to slow down. Returns {random_id: (message id, text)}
    acknowledged; a resend after a rate limit may overtake earlier sends,
    so the server's message ids, not the send order, give the order."""
    pending = {}
    acked = {}
    next_req = 100
    queue = [(base + i, "%s %04d" % (prefix, i)) for i in range(n)]
    retry_at = 0.0
    while queue or pending:
        while queue and len(pending) < 256 and time.time() >= retry_at:
            rid, text = queue.pop(0)
            body = (nc.field_varint(1, to_user_id) + nc.field_varint(3, rid) +
                    nc.field_bytes(4, text.encode()))
            peer.send_frame(nc.request(next_req, 21, body))
            pending[next_req] = (rid, text)
            next_req += 1
        if not pending:
            # Rate limited with nothing in flight: nothing will arrive
            # until we send again, so wait for the bucket instead.
            time.sleep(max(0.0, retry_at - time.time()))
            continue
        f = peer.recv_frame()
        if f is None:
            raise RuntimeError("closed during the burst")
        if 2 not in f:
            continue                                # a pushed Update
        resp = nc.parse(f[2][0])
        req_id = resp[1][0]
        rid, text = pending.pop(req_id)
        if 2 in resp:
            err = nc.parse(resp[2][0])
            code = nc.signed32(err.get(1, [0])[0])
            if code != ERR_RATE_LIMITED:
                raise RuntimeError("send refused: %r" % err)
            queue.insert(0, (rid, text))
            retry_at = time.time() + max(0.05, err.get(3, [1])[0] * 0.25)
            continue
        sent = nc.parse(resp[21][0])                # SendResult
        msg = nc.parse(sent[1][0])                  # Message
        acked[rid] = (msg[2][0], text)
    return acked


with Scenario("sync") as sc:
    t = sc.t
    srv = sc.server()
    a1 = registered(sc, srv, "alice", "alice1")
    bob = registered(sc, srv, "bob", password="bobs-password-1")
    p = bob.run("--whoami", "--json")
    bob_id = jsonl(p)[-1].get("user_id") if jsonl(p) else None
    t.ok(isinstance(bob_id, int), "bob's user id", describe(p))
    p = a1.run("-t", "@bob", "-m", "before the burst")
    t.eq(p.returncode, EX_OK, "a first message", describe(p))
    p = bob.run("--history", "@alice", "--json")
    t.eq(p.returncode, EX_OK, "bob is in sync, then goes offline", describe(p))

    # 2,000 messages while bob (and alice's first device) are offline.
    N = 2000
    peer = raw_login(srv.addr, "alice", "s3cret-passw0rd")
    acked = raw_blast(peer, bob_id, N, "burst")
    peer.close()
    t.eq(len(acked), N, "the server acknowledged all %d" % N)

    t0 = time.time()
    p = bob.run("--history", "@alice", "--limit", str(N + 10), "--json",
                timeout=300)
    dt = time.time() - t0
    t.eq(p.returncode, EX_OK, "bob comes back and syncs", describe(p))
    msgs = [m for m in jsonl(p) if m.get("type") == "message"]
    want = ["before the burst"] + [text for _, text in sorted(acked.values())]
    t.eq(sorted(want[1:]), ["burst %04d" % i for i in range(N)],
         "each burst message acknowledged once")
    t.eq(len(msgs), N + 1, "bob has every message (%.1f s)" % dt)
    t.ok([m.get("text") for m in msgs] == want,
         "in the order they were sent, each exactly once")
    ids = [m.get("id") for m in msgs]
    t.ok(ids == sorted(set(ids)), "ids strictly increasing, no duplicates")
    p = a1.run("--history", "@bob", "--limit", str(N + 10), "--json",
               timeout=300)
    got = [m.get("text") for m in jsonl(p) if m.get("type") == "message"]
    t.ok(got == want, "alice's first device has what her other device sent",
         "%d messages" % len(got))

    # Two processes of one profile catching up at the same moment: each
    # page is applied by one of them, none twice, none skipped.
    M = 600
    peer = raw_login(srv.addr, "alice", "s3cret-passw0rd")
    acked2 = raw_blast(peer, bob_id, M, "second", base=0x6000000000)
    peer.close()
    t.eq(len(acked2), M, "a second burst of %d acknowledged" % M)
    procs = [subprocess.Popen(
        [sottotest.SOTTO, "--server", srv.addr, "--passphrase-file",
         bob.passphrase_file, "--list-chats", "--json"], env=bob.env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)]
    rcs = [pr.wait(120) for pr in procs]
    t.eq(rcs, [EX_OK, EX_OK], "two bob processes synced side by side",
         "\n".join(pr.stderr.read() for pr in procs))
    p = bob.run("--history", "@alice", "--limit", str(N + M + 10), "--json",
                timeout=300)
    msgs = [m.get("text") for m in jsonl(p) if m.get("type") == "message"]
    want2 = want + [text for _, text in sorted(acked2.values())]
    t.ok(msgs == want2, "bob has every message once, in order",
         "%d of %d" % (len(msgs), len(want2)))

    # --listen across a restart of sottod.
    listen_proc, seen = listen(bob)

    def msgs_seen():
        return printed(seen, "message")

    def collect(want_n, timeout):
        end = time.time() + timeout
        while len(msgs_seen()) < want_n and time.time() < end:
            time.sleep(0.05)
        return msgs_seen()

    time.sleep(1.0)
    for i in range(3):
        p = a1.run("-t", "@bob", "-m", "live %d" % i)
        t.eq(p.returncode, EX_OK, "live message %d sent" % i, describe(p))
    got = collect(3, 30)
    t.eq([m.get("text") for m in got], ["live 0", "live 1", "live 2"],
         "--listen prints the live messages")

    srv.stop(signal.SIGKILL)
    time.sleep(0.5)
    srv.start()
    for i in range(3, 6):
        p = a1.run("-t", "@bob", "-m", "live %d" % i)
        t.eq(p.returncode, EX_OK, "after the restart, message %d sent" % i,
             describe(p))
    got = collect(6, 60)
    t.eq([m.get("text") for m in got], ["live %d" % i for i in range(6)],
         "--listen reconnected by itself and printed each message once")
    time.sleep(1.0)
    got = collect(7, 1)
    t.eq(len(got), 6, "and nothing twice")
    rc = stop(listen_proc)
    t.eq(rc, 0, "--listen exits 0 on SIGTERM", listen_proc.stderr.read())
    t.done()
