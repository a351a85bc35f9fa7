#!/usr/bin/env python3
"""Helpers of benches/peer/run (standard library only; PostgreSQL through `psql`).

Subcommands:
  tokens     pick random seeded officers and mint an access token for each (HS256)
  bodies     the request files the wrk script rotates through (ours, PostGraphile)
  proxy      a PostgreSQL wire-protocol proxy that logs every statement executed, with its
             parameters (how the statements a server sends are captured)
  capture    send the cartable query for some officers one after the other through a
             server that talks to PostgreSQL via `proxy`, and cut the proxy's log per request;
             for our server it also writes one pgbench script per officer
  single     the pgbench scripts of the single statement that returns the whole answer
  check      the same officers through both servers: the same values, or a clear error
  pgstats    req/s, p50 and p99 of a pgbench run from its per-transaction logs
  table      the table of the medians and the ratio line
"""

import argparse
import asyncio
import base64
import glob
import hashlib
import hmac
import json
import os
import statistics
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

# The officer's cartable, as the issue states it: our server (the token says who) and the
# same values from PostGraphile (the officer's id says who; no auth there).
OURS_QUERY = (
    "{ me { officer { firstName lastName } } myQualificationRequests(first: 10) "
    "{ edges { node { id kind status submittedAt feeRials university { id name } } } } }"
)
PG_QUERY = (
    "query($id: UUID!) { officerByRowId(rowId: $id) { firstName lastName "
    "qualificationRequestsByOfficerId(first: 10, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) "
    "{ nodes { rowId kind status submittedAt feeRials "
    "universityByUniversityId { rowId name } } } } }"
)
TYPENAME_QUERY = "{ __typename }"
ISSUER = "officer-registry"


def die(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def psql(db_url, sql):
    out = subprocess.run(
        ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", db_url, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return [line.split("\t") for line in out.stdout.splitlines() if line]


# ------------------------------------------------------------------------------------------
# tokens
# ------------------------------------------------------------------------------------------


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(secret, claims):
    header = b64url(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    sig = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(sig)}"


def cmd_tokens(a):
    secret = os.environ.get("PEER_JWT_SECRET", "")
    if len(secret) < 32:
        die("PEER_JWT_SECRET (the server's JWT_SECRET, >= 32 bytes) is not set")
    # A fixed sample (setseed), so that runs on the same data use the same officers.
    rows = psql(
        a.db_url,
        f"SELECT setseed(0.1405); "
        f"SELECT u.id, u.role, o.id FROM officers o JOIN users u ON u.id = o.user_id "
        f"WHERE u.active ORDER BY random() LIMIT {int(a.count)}",
    )
    rows = [r for r in rows if len(r) == 3]
    if len(rows) < a.count:
        die(f"only {len(rows)} officers in the database, {a.count} wanted")
    # Edge cases for `check`: the officers with the most requests (more than the 10 of a
    # page), one with none, one whose newest request is a draft (no university, no fee).
    edge = psql(
        a.db_url,
        "(SELECT u.id, u.role, o.id FROM officers o JOIN users u ON u.id = o.user_id "
        " JOIN qualification_requests q ON q.officer_id = o.id WHERE u.active "
        " GROUP BY u.id, u.role, o.id ORDER BY count(*) DESC, o.id LIMIT 2) "
        "UNION ALL (SELECT u.id, u.role, o.id FROM officers o JOIN users u ON u.id = o.user_id "
        " WHERE u.active AND NOT EXISTS (SELECT 1 FROM qualification_requests q WHERE q.officer_id = o.id) "
        " ORDER BY o.id LIMIT 1) "
        "UNION ALL (SELECT u.id, u.role, o.id FROM officers o JOIN users u ON u.id = o.user_id "
        " JOIN qualification_requests q ON q.officer_id = o.id WHERE u.active AND q.status = 'DRAFT' "
        " ORDER BY o.id LIMIT 1)",
    )
    now = int(time.time())
    # The server accepts a token only while its session is open: one session row per token,
    # as `login` would have written.
    sessions = []
    for path, chosen in ((a.out, rows), (a.edge_out, [r for r in edge if len(r) == 3])):
        with open(path, "w") as f:
            for user_id, role, officer_id in chosen:
                sid = str(uuid.uuid4())
                sessions.append((sid, user_id))
                claims = {
                    "sub": user_id,
                    "role": role,
                    "sid": sid,
                    "iat": now,
                    "exp": now + a.ttl,
                    "iss": ISSUER,
                }
                f.write(f"{mint(secret, claims)}\t{user_id}\t{officer_id}\n")
    for i in range(0, len(sessions), 500):
        values = ", ".join(
            f"('{sid}'::uuid, '{sid}'::uuid, '{user_id}'::uuid, "
            f"decode(md5(random()::text), 'hex'), now() + interval '{int(a.ttl)} seconds')"
            for sid, user_id in sessions[i:i + 500]
        )
        psql(
            a.db_url,
            "INSERT INTO sessions (id, family_id, user_id, token_hash, expires_at) "
            f"VALUES {values}",
        )
    print(f"minted {len(rows)} officer tokens (valid {a.ttl} s) into {a.out}, and {len(edge)} "
          f"of officers with many, no or draft requests into {a.edge_out}")


def read_officers(path):
    out = []
    with open(path) as f:
        for line in f:
            token, user_id, officer_id = line.rstrip("\n").split("\t")
            out.append({"token": token, "user_id": user_id, "officer_id": officer_id})
    return out


# ------------------------------------------------------------------------------------------
# bodies (for wrk)
# ------------------------------------------------------------------------------------------


def ours_body():
    return json.dumps({"query": OURS_QUERY}, separators=(",", ":"))


def pg_body(officer_id):
    return json.dumps({"query": PG_QUERY, "variables": {"id": officer_id}}, separators=(",", ":"))


def typename_body():
    return json.dumps({"query": TYPENAME_QUERY}, separators=(",", ":"))


def cmd_bodies(a):
    officers = read_officers(a.officers)
    # One request a line: the Authorization value (or empty), a tab, the JSON body.
    with open(os.path.join(a.out_dir, "ours.req"), "w") as f:
        for o in officers:
            f.write(f"Bearer {o['token']}\t{ours_body()}\n")
    with open(os.path.join(a.out_dir, "postgraphile.req"), "w") as f:
        for o in officers:
            f.write(f"\t{pg_body(o['officer_id'])}\n")
    with open(os.path.join(a.out_dir, "typename.req"), "w") as f:
        f.write(f"\t{typename_body()}\n")
    print(f"request files for {len(officers)} officers in {a.out_dir}")


# ------------------------------------------------------------------------------------------
# proxy: PostgreSQL wire protocol, frontend messages decoded, backend ones only followed
# ------------------------------------------------------------------------------------------

TYPES = {
    16: "bool", 17: "bytea", 18: "char", 19: "name", 20: "int8", 21: "int2", 23: "int4",
    25: "text", 26: "oid", 114: "json", 700: "float4", 701: "float8", 1042: "bpchar",
    1043: "varchar", 1082: "date", 1114: "timestamp", 1184: "timestamptz", 2950: "uuid",
    3802: "jsonb", 1000: "bool[]", 1005: "int2[]", 1007: "int4[]", 1016: "int8[]",
    1009: "text[]", 1015: "varchar[]", 2951: "uuid[]", 1185: "timestamptz[]",
}
PG_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)


def decode_scalar(oid, b):
    if oid == 16:
        return "true" if b[0] else "false"
    if oid in (20, 21, 23, 26):
        return str(int.from_bytes(b, "big", signed=True))
    if oid == 700:
        return repr(struct.unpack(">f", b)[0])
    if oid == 701:
        return repr(struct.unpack(">d", b)[0])
    if oid == 2950:
        return str(uuid.UUID(bytes=bytes(b)))
    if oid in (1114, 1184):
        us = int.from_bytes(b, "big", signed=True)
        t = PG_EPOCH + timedelta(microseconds=us)
        return t.isoformat() if oid == 1184 else t.replace(tzinfo=None).isoformat()
    if oid == 1082:
        return (PG_EPOCH + timedelta(days=int.from_bytes(b, "big", signed=True))).date().isoformat()
    if oid == 3802:
        return bytes(b[1:]).decode()
    if oid in (25, 1043, 19, 1042, 114, 18):
        return bytes(b).decode()
    if oid == 17:
        return "\\x" + bytes(b).hex()
    raise ValueError(f"type {oid}")


def array_elem_oid(oid):
    return {1000: 16, 1005: 21, 1007: 23, 1016: 20, 1009: 25, 1015: 1043, 2951: 2950, 1185: 1184}.get(oid)


def decode_binary(oid, b):
    elem = array_elem_oid(oid)
    if elem is None:
        return decode_scalar(oid, b)
    ndim, _flags, elem_oid = struct.unpack(">iiI", b[:12])
    if ndim == 0:
        return "{}"
    if ndim != 1:
        raise ValueError("multi-dimensional array")
    size, _lbound = struct.unpack(">ii", b[12:20])
    pos, items = 20, []
    for _ in range(size):
        (n,) = struct.unpack(">i", b[pos : pos + 4])
        pos += 4
        if n < 0:
            items.append("NULL")
        else:
            v = decode_scalar(elem_oid, b[pos : pos + n])
            pos += n
            items.append('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


class Conn:
    def __init__(self, n, log):
        self.n = n
        self.log = log
        self.stmts = {}  # name -> [query, oids]
        self.portals = {}  # name -> (query, params)
        self.describes = []  # statement names waiting for a ParameterDescription
        self.awaiting_ssl_reply = False


def cstr(b, pos):
    end = b.index(b"\0", pos)
    return bytes(b[pos:end]).decode(), end + 1


def on_frontend(c, t, body):
    if t == b"P":
        name, pos = cstr(body, 0)
        query, pos = cstr(body, pos)
        (n,) = struct.unpack(">h", body[pos : pos + 2])
        oids = list(struct.unpack(f">{n}I", body[pos + 2 : pos + 2 + 4 * n]))
        c.stmts[name] = [query, oids]
    elif t == b"D":
        kind, name = body[0:1], cstr(body, 1)[0]
        if kind == b"S":
            c.describes.append(name)
    elif t == b"B":
        portal, pos = cstr(body, 0)
        stmt, pos = cstr(body, pos)
        (nf,) = struct.unpack(">h", body[pos : pos + 2])
        formats = list(struct.unpack(f">{nf}h", body[pos + 2 : pos + 2 + 2 * nf]))
        pos += 2 + 2 * nf
        (np_,) = struct.unpack(">h", body[pos : pos + 2])
        pos += 2
        query, oids = c.stmts.get(stmt, ["<unknown statement>", []])
        params = []
        for i in range(np_):
            (ln,) = struct.unpack(">i", body[pos : pos + 4])
            pos += 4
            oid = oids[i] if i < len(oids) else 0
            tname = TYPES.get(oid, str(oid) if oid else "")
            fmt = formats[0] if nf == 1 else (formats[i] if nf > i else 0)
            if ln < 0:
                params.append([tname, None])
                continue
            raw = body[pos : pos + ln]
            pos += ln
            if fmt == 0:
                params.append([tname, bytes(raw).decode()])
            else:
                try:
                    params.append([tname, decode_binary(oid, raw)])
                except Exception:  # noqa: BLE001 - kept visible in the log
                    params.append([tname or "?", "<binary " + bytes(raw).hex() + ">"])
        c.portals[portal] = (query, params)
    elif t == b"E":
        portal, _ = cstr(body, 0)
        query, params = c.portals.get(portal, ("<unknown portal>", []))
        c.log({"conn": c.n, "sql": query, "params": params})
    elif t == b"Q":
        c.log({"conn": c.n, "sql": cstr(body, 0)[0], "params": [], "simple": True})


def on_backend(c, t, body):
    if t == b"t":
        (n,) = struct.unpack(">h", body[0:2])
        oids = list(struct.unpack(f">{n}I", body[2 : 2 + 4 * n]))
        if c.describes:
            name = c.describes.pop(0)
            if name in c.stmts:
                c.stmts[name][1] = oids
    elif t == b"Z":
        c.describes.clear()


async def pump_frontend(reader, writer, c):
    buf = bytearray()
    started = False  # the first message (startup, SSL request) has no type byte
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            buf += data
            while True:
                if not started:
                    if len(buf) < 8:
                        break
                    (ln,) = struct.unpack(">i", buf[0:4])
                    if len(buf) < ln:
                        break
                    (code,) = struct.unpack(">i", buf[4:8])
                    writer.write(bytes(buf[:ln]))
                    del buf[:ln]
                    if code in (80877103, 80877104):  # SSL / GSS request: a startup follows
                        c.awaiting_ssl_reply = True
                    else:
                        started = True
                    continue
                if len(buf) < 5:
                    break
                (ln,) = struct.unpack(">i", buf[1:5])
                if len(buf) < 1 + ln:
                    break
                on_frontend(c, bytes(buf[0:1]), bytes(buf[5 : 1 + ln]))
                writer.write(bytes(buf[: 1 + ln]))
                del buf[: 1 + ln]
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:  # noqa: BLE001
            pass


async def pump_backend(reader, writer, c):
    # An SSL request is answered by one byte ('N': go on in plain text).
    buf = bytearray()
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            buf += data
            while True:
                if c.awaiting_ssl_reply:
                    if not buf:
                        break
                    reply = bytes(buf[0:1])
                    del buf[0:1]
                    writer.write(reply)
                    c.awaiting_ssl_reply = False
                    if reply == b"S":
                        print("proxy: the client asked for TLS and the server accepted: "
                              "statements cannot be read (use sslmode=disable)", file=sys.stderr)
                    continue
                if len(buf) < 5:
                    break
                (ln,) = struct.unpack(">i", buf[1:5])
                if len(buf) < 1 + ln:
                    break
                on_backend(c, bytes(buf[0:1]), bytes(buf[5 : 1 + ln]))
                writer.write(bytes(buf[: 1 + ln]))
                del buf[: 1 + ln]
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:  # noqa: BLE001
            pass


def cmd_proxy(a):
    host, port = a.upstream.rsplit(":", 1)
    out = open(a.out, "a", buffering=1)
    counter = [0]
    counter_seq = [0]

    def log(entry):
        counter_seq[0] += 1
        entry["seq"] = counter_seq[0]
        entry["t"] = time.time()
        out.write(json.dumps(entry, ensure_ascii=False) + "\n")

    async def handle(cr, cw):
        counter[0] += 1
        c = Conn(counter[0], log)
        try:
            sr, sw = await asyncio.open_connection(host, int(port))
        except OSError as e:
            print(f"proxy: cannot reach {a.upstream}: {e}", file=sys.stderr)
            cw.close()
            return
        await asyncio.gather(pump_frontend(cr, sw, c), pump_backend(sr, cw, c))

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", a.listen)
        print(f"proxy on 127.0.0.1:{a.listen} -> {a.upstream}, log {a.out}", flush=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


# ------------------------------------------------------------------------------------------
# capture: one request at a time, the proxy's log cut per request
# ------------------------------------------------------------------------------------------


def post(url, body, auth=None, timeout=30):
    req = urllib.request.Request(url, data=body.encode(), method="POST")
    req.add_header("content-type", "application/json")
    if auth:
        req.add_header("authorization", auth)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def read_log_from(path, offset):
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    return [json.loads(line) for line in data.decode().splitlines() if line.strip()]


def literal(tname, value):
    if value is None:
        return f"NULL::{tname}" if tname else "NULL"
    q = "'" + value.replace("'", "''") + "'"
    # pgbench reads ":name" as a variable, also inside quotes: spell colons as chr(58).
    if ":" in value:
        q = "(" + " || chr(58) || ".join("'" + p.replace("'", "''") + "'" for p in value.split(":")) + ")"
    return f"{q}::{tname}" if tname else q


def inline(sql, params):
    import re

    def sub(m):
        i = int(m.group(1)) - 1
        return literal(*params[i]) if i < len(params) else m.group(0)

    return re.sub(r"\$(\d+)", sub, sql)


def setup_statements(path):
    """The seq of every statement a connection ran while being set up: the SETs before its
    first other statement (once per pooled connection, not per request)."""
    setup, busy = set(), set()
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            if e["conn"] in busy:
                continue
            if e["sql"].lstrip().upper().startswith("SET "):
                setup.add(e["seq"])
            else:
                busy.add(e["conn"])
    return setup


def send_one(a, o):
    if a.kind == "ours":
        status, answer = post(a.endpoint, ours_body(), f"Bearer {o['token']}")
    elif a.kind == "postgraphile":
        status, answer = post(a.endpoint, pg_body(o["officer_id"]))
    else:
        status, answer = post(a.endpoint, typename_body())
    if status != 200 or not isinstance(answer, dict) or answer.get("errors"):
        die(f"capture ({a.kind}): HTTP {status}: {str(answer)[:500]}")


def cmd_capture(a):
    everyone = read_officers(a.officers)
    officers = everyone[: a.count]
    # Unrecorded requests first (other officers), so that the pool's connections exist.
    for o in everyone[a.count : a.count + a.warmup]:
        send_one(a, o)
    per_request = []
    for o in officers:
        offset = os.path.getsize(a.log)
        send_one(a, o)
        time.sleep(0.02)  # the proxy logs a statement before forwarding it: slack only
        per_request.append(read_log_from(a.log, offset))
    setup = setup_statements(a.log)
    n_setup = sum(1 for r in per_request for e in r if e["seq"] in setup)
    per_request = [[e for e in r if e["seq"] not in setup] for r in per_request]
    if n_setup:
        print(f"  ({n_setup} connection set-up statements left out: they run once per pooled connection)")
    counts = [len(r) for r in per_request]
    summary = {
        "kind": a.kind,
        "requests": len(per_request),
        "statements_per_request": statistics.mean(counts) if counts else 0,
        "min": min(counts) if counts else 0,
        "max": max(counts) if counts else 0,
        "first_request": [{"sql": s["sql"], "params": s["params"]} for s in per_request[0]] if per_request else [],
    }
    with open(os.path.join(a.out_dir, f"capture-{a.kind}.json"), "w") as f:
        json.dump(summary, f, ensure_ascii=False, indent=1)
    print(
        f"captured {a.kind}: {summary['statements_per_request']:.2f} statements/request "
        f"(min {summary['min']}, max {summary['max']}) over {len(per_request)} requests"
    )
    if a.kind == "ours" and a.pgbench_dir:
        os.makedirs(a.pgbench_dir, exist_ok=True)
        for old in glob.glob(os.path.join(a.pgbench_dir, "ours-*.sql")):
            os.remove(old)
        for i, stmts in enumerate(per_request[: a.scripts]):
            with open(os.path.join(a.pgbench_dir, f"ours-{i:03}.sql"), "w") as f:
                f.write(f"-- officer {officers[i]['officer_id']}: the statements our server ran for one request\n")
                for s in stmts:
                    sql = inline(s["sql"], s["params"]).strip().rstrip(";")
                    sql = " ".join(sql.split())  # one line each: pgbench reads lines
                    f.write(sql + ";\n")
        print(f"pgbench scripts of our statements: {a.pgbench_dir}/ours-*.sql ({min(a.scripts, len(per_request))})")


SINGLE_SQL = """SELECT json_build_object(
  'me', json_build_object('officer', json_build_object('firstName', o.first_name, 'lastName', o.last_name)),
  'myQualificationRequests', json_build_object('edges', coalesce((
    SELECT json_agg(json_build_object('node', json_build_object(
             'id', r.id, 'kind', r.kind, 'status', r.status, 'submittedAt', r.submitted_at,
             'feeRials', r.fee_rials,
             'university', CASE WHEN un.id IS NULL THEN NULL
                                ELSE json_build_object('id', un.id, 'name', un.name) END))
           ORDER BY r.created_at DESC, r.id DESC)
    FROM (SELECT q.id, q.kind, q.status, q.submitted_at, q.fee_rials, q.university_id, q.created_at
          FROM qualification_requests q WHERE q.officer_id = o.id
          ORDER BY q.created_at DESC, q.id DESC LIMIT 10) r
    LEFT JOIN universities un ON un.id = r.university_id), '[]'::json))) AS data
FROM users u JOIN officers o ON o.user_id = u.id
WHERE u.id = '{user_id}'::uuid AND u.active"""


def cmd_single(a):
    officers = read_officers(a.officers)[: a.count]
    os.makedirs(a.pgbench_dir, exist_ok=True)
    for old in glob.glob(os.path.join(a.pgbench_dir, "single-*.sql")):
        os.remove(old)
    for i, o in enumerate(officers):
        with open(os.path.join(a.pgbench_dir, f"single-{i:03}.sql"), "w") as f:
            f.write(f"-- officer {o['officer_id']}: the whole answer in one statement\n")
            f.write(" ".join(SINGLE_SQL.replace("{user_id}", o["user_id"]).split()) + ";\n")
    print(f"pgbench scripts of the single statement: {a.pgbench_dir}/single-*.sql ({len(officers)})")


# ------------------------------------------------------------------------------------------
# check: the same values from both servers
# ------------------------------------------------------------------------------------------


def instant(s):
    if s is None:
        return None
    s = s.replace("Z", "+00:00")
    if " " in s and "T" not in s:
        s = s.replace(" ", "T", 1)
    # Python < 3.11 wants 6 fraction digits and a +HH:MM offset.
    if len(s) > 3 and s[-3] in "+-" and s[-6] not in "+-":
        s += ":00"
    main, _, frac_off = s.partition(".")
    if frac_off:
        i = 0
        while i < len(frac_off) and frac_off[i].isdigit():
            i += 1
        s = main + "." + frac_off[:i].ljust(6, "0")[:6] + frac_off[i:]
    return datetime.fromisoformat(s).astimezone(timezone.utc)


def normal_ours(ans):
    d = ans["data"]
    off = d["me"]["officer"]
    rows = []
    for e in d["myQualificationRequests"]["edges"]:
        n = e["node"]
        u = n["university"]
        rows.append((
            n["id"], n["kind"], n["status"], instant(n["submittedAt"]),
            None if n["feeRials"] is None else int(n["feeRials"]),
            None if u is None else (str(u["id"]), u["name"]),
        ))
    return (off["firstName"], off["lastName"]), rows


def normal_pg(ans):
    off = ans["data"]["officerByRowId"]
    rows = []
    for n in off["qualificationRequestsByOfficerId"]["nodes"]:
        u = n["universityByUniversityId"]
        rows.append((
            n["rowId"], n["kind"], n["status"], instant(n["submittedAt"]),
            None if n["feeRials"] is None else int(n["feeRials"]),
            None if u is None else (str(u["rowId"]), u["name"]),
        ))
    return (off["firstName"], off["lastName"]), rows


def cmd_check(a):
    edge = read_officers(a.edge) if a.edge else []
    officers = read_officers(a.officers)[: a.n]
    checked, with_rows, max_rows, no_university = 0, 0, 0, 0
    for o in edge + officers:
        s1, ours = post(a.ours, ours_body(), f"Bearer {o['token']}")
        s2, pg = post(a.pg, pg_body(o["officer_id"]))
        if s1 != 200 or not isinstance(ours, dict) or ours.get("errors"):
            die(f"our server answered HTTP {s1}: {str(ours)[:500]}")
        if s2 != 200 or not isinstance(pg, dict) or pg.get("errors"):
            die(f"PostGraphile answered HTTP {s2}: {str(pg)[:500]}")
        a_ours, a_pg = normal_ours(ours), normal_pg(pg)
        if a_ours != a_pg:
            print("error: the two servers disagree for officer", o["officer_id"], file=sys.stderr)
            print("  ours:        ", json.dumps(ours, ensure_ascii=False)[:3000], file=sys.stderr)
            print("  PostGraphile:", json.dumps(pg, ensure_ascii=False)[:3000], file=sys.stderr)
            sys.exit(1)
        checked += 1
        with_rows += bool(a_ours[1])
        max_rows = max(max_rows, len(a_ours[1]))
        no_university += sum(1 for r in a_ours[1] if r[5] is None)
    if with_rows == 0:
        die("no checked officer has a request: the comparison proves nothing (seed more)")
    print(f"check: both servers give the same values for {checked} officers "
          f"({with_rows} with requests, up to {max_rows} rows, {no_university} rows without a university)")


# ------------------------------------------------------------------------------------------
# pgstats, table
# ------------------------------------------------------------------------------------------


def percentile(sorted_vals, p):
    if not sorted_vals:
        return 0.0
    i = max(0, min(len(sorted_vals) - 1, -(-len(sorted_vals) * p // 100) - 1))
    return sorted_vals[int(i)]


def cmd_pgstats(a):
    # Per-transaction log lines: client_id transaction_no time script_no time_epoch time_us ...
    # (time: the latency in us, or "failed"/"skipped"; epoch + us: when it ended).
    txs, failed = [], 0
    for path in glob.glob(a.log_prefix + ".*"):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) < 6:
                    continue
                if not parts[2].isdigit():
                    failed += 1
                    continue
                end = int(parts[4]) + int(parts[5]) / 1e6
                txs.append((end, int(parts[2])))
    if not txs:
        die(f"no transaction in the pgbench logs {a.log_prefix}.*")
    start = min(end - lat / 1e6 for end, lat in txs)
    last = max(end for end, _ in txs)
    # pgbench opens new connections (and prepares its statements in them) at every run, while
    # the servers' pools stay open: the first --skip seconds are not counted.
    t0 = start + a.skip
    lat = sorted(l for end, l in txs if end >= t0)
    with open(a.output) as f:
        text = f.read()
    for line in text.splitlines():
        if line.startswith("number of failed transactions:"):
            failed += int(line.split(":")[1].split()[0])
    if "aborted" in text:
        failed += 1
    print(json.dumps({
        "requests": len(lat), "seconds": round(last - t0, 3), "rps": len(lat) / max(1e-9, last - t0),
        "p50_ms": percentile(lat, 50) / 1000.0, "p99_ms": percentile(lat, 99) / 1000.0,
        "errors": failed, "all_requests": len(txs), "skipped_seconds": a.skip,
    }))


ROWS = [
    ("ours", "this server"),
    ("postgraphile", "PostGraphile 5.1.5 (Node 22), no auth"),
    ("pgbench_ours", "pgbench, this server's statements"),
    ("pgbench_single", "pgbench, one statement (the ceiling)"),
    ("ours_typename", "`{ __typename }`: this server"),
    ("postgraphile_typename", "`{ __typename }`: PostGraphile"),
]


def cmd_table(a):
    runs = [json.loads(line) for line in open(a.results) if line.strip()]
    stmts = json.load(open(a.statements)) if a.statements else {}
    by = {}
    for r in runs:
        by.setdefault((r["what"], r["clients"]), []).append(r)
    print()
    print(f"Medians of {a.rounds} interleaved rounds, {a.seconds} s each ({a.side_seconds} s for "
          "{ __typename } and 1 client; each column its own median).")
    print()
    print("| what serves 'the officer's cartable' | req/s | p50 ms | p99 ms | SQL statements / request "
          "| CPU µs / request: server, PostgreSQL, machine | the machine's rate at that cost |")
    print("|---|---:|---:|---:|---:|---|---:|")
    medians = {}
    errors = []
    for clients in sorted({c for _, c in by}, reverse=True):
        for key, label in ROWS:
            rs = by.get((key, clients))
            if not rs:
                continue
            rps = statistics.median(r["rps"] for r in rs)
            p50 = statistics.median(r["p50_ms"] for r in rs)
            p99 = statistics.median(r["p99_ms"] for r in rs)
            per = [r["statements"] for r in rs if r.get("statements") is not None]
            st = statistics.median(per) if per else stmts.get(key)
            medians[(key, clients)] = rps
            n_err = sum(r.get("errors", 0) for r in rs)
            if n_err:
                errors.append(f"{label}, {clients} clients: {n_err} errors")
            who = f"{label}, {clients} client{'s' if clients != 1 else ''}"
            st_s = "" if st is None else f"{st:.2f}"
            cpu = [r["cpu_us"] for r in rs if r.get("cpu_us")]
            cpu_s = bound_s = ""
            if cpu:
                med = {k: statistics.median(u[k] for u in cpu) for k in ("server", "postgres", "machine")}
                server = "–" if key.startswith("pgbench") else f"{med['server']:.0f}"
                cpu_s = f"{server}, {med['postgres']:.0f}, {med['machine']:.0f}"
                cores = rs[0].get("cores") or os.cpu_count()
                bound_s = f"{cores * 1e6 / max(med['machine'], 1e-9):,.0f}"
            print(f"| {who} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {st_s} | {cpu_s} | {bound_s} |")
    print()
    if errors:
        print("ERRORS (non-2xx, socket errors, GraphQL errors, failed transactions):")
        for e in errors:
            print("  " + e)
    else:
        print("errors: none (no non-2xx answer, no socket error, no GraphQL error, no failed transaction)")
    c = a.clients
    ours = medians.get(("ours", c))
    pg = medians.get(("postgraphile", c))
    single = medians.get(("pgbench_single", c))
    r1 = f"{ours / pg:.2f}" if ours and pg else "n/a"
    r2 = f"{ours / single:.2f}" if ours and single else "n/a"
    print("CPU per request: medians over the rounds; 'machine' is the busy time of every core "
          "(load generator and kernel included), and the machine's rate at that cost is cores × 1 s "
          "divided by it: what the machine could serve if it did nothing else.")
    print(f"ratio ours/postgraphile={r1} ours/pgbench_single={r2}")


def cmd_record(a):
    r = json.loads(a.res)
    if a.q0 is not None and a.q1 is not None:
        r["statements"] = (int(float(a.q1)) - int(float(a.q0))) / max(1, r["requests"])
    if a.cpu0 and a.cpu1:
        # Clock ticks over the whole run, so per request over every request of the run
        # (pgbench's included the ones of the seconds its figures skip).
        tick = os.sysconf("SC_CLK_TCK")
        n = max(1, r.get("all_requests", r["requests"]))
        d = [(float(y) - float(x)) / tick for x, y in zip(a.cpu0.split(), a.cpu1.split())]
        r["cpu_us"] = {k: v * 1e6 / n for k, v in zip(("server", "postgres", "machine"), d)}
        r["cores"] = a.cores
    r.update(round=a.round, what=a.what, clients=a.clients)
    with open(a.results, "a") as f:
        f.write(json.dumps(r) + "\n")
    st = r.get("statements")
    line = (
        f"  round {a.round}  {a.what:<22} {a.clients:>2} clients: {r['rps']:>9,.0f} req/s  "
        f"p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms  errors {r.get('errors', 0)}"
    )
    if st is not None:
        line += f"  statements/request {st:.2f}"
    if r.get("cpu_us"):
        u = r["cpu_us"]
        line += f"  CPU µs/request: server {u['server']:.0f}, PostgreSQL {u['postgres']:.0f}, machine {u['machine']:.0f}"
    if r.get("first_error"):
        line += f"  FIRST ERROR: {r['first_error']}"
    print(line)


def cmd_statements(a):
    st = {"pgbench_ours": a.ours, "pgbench_single": a.single}
    for k in ("postgraphile", "postgraphile_typename"):
        with open(os.path.join(a.out_dir, f"capture-{k}.json")) as f:
            st[k] = json.load(f)["statements_per_request"]
    with open(os.path.join(a.out_dir, "statements.json"), "w") as f:
        json.dump(st, f)


def cmd_show(a):
    with open(a.capture) as f:
        c = json.load(f)
    print("our server's statements for one request (the officer of the first token):")
    for i, s in enumerate(c["first_request"], 1):
        print(f" {i}. {' '.join(s['sql'].split())}")
        if s["params"]:
            print("    params: " + ", ".join(f"{v}::{t}" if t else str(v) for t, v in s["params"]))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("tokens")
    s.add_argument("--db-url", required=True)
    s.add_argument("--count", type=int, default=2000)
    s.add_argument("--ttl", type=int, default=6 * 3600)
    s.add_argument("--out", required=True)
    s.add_argument("--edge-out", required=True)
    s.set_defaults(f=cmd_tokens)

    s = sub.add_parser("bodies")
    s.add_argument("--officers", required=True)
    s.add_argument("--out-dir", required=True)
    s.set_defaults(f=cmd_bodies)

    s = sub.add_parser("proxy")
    s.add_argument("--listen", type=int, required=True)
    s.add_argument("--upstream", default="127.0.0.1:5432")
    s.add_argument("--out", required=True)
    s.set_defaults(f=cmd_proxy)

    s = sub.add_parser("capture")
    s.add_argument("--kind", choices=["ours", "postgraphile", "typename"], required=True)
    s.add_argument("--endpoint", required=True)
    s.add_argument("--officers", required=True)
    s.add_argument("--count", type=int, default=100)
    s.add_argument("--log", required=True)
    s.add_argument("--out-dir", required=True)
    s.add_argument("--pgbench-dir")
    s.add_argument("--warmup", type=int, default=10)
    s.add_argument("--scripts", type=int, default=20, help="pgbench scripts written (officers)")
    s.set_defaults(f=cmd_capture)

    s = sub.add_parser("single")
    s.add_argument("--officers", required=True)
    s.add_argument("--count", type=int, default=100)
    s.add_argument("--pgbench-dir", required=True)
    s.set_defaults(f=cmd_single)

    s = sub.add_parser("check")
    s.add_argument("--ours", required=True)
    s.add_argument("--pg", required=True)
    s.add_argument("--officers", required=True)
    s.add_argument("--edge", help="officers checked first (edge cases)")
    s.add_argument("--n", type=int, default=5, help="officers of --officers checked")
    s.set_defaults(f=cmd_check)

    s = sub.add_parser("pgstats")
    s.add_argument("--log-prefix", required=True)
    s.add_argument("--output", required=True)
    s.add_argument("--skip", type=float, default=0.0)
    s.set_defaults(f=cmd_pgstats)

    s = sub.add_parser("table")
    s.add_argument("--results", required=True)
    s.add_argument("--statements")
    s.add_argument("--rounds", type=int, default=3)
    s.add_argument("--seconds", default="20")
    s.add_argument("--side-seconds", default="10")
    s.add_argument("--clients", type=int, default=16)
    s.set_defaults(f=cmd_table)

    s = sub.add_parser("record")
    s.add_argument("--results", required=True)
    s.add_argument("--res", required=True)
    s.add_argument("--round", type=int, required=True)
    s.add_argument("--what", required=True)
    s.add_argument("--clients", type=int, required=True)
    s.add_argument("--q0")
    s.add_argument("--q1")
    s.add_argument("--cpu0", help="clock ticks before the run: server PostgreSQL machine")
    s.add_argument("--cpu1", help="the same after the run")
    s.add_argument("--cores", type=int, default=os.cpu_count())
    s.set_defaults(f=cmd_record)

    s = sub.add_parser("statements")
    s.add_argument("--out-dir", required=True)
    s.add_argument("--ours", type=float, required=True)
    s.add_argument("--single", type=float, required=True)
    s.set_defaults(f=cmd_statements)

    s = sub.add_parser("show")
    s.add_argument("--capture", required=True)
    s.set_defaults(f=cmd_show)

    a = p.parse_args()
    a.f(a)


if __name__ == "__main__":
    main()
