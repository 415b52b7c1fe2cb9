"""Local damage named for what it is, with real sottod and sotto processes:

- a profile database damaged in its first page, its last page, or every
  page is "damaged" (65, with the path), never "wrong passphrase", and
  the file is left byte for byte as it was; a wrong passphrase is still
  77 and told apart before SQLCipher is asked (the key check in
  sotto.kdf); a profile made before the check gets one at its first good
  unlock, and from then on its damage is named too;
- a read-only database, or a profile directory it cannot write in, is
  said at once (73, with the path), before any wait and before anything
  is written; an unreadable profile directory is "permission denied" (66,
  with the path), not "not logged in". As root the client runs as nobody
  for these, since root reads and writes whatever the mode says;
- a full filesystem (a small tmpfs this test mounts when it runs as
  root): the send says so with the path (74), queues nothing half-way,
  and once there is room the next send goes through and bob gets each
  message once."""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time

from itest import fill_disk, registered
from sottotest import SOTTO, EX_DATAERR, EX_NOPERM, EX_OK, Scenario, describe

EX_NOINPUT, EX_CANTCREAT, EX_IOERR = 66, 73, 74
PAGE = 4096
NOBODY = 65534


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def files(c):
    """sha256 of each file of the profile but the log."""
    return {n: digest(os.path.join(c.profile_dir, n))
            for n in sorted(os.listdir(c.profile_dir)) if n != "sotto.log"}


def damage(path, pages):
    with open(path, "r+b") as f:
        for page in pages:
            f.seek(page * PAGE + 100)
            b = f.read(1)
            f.seek(page * PAGE + 100)
            f.write(bytes([b[0] ^ 0x55]))


def as_nobody():
    os.setgid(NOBODY)
    os.setgroups([])
    os.setuid(NOBODY)


def run_user(c, *args, timeout=60):
    """c.run, but as nobody when this test runs as root."""
    if os.geteuid() != 0:
        return c.run(*args, timeout=timeout)
    cmd = [SOTTO, "--server", c.server.addr, "--passphrase-file",
           c.passphrase_file, "--password-file", c.password_file] + list(args)
    return subprocess.run(cmd, env=c.env(), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL,
                          preexec_fn=as_nobody)


def give_to_nobody(sc, c):
    if os.geteuid() != 0:
        return
    os.chmod(sc.root, 0o755)
    for top in (c.xdg,):
        for root, dirs, names in os.walk(top):
            os.chown(root, NOBODY, NOBODY)
            for n in names:
                os.chown(os.path.join(root, n), NOBODY, NOBODY)
    for path in (c.passphrase_file, c.password_file):
        os.chown(path, NOBODY, NOBODY)
    for d in ("-config", "-home"):
        path = os.path.join(sc.root, c.name + d)
        os.makedirs(path, exist_ok=True)
        os.chown(path, NOBODY, NOBODY)


def history(c, peer):
    p = c.run("--history", peer)
    return re.findall(r"@\w+: (.*)", p.stdout)


with Scenario("local_faults") as sc:
    t = sc.t
    srv = sc.server()
    alice = registered(sc, srv, "alice")
    bob = registered(sc, srv, "bob")
    for i in range(30):
        p = alice.run("-t", "@bob", "-m", "message %d " % i + "x" * 300)
    t.eq(p.returncode, EX_OK, "alice sends 30 messages", describe(p))
    db = os.path.join(alice.profile_dir, "sotto.db")
    kdf = os.path.join(alice.profile_dir, "sotto.kdf")
    with open(kdf) as f:
        t.ok(re.search(r"^check [0-9a-f]{64}$", f.read(), re.M),
             "a new profile's kdf file holds a key check")

    # ------------------------------------------------ damaged pages
    p = alice.run("--whoami")   # checkpoints the WAL into the file
    t.eq(p.returncode, EX_OK, "whoami before the damage", describe(p))
    good = open(db, "rb").read()
    npages = len(good) // PAGE
    t.ok(npages >= 8, "the database has %d pages" % npages)
    for what, pages in (("its first page", [0]),
                        ("its last page", [npages - 1]),
                        ("every page", range(npages))):
        with open(db, "wb") as f:
            f.write(good)
        damage(db, pages)
        before = files(alice)
        p = alice.run("--history", "@bob")
        t.eq(p.returncode, EX_DATAERR, "damaged in %s: 65" % what,
             describe(p))
        t.ok("damaged" in p.stderr and db in p.stderr and
             "passphrase" not in p.stderr.replace("passphrase is right", ""),
             "damaged in %s: named as damage, with the path, not as a "
             "wrong passphrase" % what, p.stderr)
        t.eq(files(alice), before, "damaged in %s: no file was changed"
             % what)
        p = alice.run("-t", "@bob", "-m", "into the damage")
        t.eq(p.returncode, EX_DATAERR, "damaged in %s: a send is refused "
             "too, before anything is queued" % what, describe(p))
        t.eq(files(alice), before, "damaged in %s: still no file changed"
             % what)
    with open(db, "wb") as f:
        f.write(good)

    alice.set_passphrase("not the passphrase")
    before = files(alice)
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_NOPERM, "a wrong passphrase is still 77",
         describe(p))
    t.ok("wrong passphrase" in p.stderr and "damaged" not in p.stderr,
         "and says so", p.stderr)
    t.eq(files(alice), before, "a wrong passphrase changes no file")
    alice.set_passphrase("correct horse battery")
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_OK, "the repaired profile opens again", describe(p))

    # A profile made before the key check: one good unlock adds it.
    with open(kdf) as f:
        text = f.read()
    with open(kdf, "w") as f:
        f.write(re.sub(r"check [0-9a-f]{64}\n", "", text))
    p = alice.run("--whoami")
    t.eq(p.returncode, EX_OK, "a kdf file without the check still opens",
         describe(p))
    with open(kdf) as f:
        t.eq(f.read(), text, "and the first good unlock writes the same "
             "check back")

    # ------------------------------------------------ permissions
    give_to_nobody(sc, alice)
    p = run_user(alice, "--whoami")
    t.eq(p.returncode, EX_OK, "alice's profile works as its owner",
         describe(p))
    os.chmod(db, 0o400)
    before = files(alice)
    start = time.monotonic()
    p = run_user(alice, "-t", "@bob", "-m", "to a read-only database")
    took = time.monotonic() - start
    t.eq(p.returncode, EX_CANTCREAT, "a read-only database: 73", describe(p))
    t.ok("read-only" in p.stderr and db in p.stderr, "said with the path",
         p.stderr)
    t.ok("server" not in p.stderr, "and not blamed on the server", p.stderr)
    print("# a read-only database was refused in %.2f s" % took)
    t.eq(files(alice), before, "nothing was written")
    p = run_user(alice, "--history", "@bob")
    t.eq(p.returncode, EX_CANTCREAT, "reading is refused the same way "
         "(SQLite writes beside a WAL database even to read it)",
         describe(p))
    os.chmod(db, 0o600)

    os.chmod(alice.profile_dir, 0o500)
    p = run_user(alice, "--whoami")
    t.eq(p.returncode, EX_CANTCREAT, "a profile directory it cannot write "
         "in: 73", describe(p))
    t.ok("read-only" in p.stderr and alice.profile_dir in p.stderr,
         "said with the directory's path", p.stderr)

    os.chmod(alice.profile_dir, 0)
    p = run_user(alice, "--whoami")
    t.eq(p.returncode, EX_NOINPUT, "an unreadable profile directory: 66",
         describe(p))
    t.ok("permission denied" in p.stderr and alice.profile_dir in p.stderr,
         "is permission denied, with the path", p.stderr)
    t.ok("not logged in" not in p.stderr, "not 'not logged in'", p.stderr)
    os.chmod(alice.profile_dir, 0o700)
    p = run_user(alice, "--whoami")
    t.eq(p.returncode, EX_OK, "with its mode back the profile works",
         describe(p))

    # ------------------------------------------------ a full filesystem
    if os.geteuid() != 0:
        print("# SKIP full filesystem: mounting a tmpfs needs root")
        t.done()
    mnt = tempfile.mkdtemp(prefix="sotto-full-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700",
                        "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0:
        print("# SKIP full filesystem: cannot mount a tmpfs (%s)"
              % r.stderr.strip())
        os.rmdir(mnt)
        t.done()
    try:
        carol = sc.client("carol", srv)
        carol.xdg = os.path.join(mnt, "xdg")
        os.makedirs(carol.xdg)
        p = carol.run("--register", "carol")
        t.eq(p.returncode, EX_OK, "carol registers on a 2 MiB tmpfs",
             describe(p))
        p = carol.run("-t", "@bob", "-m", "before it filled")
        t.eq(p.returncode, EX_OK, "and sends", describe(p))
        fill = os.path.join(mnt, "fill")
        fill_disk(fill)
        t.eq(shutil.disk_usage(mnt).free, 0, "the tmpfs is full")
        cdb = os.path.join(carol.profile_dir, "sotto.db")
        before = files(carol)
        p = carol.run("-t", "@bob", "-m", "while full", "--timeout", "5")
        t.eq(p.returncode, EX_IOERR, "a send on a full disk: 74",
             describe(p))
        t.ok("no space left" in p.stderr and cdb in p.stderr,
             "says so with the path", p.stderr)
        t.ok("not queued" in p.stderr, "and that nothing was queued",
             p.stderr)
        t.eq({k: v for k, v in files(carol).items() if k in before}, before,
             "nothing was half-written")
        wal = os.path.join(carol.profile_dir, "sotto.db-wal")
        t.ok(not os.path.exists(wal) or os.path.getsize(wal) == 0,
             "not even in the WAL")
        os.unlink(fill)
        p = carol.run("-t", "@bob", "-m", "after the room came back")
        t.eq(p.returncode, EX_OK, "with room again the send goes through",
             describe(p))
        t.eq(history(bob, "@carol"), ["before it filled",
                                      "after the room came back"],
             "bob has each message once, nothing of the failed one")
    finally:
        subprocess.run(["umount", "-l", mnt])
        os.rmdir(mnt)
    t.done()
