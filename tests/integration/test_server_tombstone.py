"""The Welcome tells a terminated device from one the server never heard
of, on the raw protocol: after a Logout the same key is told terminated
(fields 5-7, and revoked_reason for old clients), also after a restart; a
key the server never saw gets neither; a bound device gets its account's
pts (8, with pts_known 9). The tombstone row holds an HMAC of the key, not
the key (the key's bytes are nowhere in the database), names the device,
its account, the device that ended it and why; binding the key again
deletes it; one older than 365 days is as good as gone."""
import time

import noiseclient as nc
from sottotest import Scenario

LOGIN, LOGOUT = 12, 13
V, B, get = nc.V, nc.B, nc.get


def welcome(addr, keypair=None):
    d = nc.Device(addr, keypair)
    return d, d.welcome


def pub_hex(keypair):
    pub = keypair.public
    return bytes(getattr(pub, "data", pub)).hex()


with Scenario("server_tombstone") as sc:
    t = sc.t
    srv = sc.server()
    a, alice, a_dev = nc.register(srv.addr, "alice")
    key = a.peer.keypair

    _, w = welcome(srv.addr, key)
    t.eq((get(w, 1), get(w, 3), get(w, 9), get(w, 5)), (1, a_dev, 1, 0),
         "a bound device: authenticated, its id, pts_known, not terminated",
         w)
    _, w0 = welcome(srv.addr)
    t.eq({k for k in w0 if k in (1, 4, 5, 6, 7, 8, 9)}, set(),
         "a key never heard of: no field but the ids' defaults", w0)

    before = int(time.time())
    err, _ = a.call(LOGOUT)
    t.eq(err, 0, "alice's device logs out")
    srv.restart()
    _, w = welcome(srv.addr, key)
    t.eq((get(w, 1), get(w, 5), get(w, 7)), (0, 1, 1),
         "after a restart the same key is told terminated, by a logout", w)
    t.ok(before - 5 <= get(w, 6) <= int(time.time()) + 5,
         "with when", get(w, 6))
    t.ok(b"logged out" in get(w, 4, b""), "and the words old clients show",
         w)

    out, why = srv.sql("SELECT device_id, user_id, by_device, why, "
                       "length(key_hash), hex(key_hash) FROM "
                       "device_tombstones")
    row = out.split("|")
    t.eq(row[:5], [str(a_dev), str(alice), str(a_dev), "1", "32"],
         "one tombstone: the device, its account, ended by itself, why 1, "
         "a 32-byte hash", (out, why))
    t.ok(len(row) == 6 and row[5].lower() != pub_hex(key),
         "the hash is not the key", out)
    dump, why = srv.dump()
    t.ok(bytes.fromhex(pub_hex(key)) not in dump and
         pub_hex(key).encode() not in dump.lower(),
         "the key's bytes are nowhere in the database", why)

    # Bound again: the tombstone goes, the Welcome is a device's.
    d = nc.Device(srv.addr, key)
    err, res = d.call(LOGIN, B(1, "alice") + B(2, "password-alice") +
                      B(3, "again"))
    t.eq(err, 0, "the same key logs in again", res)
    out, why = srv.sql("SELECT count(*) FROM device_tombstones")
    t.eq(out, "0", "and its tombstone is gone", why)
    _, w = welcome(srv.addr, key)
    t.eq((get(w, 1), get(w, 5)), (1, 0), "it is a bound device again", w)

    # Past its keeping time a tombstone no longer says terminated.
    err, _ = d.call(LOGOUT)
    t.eq(err, 0, "it logs out again")
    srv.stop()
    out, why = srv.sql("UPDATE device_tombstones SET ended = ended - "
                       "366 * 86400")
    t.eq(why, "", "the tombstone made 366 days old", why)
    srv.start()
    _, w = welcome(srv.addr, key)
    t.eq((get(w, 1), get(w, 5)), (0, 0), "a tombstone older than 365 days: "
         "never heard of", w)
    t.done()
