"""Hostile input to sottod: truncated handshakes, garbage, oversize length
prefixes, a wrong protocol version, unknown methods, and a thousand rapid
junk connections. sottod stays up and a normal client logs in afterwards."""
import os
import socket
import struct
import time

import noiseclient as nc
from sottotest import EX_OK, Scenario, describe

ERR_UNKNOWN_METHOD = -16
ERR_VERSION = -15
ERR_NOT_AUTHED = -10


def connect(addr):
    host, port = addr.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=5)


def closed_by_peer(s, timeout=15):
    """True when the server closes the socket (EOF or reset) in time."""
    s.settimeout(timeout)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


with Scenario("hostile") as sc:
    t = sc.t
    srv = sc.server()
    alice = sc.client("alice", srv)
    t.eq(alice.run("--register", "alice").returncode, EX_OK, "register alice")

    # A truncated first message, then silence: closed by the handshake timeout.
    s = connect(srv.addr)
    s.sendall(struct.pack(">H", 32) + b"\x01" * 10)
    t.ok(closed_by_peer(s, 20), "a truncated handshake is closed by the server")
    s.close()

    # Garbage that parses as a length prefix then nonsense.
    s = connect(srv.addr)
    s.sendall(os.urandom(4096))
    t.ok(closed_by_peer(s), "garbage bytes close the connection")
    s.close()

    # A length prefix far above any handshake message.
    s = connect(srv.addr)
    s.sendall(b"\xff\xff")
    t.ok(closed_by_peer(s), "an oversize length prefix closes the connection")
    s.close()

    # A zero length prefix.
    s = connect(srv.addr)
    s.sendall(b"\x00\x00")
    t.ok(closed_by_peer(s), "a zero length prefix closes the connection")
    s.close()

    # A valid handshake from an independent Noise implementation, then an
    # unknown method: an error response, and the connection stays usable.
    peer = nc.Peer(srv.addr)
    peer.handshake()
    t.ok(1 in peer.server_hello and peer.server_hello[1][0] == 1,
         "the server's Hello carries protocol version 1")
    welcome = peer.recv_frame()
    t.ok(welcome is not None and 4 in welcome, "a Welcome frame comes first")
    peer.send_frame(nc.request(77, 999, b""))
    resp = peer.recv_frame()
    body = nc.parse(resp[2][0]) if resp and 2 in resp else {}
    err = nc.parse(body[2][0]) if 2 in body else {}
    t.eq(body.get(1, [None])[0], 77, "the response echoes the request id")
    t.eq(nc.signed32(err.get(1, [0])[0]), ERR_UNKNOWN_METHOD,
         "an unknown method gets ERR_UNKNOWN_METHOD")
    peer.send_frame(nc.request(78, 10, nc.field_varint(1, 4242)))  # Ping
    resp = peer.recv_frame()
    body = nc.parse(resp[2][0]) if resp and 2 in resp else {}
    pong = nc.parse(body[10][0]) if 10 in body else {}
    t.eq(pong.get(1, [None])[0], 4242, "and the connection still answers a Ping")
    peer.send_frame(nc.request(79, 14, b""))  # WhoAmI, unknown device
    resp = peer.recv_frame()
    body = nc.parse(resp[2][0]) if resp and 2 in resp else {}
    err = nc.parse(body[2][0]) if 2 in body else {}
    t.eq(nc.signed32(err.get(1, [0])[0]), ERR_NOT_AUTHED,
         "an unknown device is not authenticated")
    # Garbage inside the encrypted channel closes it.
    peer.send_raw(os.urandom(100))
    t.ok(closed_by_peer(peer.sock), "a forged transport message closes it")
    peer.close()

    # Another protocol version: a Goodbye naming the problem, then close.
    peer = nc.Peer(srv.addr, version=99)
    peer.handshake()
    bye = peer.recv_frame()
    gb = nc.parse(bye[5][0]) if bye and 5 in bye else {}
    t.eq(nc.signed32(gb.get(1, [0])[0]), ERR_VERSION,
         "a wrong protocol version gets a Goodbye with ERR_VERSION")
    t.ok(b"version" in gb.get(2, [b""])[0], "whose reason mentions the version")
    t.ok(closed_by_peer(peer.sock), "and the connection is closed")
    peer.close()

    # A thousand rapid connections sending junk, bounded in time.
    start = time.time()
    sent = 0
    for i in range(1000):
        try:
            s = connect(srv.addr)
            s.sendall(os.urandom(1 + i % 200))
            s.close()
            sent += 1
        except OSError:
            pass
        if time.time() - start > 60:
            break
    t.ok(sent >= 900, "a thousand junk connections were made (%d)" % sent)
    t.ok(srv.alive(), "sottod is still running")

    # Idle connections that never speak, held open while a client logs in.
    idle = [connect(srv.addr) for _ in range(50)]
    bob = sc.client("bob", srv)
    p = bob.run("--register", "bob")
    t.eq(p.returncode, EX_OK, "a normal client still registers", describe(p))
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_OK, "and an existing one still works", describe(p))
    for s in idle:
        s.close()
    t.ok(srv.alive(), "sottod survived it all")
    t.done()
