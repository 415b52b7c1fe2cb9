"""Trust on first use of the server key, and a hard refusal naming both
fingerprints when the server's key changes; --server-key pins up front."""
import re
import subprocess

from sottotest import SOTTOD, EX_NOPERM, EX_OK, Scenario, describe

FP = r"(?:[0-9a-f]{4} ){15}[0-9a-f]{4}"

with Scenario("pinning") as sc:
    t = sc.t
    srv = sc.server()
    t.ok(srv.fingerprint is not None, "sottod printed its fingerprint",
         srv.output())
    p = subprocess.run([SOTTOD, "--fingerprint", "--data", srv.data],
                       capture_output=True, text=True, timeout=30)
    found = re.findall(FP, p.stdout)
    t.ok(p.returncode == 0 and found == [srv.fingerprint],
         "sottod --fingerprint prints the same fingerprint", describe(p))

    alice = sc.client("alice", srv)
    p = alice.run("--register", "alice")
    t.eq(p.returncode, EX_OK, "register pins the server key", describe(p))

    # The same address now answers with another server (new key).
    port = srv.port
    srv.stop()
    evil = sc.server(name="evil", port=port)
    t.ok(evil.fingerprint not in (None, srv.fingerprint),
         "the new server has another key")
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_NOPERM, "the client refuses a changed key", describe(p))
    t.ok(srv.fingerprint in p.stderr, "the error names the pinned fingerprint",
         p.stderr)
    t.ok(evil.fingerprint in p.stderr, "and the one offered now", p.stderr)
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_NOPERM, "still refused on the next run", describe(p))
    evil.stop()

    # Back to the real server: all is well again.
    srv.start()
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_OK, "the pinned server is accepted again", describe(p))

    # --server-key pins up front: a wrong key is refused before any login.
    wrong = "00" * 32
    bob = sc.client("bob", srv)
    p = bob.run("--server-key", wrong, "--register", "bob")
    t.eq(p.returncode, EX_NOPERM, "--server-key with the wrong key refuses",
         describe(p))
    t.ok(srv.fingerprint in p.stderr, "and names the key the server offered",
         p.stderr)
    carol = sc.client("carol", srv)
    p = carol.run("--server-key", srv.fingerprint.replace(" ", ""),
                  "--register", "carol")
    t.eq(p.returncode, EX_OK, "--server-key with the right key works", describe(p))
    p = carol.run("--server-key", wrong, "--whoami")
    t.eq(p.returncode, EX_NOPERM,
         "a --server-key that contradicts the pinned key is refused", describe(p))
    p = sc.client("dave", srv).run("--server-key", "not-hex", "--whoami")
    t.ok(p.returncode in (64, 65), "a malformed --server-key is a usage error",
         describe(p))
    t.done()
