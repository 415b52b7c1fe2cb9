"""Steps the integration scenarios share, on top of sottotest: registering
an account with its check, a `sotto --listen` in the background with a
thread collecting what it prints, waiting for its control socket,
stopping a process, reading a chat or the secret chats of a client,
swapping a device's keys in sottod's database, filling a disk.

Each helper does one step the scenarios wrote out again and again; the
checks they make are the ones the scenarios made, with the same words.
"""
import os
import signal
import subprocess
import threading
import time

import sottotest
from sottotest import EX_OK, describe, jsonl, objs


def register(t, client, name, *args):
    """`--register name` (and args) on client, checked to exit 0."""
    p = client.run("--register", name, *args)
    t.eq(p.returncode, EX_OK, "register %s" % name, describe(p))
    return p


def sign_in(t, *steps):
    """Runs each step (client, args), args a --register NAME or --login
    NAME and any more flags; each checked to exit 0, named by its first
    two args."""
    for client, args in steps:
        p = client.run(*args)
        t.eq(p.returncode, EX_OK, "%s %s" % args[:2], describe(p))


def registered(sc, srv, name, profile=None, **kw):
    """A new client of scenario sc on srv (its profile named profile, else
    name; kw as sc.client takes them), registered as name, checked."""
    client = sc.client(profile or name, srv, **kw)
    register(sc.t, client, name)
    return client


def listen(client, json=True, addr=None, quiet=False):
    """Starts `sotto --listen` (with --json) of client in the background;
    returns (proc, lines), lines growing with what it prints as a thread
    reads it. quiet: its output goes nowhere, and lines stays empty."""
    cmd = [sottotest.SOTTO, "--server", addr or client.server.addr,
           "--passphrase-file", client.passphrase_file, "--listen"]
    if json:
        cmd.append("--json")
    lines = []
    if quiet:
        proc = subprocess.Popen(cmd, env=client.env(),
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        return proc, lines
    proc = subprocess.Popen(cmd, env=client.env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)

    # A thread reads the lines: select() on the pipe cannot see lines
    # that readline() already pulled into Python's buffer.
    def reader():
        for line in proc.stdout:
            lines.append(line)

    threading.Thread(target=reader, daemon=True).start()
    return proc, lines


class _Printed:
    def __init__(self, lines):
        self.stdout = "".join(lines)


def printed(lines, kind=None):
    """The JSON objects in lines (of type kind, if given)."""
    if kind is None:
        return jsonl(_Printed(lines))
    return objs(_Printed(lines), kind)


def heard(lines, pred, timeout=20):
    """Waits until some JSON object in lines satisfies pred; returns
    those that do ([] at the timeout)."""
    end = time.time() + timeout
    while time.time() < end:
        got = [o for o in printed(lines) if pred(o)]
        if got:
            return got
        time.sleep(0.05)
    return []


def ctl_sock(client):
    """The path of the control socket a running --listen of client makes."""
    return os.path.join(client.profile_dir, "ctl.sock")


def wait_for_ctl(client, timeout=20):
    """Waits until client's --listen has made its control socket; returns
    whether it is there."""
    sock = ctl_sock(client)
    end = time.time() + timeout
    while not os.path.exists(sock) and time.time() < end:
        time.sleep(0.05)
    return os.path.exists(sock)


def stop(proc, sig=signal.SIGTERM, timeout=20):
    """Sends proc sig (SIGTERM), kills it if it has not ended within
    timeout seconds; returns its exit status."""
    proc.send_signal(sig)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def chat_of(client, chat_id):
    """The --list-chats entry of client for chat_id, or None."""
    p = client.run("--list-chats", "--json")
    for c in objs(p, "chat"):
        if c.get("id") == chat_id:
            return c
    return None


def secret_list(t, c, what):
    """c's secret chats (--secret-list), checked to exit 0."""
    p = c.run("--secret-list", "--json")
    t.eq(p.returncode, EX_OK, what + ": --secret-list", describe(p))
    return objs(p, "secret_chat")


def no_rows_name_device(t, srv, dev, what, tables):
    """Checks that no row of sottod's tables (table, column) names device
    dev."""
    for table, col in tables:
        out, why = srv.sql("SELECT count(*) FROM %s WHERE %s = %d"
                           % (table, col, dev))
        t.eq(out, "0", what % (table, col), why)


# The (table, column) pairs of sottod's database that name a device for
# its secret chats.
SECRET_DEVICE_ROWS = (("secret_chats", "from_device"),
                      ("secret_chats", "to_device"),
                      ("secret_offers", "device_id"),
                      ("secret_sent", "device_id"),
                      ("secret_queue", "device_id"),
                      ("prekeys", "device_id"),
                      ("opks", "device_id"))


def swap_device_keys(srv, dev, then=""):
    """With sottod stopped, replaces device dev's published identity key
    and signed prekey in its database with a stranger's, and drops its
    one-time prekeys; sql then runs after. Returns srv.sql's (out, why);
    sottod is started again."""
    import nacl.public
    import nacl.signing
    evil = nacl.signing.SigningKey.generate()
    spk = nacl.public.PrivateKey.generate().public_key.encode()
    sig = evil.sign(spk).signature
    srv.stop()
    out, why = srv.sql("UPDATE prekeys SET identity_key = X'%s', "
                       "spk = X'%s', spk_sig = X'%s' WHERE device_id = %d; "
                       "DELETE FROM opks WHERE device_id = %d%s" % (
                           evil.verify_key.encode().hex(), spk.hex(),
                           sig.hex(), dev, dev, then))
    srv.start()
    return out, why


def fill_disk(path):
    """Writes a file at path until its file system has no byte left."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    for size in (65536, 4096, 512, 1):
        try:
            while True:
                os.write(fd, b"\0" * size)
        except OSError:
            pass
    os.close(fd)
