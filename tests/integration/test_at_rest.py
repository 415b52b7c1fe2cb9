"""No plaintext at rest: the username, password and display name appear in
no file under the client's profile or the server's data directory; files
and directories are private to their owner."""
import os
import stat

from sottotest import EX_OK, Scenario, describe

USER = "canaryuserqx7"
PASSWORD = "Canary-Passw0rd-91zz"
DISPLAY = "Canary Display Name 4k2"
PASSPHRASE = "Canary passphrase 8v1"


def scan(top, needles):
    hits = []
    for root, _, files in os.walk(top):
        for name in files:
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                continue
            for n in needles:
                for form in (n.encode(), n.encode("utf-16-le"), n.lower().encode()):
                    if form in data:
                        hits.append((path, n))
    return hits


with Scenario("at_rest") as sc:
    t = sc.t
    srv = sc.server()
    c1 = sc.client("one", srv, passphrase=PASSPHRASE, password=PASSWORD)
    c2 = sc.client("two", srv, passphrase=PASSPHRASE, password=PASSWORD)
    p = c1.run("--register", USER, "--display-name", DISPLAY)
    t.eq(p.returncode, EX_OK, "register the canary account", describe(p))
    p = c2.run("--login", USER)
    t.eq(p.returncode, EX_OK, "log in from a second device", describe(p))
    p = c1.run("--whoami")
    t.eq(p.returncode, EX_OK, "whoami", describe(p))
    t.ok(DISPLAY in p.stdout, "the display name is shown to the user", p.stdout)

    needles = [USER, PASSWORD, DISPLAY, PASSPHRASE]
    for label, top in (("client one", c1.xdg), ("client two", c2.xdg),
                       ("server (running)", srv.data)):
        hits = scan(top, needles)
        t.ok(not hits, "no plaintext under %s" % label, hits)
    srv.stop()
    hits = scan(srv.data, needles)
    t.ok(not hits, "no plaintext in the server's data after shutdown", hits)

    for top in (c1.xdg, srv.data):
        for root, dirs, files in os.walk(top):
            for name in files:
                mode = stat.S_IMODE(os.stat(os.path.join(root, name)).st_mode)
                t.ok(mode & 0o077 == 0, "%s is private (%o)" %
                     (os.path.relpath(os.path.join(root, name), sc.root), mode))
    for d in (c1.profile_dir, srv.data):
        mode = stat.S_IMODE(os.stat(d).st_mode)
        t.eq(mode & 0o077, 0, "%s is a private directory (%o)" %
             (os.path.relpath(d, sc.root), mode))
    t.done()
