"""sottod's device ids over the raw protocol (tests/noiseclient.py): an id
is never given to a second device, also when the newest device logs out
(SQLite would reuse the largest rowid) and across a restart; and the
migration that makes it so (schema 6) keeps every device, its keys and its
queue, and starts above any device id a secret chat still names."""
import time

import noiseclient as nc
from sottotest import Scenario

REGISTER, LOGIN, LOGOUT, WHOAMI = 11, 12, 13, 14


def V(num, value):
    return nc.field_varint(num, value)


def B(num, data):
    if isinstance(data, str):
        data = data.encode()
    return nc.field_bytes(num, data)


def get(msg, num, default=0):
    return msg.get(num, [default])[0]


def sub(msg, num):
    return nc.parse(msg[num][0]) if num in msg else None


class Dev(nc.Rpc):
    """One device: a raw Noise peer; keypair reconnects as a device seen
    before."""

    def __init__(self, addr, keypair=None):
        self.peer = nc.Peer(addr)
        if keypair is not None:
            self.peer.keypair = keypair
            self.peer.hs.initialize(nc.XXHandshakePattern(), True,
                                    nc.PROLOGUE, s=keypair)
        self.peer.handshake()
        self.welcome = nc.parse(self.peer.recv_frame()[4][0])
        nc.Rpc.__init__(self, self.peer)


def register(addr, name):
    d = Dev(addr)
    err, res = d.call(REGISTER, B(1, name) + B(2, "password-" + name) +
                      B(3, name.title()) + B(5, "raw"))
    if err:
        raise RuntimeError("register %s: %d" % (name, err))
    return d, get(sub(res, 1), 1), get(res, 2)


def login(addr, name):
    d = Dev(addr)
    err, res = d.call(LOGIN, B(1, name) + B(2, "password-" + name) +
                      B(3, "another"))
    if err:
        raise RuntimeError("login %s: %d" % (name, err))
    return d, get(res, 2)


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

    # The migration (schema 5 -> 6). Take the database back to schema 5
    # (devices without AUTOINCREMENT), with keys and a queue entry on
    # alice's first device and a secret chat naming device 40, which no
    # longer exists: the next device must get an id above 40, and the
    # rebuild of devices must not cascade into the tables that refer to
    # it.
    srv.stop()
    now = int(time.time())
    out, why = srv.sql(
        "PRAGMA foreign_keys = OFF;"
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
        "INSERT INTO prekeys VALUES (%d, zeroblob(32), 1, zeroblob(32),"
        "  zeroblob(64));"
        "INSERT INTO opks VALUES (%d, 1, zeroblob(32));"
        "INSERT INTO secret_queue VALUES (%d, 1, 25, 9, x'ca01020809', %d);"
        "INSERT INTO secret_chats (id, from_user, from_device, to_user,"
        "  to_device, ttl, created) VALUES (77, %d, %d, %d, 40, 0, %d);"
        "PRAGMA user_version = 5;"
        "SELECT sql FROM sqlite_master WHERE name = 'devices'"
        % (a1_dev, a1_dev, a1_dev, now, bob, b1_dev, alice, now))
    t.ok(not why and "AUTOINCREMENT" not in out,
         "the stopped server's database taken back to schema 5", why)
    srv.start()
    out, why = srv.sql("PRAGMA user_version")
    t.eq(out, "6", "sottod migrated it", why)
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
    t.done()
