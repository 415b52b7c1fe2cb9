#!/usr/bin/python3
"""Our X3DH and Double Ratchet against python3-x3dh and
python3-doubleratchet (1.0.3), independent implementations, configured
exactly as DESIGN.md section 6 says, live and in both directions: our
initiator with their responder and theirs with ours, each with and without
a one-time prekey. Both sides must derive the same SK and AD, and carry
messages both ways across many DH steps, out of order, with messages held
back past a DH step (skipped keys found through PN), a 1001-key skip
refused and a 1000-key skip accepted. Our side must also refuse replays
and tampered messages without losing its state.

Configuration of the Python side (nothing else is changed):
  x3dh: identity key format ED_25519, SHA-256, info b"sotto x3dh";
        _encode_public_key returns the 32 raw bytes (so the SPK signature
        is over its raw bytes and AD = IK_A || IK_B).
  doubleratchet: X25519 (recommended curve25519 class); root chain
        recommended HKDF KDF, SHA-256, info b"sotto ratchet"; message chain
        recommended separate-HMACs KDF, SHA-256, constant b"\\x02\\x01"
        (output = HMAC(ck, 02) || HMAC(ck, 01): next chain key, message
        key); dos_protection_threshold = max_num_skipped_message_keys =
        1000; AEAD: the library has no XChaCha20-Poly1305, so the AEAD
        plug-in below implements DESIGN's ENCRYPT with `cryptography`
        (HKDF, ChaCha20-Poly1305) and HChaCha20 written out here;
        associated data = AD || ratchet key || PN (u32 BE) || N (u32 BE).

The C side is tests/interop/ratchet_driver (doc/INTEROP.md). Exit 0 pass,
1 fail, 77 skip when the Python libraries are missing.
"""
import asyncio
import json
import os
import random
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir))
from sottotest import Checks  # noqa: E402

try:
    import x3dh
    import x3dh.identity_key_pair
    import doubleratchet
    from doubleratchet.recommended import HashFunction as DRHash
    from doubleratchet.recommended import kdf_hkdf, kdf_separate_hmacs
    from doubleratchet.recommended import \
        diffie_hellman_ratchet_curve25519 as dr_curve25519
    from doubleratchet.recommended.crypto_provider_impl import \
        CryptoProviderImpl
    from cryptography.hazmat.primitives.ciphers.aead import \
        ChaCha20Poly1305
    from cryptography.exceptions import InvalidTag
except ImportError as e:
    print("1..0 # SKIP python3-x3dh/python3-doubleratchet missing: %s" % e)
    sys.exit(77)

DRIVER = os.path.join(os.environ.get("SOTTO_BUILDDIR", "."),
                      "tests", "interop", "ratchet_driver")
MAX_SKIP = 1000
LOOP = asyncio.new_event_loop()
run = LOOP.run_until_complete


# ---------------------------------------------------------------- Python side
class X3DHState(x3dh.BaseState):
    @staticmethod
    def _encode_public_key(key_format, pub):
        return pub


def new_x3dh(seed):
    return X3DHState.create(
        x3dh.IdentityKeyFormat.ED_25519, x3dh.HashFunction.SHA_256,
        b"sotto x3dh", x3dh.identity_key_pair.IdentityKeyPairSeed(seed))


class RootKDF(kdf_hkdf.KDF):
    @staticmethod
    def _get_hash_function():
        return DRHash.SHA_256

    @staticmethod
    def _get_info():
        return b"sotto ratchet"


class ChainKDF(kdf_separate_hmacs.KDF):
    @staticmethod
    def _get_hash_function():
        return DRHash.SHA_256


def _rotl(v, n):
    return ((v << n) & 0xffffffff) | (v >> (32 - n))


def hchacha20(key, nonce16):
    """HChaCha20 (draft-irtf-cfrg-xchacha section 2.2)."""
    s = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] + \
        list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16))

    def qr(a, b, c, d):
        s[a] = (s[a] + s[b]) & 0xffffffff
        s[d] = _rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & 0xffffffff
        s[b] = _rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & 0xffffffff
        s[d] = _rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & 0xffffffff
        s[b] = _rotl(s[b] ^ s[c], 7)

    for _ in range(10):
        qr(0, 4, 8, 12), qr(1, 5, 9, 13), qr(2, 6, 10, 14), qr(3, 7, 11, 15)
        qr(0, 5, 10, 15), qr(1, 6, 11, 12), qr(2, 7, 8, 13), qr(3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


def xchacha(key, nonce):
    return (ChaCha20Poly1305(hchacha20(key, nonce[:16])),
            b"\0\0\0\0" + nonce[16:])


async def message_key_nonce(mk):
    okm = await CryptoProviderImpl.hkdf_derive(
        hash_function=DRHash.SHA_256, length=56, salt=bytes(32),
        info=b"sotto message", key_material=mk)
    return okm[:32], okm[32:]


class SottoAEAD(doubleratchet.AEAD):
    @staticmethod
    async def encrypt(plaintext, key, associated_data):
        k, n = await message_key_nonce(key)
        aead, nonce = xchacha(k, n)
        return aead.encrypt(nonce, plaintext, associated_data)

    @staticmethod
    async def decrypt(ciphertext, key, associated_data):
        k, n = await message_key_nonce(key)
        aead, nonce = xchacha(k, n)
        try:
            return aead.decrypt(nonce, ciphertext, associated_data)
        except InvalidTag:
            raise doubleratchet.AuthenticationFailedException("bad tag")


def encode_header(h):
    return h.ratchet_pub + struct.pack(
        ">II", h.previous_sending_chain_length, h.sending_chain_length)


class SottoDR(doubleratchet.DoubleRatchet):
    @staticmethod
    def _build_associated_data(associated_data, header):
        return associated_data + encode_header(header)


DR_CONFIG = dict(
    diffie_hellman_ratchet_class=dr_curve25519.DiffieHellmanRatchet,
    root_chain_kdf=RootKDF, message_chain_kdf=ChainKDF,
    message_chain_constant=b"\x02\x01",
    dos_protection_threshold=MAX_SKIP,
    max_num_skipped_message_keys=MAX_SKIP, aead=SottoAEAD)


def to_wire(m):
    return encode_header(m.header) + m.ciphertext


def from_wire(b):
    pn, n = struct.unpack(">II", b[32:40])
    return doubleratchet.EncryptedMessage(
        header=doubleratchet.Header(ratchet_pub=b[:32],
                                    previous_sending_chain_length=pn,
                                    sending_chain_length=n),
        ciphertext=b[40:])


class Py:
    def __init__(self, dr, ad):
        self.dr, self.ad = dr, ad

    def send(self, text):
        return to_wire(run(self.dr.encrypt_message(text, self.ad)))

    def recv(self, wire):
        return run(self.dr.decrypt_message(from_wire(wire), self.ad))


# ---------------------------------------------------------------- C side
class C:
    """ratchet_driver runs; the state blob goes from one run to the next."""

    def __init__(self, t, label):
        self.t, self.label, self.state = t, label, None

    def run(self, script):
        if self.state is not None:
            script["state"] = self.state
        p = subprocess.run([DRIVER], input=json.dumps(script).encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        if p.returncode != 0:
            raise RuntimeError("ratchet_driver exited %d: %s" % (
                p.returncode, p.stderr.decode(errors="replace")))
        out = json.loads(p.stdout)
        self.state = out.get("state", self.state)
        self.skipped = out.get("skipped")
        return out

    def steps(self, steps, **extra):
        script = dict(extra)
        script["steps"] = [({"encrypt": s[1].hex()} if s[0] == "e" else
                            {"decrypt": s[1].hex()}) for s in steps]
        out = self.run(script)
        return out, out["results"]


def texts(prefix, n):
    return [("%s-%d" % (prefix, i)).encode() * (1 + i % 3) for i in range(n)]


# ---------------------------------------------------------------- scenarios
def setup_c_initiator(t, us, with_opk):
    c = C(t, us)
    py_x = new_x3dh(os.urandom(32))
    if with_opk:
        py_x.generate_pre_keys(3)
    b = py_x.bundle
    opk = sorted(b.pre_keys)[0] if with_opk else None
    first = texts("c-first", 5)
    out, res = c.steps([("e", m) for m in first], x3dh={
        "role": "initiator", "ik_seed": os.urandom(32).hex(),
        "peer_bundle": {"ik": b.identity_key.hex(),
                        "spk": b.signed_pre_key.hex(),
                        "spk_sig": b.signed_pre_key_sig.hex(),
                        "opk": opk.hex() if opk else None}})
    xo = out["x3dh"]
    if not t.ok(xo["ok"], "%s: our X3DH verifies their SPK signature and "
                "agrees" % us, out):
        raise RuntimeError("x3dh")
    t.eq(xo["opk"], opk.hex() if opk else None,
         "%s: our initial message names the OPK or none" % us)
    header = x3dh.Header(identity_key=bytes.fromhex(xo["ik"]),
                         ephemeral_key=bytes.fromhex(xo["ek"]),
                         signed_pre_key=bytes.fromhex(xo["spk"]),
                         pre_key=opk)
    sk, ad, spk_pair = run(py_x.get_shared_secret_passive(
        header, b"", require_pre_key=with_opk))
    t.eq(xo["sk"], sk.hex(), "%s: both derive the same SK" % us)
    t.eq(xo["ad"], ad.hex(), "%s: both derive AD = IK_A || IK_B" % us)
    t.eq(ad[:32].hex(), xo["ik"], "%s: AD starts with our IK" % us)
    wires = [bytes.fromhex(r["msg"]) for r in res]
    # Their side starts from a message in the middle of our first chain.
    dr, pt = run(SottoDR.decrypt_initial_message(
        **DR_CONFIG, shared_secret=sk, own_ratchet_priv=spk_pair.priv,
        message=from_wire(wires[2]), associated_data=ad))
    py = Py(dr, ad)
    got = [pt] + [py.recv(wires[i]) for i in (4, 0, 3, 1)]
    t.eq(got, [first[i] for i in (2, 4, 0, 3, 1)],
         "%s: they read our first chain out of order (2 4 0 3 1)" % us)
    return c, py


def setup_py_initiator(t, us, with_opk):
    c = C(t, us)
    keys = {"ik_seed": os.urandom(32).hex(), "spk_priv": os.urandom(32).hex(),
            "opk_priv": os.urandom(32).hex() if with_opk else None}
    b = c.run({"bundle": keys})["bundle"]
    py_x = new_x3dh(os.urandom(32))
    bundle = x3dh.Bundle(
        identity_key=bytes.fromhex(b["ik"]),
        signed_pre_key=bytes.fromhex(b["spk"]),
        signed_pre_key_sig=bytes.fromhex(b["spk_sig"]),
        pre_keys=frozenset([bytes.fromhex(b["opk"])] if with_opk else []))
    sk, ad, header = run(py_x.get_shared_secret_active(
        bundle, b"", require_pre_key=with_opk))
    t.ok(True, "%s: they verify our SPK signature" % us)
    first = texts("py-first", 5)
    dr, m0 = run(SottoDR.encrypt_initial_message(
        **DR_CONFIG, shared_secret=sk, recipient_ratchet_pub=bundle.
        signed_pre_key, message=first[0], associated_data=ad))
    py = Py(dr, ad)
    wires = [to_wire(m0)] + [py.send(m) for m in first[1:]]
    order = (3, 0, 4, 2, 1)
    init = dict(keys, role="responder", init={
        "ik": header.identity_key.hex(), "ek": header.ephemeral_key.hex(),
        "spk": header.signed_pre_key.hex(),
        "opk": header.pre_key.hex() if header.pre_key else None})
    out, res = c.steps([("d", wires[i]) for i in order], x3dh=init)
    xo = out["x3dh"]
    if not t.ok(xo["ok"], "%s: our X3DH responder agrees" % us, out):
        raise RuntimeError("x3dh")
    t.eq(xo["sk"], sk.hex(), "%s: both derive the same SK" % us)
    t.eq(xo["ad"], ad.hex(), "%s: both derive AD = IK_A || IK_B" % us)
    t.eq(ad[32:].hex(), b["ik"], "%s: AD ends with our IK" % us)
    t.eq([bytes.fromhex(r.get("pt", "")) for r in res],
         [first[i] for i in order],
         "%s: we read their first chain out of order (3 0 4 2 1)" % us, res)
    return c, py


def conversation(t, us, c, py, rounds=8):
    """Alternating chains; each side holds one message of each chain back
    and reads it only after the peer's next chain (a DH step) began."""
    held_c = held_p = None
    bad = []
    for rnd in range(rounds):
        # Our turn: read their last chain (if any) shuffled, send ours.
        cm = texts("c%d" % rnd, 1 + rnd % 4)
        out, res = c.steps([("e", m) for m in cm])
        wires = [bytes.fromhex(r["msg"]) for r in res]
        idx = list(range(len(wires)))
        random.shuffle(idx)
        keep = idx.pop()
        got = [py.recv(wires[i]) for i in idx]
        if got != [cm[i] for i in idx]:
            bad.append("round %d: they read %r" % (rnd, got))
        if held_c is not None:
            # A message of our previous chain, after this one began.
            if py.recv(held_c[0]) != held_c[1]:
                bad.append("round %d: held message of ours" % rnd)
        held_c = (wires[keep], cm[keep])

        # Their turn.
        pm = texts("p%d" % rnd, 1 + (rnd * 3) % 5)
        pw = [py.send(m) for m in pm]
        idx = list(range(len(pw)))
        random.shuffle(idx)
        keep = idx.pop()
        steps = [("d", pw[i]) for i in idx]
        want = [pm[i] for i in idx]
        if held_p is not None:
            steps.append(("d", held_p[0]))
            want.append(held_p[1])
        out, res = c.steps(steps)
        got = [bytes.fromhex(r["pt"]) if r["ok"] else r["error"]
               for r in res]
        if got != want:
            bad.append("round %d: we read %r, want %r" % (rnd, got, want))
        held_p = (pw[keep], pm[keep])
    t.eq(bad, [], "%s: %d rounds both ways, shuffled, one message per "
         "chain held past the next DH step" % (us, rounds))
    # Deliver the last held ones.
    out, res = c.steps([("d", held_p[0])])
    t.ok(res[0]["ok"] and bytes.fromhex(res[0]["pt"]) == held_p[1],
         "%s: our last held message reads from the store" % us, res)
    t.eq(py.recv(held_c[0]), held_c[1],
         "%s: their last held message reads" % us)


def refusals(t, us, c, py):
    """Replays and flipped bits are refused by us; the state survives."""
    w = [py.send(b"r%d" % i) for i in range(3)]
    flip_ct = bytearray(w[1])
    flip_ct[45] ^= 0x20
    flip_hdr = bytearray(w[2])
    flip_hdr[34] ^= 0x01        # PN
    flip_tag = bytearray(w[2])
    flip_tag[-1] ^= 0x80
    out, res = c.steps([("d", w[0]), ("d", w[0]), ("d", bytes(flip_ct)),
                        ("d", bytes(flip_hdr)), ("d", bytes(flip_tag)),
                        ("d", w[2]), ("d", w[1]), ("d", w[1])])
    t.eq([r.get("error", "ok") for r in res],
         ["ok", "ERR_CRYPTO", "ERR_CRYPTO", "ERR_CRYPTO", "ERR_CRYPTO",
          "ok", "ok", "ERR_CRYPTO"],
         "%s: replays and flipped bits (ciphertext, PN, tag) are "
         "refused, the real messages still read" % us, res)
    t.eq([bytes.fromhex(res[i]["pt"]) for i in (0, 5, 6)],
         [b"r0", b"r2", b"r1"], "%s: with the right text" % us)
    # And we still talk after that.
    out, res = c.steps([("e", b"still here")])
    t.eq(py.recv(bytes.fromhex(res[0]["msg"])), b"still here",
         "%s: the conversation goes on" % us)


def skip_bound(t, us, c, py):
    """1001 skipped keys in one chain are refused, 1000 accepted."""
    w = [py.send(b"s%d" % i) for i in range(MAX_SKIP + 2)]
    out, res = c.steps([("d", w[MAX_SKIP + 1]), ("d", w[MAX_SKIP]),
                        ("d", w[MAX_SKIP + 1]), ("d", w[0]),
                        ("d", w[MAX_SKIP - 1])])
    t.eq([r.get("error", "ok") for r in res],
         ["ERR_TOO_BIG", "ok", "ok", "ok", "ok"],
         "%s: skipping 1001 keys is refused and changes nothing; 1000 "
         "is accepted" % us, res)
    t.eq(c.skipped, MAX_SKIP - 2, "%s: the kept keys are counted" % us)
    out, res = c.steps([("e", b"after the gap")])
    t.eq(py.recv(bytes.fromhex(res[0]["msg"])), b"after the gap",
         "%s: they read us after the gap" % us)


def session(t, c_initiates, with_opk):
    us = "%s initiator, %s OPK" % ("C" if c_initiates else "Python",
                                   "with" if with_opk else "without")
    try:
        if c_initiates:
            c, py = setup_c_initiator(t, us, with_opk)
        else:
            c, py = setup_py_initiator(t, us, with_opk)
        conversation(t, us, c, py)
        refusals(t, us, c, py)
        if with_opk:
            skip_bound(t, us, c, py)
    except Exception as e:  # report, then go on with the next session
        import traceback
        t.ok(False, "%s: exchange" % us, "%r\n%s" % (
            e, traceback.format_exc()))


def bad_signature(t):
    """A bundle whose SPK signature does not verify is refused by us."""
    py_x = new_x3dh(os.urandom(32))
    b = py_x.bundle
    sig = bytearray(b.signed_pre_key_sig)
    sig[5] ^= 1
    out = C(t, "bad sig").run({"x3dh": {
        "role": "initiator", "ik_seed": os.urandom(32).hex(),
        "peer_bundle": {"ik": b.identity_key.hex(),
                        "spk": b.signed_pre_key.hex(),
                        "spk_sig": bytes(sig).hex()}}})
    t.eq((out["x3dh"]["ok"], out["x3dh"].get("error")),
         (False, "ERR_CRYPTO"), "a flipped bit in their SPK signature is "
         "refused by our initiator")


def aead_selfcheck(t):
    """Our Python XChaCha20-Poly1305 equals PyNaCl's (libsodium's)."""
    try:
        from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt
    except ImportError:
        return
    k, n, ad, m = (os.urandom(32), os.urandom(24), os.urandom(20),
                   os.urandom(100))
    aead, nonce = xchacha(k, n)
    t.eq(aead.encrypt(nonce, m, ad),
         crypto_aead_xchacha20poly1305_ietf_encrypt(m, ad, n, k),
         "the test's own XChaCha20-Poly1305 matches PyNaCl")


def main():
    if not os.access(DRIVER, os.X_OK):
        print("Bail out! %s is not built" % DRIVER)
        sys.exit(1)
    t = Checks()
    aead_selfcheck(t)
    for c_init in (True, False):
        for opk in (True, False):
            session(t, c_init, opk)
    bad_signature(t)
    t.done()


main()
