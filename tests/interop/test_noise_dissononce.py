#!/usr/bin/python3
"""Our Noise_XX_25519_ChaChaPoly_BLAKE2b against python3-dissononce, an
independent implementation, live: dissononce as the initiator against our
responder, then as the responder against our initiator. Both must finish
the handshake with the same hash, learn each other's static key, and carry
transport messages both ways (empty, small, and the largest Noise allows).

The C side is tests/interop/noise_peer (see its header for the protocol).
Exit 0 pass, 1 fail, 77 skip when dissononce is not installed.
"""
import os
import struct
import subprocess
import sys

from sottotest import Checks

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


def run(t, py_initiator):
    us = "initiator" if py_initiator else "responder"
    dh = X25519DH()
    mine = dh.generate_keypair()
    theirs = dh.generate_keypair()
    hs = HandshakeState(
        SymmetricState(CipherState(ChaChaPolyCipher()), Blake2bHash()), dh)
    hs.initialize(XXHandshakePattern(), py_initiator, PROLOGUE, s=mine)
    proc = subprocess.Popen(
        [PEER, "responder" if py_initiator else "initiator",
         theirs.private.data.hex(), PROLOGUE.decode()],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    received = {}
    cs = None
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
        t.ok(cs is not None, "dissononce %s: handshake complete" % us)
        for i, p in received.items():
            t.ok(p == b"c-hs-%d" % i,
                 "dissononce %s: our payload %d arrived" % (us, i), repr(p))
        t.ok(hs.rs.data == theirs.public.data,
             "dissononce %s: it learnt our static key" % us)
        tx, rx = (cs[0], cs[1]) if py_initiator else (cs[1], cs[0])
        sizes = [0, 1, 5, 1000, MAX_PAYLOAD] + [7] * 20
        good = 0
        for n in sizes:
            msg = os.urandom(n)
            send(proc, tx.encrypt_with_ad(b"", msg))
            back = rx.decrypt_with_ad(b"", recv(proc))
            good += back == msg[::-1]
        t.ok(good == len(sizes),
             "dissononce %s: %d transport round trips (0 to %d bytes)" %
             (us, len(sizes), MAX_PAYLOAD), "%d of %d" % (good, len(sizes)))
        proc.stdin.close()
        rc = proc.wait(20)
        err = proc.stderr.read().decode(errors="replace")
    except Exception as e:  # report, never hang
        proc.kill()
        proc.wait()
        err = proc.stderr.read().decode(errors="replace")
        t.ok(False, "dissononce %s: exchange" % us, "%r\n%s" % (e, err))
        return
    lines = dict(l.split(" ", 1) for l in err.splitlines() if " " in l)
    t.ok(rc == 0, "dissononce %s: noise_peer exited 0" % us, err)
    t.ok(lines.get("remote") == mine.public.data.hex(),
         "dissononce %s: we learnt its static key" % us, err)
    t.ok(lines.get("hash") == hs.symmetricstate.get_handshake_hash().hex(),
         "dissononce %s: the handshake hashes agree" % us, err)
    hs_lines = [l for l in err.splitlines() if l.startswith("hs-payload ")]
    want = ["hs-payload %d %s" % (i, (b"py-hs-%d" % i).hex())
            for i in range(3) if (i % 2 == 0) == py_initiator]
    t.ok(hs_lines == want, "dissononce %s: its payloads arrived" % us, err)
    t.ok(lines.get("messages") == str(len(sizes)),
         "dissononce %s: noise_peer answered every message" % us, err)


def tampered(t):
    """A flipped bit in dissononce's last handshake message is refused."""
    dh = X25519DH()
    hs = HandshakeState(
        SymmetricState(CipherState(ChaChaPolyCipher()), Blake2bHash()), dh)
    hs.initialize(XXHandshakePattern(), True, PROLOGUE,
                  s=dh.generate_keypair())
    proc = subprocess.Popen(
        [PEER, "responder", dh.generate_keypair().private.data.hex(),
         PROLOGUE.decode()],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    buf = bytearray()
    hs.write_message(b"", buf)
    send(proc, bytes(buf))
    hs.read_message(recv(proc), bytearray())
    buf = bytearray()
    hs.write_message(b"", buf)
    buf[-1] ^= 1
    send(proc, bytes(buf))
    proc.stdin.close()
    rc = proc.wait(20)
    err = proc.stderr.read().decode(errors="replace")
    t.ok(rc == 1 and "handshake read" in err,
         "a tampered third message fails our responder", err)


def main():
    if not os.access(PEER, os.X_OK):
        print("Bail out! %s is not built" % PEER)
        sys.exit(1)
    t = Checks()
    run(t, py_initiator=True)
    run(t, py_initiator=False)
    tampered(t)
    t.done()


main()
