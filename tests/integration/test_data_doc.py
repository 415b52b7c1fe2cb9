"""doc/DATA.md names every table and column sottod stores, and nothing
else: the schema of a fresh database and of one migrated from schema 1
(both read with the sqlcipher shell and the key in server.key) must hold
exactly the tables and columns DATA.md names. A migration that adds a
column DATA.md does not explain fails here."""
import os
import re
import shutil

from sottotest import EX_OK, Scenario, Server, describe, sqlcipher

SRCDIR = os.environ.get("SOTTO_SRCDIR",
                        os.path.join(os.path.dirname(__file__), "..", ".."))
DATA_MD = os.path.join(SRCDIR, "doc", "DATA.md")

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
TABLE = re.compile(r"^## `?(%s)`?\s*$" % NAME)
COLUMN = re.compile(r"^- `(%s)`" % NAME)

# Schema 1 as sottod made it (migration 1 of server/srv_schema.c), with one
# account and one device, so that every later migration runs over rows.
SCHEMA1 = """
CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL, phone TEXT NOT NULL, pwhash TEXT NOT NULL,
  created INTEGER NOT NULL);
CREATE TABLE devices (id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  key BLOB NOT NULL UNIQUE CHECK (length(key) = 32), name TEXT NOT NULL,
  created INTEGER NOT NULL, last_seen INTEGER NOT NULL);
CREATE INDEX devices_user ON devices(user_id);
INSERT INTO users VALUES (1, 'olduser', 'Old User', '', 'x', 1);
INSERT INTO devices VALUES (1, 1, zeroblob(32), 'old', 1, 1);
PRAGMA user_version = 1;
"""

TABLES_SQL = ("SELECT name FROM sqlite_master WHERE type = 'table'"
              " AND name NOT LIKE 'sqlite_%' ORDER BY name;\n")


def documented(path):
    """{table: set(columns)} as DATA.md names them, and any doubles."""
    tables, doubles, cur = {}, [], None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            m = TABLE.match(line)
            if m:
                cur = m.group(1)
                if cur in tables:
                    doubles.append(cur)
                tables.setdefault(cur, set())
                continue
            if line.startswith("#"):
                cur = None      # a prose heading ends the table
                continue
            m = COLUMN.match(line)
            if m and cur is not None:
                if m.group(1) in tables[cur]:
                    doubles.append("%s.%s" % (cur, m.group(1)))
                tables[cur].add(m.group(1))
    return tables, doubles


def store_key(data):
    with open(os.path.join(data, "server.key")) as f:
        for line in f:
            if line.startswith("store "):
                return line.split()[1]
    return None


def schema(data):
    """({table: set(columns)}, user_version, stderr) of a stopped server's
    database (the shell's SQLite predates pragma_table_info(), hence a
    PRAGMA table_info per table, each after a line naming it)."""
    db, key = os.path.join(data, "sottod.db"), store_key(data)
    p = sqlcipher(db, key, "PRAGMA user_version;\n" + TABLES_SQL)
    lines = p.stdout.split()
    version = lines[0] if lines and lines[0].isdigit() else None
    names = [n for n in lines[1:] if re.match("^%s$" % NAME, n)]
    body = "".join("SELECT 'table|%s';\nPRAGMA table_info(%s);\n" % (n, n)
                   for n in names)
    q = sqlcipher(db, key, body)
    tables, cur = {}, None
    for line in q.stdout.splitlines():
        f = line.split("|")
        if len(f) == 2 and f[0] == "table":
            cur = tables.setdefault(f[1], set())
        elif len(f) >= 3 and cur is not None:
            cur.add(f[1])
    return tables, version, (p.stderr + q.stderr).strip()


def compare(t, label, have, doc):
    missing = sorted(set(have) - set(doc))
    t.ok(not missing, "every table of the %s database is in DATA.md" % label,
         "not in doc/DATA.md: %s" % missing)
    gone = sorted(set(doc) - set(have))
    t.ok(not gone, "every table DATA.md names is in the %s database" % label,
         "in doc/DATA.md but not in the schema: %s" % gone)
    cols, extra = [], []
    for table in sorted(set(have) & set(doc)):
        cols += ["%s.%s" % (table, c) for c in sorted(have[table] - doc[table])]
        extra += ["%s.%s" % (table, c) for c in sorted(doc[table] - have[table])]
    t.ok(not cols, "every column of the %s database is in DATA.md" % label,
         "columns not in doc/DATA.md: %s" % cols)
    t.ok(not extra, "every column DATA.md names is in the %s database" % label,
         "columns in doc/DATA.md but not in the schema: %s" % extra)


with Scenario("data_doc") as sc:
    t = sc.t
    doc, doubles = documented(DATA_MD)
    t.ok("users" in doc and "pwhash" in doc["users"] and len(doc) > 5,
         "DATA.md is read as tables and columns", sorted(doc))
    t.eq(doubles, [], "DATA.md names each table and column once")

    srv = sc.server()
    c = sc.client("alice", srv)
    p = c.run("--register", "alice", "--phone", "+15550001111")
    t.eq(p.returncode, EX_OK, "an account on the fresh server", describe(p))
    srv.stop()
    fresh, fresh_v, why = schema(srv.data)
    t.ok(fresh and "users" in fresh, "the fresh database's schema is read", why)
    compare(t, "fresh", fresh, doc)

    # A database of schema 1, keyed like the fresh one, migrated by sottod.
    old = os.path.join(sc.root, "old-data")
    os.makedirs(old, mode=0o700)
    shutil.copy2(os.path.join(srv.data, "server.key"), old)
    p = sqlcipher(os.path.join(old, "sottod.db"), store_key(old), SCHEMA1)
    t.eq(p.stderr.strip(), "", "a schema-1 database is made")
    srv2 = sc.server(name="old", data=old)
    srv2.stop()
    migrated, migrated_v, why = schema(old)
    t.ok(fresh_v is not None, "the fresh schema's version is read", why)
    t.eq(migrated_v, fresh_v, "sottod migrated it to the fresh schema's "
         "version", why + srv2.all_output())
    compare(t, "migrated", migrated, doc)
    t.eq(migrated, fresh, "the migrated schema has the fresh one's columns")
    t.done()
