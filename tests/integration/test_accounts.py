"""Accounts and devices: register, a second device, whoami, wrong password,
wrong passphrase (file untouched, right one still opens), logout, and the
usage errors of the CLI."""
import hashlib
import json
import os

from sottotest import (EX_DATAERR, EX_NOPERM, EX_OK, EX_USAGE, Scenario,
                       describe)


def digest_tree(path):
    h = hashlib.sha256()
    for root, _, files in sorted(os.walk(path)):
        for name in sorted(files):
            p = os.path.join(root, name)
            h.update(p.encode())
            with open(p, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


with Scenario("accounts") as sc:
    t = sc.t
    srv = sc.server()
    a1 = sc.client("alice1", srv)
    a2 = sc.client("alice2", srv)

    p = a1.run("--help", server=False, secrets=False)
    t.eq(p.returncode, EX_OK, "--help exits 0", describe(p))
    t.ok("--register" in p.stdout and "--whoami" in p.stdout,
         "--help lists the account flags")
    p = a1.run("--version", server=False, secrets=False)
    t.ok(p.returncode == EX_OK and p.stdout.strip() != "", "--version", describe(p))
    p = a1.run("--no-such-flag", server=False, secrets=False)
    t.eq(p.returncode, EX_USAGE, "unknown flag is a usage error", describe(p))
    p = a1.run("--password", "x", "--login", "alice")
    t.eq(p.returncode, EX_USAGE, "no password flag on argv", describe(p))

    p = a1.run("--whoami")
    t.eq(p.returncode, EX_NOPERM, "whoami before login is not allowed", describe(p))

    p = a1.run("--register", "alice", "--display-name", "Alice A.")
    t.eq(p.returncode, EX_OK, "register alice", describe(p))
    p = a1.run("--whoami", "--json")
    t.eq(p.returncode, EX_OK, "whoami --json", describe(p))
    try:
        me = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        me = {}
    t.eq(me.get("username"), "alice", "whoami shows the username", p.stdout)
    t.eq(me.get("display_name"), "Alice A.", "and the display name")
    t.eq(len(me.get("devices", [])), 1, "one device so far")

    p = a2.run("--register", "alice")
    t.eq(p.returncode, EX_DATAERR, "a taken username is refused", describe(p))
    t.ok("taken" in p.stderr or "exists" in p.stderr, "and says so", p.stderr)

    p = a2.run("--login", "alice")
    t.eq(p.returncode, EX_OK, "log in as alice from a second profile", describe(p))
    p = a2.run("--whoami", "--json")
    me2 = json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 else {}
    devs = me2.get("devices", [])
    t.eq(len(devs), 2, "whoami lists both devices", p.stdout)
    t.eq(sum(1 for d in devs if d.get("current")), 1,
         "exactly one device is marked current")
    t.eq(me2.get("user_id"), me.get("user_id"), "same account on both devices")
    t.ok(len({d.get("id") for d in devs}) == 2, "the devices have distinct ids")
    p = a1.run("--whoami", "--json")
    t.ok(p.returncode == 0 and
         len(json.loads(p.stdout.strip().splitlines()[-1])["devices"]) == 2,
         "the first device sees both too", describe(p))

    bad = sc.client("mallory", srv, password="wrong-password-1")
    p = bad.run("--login", "alice")
    t.eq(p.returncode, EX_NOPERM, "wrong password is exit 77", describe(p))
    ghost = sc.client("ghost", srv)
    p = ghost.run("--login", "nobody_here")
    t.eq(p.returncode, EX_NOPERM, "unknown user is exit 77 too", describe(p))
    p2 = sc.client("mallory2", srv, password="wrong-password-2").run(
        "--login", "alice")
    t.eq(p.stderr.replace("nobody_here", "X"), p2.stderr.replace("alice", "X"),
         "unknown user and wrong password read the same")

    p = sc.client("shorty", srv, password="short").run("--register", "bobby")
    t.eq(p.returncode, EX_DATAERR, "a too-short password is refused", describe(p))
    p = sc.client("badname", srv).run("--register", "a b;c")
    t.eq(p.returncode, EX_DATAERR, "an invalid username is refused", describe(p))

    before = digest_tree(a1.profile_dir)
    a1.set_passphrase("not the passphrase")
    p = a1.run("--whoami")
    t.eq(p.returncode, EX_NOPERM, "wrong passphrase is exit 77", describe(p))
    t.ok("passphrase" in p.stderr, "and says passphrase", p.stderr)
    t.eq(digest_tree(a1.profile_dir), before,
         "the profile's files are untouched by the wrong passphrase")
    a1.set_passphrase("correct horse battery")
    p = a1.run("--whoami")
    t.eq(p.returncode, EX_OK, "the right passphrase still opens it", describe(p))

    p = a2.run("--logout")
    t.eq(p.returncode, EX_OK, "logout the second device", describe(p))
    p = a2.run("--whoami")
    t.eq(p.returncode, EX_NOPERM, "a logged-out profile is not allowed",
         describe(p))
    p = a1.run("--whoami", "--json")
    t.ok(p.returncode == 0 and
         len(json.loads(p.stdout.strip().splitlines()[-1])["devices"]) == 1,
         "the account is back to one device", describe(p))
    t.done()
