#!/usr/bin/python3
"""Our Noise_XX_25519_ChaChaPoly_BLAKE2b against python3-dissononce, an
independent implementation, live: dissononce as the initiator against our
responder, then as the responder against our initiator. Both must finish
the handshake with the same hash, learn each other's static key, and carry
transport messages both ways (empty, small, and the largest Noise allows),
also across an explicit rekey. Tampered handshake and transport messages
must make our side stop.

The C side is tests/interop/noise_peer (see its header for the protocol).
Exit 0 pass, 1 fail, 77 skip when dissononce is not installed.
"""
import os
import signal
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir))
from sottotest import Checks  # noqa: E402

try:
    from dissononce.cipher.chachapoly import ChaChaPolyCipher
    from dissononce.dh.x25519.x25519 import X25519DH
    from dissononce.hash.blake2b import Blake2bHash
    from dissononce.processing.handshakepatterns.interactive.XX import \
        XXHandshakePattern
    from dissononce.processing.impl.cipherstate import CipherState
    from dissononce.processing.impl.handshakestate import HandshakeState
    from dissononce.processing.impl.symmetricstate import SymmetricState
except ImportError:
    print("1..0 # SKIP python3-dissononce is not installed")
    sys.exit(77)

PEER = os.path.join(os.environ.get("SOTTO_BUILDDIR", "."),
                    "tests", "interop", "noise_peer")
PROLOGUE = b"sotto/1"
MAX_PAYLOAD = 65535 - 16
OWN_MESSAGES = 3        # noise_peer's "c-tx-N" after the handshake
TIMEOUT = 60            # seconds per session; a hang is a failure


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout("no answer from noise_peer in %d s" % TIMEOUT)


def send(proc, data):
    proc.stdin.write(struct.pack(">H", len(data)) + data)
    proc.stdin.flush()


def recv(proc):
    hdr = proc.stdout.read(2)
    if len(hdr) != 2:
        raise EOFError("noise_peer closed its output")
    (n,) = struct.unpack(">H", hdr)
    data = proc.stdout.read(n)
    if len(data) != n:
        raise EOFError("short message from noise_peer")
    return data


def rekey(cs):
    """Noise section 11.3 by hand: k = first 32 bytes of ENCRYPT(k, 2^64-1,
    "", zeros), n unchanged. dissononce 0.34's CipherState.rekey() resets n
    to 0 and keeps the 48 bytes with the tag, so it cannot be used."""
    n = cs._nonce
    cs.initialize_key(cs.cipher.encrypt(cs._key, 2 ** 64 - 1, b"",
                                        bytes(32))[:32])
    cs.set_nonce(n)


def new_hs(initiator, s):
    hs = HandshakeState(
        SymmetricState(CipherState(ChaChaPolyCipher()), Blake2bHash()),
        X25519DH())
    hs.initialize(XXHandshakePattern(), initiator, PROLOGUE, s=s)
    return hs


def spawn(role, key_hex):
    return subprocess.Popen([PEER, role, key_hex, PROLOGUE.decode()],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def finish(proc):
    """Closes noise_peer's input; returns its exit status and stderr."""
    try:
        proc.stdin.close()
    except BrokenPipeError:
        pass
    rc = proc.wait(TIMEOUT)
    return rc, proc.stderr.read().decode(errors="replace")


def exchange(t, proc, what, steps):
    """Runs steps() against proc, then finish(proc): its (status, stderr).
    An exception on the way kills proc and is a failed check; then None."""
    try:
        steps()
        return finish(proc)
    except Exception as e:
        proc.kill()
        proc.wait()
        t.ok(False, what + ": exchange", repr(e))
        return None


def run(t, py_initiator, our_key_given):
    """One live session; our_key_given: noise_peer gets its static key on
    the command line, else it makes one and reports it as "public"."""
    us = "dissononce %s, our key %s" % (
        "initiator" if py_initiator else "responder",
        "given" if our_key_given else "made")
    dh = X25519DH()
    mine = dh.generate_keypair()
    theirs = dh.generate_keypair() if our_key_given else None
    hs = new_hs(py_initiator, mine)
    proc = spawn("responder" if py_initiator else "initiator",
                 theirs.private.data.hex() if our_key_given else "-")
    received = {}
    cs = None
    sizes = [0, 1, 5, 1000, MAX_PAYLOAD, 65000] + [7] * 20
    try:
        # XX has three messages; the initiator writes 0 and 2.
        for i in range(3):
            if (i % 2 == 0) == py_initiator:
                buf = bytearray()
                cs = hs.write_message(b"py-hs-%d" % i, buf)
                send(proc, bytes(buf))
            else:
                payload = bytearray()
                cs = hs.read_message(recv(proc), payload)
                received[i] = bytes(payload)
        if not t.ok(cs is not None, "%s: handshake complete" % us):
            raise RuntimeError("the handshake did not finish")
        for i, p in sorted(received.items()):
            t.eq(p, b"c-hs-%d" % i, "%s: our payload %d arrived" % (us, i))
        tx, rx = (cs[0], cs[1]) if py_initiator else (cs[1], cs[0])

        own = [rx.decrypt_with_ad(b"", recv(proc))
               for _ in range(OWN_MESSAGES)]
        t.eq(own, [b"c-tx-%d" % i for i in range(OWN_MESSAGES)],
             "%s: our own first transport messages" % us)

        good = 0
        for n in sizes:
            msg = os.urandom(n)
            send(proc, tx.encrypt_with_ad(b"", msg))
            good += rx.decrypt_with_ad(b"", recv(proc)) == msg[::-1]
        t.eq(good, len(sizes), "%s: %d transport round trips (0 to %d bytes)"
             % (us, len(sizes), MAX_PAYLOAD))

        # An explicit rekey of both directions, then more traffic.
        send(proc, tx.encrypt_with_ad(b"", b"!rekey"))
        t.eq(rx.decrypt_with_ad(b"", recv(proc)), b"yeker!",
             "%s: the rekey request is answered" % us)
        rekey(tx)
        rekey(rx)
        good = 0
        for n in [0, 12, MAX_PAYLOAD]:
            msg = os.urandom(n)
            send(proc, tx.encrypt_with_ad(b"", msg))
            good += rx.decrypt_with_ad(b"", recv(proc)) == msg[::-1]
        t.eq(good, 3, "%s: round trips under the new keys" % us)
        rc, err = finish(proc)
    except Exception as e:  # report, never hang
        proc.kill()
        proc.wait()
        err = proc.stderr.read().decode(errors="replace")
        t.ok(False, "%s: exchange" % us, "%r\n%s" % (e, err))
        return
    lines = dict(l.split(" ", 1) for l in err.splitlines() if " " in l)
    t.eq(rc, 0, "%s: noise_peer exited 0" % us, err)
    if our_key_given:
        t.eq(lines.get("public"), theirs.public.data.hex(),
             "%s: both derive the same public key from our private one" % us,
             err)
    t.ok(lines.get("public") is not None and
         hs.rs.data.hex() == lines.get("public"),
         "%s: it learnt our static key" % us, err)
    t.eq(lines.get("remote"), mine.public.data.hex(),
         "%s: we learnt its static key" % us, err)
    t.eq(lines.get("hash"), hs.symmetricstate.get_handshake_hash().hex(),
         "%s: the handshake hashes agree" % us, err)
    hs_lines = [l for l in err.splitlines() if l.startswith("hs-payload ")]
    want = ["hs-payload %d %s" % (i, (b"py-hs-%d" % i).hex())
            for i in range(3) if (i % 2 == 0) == py_initiator]
    t.eq(hs_lines, want, "%s: its payloads arrived" % us, err)
    t.eq(lines.get("messages"), str(len(sizes) + 4),
         "%s: noise_peer answered every message" % us, err)
    t.eq(lines.get("rekeys"), "1", "%s: noise_peer rekeyed once" % us, err)


def tampered_handshake(t):
    """A flipped bit in dissononce's last handshake message is refused."""
    dh = X25519DH()
    hs = new_hs(True, dh.generate_keypair())
    proc = spawn("responder", "-")

    def steps():
        buf = bytearray()
        hs.write_message(b"", buf)
        send(proc, bytes(buf))
        hs.read_message(recv(proc), bytearray())
        buf = bytearray()
        hs.write_message(b"", buf)
        buf[40] ^= 1            # inside the encrypted static key
        send(proc, bytes(buf))

    got = exchange(t, proc, "tampered handshake", steps)
    if got is None:
        return
    rc, err = got
    t.ok(rc == 1 and "noise_peer: handshake read" in err and
         "remote " not in err,
         "a tampered third handshake message fails our responder", err)


def tampered_transport(t):
    """A flipped bit in a transport message stops our initiator."""
    dh = X25519DH()
    hs = new_hs(False, dh.generate_keypair())
    proc = spawn("initiator", "-")

    def steps():
        hs.read_message(recv(proc), bytearray())
        buf = bytearray()
        hs.write_message(b"", buf)
        send(proc, bytes(buf))
        cs = hs.read_message(recv(proc), bytearray())
        for _ in range(OWN_MESSAGES):
            cs[0].decrypt_with_ad(b"", recv(proc))
        # cs[1] carries responder to initiator.
        ct = bytearray(cs[1].encrypt_with_ad(b"", b"hello"))
        ct[2] ^= 0x10
        send(proc, bytes(ct))

    got = exchange(t, proc, "tampered transport", steps)
    if got is None:
        return
    rc, err = got
    t.ok(rc == 1 and "noise_peer: transport decrypt" in err,
         "a tampered transport message fails our initiator", err)


def main():
    if not os.access(PEER, os.X_OK):
        print("Bail out! %s is not built" % PEER)
        sys.exit(1)
    signal.signal(signal.SIGALRM, on_alarm)
    t = Checks()
    for session in (lambda: run(t, True, our_key_given=True),
                    lambda: run(t, False, our_key_given=False),
                    lambda: run(t, False, our_key_given=True),
                    lambda: tampered_handshake(t),
                    lambda: tampered_transport(t)):
        signal.alarm(TIMEOUT)
        session()
        signal.alarm(0)
    t.done()


main()
