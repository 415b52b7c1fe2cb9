"""sottod refuses to start when its key file is there but its store is
missing or empty (a wrong --data, a failed disk, a bad restore), exit 78
naming both paths, and creates nothing; --new-store starts such a store
empty on purpose (and is refused beside a store that holds data); --init
makes a new server and exits, and is refused where one exists. A new, empty
data directory still starts without a flag. Each refusal leaves a client
that was registered before able to use the server once its store is back."""
import os
import shutil
import signal
import subprocess

from sottotest import EX_OK, EX_USAGE, SOTTOD, Scenario, describe, free_port

EX_CONFIG = 78


def sottod(data, *args):
    """sottod with data and args that must exit by itself (a refusal)."""
    cmd = [SOTTOD, "--listen", "127.0.0.1:%d" % free_port(), "--data", data]
    try:
        return subprocess.run(cmd + list(args), capture_output=True,
                              text=True, timeout=10,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        def text(b):
            return b.decode(errors="replace") if isinstance(b, bytes) else \
                (b or "")
        return subprocess.CompletedProcess(cmd, "still running",
                                           text(e.stdout), text(e.stderr))


def names_both(t, p, data, what):
    t.ok(os.path.join(data, "server.key") in p.stderr and
         os.path.join(data, "sottod.db") in p.stderr,
         what + ": the message names both paths", describe(p))


with Scenario("server_store") as sc:
    t = sc.t
    srv = sc.server()
    data = srv.data
    alice = sc.client("alice", srv)
    p = alice.run("--register", "alice")
    t.eq(p.returncode, EX_OK, "a new data directory starts as before; "
         "alice registers", describe(p))
    srv.stop()
    saved = os.path.join(sc.root, "saved.db")
    shutil.copy(os.path.join(data, "sottod.db"), saved)

    # The store is missing (a wrong path, a lost disk) beside its key.
    for f in os.listdir(data):
        if f.startswith("sottod.db"):
            os.unlink(os.path.join(data, f))
    p = sottod(data)
    t.eq(p.returncode, EX_CONFIG, "store missing, key present: refused "
         "(78)", describe(p))
    names_both(t, p, data, "missing")
    t.ok("missing" in p.stderr and "--new-store" in p.stderr,
         "it says the store is missing and names --new-store", p.stderr)
    t.ok(not os.path.exists(os.path.join(data, "sottod.db")),
         "and no new store was made")

    # An empty file is no better.
    open(os.path.join(data, "sottod.db"), "w").close()
    p = sottod(data)
    t.eq(p.returncode, EX_CONFIG, "store empty, key present: refused (78)",
         describe(p))
    names_both(t, p, data, "empty")
    t.ok("empty" in p.stderr, "it says the store is empty", p.stderr)
    t.eq(os.path.getsize(os.path.join(data, "sottod.db")), 0,
         "and the empty file is left as it was")

    # --init is for a new data directory only.
    p = sottod(data, "--init")
    t.eq(p.returncode, EX_CONFIG, "--init where a server key exists: "
         "refused (78)", describe(p))

    # The store is back (restored): alice is known again, no flag needed.
    os.unlink(os.path.join(data, "sottod.db"))
    shutil.copy(saved, os.path.join(data, "sottod.db"))
    srv.start()
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_OK, "with its store restored the server knows "
         "alice again", describe(p))
    srv.stop()

    # --new-store beside a store that holds data: refused, nothing lost.
    p = sottod(data, "--new-store")
    t.eq(p.returncode, EX_USAGE, "--new-store beside a store with data: "
         "refused (64)", describe(p))
    t.ok(os.path.getsize(os.path.join(data, "sottod.db")) > 0,
         "and the store is untouched")

    # --new-store on purpose: an empty store beside the old key.
    for f in os.listdir(data):
        if f.startswith("sottod.db"):
            os.unlink(os.path.join(data, f))
    srv.args = ["--new-store"]
    srv.start()
    t.ok(srv.alive(), "--new-store starts with an empty store")
    bob = sc.client("bob", srv)
    p = bob.run("--register", "bob")
    t.eq(p.returncode, EX_OK, "and bob registers there", describe(p))
    srv.stop()
    srv.args = []
    srv.start()
    t.ok(srv.alive(), "the new store then starts without the flag")
    p = bob.run("--whoami")
    t.eq(p.returncode, EX_OK, "and keeps bob", describe(p))
    srv.stop()

    # --init makes a new server and exits; it then starts without it.
    fresh = os.path.join(sc.root, "fresh-data")
    p = sottod(fresh, "--init")
    t.eq(p.returncode, EX_OK, "--init on a new data directory", describe(p))
    t.ok("fingerprint:" in p.stdout, "prints the fingerprint", p.stdout)
    t.ok(os.path.exists(os.path.join(fresh, "server.key")) and
         os.path.getsize(os.path.join(fresh, "sottod.db")) > 0,
         "and made the key and the store")
    p = sottod(fresh, "--init")
    t.eq(p.returncode, EX_CONFIG, "--init a second time: refused (78)",
         describe(p))
    new = sc.server(name="fresh", data=fresh)
    t.ok(new.alive(), "the initialised directory starts")
    new.stop(signal.SIGTERM)
    t.done()
