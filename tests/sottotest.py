"""Helpers for the integration scenarios: a real sottod on 127.0.0.1 with
a random port, real sotto processes, each with its own profile directory.

Nothing here fakes the server or the client: every scenario runs the built
binaries ($SOTTO_BIN, $SOTTOD_BIN) as a user would.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SOTTO = os.environ.get("SOTTO_BIN", "./sotto")
SOTTOD = os.environ.get("SOTTOD_BIN", "./sottod")

# Exit codes of the CLI contract (sysexits.h).
EX_OK, EX_USAGE, EX_DATAERR, EX_UNAVAILABLE, EX_TEMPFAIL, EX_NOPERM = \
    0, 64, 65, 69, 75, 77


class Checks:
    """TAP-style checks; the scenario fails when any check does."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, detail=None):
        self.n += 1
        print(("ok %d - %s" if cond else "not ok %d - %s") % (self.n, what))
        if not cond:
            self.failed += 1
            if detail is not None:
                for line in str(detail).splitlines()[-30:]:
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, what, detail=None):
        msg = "got %r, want %r" % (got, want)
        if detail is not None:
            msg += "\n" + str(detail)
        return self.ok(got == want, what, None if got == want else msg)

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed or self.n == 0 else 0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One sottod process with its own data directory."""

    def __init__(self, root, name="server", data=None, port=None, args=()):
        self.root = root
        self.args = list(args)      # more sottod flags, e.g. --new-store
        self.data = data or os.path.join(root, name + "-data")
        self.log = os.path.join(root, name + ".log")
        self.port = port
        self.proc = None
        self.fingerprint = None
        self.outputs = []           # stdout+stderr of every run
        self.start()

    @property
    def addr(self):
        return "127.0.0.1:%d" % self.port

    def start(self, tries=5):
        for _ in range(tries):
            if self.port is None:
                self.port = free_port()
            self.stdout_path = os.path.join(
                self.root, "sottod-%d-%d.out" % (self.port, len(self.outputs)))
            self.outputs.append(self.stdout_path)
            out = open(self.stdout_path, "w")
            self.proc = subprocess.Popen(
                [SOTTOD, "--listen", self.addr, "--data", self.data,
                 "--log", self.log] + self.args,
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            out.close()
            if self._wait_ready():
                return
            self.stop(signal.SIGKILL)
            self.port = None
        raise RuntimeError("sottod did not start:\n" + self.output())

    def output(self, path=None):
        try:
            with open(path or self.stdout_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def all_output(self):
        return "".join(self.output(p) for p in self.outputs)

    def _wait_ready(self, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            text = self.output()
            if "listening on" in text:
                m = re.search(r"fingerprint:?\s+((?:[0-9a-f]{4} ){15}[0-9a-f]{4})",
                              text)
                if m:
                    self.fingerprint = m.group(1)
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.02)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        return rc

    def restart(self):
        self.stop()
        self.start()

    def _sqlcipher(self, body, text=True):
        key = None
        with open(os.path.join(self.data, "server.key")) as f:
            for line in f:
                if line.startswith("store "):
                    key = line.split()[1]
        return sqlcipher(os.path.join(self.data, "sottod.db"), key, body,
                         text)

    def sql(self, sql):
        """Runs sql in sottod's SQLCipher database, keyed from server.key
        (read while sottod runs: WAL lets it): (stdout, stderr), stripped."""
        p = self._sqlcipher(sql + ";\n")
        return p.stdout.strip(), p.stderr.strip()

    def dump(self):
        """sottod's whole database as SQL text: (stdout, stderr), bytes."""
        p = self._sqlcipher(".dump\n", text=False)
        return p.stdout, p.stderr


class Client:
    """One sotto profile (a device) with files holding its secrets."""

    def __init__(self, root, name, server, passphrase="correct horse battery",
                 password="s3cret-passw0rd"):
        self.root = root
        self.name = name
        self.server = server
        self.xdg = os.path.join(root, name + "-xdg")
        os.makedirs(self.xdg, exist_ok=True)
        self.passphrase_file = self._secret_file("passphrase", passphrase)
        self.password_file = self._secret_file("password", password)

    def _secret_file(self, kind, value):
        path = os.path.join(self.root, "%s.%s" % (self.name, kind))
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)
        return path

    def set_passphrase(self, value):
        self.passphrase_file = self._secret_file("passphrase", value)

    def set_password(self, value):
        self.password_file = self._secret_file("password", value)

    @property
    def profile_dir(self):
        return os.path.join(self.xdg, "sotto", "default")

    def env(self):
        env = dict(os.environ)
        env["XDG_DATA_HOME"] = self.xdg
        env["XDG_CONFIG_HOME"] = os.path.join(self.root, self.name + "-config")
        env["HOME"] = os.path.join(self.root, self.name + "-home")
        return env

    def sql(self, sql):
        """Runs sql in the profile's SQLCipher database, whose key is
        Argon2id of the passphrase with the salt and costs of sotto.kdf
        (needs python3-nacl): (the words of stdout, stderr)."""
        import nacl.pwhash
        kdf = {}
        with open(os.path.join(self.profile_dir, "sotto.kdf")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    kdf[parts[0]] = parts[1]
        with open(self.passphrase_file) as f:
            phrase = f.read().rstrip("\n").encode()
        key = nacl.pwhash.argon2id.kdf(32, phrase, bytes.fromhex(kdf["salt"]),
                                       opslimit=int(kdf["ops"]),
                                       memlimit=int(kdf["mem"]))
        p = sqlcipher(os.path.join(self.profile_dir, "sotto.db"), key.hex(),
                      sql + ";\n")
        return p.stdout.split(), p.stderr.strip()

    def run(self, *args, server=True, secrets=True, timeout=60, stdin=None):
        cmd = [SOTTO]
        if server:
            cmd += ["--server", self.server.addr]
        if secrets:
            cmd += ["--passphrase-file", self.passphrase_file,
                    "--password-file", self.password_file]
        cmd += list(args)
        return subprocess.run(cmd, env=self.env(), capture_output=True,
                              text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL if stdin is None else stdin)


def sqlcipher(path, hexkey, body, text=True):
    """Runs the sqlcipher shell on the database at path with the raw key
    hexkey and the commands body."""
    script = ("PRAGMA key = \"x'%s'\";\nPRAGMA cipher_page_size = 4096;\n"
              "%s" % (hexkey, body))
    return subprocess.run(["sqlcipher", path],
                          input=script if text else script.encode(),
                          capture_output=True, text=text, timeout=60)


def jsonl(p):
    """The JSON objects a --json command printed, one per line."""
    out = []
    for line in p.stdout.splitlines():
        line = line.strip()
        if line:
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"unparsed": line})
    return out


def objs(p, kind):
    """The JSON objects of type kind a --json command printed."""
    return [o for o in jsonl(p) if o.get("type") == kind]


def describe(p):
    return "exit %s\nstdout: %s\nstderr: %s" % (p.returncode, p.stdout, p.stderr)


class Scenario:
    """A temporary root for one test; servers are stopped at the end."""

    def __init__(self, name):
        self.root = tempfile.mkdtemp(prefix="sotto-%s-" % name)
        self.servers = []
        self.t = Checks()

    def server(self, **kw):
        s = Server(self.root, **kw)
        self.servers.append(s)
        return s

    def client(self, name, server, **kw):
        return Client(self.root, name, server, **kw)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for s in self.servers:
            s.stop(signal.SIGKILL)
        # A sanitizer report from sottod lands in its output, not in a
        # check: look for one, so that a sanitizer build cannot pass
        # over a server that misbehaved.
        for s in self.servers:
            out = s.all_output()
            if "Sanitizer" in out or "runtime error:" in out:
                self.t.ok(False, "sottod on port %s ran clean" % s.port, out)
        # t.done() ends the test with SystemExit inside the with block.
        clean = exc[0] is None or (exc[0] is SystemExit and not exc[1].code)
        if clean and not self.t.failed:
            shutil.rmtree(self.root, ignore_errors=True)
            return False
        print("# files kept in " + self.root)
        if clean:
            sys.exit(1)
        return False


def need_tmux():
    """Skips the test (exit 77, TAP's plan of none) without tmux."""
    if shutil.which("tmux") is None:
        print("1..0 # SKIP tmux not installed")
        sys.exit(77)


class TuiScenario(Scenario):
    """The TUI scenarios' common start: without tmux the test is skipped;
    on entering, a sottod starts (self.srv) and the people named register
    with the real CLI, in that order, each with the display name of their
    name in title case and, but for alice, a password of their own
    ("bobs-password-1"). self.people holds their Clients in that order."""

    def __init__(self, name, people=("alice", "bob", "carol")):
        need_tmux()
        super().__init__(name)
        self.names = people
        self.srv = None
        self.people = []

    def __enter__(self):
        try:
            self.srv = self.server()
            for n in self.names:
                kw = {} if n == "alice" else {"password":
                                              "%ss-password-1" % n}
                self.people.append(self.client(n, self.srv, **kw))
            for n, c in zip(self.names, self.people):
                p = c.run("--register", n, "--display-name", n.title())
                self.t.eq(p.returncode, EX_OK, "--register " + n,
                          describe(p))
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    @staticmethod
    def tui_env(client, **more):
        """client's environment for a TUI in tmux (UTF-8, xterm), with the
        variables more."""
        return dict(client.env(), LANG="C.UTF-8", LC_ALL="C.UTF-8",
                    TERM="xterm", **more)

    @staticmethod
    def write_config(client, text):
        """Writes client's settings file ($XDG_CONFIG_HOME/sotto/config)."""
        cfgdir = os.path.join(client.env()["XDG_CONFIG_HOME"], "sotto")
        os.makedirs(cfgdir, exist_ok=True)
        with open(os.path.join(cfgdir, "config"), "w") as f:
            f.write(text)
