"""A raw Sotto peer built on python3-dissononce (an independent Noise
implementation) and hand-encoded protobuf, for tests that must send what
the real client never would: other protocol versions, unknown methods,
junk after a valid handshake.
"""
import socket
import struct
import time

from dissononce.cipher.chachapoly import ChaChaPolyCipher
from dissononce.dh.x25519.x25519 import X25519DH
from dissononce.hash.blake2b import Blake2bHash
from dissononce.processing.handshakepatterns.interactive.XX import \
    XXHandshakePattern
from dissononce.processing.impl.cipherstate import CipherState
from dissononce.processing.impl.handshakestate import HandshakeState
from dissononce.processing.impl.symmetricstate import SymmetricState

PROLOGUE = b"sotto/1"


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_varint(num, value):
    return varint(num << 3) + varint(value)


def field_bytes(num, data):
    return varint((num << 3) | 2) + varint(len(data)) + data


def parse(data):
    """Decodes one protobuf message level into {field: [values]}."""
    out, i = {}, 0
    while i < len(data):
        key, i = _read_varint(data, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, i = _read_varint(data, i)
        elif wt == 2:
            ln, i = _read_varint(data, i)
            val, i = data[i:i + ln], i + ln
        elif wt == 1:
            val, i = data[i:i + 8], i + 8
        elif wt == 5:
            val, i = data[i:i + 4], i + 4
        else:
            raise ValueError("bad wire type")
        out.setdefault(num, []).append(val)
    return out


def _read_varint(data, i):
    shift = n = 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n, i
        shift += 7


def packed(msg, num):
    """A repeated varint field of a parsed message, packed or not."""
    out = []
    for v in msg.get(num, []):
        if isinstance(v, int):
            out.append(v)
            continue
        i = 0
        while i < len(v):
            n, i = _read_varint(v, i)
            out.append(n)
    return out


def signed32(n):
    """protobuf int32 negatives arrive as 64-bit two's complement varints."""
    n &= (1 << 64) - 1
    return n - (1 << 64) if n >= 1 << 63 else n


def hello(version, software=b"noiseclient"):
    return field_varint(1, version) + field_bytes(2, software)


class Peer:
    def __init__(self, addr, version=1, timeout=10):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.version = version
        self.dh = X25519DH()
        self.keypair = self.dh.generate_keypair()
        self.hs = HandshakeState(
            SymmetricState(CipherState(ChaChaPolyCipher()), Blake2bHash()),
            self.dh)
        self.hs.initialize(XXHandshakePattern(), True, PROLOGUE, s=self.keypair)
        self.tx = self.rx = None
        self.server_hello = None

    def send_raw(self, data):
        self.sock.sendall(struct.pack(">H", len(data)) + data)

    def recv_raw(self):
        hdr = self._recv_exact(2)
        if hdr is None:
            return None
        (n,) = struct.unpack(">H", hdr)
        return self._recv_exact(n)

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def handshake(self):
        msg = bytearray()
        self.hs.write_message(b"", msg)
        self.send_raw(bytes(msg))
        payload = bytearray()
        m2 = self.recv_raw()
        if m2 is None:
            raise ConnectionError("closed during handshake")
        self.hs.read_message(m2, payload)
        self.server_hello = parse(bytes(payload))
        msg = bytearray()
        cs = self.hs.write_message(hello(self.version), msg)
        self.send_raw(bytes(msg))
        self.tx, self.rx = cs[0], cs[1]

    def send_frame(self, frame):
        self.send_raw(self.tx.encrypt_with_ad(b"", frame))

    def recv_frame(self):
        data = self.recv_raw()
        if data is None:
            return None
        return parse(self.rx.decrypt_with_ad(b"", data))

    def close(self):
        self.sock.close()


def request(req_id, method_field, body=b""):
    """Frame{request: Request{id, <method_field>: body}}."""
    req = field_varint(1, req_id) + field_bytes(method_field, body)
    return field_bytes(1, req)


class Rpc:
    """Requests over a connected, welcomed Peer; keeps the Updates pushed
    to it meanwhile (as parsed messages) in self.updates."""

    def __init__(self, peer):
        self.peer = peer
        self.next_id = 1
        self.updates = []

    def call(self, method, body=b""):
        """Returns (error code or 0, the Response's result message)."""
        rid = self.next_id
        self.next_id += 1
        self.peer.send_frame(request(rid, method, body))
        while True:
            f = self.peer.recv_frame()
            if f is None:
                raise RuntimeError("connection closed")
            if 3 in f:
                self.updates.append(parse(f[3][0]))
                continue
            if 2 not in f:
                continue
            resp = parse(f[2][0])
            if resp.get(1, [0])[0] != rid:
                continue
            if 2 in resp:
                err = parse(resp[2][0])
                return signed32(err.get(1, [0])[0]), err
            for k in resp:
                if k >= 10:
                    return 0, parse(resp[k][0])
            return 0, {}


# Short names for building and reading messages in tests.
def V(num, value):
    """A varint field."""
    return field_varint(num, value)


def B(num, data):
    """A bytes (or UTF-8 string) field."""
    return field_bytes(num, data.encode() if isinstance(data, str) else data)


def get(msg, num, default=0):
    """The first value of field num of a parsed message."""
    return msg.get(num, [default])[0]


def sub(msg, num):
    """Field num of a parsed message, parsed as a message (or None)."""
    return parse(msg[num][0]) if num in msg else None


class Device(Rpc):
    """A connected, welcomed raw device (self.welcome, parsed); keypair
    connects as the device bound to that key."""

    def __init__(self, addr, keypair=None):
        peer = Peer(addr)
        if keypair is not None:
            peer.keypair = keypair
            peer.hs.initialize(XXHandshakePattern(), True, PROLOGUE,
                               s=keypair)
        peer.handshake()
        self.welcome = parse(peer.recv_frame()[4][0])
        Rpc.__init__(self, peer)

    def pump(self, done, timeout=5.0):
        """Reads pushed Updates into self.updates until done() holds,
        timeout seconds pass or the connection closes."""
        end = time.time() + timeout
        self.peer.sock.settimeout(0.2)
        try:
            while time.time() < end and not done():
                try:
                    f = self.peer.recv_frame()
                except OSError:
                    continue
                if f is None:
                    break
                if 3 in f:
                    self.updates.append(parse(f[3][0]))
        finally:
            self.peer.sock.settimeout(10)

    def take(self):
        """The Updates kept so far, forgotten here."""
        out, self.updates = self.updates, []
        return out


def register(addr, name, phone="", cls=Device):
    """A new account name (password "password-NAME") on a new device of
    class cls: (device, user id, device id)."""
    d = cls(addr)
    body = B(1, name) + B(2, "password-" + name) + B(3, name.title())
    if phone:
        body += B(4, phone)
    err, res = d.call(11, body + B(5, "raw"))
    if err:
        raise RuntimeError("register %s: %d" % (name, err))
    return d, get(sub(res, 1), 1), get(res, 2)


def login(addr, name, cls=Device):
    """Another device of name: (device, device id)."""
    d = cls(addr)
    err, res = d.call(12, B(1, name) + B(2, "password-" + name) +
                      B(3, "another"))
    if err:
        raise RuntimeError("login %s: %d" % (name, err))
    return d, get(res, 2)


def find(dev, *names):
    """dev looks each username up (ResolveUser), as a client does before
    naming a user by id: sottod answers an id only to an account that was
    shown it (doc/PROTOCOL.md, "Addressing by id"). Returns their ids."""
    ids = []
    for name in names:
        err, res = dev.call(20, B(1, name))
        if err:
            raise RuntimeError("ResolveUser %s: %d" % (name, err))
        ids.append(get(sub(res, 1), 1))
    return ids


class PrekeyDevice(Device):
    """A raw device with an Ed25519 identity key, which publishes a signed
    prekey (id 1) and one-time prekeys 1, 2 and 3 (python3-nacl)."""

    def __init__(self, addr, keypair=None):
        import nacl.signing
        Device.__init__(self, addr, keypair)
        self.ik = nacl.signing.SigningKey.generate()

    def publish(self):
        import nacl.public
        key = nacl.public.PrivateKey.generate().public_key.encode()
        body = (B(1, self.ik.verify_key.encode()) + V(2, 1) + B(3, key) +
                B(4, self.ik.sign(key).signature))
        for oid in (1, 2, 3):
            pub = nacl.public.PrivateKey.generate().public_key.encode()
            body += B(5, V(1, oid) + B(2, pub))
        return self.call(40, body)
