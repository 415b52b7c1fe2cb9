"""sottod's secret chats over the raw protocol (tests/noiseclient.py):
prekeys published and handed out (each one-time prekey once, the pool
shrinking), a bad signature and a changed identity refused, a request
reaching two devices of the peer (one of them offline, which finds it in
its queue later), the first accept binding the chat (the initiator told,
the other device dropped, a second accept refused), ciphertext relayed
both ways with qts 1, 2, 3... per device and a resend deduped, acks that
leave no queue row (seen through the protocol and in the server's
SQLCipher database opened with its key file), decline and close."""
import os
import time

import nacl.public
import nacl.signing

import noiseclient as nc
from sottotest import Scenario

ERR_INVAL = -2
ERR_TOO_BIG = -6
ERR_EXISTS = -11
ERR_NOT_FOUND = -12

PUBLISH, BUNDLES, START, ACCEPT, DECLINE = 40, 41, 42, 43, 44
SEND, CLOSE, ACK, QUEUE = 45, 46, 47, 48
# Update events.
REQUESTED, ACCEPTED, DECLINED, DROPPED, MESSAGE, CLOSED = 20, 21, 22, 23, 24, 25


V, B, get, sub = nc.V, nc.B, nc.get, nc.sub


def event(u):
    """(kind, event message) of an Update."""
    for k in u:
        if k >= 20:
            return k, nc.parse(u[k][0])
    return None, None


class Dev(nc.Device):
    """One device, with an identity key to publish prekeys with; keeps
    the Updates pushed to it."""

    def __init__(self, addr, keypair=None):
        nc.Device.__init__(self, addr, keypair)
        self.ik = nacl.signing.SigningKey.generate()

    def drain(self, want, timeout=5.0):
        """Reads pushes until want of them are kept (or timeout)."""
        self.pump(lambda: len(self.updates) >= want, timeout)
        return self.updates

    def publish(self, spk_id=1, opks=(), ik=None, sig=None, spk=True):
        body = B(1, (ik or self.ik).verify_key.encode())
        if spk:
            key = nacl.public.PrivateKey.generate().public_key.encode()
            if sig is None:
                sig = self.ik.sign(key).signature
            body += V(2, spk_id) + B(3, key) + B(4, sig)
        for oid in opks:
            pub = nacl.public.PrivateKey.generate().public_key.encode()
            body += B(5, V(1, oid) + B(2, pub))
        return self.call(PUBLISH, body)


def register(addr, name):
    return nc.register(addr, name, cls=Dev)


def login(addr, name):
    return nc.login(addr, name, cls=Dev)


def offer(device_id, spk_id=1, opk_id=0):
    ek = nacl.public.PrivateKey.generate().public_key.encode()
    return B(4, V(1, device_id) + B(2, ek) + V(3, spk_id) + V(4, opk_id)), ek


def queue(dev, qts=0, limit=0):
    err, res = dev.call(QUEUE, V(1, qts) + (V(2, limit) if limit else b""))
    if err:
        raise RuntimeError("queue: %d" % err)
    ups = [nc.parse(x) for x in res.get(1, [])]
    return ups, bool(get(res, 2))


with Scenario("server_secret") as sc:
    t = sc.t
    srv = sc.server()
    a1, alice, a1_dev = register(srv.addr, "alice")
    b1, bob, b1_dev = register(srv.addr, "bob")
    b2, b2_dev = login(srv.addr, "bob")
    c1, carol, _ = register(srv.addr, "carol")

    # ------------------------------------------------ prekeys
    err, _ = a1.call(PUBLISH, B(1, b"short"))
    t.eq(err, ERR_INVAL, "a 5-byte identity key is refused")
    err, _ = b1.publish(sig=bytes(64))
    t.eq(err, ERR_INVAL, "a bad signature is refused")
    other = nacl.signing.SigningKey.generate()
    err, _ = b1.publish(sig=other.sign(b"x" * 32).signature)
    t.eq(err, ERR_INVAL, "another key's signature is refused")
    err, _ = b1.publish(opks=range(1, 202))
    t.eq(err, ERR_TOO_BIG, "201 one-time prekeys are refused")
    err, res = b1.publish(spk_id=7, opks=(1, 2, 3))
    t.eq((err, get(res, 1), get(res, 2)), (0, 3, 7),
         "bob's first device publishes: 3 OPKs, SPK 7")
    err, _ = b1.publish(ik=other, sig=other.sign(b"y" * 32).signature)
    t.eq(err, ERR_EXISTS, "the identity key may not change")
    err, res = b1.publish(opks=range(100, 298), spk=False)
    t.eq(err, ERR_TOO_BIG, "3 + 198 OPKs: the pool may not grow past 200")
    err, res = b1.publish(opks=range(100, 297), spk=False)
    t.eq((err, get(res, 1), get(res, 2)), (0, 200, 7),
         "197 more OPKs fill the pool to 200; the SPK stays")
    err, res = b2.publish(spk_id=1, opks=(1,))
    t.eq((err, get(res, 1)), (0, 1), "bob's second device publishes 1 OPK")
    err, res = a1.publish(spk_id=3)
    t.eq((err, get(res, 1)), (0, 0), "alice publishes without OPKs")

    # Bundles are asked of users one was shown (doc/PROTOCOL.md,
    # "Addressing by id"): alice finds bob and carol by username.
    for name in ("bob", "carol"):
        t.eq(a1.call(20, B(1, name))[0], 0, "alice finds %s" % name)
    err, _ = a1.call(BUNDLES, V(1, alice))
    t.eq(err, ERR_INVAL, "no bundles for oneself")
    err, _ = a1.call(BUNDLES, V(1, carol))
    t.eq(err, ERR_NOT_FOUND, "a user without keys has no bundles")
    err, _ = a1.call(BUNDLES, V(1, 987654))
    t.eq(err, ERR_NOT_FOUND, "no such user")
    err, res = a1.call(BUNDLES, V(1, bob))
    bundles = [nc.parse(x) for x in res.get(1, [])] if not err else []
    t.eq(sorted(get(b, 1) for b in bundles), sorted([b1_dev, b2_dev]),
         "one bundle per device of bob")
    by_dev = {get(b, 1): b for b in bundles}
    bb1 = by_dev.get(b1_dev, {})
    t.eq(get(bb1, 2, b""), b1.ik.verify_key.encode(),
         "the bundle carries the device's identity key")
    t.ok(len(get(bb1, 5, b"")) == 64 and b1.ik.verify_key.verify(
        get(bb1, 4, b""), get(bb1, 5, b"")) is not None,
         "its SPK signature verifies")
    t.eq((get(bb1, 3), get(bb1, 6)), (7, 1), "SPK 7 and OPK 1")
    err, res = a1.call(BUNDLES, V(1, bob))
    again = {get(nc.parse(x), 1): nc.parse(x) for x in res.get(1, [])}
    t.eq(get(again.get(b1_dev, {}), 6), 2, "OPK 1 is not handed out twice")
    t.eq((get(again.get(b2_dev, {}), 6), len(get(again.get(b2_dev, {}), 7,
                                                  b""))), (0, 0),
         "an empty pool gives a bundle without an OPK")
    err, res = b1.publish(spk=False)
    t.eq(get(res, 1), 198, "bob's pool shrank by the two taken")

    # ------------------------------------------------ start
    b2_key = b2.peer.keypair
    b2.peer.close()                                   # b2 goes offline
    S = 0x8000000000000001 + 0x1234                   # above INT64_MAX
    o1, ek1 = offer(b1_dev, 7, 1)
    o2, ek2 = offer(b2_dev, 1, 0)
    err, _ = a1.call(START, V(1, 0) + V(2, bob) + o1)
    t.eq(err, ERR_INVAL, "secret id 0 is refused")
    err, _ = a1.call(START, V(1, S) + V(2, bob) + V(3, 7 * 86400 + 1) + o1)
    t.eq(err, ERR_INVAL, "a timer over a week is refused")
    o3, _ = offer(a1_dev)
    err, _ = a1.call(START, V(1, S) + V(2, bob) + o1 + o3)
    t.eq(err, ERR_NOT_FOUND, "an offer to a device not bob's is refused")
    err, _ = c1.call(START, V(1, S) + V(2, bob) + o1)
    t.eq(err, ERR_INVAL, "a device without keys cannot start")
    err, _ = a1.call(START, V(1, S) + V(2, bob) + V(3, 30) + o1 + o2)
    t.eq(err, 0, "alice starts a secret chat with both of bob's devices")
    err, _ = a1.call(START, V(1, S) + V(2, bob) + o1)
    t.eq(err, ERR_EXISTS, "the same secret id again is refused")

    ups = b1.drain(1)
    b1.take()
    kinds = [event(u)[0] for u in ups]
    t.eq(kinds, [REQUESTED], "bob's online device gets SecretRequested live")
    if ups:
        kind, rq = event(ups[0])
        t.eq(get(ups[0], 2), 1, "with qts 1")
        t.eq((get(rq, 1), get(rq, 3), get(rq, 4, b""), get(rq, 5, b""),
              get(rq, 6), get(rq, 7), get(rq, 8)),
             (S, a1_dev, a1.ik.verify_key.encode(), ek1, 7, 1, 30),
             "it names the chat, alice's device and keys, the offer, the timer")
        t.eq(get(sub(rq, 2), 2, b""), b"alice", "and who asks")
    t.eq(a1.drain(1, timeout=0.5), [], "alice is pushed nothing yet")

    # The offline device finds its request in the queue.
    b2 = Dev(srv.addr, keypair=b2_key)
    t.eq((get(b2.welcome, 1), get(b2.welcome, 3)), (1, b2_dev),
         "bob's second device comes back as itself")
    ups, more = queue(b2)
    t.eq(([event(u)[0] for u in ups], [get(u, 2) for u in ups], more),
         ([REQUESTED], [1], False), "GetSecretQueue holds its request")
    if ups:
        t.eq(get(event(ups[0])[1], 5, b""), ek2, "with its own offer")

    # ------------------------------------------------ accept
    err, _ = c1.call(ACCEPT, V(1, S))
    t.eq(err, ERR_NOT_FOUND, "a request for somebody else cannot be accepted")
    err, _ = b1.call(ACCEPT, V(1, S))
    t.eq(err, 0, "bob's first device accepts")
    err, _ = b2.call(ACCEPT, V(1, S))
    t.eq(err, ERR_EXISTS, "a second accept is refused")
    err, _ = b2.call(DECLINE, V(1, S))
    t.eq(err, ERR_EXISTS, "and so is a late decline")
    ups = a1.drain(1)
    a1.take()
    if t.eq([event(u)[0] for u in ups], [ACCEPTED],
            "alice's device gets SecretAccepted"):
        ac = event(ups[0])[1]
        t.eq((get(ac, 1), get(ac, 2), get(ac, 3, b""), get(ups[0], 2)),
             (S, b1_dev, b1.ik.verify_key.encode(), 1),
             "naming bob's device and its identity key, qts 1")
    ups = b2.drain(1)
    b2.take()
    t.eq([(event(u)[0], get(u, 2)) for u in ups], [(DROPPED, 2)],
         "bob's other device is told to drop it")
    ups, _ = queue(b2)
    t.eq([event(u)[0] for u in ups], [DROPPED],
         "its undelivered request is gone from its queue")

    # ------------------------------------------------ messages
    err, _ = b2.call(SEND, V(1, S) + V(2, 5) + B(3, b"x"))
    t.eq(err, ERR_NOT_FOUND, "the dropped device may not send")
    err, _ = c1.call(SEND, V(1, S) + V(2, 5) + B(3, b"x"))
    t.eq(err, ERR_NOT_FOUND, "nor may a stranger")
    err, _ = a1.call(SEND, V(1, S) + V(2, 0) + B(3, b"x"))
    t.eq(err, ERR_INVAL, "random_id 0 is refused")
    err, _ = a1.call(SEND, V(1, S) + V(2, 5) + B(3, b"x" * 65300))
    t.eq(err, ERR_TOO_BIG, "data that would not fit a pushed frame is refused")
    ct = [os.urandom(n) for n in (40, 1000, 65000)]
    for i, data in enumerate(ct):
        err, _ = a1.call(SEND, V(1, S) + V(2, 100 + i) + B(3, data))
        t.eq(err, 0, "alice sends ciphertext %d (%d bytes)" % (i, len(data)))
    err, _ = a1.call(SEND, V(1, S) + V(2, 100) + B(3, ct[0]))
    t.eq(err, 0, "a resend is answered")
    ups = b1.drain(3)
    time.sleep(0.3)
    ups = b1.drain(4, timeout=0.3)
    b1.take()
    got = [(event(u)[0], get(u, 2), get(event(u)[1], 2),
            get(event(u)[1], 3, b"")) for u in ups]
    t.eq(got, [(MESSAGE, 2 + i, 100 + i, ct[i]) for i in range(3)],
         "bob's device gets each once, in order, qts 2, 3, 4, data intact")
    if ups:
        d = get(event(ups[0])[1], 4)
        t.ok(abs(d - time.time()) < 60, "with the server's date", d)
    err, _ = b1.call(SEND, V(1, S) + V(2, 100) + B(3, b"reply"))
    t.eq(err, 0, "bob replies (his random ids are his own)")
    ups = a1.drain(1)
    a1.take()
    t.eq([(event(u)[0], get(u, 2), get(event(u)[1], 3, b"")) for u in ups],
         [(MESSAGE, 2, b"reply")], "alice gets the reply with qts 2")

    # Paging and acks.
    ups, more = queue(b1, 0, 2)
    t.eq(([get(u, 2) for u in ups], more), ([1, 2], True),
         "GetSecretQueue pages with more")
    ups, more = queue(b1, 2)
    t.eq(([get(u, 2) for u in ups], more), ([3], True),
         "a page stops before 60000 bytes")
    ups, more = queue(b1, 3)
    t.eq(([get(u, 2) for u in ups], more), ([4], False),
         "but always holds one entry")
    err, _ = b1.call(ACK, V(1, 3))
    t.eq(err, 0, "bob acks up to qts 3")
    ups, _ = queue(b1)
    t.eq([get(u, 2) for u in ups], [4], "only qts 4 is left")
    out, why = srv.sql("SELECT qts FROM secret_queue WHERE device_id = %d"
                       % b1_dev)
    t.eq(out, "4", "the database holds only that row for bob's device", why)
    for d in (a1, b1, b2):
        err, _ = d.call(ACK, V(1, 1000))
        t.eq(err, 0, "ack everything")
    ups, _ = queue(b1)
    t.eq(ups, [], "bob's queue is empty")
    out, why = srv.sql("SELECT count(*) FROM secret_queue")
    t.eq(out, "0", "no queue row is left in the server's database", why)
    out, _ = srv.sql("SELECT hex(payload) FROM secret_queue")
    t.eq(out, "", "no payload either")

    # ------------------------------------------------ close
    err, _ = b1.call(CLOSE, V(1, S))
    t.eq(err, 0, "bob closes the chat")
    ups = a1.drain(1)
    a1.take()
    t.eq([(event(u)[0], get(u, 2), get(event(u)[1], 1)) for u in ups],
         [(CLOSED, 3, S)], "alice is told (qts 3)")
    err, _ = a1.call(SEND, V(1, S) + V(2, 200) + B(3, b"late"))
    t.eq(err, ERR_NOT_FOUND, "the closed chat is gone")
    err, _ = b1.call(CLOSE, V(1, S))
    t.eq(err, ERR_NOT_FOUND, "closing twice is ERR_NOT_FOUND")

    # ------------------------------------------------ decline
    S2 = 42
    o1, _ = offer(b1_dev)
    o2, _ = offer(b2_dev)
    err, _ = a1.call(START, V(1, S2) + V(2, bob) + o1 + o2)
    t.eq(err, 0, "alice asks again")
    b1.drain(1)
    b2.drain(1)
    b1.take()
    b2.take()
    err, _ = b2.call(DECLINE, V(1, S2))
    t.eq(err, 0, "bob declines on his second device")
    ups = a1.drain(1)
    a1.take()
    t.eq([(event(u)[0], get(event(u)[1], 1)) for u in ups], [(DECLINED, S2)],
         "alice gets SecretDeclined")
    ups = b1.drain(1)
    b1.take()
    t.eq([event(u)[0] for u in ups], [DROPPED],
         "bob's first device drops the request")
    err, _ = b1.call(ACCEPT, V(1, S2))
    t.eq(err, ERR_NOT_FOUND, "a declined request is forgotten")

    # The initiator may withdraw a pending request.
    S3 = 43
    o1, _ = offer(b1_dev)
    err, _ = a1.call(START, V(1, S3) + V(2, bob) + o1)
    t.eq(err, 0, "alice asks a third time")
    b1.drain(1)
    b1.take()
    err, _ = a1.call(CLOSE, V(1, S3))
    t.eq(err, 0, "and withdraws")
    ups = b1.drain(1)
    t.eq([event(u)[0] for u in ups], [CLOSED], "bob's device is told")
    ups, _ = queue(b1)
    t.eq([event(u)[0] for u in ups], [DROPPED, CLOSED],
         "its queue holds no request any more")

    # Nothing secret in the log.
    b1_key = b1.peer.keypair
    srv.stop()
    with open(srv.log, "rb") as f:
        log = f.read()
    t.ok(b"secret" in log, "the log records secret-chat events", log[-2000:])
    t.ok(ct[1] not in log and b1.ik.verify_key.encode().hex().encode()
         not in log and ct[1].hex().encode() not in log,
         "the log carries no ciphertext or keys")

    # Entries older than 7 days are purged at start-up. Update{secret_closed
    # {secret_id: 9}} as the server stores it, once 8 days old, once new.
    now = int(time.time())
    out, why = srv.sql("INSERT INTO secret_queue (device_id, qts, kind,"
                       " secret_id, payload, created) VALUES"
                       " (%d, 1000, 25, 9, x'ca01020809', %d),"
                       " (%d, 1001, 25, 9, x'ca01020809', %d);"
                       " SELECT count(*) FROM secret_queue WHERE qts >= 1000"
                       % (b1_dev, now - 8 * 86400, b1_dev, now))
    t.eq(out, "2", "two entries put into the stopped server's queue", why)
    srv.start()
    b1 = Dev(srv.addr, keypair=b1_key)
    ups, _ = queue(b1, 999)
    t.eq([(get(u, 2), event(u)[0], get(event(u)[1], 1)) for u in ups],
         [(1001, CLOSED, 9)], "after a restart the 8-day-old one is gone")
    out, why = srv.sql("SELECT qts FROM secret_queue WHERE qts >= 1000")
    t.eq(out, "1001", "also from the database", why)
    t.done()
