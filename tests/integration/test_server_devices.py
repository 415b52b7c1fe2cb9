"""sottod's devices over the raw protocol (tests/noiseclient.py): an id
is never given to a second device, also when the newest device logs out
(SQLite would reuse the largest rowid) and across a restart; the
migration that makes it so (schema 6) keeps every device, its keys and its
queue, and starts above any device id a secret chat still names (schema
7 dates SendSecret's dedupe rows; they are purged 7 days old). A device
that logs out takes its secret chats with it: the peer's device of a bound
chat gets SecretClosed, the devices offered its own request get
SecretClosed, a request offered to it alone ends with SecretDeclined to
the initiator (offered to others as well, it stands for them), and the
server keeps no chat, offer, dedupe, queue or key row of it."""
import time

import nacl.public

import noiseclient as nc
from itest import SECRET_DEVICE_ROWS, no_rows_name_device
from sottotest import Scenario

ERR_NOT_FOUND = -12
ERR_REVOKED = -23
LOGOUT, WHOAMI = 13, 14
START, ACCEPT, SEND, ACK = 42, 43, 45, 47
REQUESTED, ACCEPTED, DECLINED, DROPPED, MESSAGE, CLOSED = 20, 21, 22, 23, 24, 25


V, B, get, sub = nc.V, nc.B, nc.get, nc.sub


class Dev(nc.PrekeyDevice):
    """One device, with an identity key to publish prekeys with."""

    def drain(self, want, timeout=5.0):
        """The pushes kept until want of them were (or timeout), taken."""
        self.pump(lambda: len(self.updates) >= want, timeout)
        return self.take()


def event(u):
    """(kind, secret_id) of a queue Update."""
    for k in u:
        if k >= 20:
            return k, get(nc.parse(u[k][0]), 1)
    return None, None


def offer(device_id):
    ek = nacl.public.PrivateKey.generate().public_key.encode()
    return B(4, V(1, device_id) + B(2, ek) + V(3, 1))


def register(addr, name):
    return nc.register(addr, name, cls=Dev)


def login(addr, name):
    return nc.login(addr, name, cls=Dev)


with Scenario("server_devices") as sc:
    t = sc.t
    srv = sc.server()
    a1, alice, a1_dev = register(srv.addr, "alice")
    a2, a2_dev = login(srv.addr, "alice")
    t.ok(a2_dev > a1_dev, "alice's second device has a larger id",
         (a1_dev, a2_dev))

    # The newest device logs out: its id must not come back.
    a2_key = a2.peer.keypair
    err, _ = a2.call(LOGOUT)
    t.eq(err, 0, "alice's newest device logs out")
    a3, a3_dev = login(srv.addr, "alice")
    t.ok(a3_dev > a2_dev, "the next device gets a new id, not the removed "
         "one's", (a2_dev, a3_dev))
    old = Dev(srv.addr, keypair=a2_key)
    t.eq(get(old.welcome, 1), 0, "the logged-out key is no device any more")
    err, res = a1.call(WHOAMI)
    ids = sorted(get(nc.parse(d), 1) for d in res.get(2, []))
    t.eq((err, ids), (0, [a1_dev, a3_dev]), "whoami lists the two devices")

    # Also across a restart: the high-water mark is on disk.
    err, _ = a3.call(LOGOUT)
    t.eq(err, 0, "the newest device logs out again")
    srv.restart()
    a4, a4_dev = login(srv.addr, "alice")
    t.ok(a4_dev > a3_dev, "after a restart the next device still gets a "
         "new id", (a3_dev, a4_dev))
    b1, bob, b1_dev = register(srv.addr, "bob")
    t.ok(b1_dev > a4_dev, "and so does a new account's first device",
         (a4_dev, b1_dev))

    # One key connected twice: a logout on one connection ends the other.
    a5, a5_dev = login(srv.addr, "alice")
    twin = Dev(srv.addr, keypair=a5.peer.keypair)
    t.eq(get(twin.welcome, 3), a5_dev, "a second connection of a device "
         "is that device")
    err, _ = a5.call(LOGOUT)
    t.eq(err, 0, "it logs out on the first connection")
    frames = []
    twin.peer.sock.settimeout(5)
    while True:
        try:
            f = twin.peer.recv_frame()
        except OSError:         # still open after 5 s: not closed
            frames.append("still open")
            break
        if f is None:
            break
        frames.append(f)
    byes = [nc.parse(f[5][0]) for f in frames
            if isinstance(f, dict) and 5 in f]
    t.eq([nc.signed32(get(b, 1)) for b in byes], [ERR_REVOKED],
         "the other connection is told with a Goodbye (revoked)", frames)
    t.ok(b"logged out" in get(byes[0], 2, b"") if byes else False,
         "which says why", byes)
    t.ok("still open" not in frames, "and closed", frames)

    # The migration (schema 5 -> 6). Take the database back to schema 5
    # (devices without AUTOINCREMENT), with keys and a queue entry on
    # bob's device and a secret chat naming device 40, which no
    # longer exists: the next device must get an id above 40, and the
    # rebuild of devices must not cascade into the tables that refer to
    # it.
    srv.stop()
    now = int(time.time())
    newest, why = srv.sql("PRAGMA user_version")
    out, why = srv.sql(
        "PRAGMA foreign_keys = OFF;"
        # Tables of later migrations go too: each is made again.
        "DROP TABLE IF EXISTS device_tombstones;"
        "DROP TABLE IF EXISTS dir_stats;"
        "CREATE TABLE devices5 ("
        "  id INTEGER PRIMARY KEY,"
        "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
        "  key BLOB NOT NULL UNIQUE CHECK (length(key) = 32),"
        "  name TEXT NOT NULL,"
        "  created INTEGER NOT NULL,"
        "  last_seen INTEGER NOT NULL,"
        "  qts INTEGER NOT NULL DEFAULT 0);"
        "INSERT INTO devices5 SELECT id, user_id, key, name, created,"
        "  last_seen, qts FROM devices;"
        "DROP TABLE devices;"
        "ALTER TABLE devices5 RENAME TO devices;"
        "CREATE INDEX devices_user ON devices(user_id);"
        "DELETE FROM sqlite_sequence WHERE name = 'devices';"
        "CREATE TABLE secret_sent5 ("
        "  secret_id INTEGER NOT NULL"
        "    REFERENCES secret_chats(id) ON DELETE CASCADE,"
        "  device_id INTEGER NOT NULL,"
        "  random_id INTEGER NOT NULL,"
        "  PRIMARY KEY (secret_id, device_id, random_id)) WITHOUT ROWID;"
        "DROP TABLE secret_sent;"
        "ALTER TABLE secret_sent5 RENAME TO secret_sent;"
        "INSERT INTO secret_sent VALUES (77, %d, 5);"
        "INSERT INTO prekeys VALUES (%d, zeroblob(32), 1, zeroblob(32),"
        "  zeroblob(64));"
        "INSERT INTO opks VALUES (%d, 1, zeroblob(32));"
        "INSERT INTO opks VALUES (999, 1, zeroblob(32));"
        "INSERT INTO secret_queue VALUES (%d, 1000, 25, 9, x'ca01020809',"
        "  %d);"
        "INSERT INTO secret_chats (id, from_user, from_device, to_user,"
        "  to_device, ttl, created) VALUES (77, %d, %d, %d, 40, 0, %d);"
        "PRAGMA user_version = 5;"
        "SELECT sql FROM sqlite_master WHERE name = 'devices'"
        % (b1_dev, b1_dev, b1_dev, b1_dev, now, bob, b1_dev, alice, now))
    t.ok(not why and "AUTOINCREMENT" not in out,
         "the stopped server's database taken back to schema 5", why)
    # An opks row of device 999, which does not exist: the migration
    # must find the dangling reference, roll back and refuse to start.
    try:
        srv.start(tries=1)
        started = True
    except RuntimeError:
        started = False
    with open(srv.log, errors="replace") as f:
        log = f.read()
    t.ok(not started and "opks refers to a missing row" in log,
         "a dangling reference stops the migration and sottod",
         srv.output() + log[-1000:])
    srv.stop()
    out, why = srv.sql("PRAGMA user_version; SELECT count(*) FROM"
                       " sqlite_master WHERE name = 'devices' AND sql LIKE"
                       " '%AUTOINCREMENT%'")
    t.eq(out.split(), ["5", "0"], "the database is left at schema 5", why)
    out, why = srv.sql("DELETE FROM opks WHERE device_id = 999")
    srv.start()
    out, why = srv.sql("PRAGMA user_version")
    t.eq(out, newest, "without it sottod migrates (to schema %s, as a "
         "fresh store)" % newest, why)
    out, why = srv.sql("SELECT random_id, created >= %d FROM secret_sent"
                       % (now - 60))
    t.eq(out, "5|1", "a dedupe row from before schema 7 counts from the "
         "migration (it is not purged at once)", why)
    out, why = srv.sql("SELECT (SELECT group_concat(id) FROM (SELECT id FROM"
                       " devices ORDER BY id)), (SELECT count(*) FROM"
                       " prekeys), (SELECT count(*) FROM opks), (SELECT"
                       " count(*) FROM secret_queue)")
    t.eq(out, "%d,%d,%d|1|1|1" % (a1_dev, a4_dev, b1_dev),
         "every device, its keys and its queue entry survived", why)
    out, why = srv.sql("PRAGMA foreign_key_check")
    t.eq((out, why), ("", ""), "no dangling reference")
    a1 = Dev(srv.addr, keypair=a1.peer.keypair)
    t.eq((get(a1.welcome, 1), get(a1.welcome, 3)), (1, a1_dev),
         "alice's first device is still itself")
    a5, a5_dev = login(srv.addr, "alice")
    t.ok(a5_dev > 40, "a new device gets an id above the one the secret "
         "chat names", a5_dev)
    err, _ = a5.call(LOGOUT)
    t.eq(err, 0, "it logs out")
    a6, a6_dev = login(srv.addr, "alice")
    t.ok(a6_dev > a5_dev, "and its id is not reused after the migration "
         "either", (a5_dev, a6_dev))

    # ------------------------------------------------ secret chats
    # carol (one device) and dave (two devices) publish keys; so do
    # alice's devices a1 and a6.
    c1, carol, c1_dev = register(srv.addr, "carol")
    d1, dave, d1_dev = register(srv.addr, "dave")
    d2, d2_dev = login(srv.addr, "dave")
    for who, d in (("alice 1", a1), ("alice 6", a6), ("carol", c1),
                   ("dave 1", d1), ("dave 2", d2)):
        err, _ = d.publish()
        t.eq(err, 0, "%s publishes prekeys" % who)

    nc.find(a6, "carol", "dave")    # before naming them by id
    # S1: a6 <-> carol, bound, with a message each way (dedupe rows).
    S1, S2, S3, S4 = 1001, 1002, 1003, 1004
    err, _ = a6.call(START, V(1, S1) + V(2, carol) + offer(c1_dev))
    t.eq(err, 0, "a6 asks carol")
    err, _ = c1.call(ACCEPT, V(1, S1))
    t.eq(err, 0, "carol accepts: S1 is bound to a6 and carol's device")
    err, _ = a6.call(SEND, V(1, S1) + V(2, 5) + B(3, b"ct-a"))
    err2, _ = c1.call(SEND, V(1, S1) + V(2, 6) + B(3, b"ct-c"))
    t.eq((err, err2), (0, 0), "a message each way")
    # S2: a6 asks dave's two devices; nobody answers yet.
    err, _ = a6.call(START, V(1, S2) + V(2, dave) + offer(d1_dev) +
                     offer(d2_dev))
    t.eq(err, 0, "a6 asks dave's two devices (pending)")
    # S3: carol asks alice's a6 alone; S4: carol asks a1 and a6.
    err, _ = c1.call(START, V(1, S3) + V(2, alice) + offer(a6_dev))
    t.eq(err, 0, "carol asks a6 alone (pending)")
    err, _ = c1.call(START, V(1, S4) + V(2, alice) + offer(a1_dev) +
                     offer(a6_dev))
    t.eq(err, 0, "carol asks a1 and a6 (pending)")
    for d in (c1, d1, d2, a1, a6):
        d.drain(10, timeout=0.5)
        err, _ = d.call(ACK, V(1, 1000))

    err, _ = a6.call(LOGOUT)
    t.eq(err, 0, "a6 logs out")
    got = sorted(event(u) for u in c1.drain(2))
    t.eq(got, [(DECLINED, S3), (CLOSED, S1)],
         "carol's device: S1 closed, S3 (offered to a6 alone) declined")
    got = sorted(event(u) for u in d1.drain(1))
    t.eq(got, [(CLOSED, S2)], "dave's first device: a6's request withdrawn")
    got = sorted(event(u) for u in d2.drain(1))
    t.eq(got, [(CLOSED, S2)], "dave's second device too")
    got = a1.drain(1, timeout=1.0)
    t.eq(got, [], "alice's other device is told nothing: S4 stands for it")
    err, _ = c1.call(SEND, V(1, S1) + V(2, 7) + B(3, b"late"))
    t.eq(err, ERR_NOT_FOUND, "carol can no longer send into S1")
    err, _ = a1.call(ACCEPT, V(1, S4))
    t.eq(err, 0, "alice's other device can still accept S4")
    got = [event(u) for u in c1.drain(1)]
    t.eq(got, [(ACCEPTED, S4)], "and carol hears of it")
    no_rows_name_device(t, srv, a6_dev,
                        "no %s row names the removed device (%s)",
                        SECRET_DEVICE_ROWS)
    out, why = srv.sql("SELECT id FROM secret_chats WHERE id != 77")
    t.eq(out, str(S4), "of these chats the server keeps only S4", why)
    out, why = srv.sql("SELECT count(*) FROM secret_sent WHERE"
                       " secret_id = %d" % S1)
    t.eq(out, "0", "and no dedupe row of S1", why)

    # ------------------------------------------------ dedupe rows age out
    # SendSecret's (chat, device, random_id) records are purged with the
    # queue, 7 days after the send. Two sends into S4; the first made 8
    # days old in the stopped server's database.
    c1.drain(1, timeout=0.3)
    for rid in (11, 12):
        err, _ = c1.call(SEND, V(1, S4) + V(2, rid) + B(3, b"ct-%d" % rid))
        t.eq(err, 0, "carol sends into S4 (random_id %d)" % rid)
    got = [event(u) for u in a1.drain(2)]
    t.eq(got, [(MESSAGE, S4)] * 2, "alice's device gets both")
    a1_key = a1.peer.keypair
    srv.stop()
    now = int(time.time())
    out, why = srv.sql("UPDATE secret_sent SET created = %d WHERE"
                       " random_id = 11; SELECT random_id, created > %d"
                       " FROM secret_sent WHERE secret_id = %d"
                       " ORDER BY random_id"
                       % (now - 8 * 86400, now - 60, S4))
    t.eq(out.split(), ["11|0", "12|1"],
         "the dedupe rows carry their date; the first made 8 days old", why)
    srv.start()
    # The start-up purge is committed with the first turn's writes, which
    # the Welcome waits for.
    a1 = Dev(srv.addr, keypair=a1_key)
    c1 = Dev(srv.addr, keypair=c1.peer.keypair)
    out, why = srv.sql("SELECT random_id FROM secret_sent WHERE"
                       " secret_id = %d" % S4)
    t.eq(out, "12", "after a restart the 8-day-old dedupe row is gone", why)
    err, _ = c1.call(SEND, V(1, S4) + V(2, 12) + B(3, b"ct-12"))
    t.eq(err, 0, "a resend of the recent one is answered")
    err2, _ = c1.call(SEND, V(1, S4) + V(2, 11) + B(3, b"ct-11"))
    t.eq(err2, 0, "so is a resend of the old one")
    got = [event(u) for u in a1.drain(2, timeout=1.0)]
    t.eq(got, [(MESSAGE, S4)], "only the old one is relayed again (a "
         "resend after 7 days is past the dedupe guarantee)")
    t.done()
