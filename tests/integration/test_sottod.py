"""sottod's own command line and data directory: usage errors, a missing
or exposed key file, a store whose key file is gone, an address in use.
Each case names what is wrong, exits with its documented code, and
creates nothing it should not."""
import os
import subprocess

from sottotest import SOTTOD, Scenario, describe


def sottod(*args):
    return subprocess.run([SOTTOD] + list(args), capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


with Scenario("sottod") as sc:
    t = sc.t
    root = sc.root
    p = sottod("--help")
    t.ok(p.returncode == 0 and "--data" in p.stdout, "--help", describe(p))
    p = sottod("--version")
    t.ok(p.returncode == 0 and p.stdout.startswith("sottod "), "--version",
         describe(p))
    p = sottod("--listen", "127.0.0.1:0")
    t.ok(p.returncode == 64 and "--data" in p.stderr,
         "--data is required (64)", describe(p))
    p = sottod("--bogus")
    t.eq(p.returncode, 64, "an unknown option is a usage error", describe(p))

    fresh = os.path.join(root, "fresh")
    for bad in ("1.2.3", "127.0.0.1:99999", "localhost:7433", "[::1:7433"):
        p = sottod("--data", fresh, "--listen", bad)
        t.ok(p.returncode == 64 and "ADDR:PORT" in p.stderr,
             "--listen %s is a usage error" % bad, describe(p))
    t.ok(not os.path.exists(fresh), "and nothing was created for it")

    p = sottod("--fingerprint", "--data", fresh)
    t.ok(p.returncode == 74 and "does not exist" in p.stderr,
         "--fingerprint without a key says so (74)", describe(p))
    t.ok(not os.path.exists(os.path.join(fresh, "server.key")),
         "and does not make one")

    srv = sc.server()
    fp = srv.fingerprint
    srv.stop()
    key = os.path.join(srv.data, "server.key")

    os.chmod(key, 0o644)
    p = sottod("--data", srv.data, "--listen", "127.0.0.1:0")
    t.ok(p.returncode == 77 and "0600" in p.stderr,
         "a key file others can read is refused (77)", describe(p))
    p = sottod("--fingerprint", "--data", srv.data)
    t.eq(p.returncode, 77, "also by --fingerprint", describe(p))
    os.chmod(key, 0o600)

    os.chmod(srv.data, 0o777)
    p = sottod("--data", srv.data, "--listen", "127.0.0.1:0")
    t.ok(p.returncode == 77 and "chmod 700" in p.stderr,
         "a data directory others can write to is refused (77)", describe(p))
    os.chmod(srv.data, 0o700)

    with open(key) as f:
        saved = f.read()
    with open(key, "w") as f:
        f.write("sotto-server-key 1\nnoise zz\n")
    p = sottod("--data", srv.data, "--listen", "127.0.0.1:0")
    t.ok(p.returncode == 65 and "malformed" in p.stderr,
         "a malformed key file is refused (65)", describe(p))

    os.unlink(key)
    p = sottod("--data", srv.data, "--listen", "127.0.0.1:0")
    t.ok(p.returncode == 65 and "backup" in p.stderr,
         "a store without its key file is refused (65)", describe(p))
    t.ok(not os.path.exists(key), "and no new key hides the loss")
    with open(key, "w") as f:
        f.write(saved)
    os.chmod(key, 0o600)

    srv.start()
    t.eq(srv.fingerprint, fp, "the restored key serves the same fingerprint")
    p = sottod("--data", os.path.join(root, "other"), "--listen", srv.addr)
    t.ok(p.returncode == 71 and "cannot listen" in p.stderr,
         "an address in use is refused (71)", describe(p))
    t.done()
