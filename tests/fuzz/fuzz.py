#!/usr/bin/env python3
"""Fuzzes a running officer-registry server (driven by tests/api/fuzz.rs).

1. Generates GraphQL documents from `schema.graphql` with hypothesis-graphql (a fixed seed,
   so a run is reproducible): one root field at a time (queries and mutations), whole
   operations of several root fields, and documents with one schema violation. About half of
   the valid ones carry their arguments as variables instead of literals. Each document is
   sent once, by one of the callers (anonymous and each role, in turn); every tenth one is
   sent again over the WebSocket (graphql-transport-ws), 25 operations per socket.
2. Sends a suite of malformed requests: bodies that are not JSON, wrong content types and
   methods, GET with query parameters, odd and huge strings (NUL, control characters,
   invalid UTF-8, lone surrogates), deep nesting in the query text and in variables, batch
   arrays, bogus multipart requests, oversized and truncated bodies, raw HTTP garbage and
   WebSocket garbage frames.

Every answer is checked: no HTTP 5xx, no error with code INTERNAL, no stack or SQL text in
the body. The server's health is probed along the way. A JSON summary (counts, histograms,
the first failures) is written to --summary; the exit code is 0 even when failures were
found (the Rust test decides), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import base64
import collections
import concurrent.futures
import hashlib
import http.client
import json
import os
import random
import socket
import struct
import sys
import threading
import time
import urllib.parse

import graphql
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, mutations, nodes, queries

ROLES = ["ANONYMOUS", "OFFICER", "DISTRIBUTOR", "UNIVERSITY_REVIEWER", "DIRECTORATE_ADMIN"]

# Text that must never reach a client: stacks, panics, SQL, database errors, source paths.
LEAKS = [
    "diesel",
    "SELECT ",
    "INSERT INTO",
    "DELETE FROM",
    "panicked",
    "src/",
    "DatabaseError",
    "stack backtrace",
    "RUST_BACKTRACE",
    "syntax error at or near",
    "violates",
    "tokio-runtime",
    "called `Option::unwrap()`",
    "called `Result::unwrap()`",
]

MAX_FAILURES_KEPT = 25


class Tally:
    """Counts and failures, shared by the sender threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.status = collections.Counter()
        self.codes = collections.Counter()
        self.per_role = collections.Counter()
        self.per_kind = collections.Counter()
        self.malformed = 0
        self.malformed_status = collections.Counter()
        self.failures: list[dict] = []
        self.failure_count = 0
        self.no_response = 0
        self.ws_documents = 0
        self.ws_per_role = collections.Counter()

    def fail(self, what: str, request: str, status, body: str) -> None:
        with self.lock:
            self.failure_count += 1
            if len(self.failures) < MAX_FAILURES_KEPT:
                self.failures.append(
                    {
                        "what": what,
                        "request": request[:1500],
                        "status": status,
                        "body": body[:1500],
                    }
                )


def check_body(tally: Tally, label: str, request_text: str, status, body: bytes) -> None:
    """Checks one answer; records its status and error codes."""
    text = body.decode("utf-8", errors="replace")
    if isinstance(status, int) and status >= 500:
        tally.fail(f"{label}: HTTP {status}", request_text, status, text)
    for needle in LEAKS:
        # A needle the request itself carried may be echoed back in a message.
        if needle in text and needle not in request_text:
            tally.fail(f"{label}: leaks {needle!r}", request_text, status, text)
    codes = []
    try:
        value = json.loads(text) if text.strip() else None
    except ValueError:
        value = None
    if isinstance(value, dict) and isinstance(value.get("errors"), list):
        for err in value["errors"]:
            code = (err.get("extensions") or {}).get("code") if isinstance(err, dict) else None
            codes.append(code or "(none)")
    if "INTERNAL" in codes:
        tally.fail(f"{label}: INTERNAL", request_text, status, text)
    with tally.lock:
        for c in codes:
            tally.codes[c] += 1


# ---------------------------------------------------------------------------------------
# Generation


def custom_scalars(known_ids: list[str]) -> dict:
    """Values for the custom scalars, and IDs that are sometimes real ones."""
    odd_text = st.text(max_size=40)
    ids = st.one_of(
        st.sampled_from(known_ids) if known_ids else st.nothing(),
        odd_text,
        st.uuids().map(str),
    ).map(nodes.String)
    dates = st.one_of(
        st.dates().map(lambda d: d.isoformat()),
        st.sampled_from(["1990-02-30", "1403/01/01", "۱۳۷۰-۰۱-۰۱", "", "9999-99-99", "0000-00-00"]),
        odd_text,
    ).map(nodes.String)
    datetimes = st.one_of(
        st.datetimes().map(lambda d: d.isoformat() + "Z"),
        odd_text,
    ).map(nodes.String)
    return {
        "ID": ids,
        "Date": dates,
        "DateTime": datetimes,
        "Upload": st.just(graphql.NullValueNode()),
        "JSON": odd_text.map(nodes.String),
    }


def collect(strategy, count: int, seed: int) -> list:
    """`count` examples of `strategy`, reproducibly for a seed."""
    out: list = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(doc):
        out.append(doc)

    run()
    return out


def to_variables(schema: graphql.GraphQLSchema, doc: graphql.DocumentNode):
    """Moves every argument value of the document into a variable; returns the new text
    and the variables, or None when the document has no argument."""
    types: dict[int, graphql.GraphQLInputType] = {}
    type_info = graphql.TypeInfo(schema)

    class Finder(graphql.Visitor):
        def enter_argument(self, node, *_):
            arg = type_info.get_argument()
            if arg is not None and not isinstance(node.value, graphql.VariableNode):
                types[id(node)] = arg.type

    graphql.visit(doc, graphql.TypeInfoVisitor(type_info, Finder()))
    if not types:
        return None
    variables: dict = {}
    definitions: list = []

    class Mover(graphql.Visitor):
        def enter_argument(self, node, *_):
            ty = types.get(id(node))
            if ty is None:
                return None
            name = f"v{len(definitions)}"
            variables[name] = graphql.value_from_ast_untyped(node.value)
            variable = graphql.VariableNode(name=graphql.NameNode(value=name))
            definitions.append(
                graphql.VariableDefinitionNode(variable=variable, type=graphql.parse_type(str(ty)))
            )
            return graphql.ArgumentNode(name=node.name, value=variable)

    moved = graphql.visit(doc, Mover())
    ops = []
    done = False
    for d in moved.definitions:
        if isinstance(d, graphql.OperationDefinitionNode) and not done:
            d = graphql.OperationDefinitionNode(
                operation=d.operation,
                name=d.name,
                variable_definitions=tuple(d.variable_definitions or ()) + tuple(definitions),
                directives=d.directives,
                selection_set=d.selection_set,
            )
            done = True
        ops.append(d)
    return graphql.print_ast(graphql.DocumentNode(definitions=tuple(ops))), variables


def generate_job(job: tuple) -> list:
    """One share of the documents: (kind, count, seed) with the schema text and known ids;
    runs in a worker process. About half of the valid documents get their arguments as
    variables (decided by the seed too)."""
    kind, count, seed, schema_text, known_ids = job
    schema = graphql.build_schema(schema_text)
    scalars = custom_scalars(known_ids)
    ident = lambda d: d  # noqa: E731  keep the AST: no print and re-parse
    if kind == "field":
        strategy = st.one_of(
            [queries(schema, fields=[f], custom_scalars=scalars, print_ast=ident) for f in schema.query_type.fields]
            + [mutations(schema, fields=[f], custom_scalars=scalars, print_ast=ident) for f in schema.mutation_type.fields]
        )
    elif kind == "operation":
        strategy = from_schema(schema, custom_scalars=scalars, print_ast=ident)
    else:
        strategy = from_schema(schema, custom_scalars=scalars, print_ast=ident, mode=Mode.NEGATIVE)
    rng = random.Random(seed)
    out = []
    for doc in collect(strategy, count, seed):
        moved = to_variables(schema, doc) if kind != "negative" and rng.random() < 0.5 else None
        if moved is None:
            out.append((kind, graphql.print_ast(doc), {}))
        else:
            out.append((kind + "+variables", moved[0], moved[1]))
    return out


# Shares of the documents: one root field at a time, whole operations of several root
# fields (slow to generate), one schema violation.
SHARES = [("field", 0.75, 4), ("operation", 0.05, 1), ("negative", 0.20, 1)]


def generate(schema_text: str, count: int, seed: int, known_ids: list[str], workers: int) -> tuple[list, dict]:
    """At least `count` distinct (kind, query, variables) items, the same for the same seed
    whatever the number of workers."""
    items: list = []
    seen: set = set()
    stats = collections.Counter()
    round_no = 0
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        while len(items) < count and round_no < 6:
            missing = count - len(items)
            jobs = []
            for share_no, (kind, share, parts) in enumerate(SHARES):
                n = int(missing * share * 1.04) + 5
                for part in range(parts):
                    job_seed = seed + round_no * 1000 + share_no * 100 + part
                    jobs.append((kind, n // parts + 1, job_seed, schema_text, known_ids))
            started = time.monotonic()
            for result in pool.map(generate_job, jobs):
                for kind, query, variables in result:
                    key = hashlib.sha256((query + "\0" + json.dumps(variables, sort_keys=True)).encode()).digest()
                    if key in seen:
                        stats["duplicates"] += 1
                        continue
                    seen.add(key)
                    items.append((kind, query, variables))
            stats[f"round{round_no}_seconds"] = round(time.monotonic() - started, 1)
            round_no += 1
    return items, dict(stats)


# ---------------------------------------------------------------------------------------
# Sending


class Client:
    """One keep-alive HTTP connection per thread."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None, headers: dict) -> tuple:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("connection", "").lower() == "close":
                    self.close()
                return resp.status, data
            except (ConnectionError, http.client.HTTPException, socket.timeout, OSError):
                self.close()
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def alive(host: str, port: int) -> bool:
    try:
        c = http.client.HTTPConnection(host, port, timeout=10)
        c.request("GET", "/healthz")
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except OSError:
        return False


def send_documents(args, items, tokens, tally: Tally) -> None:
    local = threading.local()

    def client() -> Client:
        if not hasattr(local, "client"):
            local.client = Client(args.host, args.port)
        return local.client

    def send(index: int) -> None:
        kind, query, variables = items[index]
        role = ROLES[index % len(ROLES)]
        body = json.dumps({"query": query, "variables": variables}).encode()
        headers = {"content-type": "application/json"}
        if tokens.get(role):
            headers["authorization"] = "Bearer " + tokens[role]
        request_text = body.decode()
        try:
            status, data = client().request("POST", "/graphql", body, headers)
        except OSError as e:
            with tally.lock:
                tally.no_response += 1
            tally.fail(f"document {index} ({role}): no answer: {e}", request_text, None, "")
            return
        with tally.lock:
            tally.status[status] += 1
            tally.per_role[role] += 1
            tally.per_kind[kind.split("+")[0]] += 1
            if kind.endswith("+variables"):
                tally.per_kind["with variables"] += 1
        check_body(tally, f"document {index} ({role}, {kind})", request_text, status, data)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.threads) as pool:
        for start in range(0, len(items), 500):
            list(pool.map(send, range(start, min(start + 500, len(items)))))
            if not alive(args.host, args.port):
                tally.fail(
                    f"the server stopped answering /healthz after document {start + 500}",
                    items[start][1],
                    None,
                    "",
                )
                return


# ---------------------------------------------------------------------------------------
# Malformed requests


def raw_exchange(host: str, port: int, payload: bytes, half_close: bool = True, wait: float = 5.0, until=None) -> bytes:
    """Sends raw bytes on a new connection; returns whatever comes back before the server
    closes, `wait` seconds pass or `until(received)` holds."""
    with socket.create_connection((host, port), timeout=wait) as s:
        try:
            s.sendall(payload)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                s.settimeout(max(0.05, deadline - time.monotonic()))
                data = s.recv(65536)
            except (socket.timeout, OSError):
                break
            if not data:
                break
            chunks.append(data)
            if until is not None and until(b"".join(chunks)):
                break
        return b"".join(chunks)


def parse_raw(data: bytes):
    """(status, body) of a raw HTTP answer, or (None, b'')."""
    if not data.startswith(b"HTTP/"):
        return None, data
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        status = None
    if b"transfer-encoding: chunked" in head.lower():
        out, rest = b"", body
        while rest:
            line, _, rest = rest.partition(b"\r\n")
            try:
                size = int(line.split(b";")[0], 16)
            except ValueError:
                break
            if size == 0:
                break
            out, rest = out + rest[:size], rest[size + 2 :]
        body = out
    return status, body


def multipart(parts: list[tuple], boundary: str = "fuzzboundary") -> tuple[bytes, str]:
    """A multipart/form-data body of (name, content) and (name, content, file name) parts."""
    out = b""
    for part in parts:
        name, content, filename = (tuple(part) + (None,))[:3]
        out += f"--{boundary}\r\n".encode()
        disp = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"'
        out += disp.encode() + b"\r\n"
        if filename is not None:
            out += b"Content-Type: application/pdf\r\n"
        out += b"\r\n" + content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
UPLOAD = 'mutation($r: ID!, $k: DocumentKind!, $f: Upload!) { attachDocument(requestId: $r, kind: $k, file: $f) { id } }'


def nested_text(kind: str, depth: int) -> str:
    if kind == "selection":
        return "{ me " * depth + "}" * depth
    if kind == "list":
        return "{ provinces @skip(if: " + "[" * depth + "false" + "]" * depth + ") { id } }"
    if kind == "object":
        return (
            'mutation { createBranch(input: '
            + '{ name: "x", address: "y", provinceId: "1", cityId: ' * depth
            + '"1"'
            + " }" * depth
            + ") { id } }"
        )
    if kind == "parens":
        return "{ me(" + "(" * depth + ") }"
    raise ValueError(kind)


def nested_json(kind: str, depth: int) -> str:
    if kind == "list":
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def malformed_cases(ctx: dict) -> list[dict]:
    """Each case: method, path, headers, body (bytes), or raw bytes for the socket."""
    cases: list[dict] = []
    token = ctx["tokens"].get("OFFICER") or ""
    request_id = ctx.get("request_id") or "00000000-0000-0000-0000-000000000000"
    auth = {"authorization": f"Bearer {token}"}
    json_h = {"content-type": "application/json"}

    def post(label, body, headers=None, path="/graphql", method="POST"):
        if isinstance(body, str):
            body = body.encode("utf-8", errors="surrogatepass")
        cases.append({"label": label, "method": method, "path": path, "headers": headers if headers is not None else json_h, "body": body})

    def raw(label, payload, half_close=True):
        cases.append({"label": label, "raw": payload, "half_close": half_close})

    # Bodies that are not (good) JSON.
    for i, body in enumerate([
        "", "not json", "{", "}", "[", "null", "1", '"text"', "{}", "true", '{"query": 1}',
        '{"query": null}', '{"query": ["{ me { role } }"]}', '{"query": {"a": 1}}', '{"query": ""}',
        '{"query": "   "}', '{"query": "{ provinces { id } }", "variables": "x"}',
        '{"query": "{ provinces { id } }", "variables": [1, 2]}',
        '{"query": "{ provinces { id } }", "variables": 7}',
        '{"query": "{ provinces { id } }", "operationName": 5}',
        '{"query": "{ provinces { id } }", "operationName": "Nope"}',
        '{"query": "query A { me { role } } query B { me { role } }"}',
        '{"query": "{ provinces { id } }", "extensions": "x"}',
        '{"query": "{ provinces { id } }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}}',
        '{"query": "{ provinces { id } }", "query": "{ me { role } }"}',
        '{"query": "{ provinces { id } }"} trailing',
        '{"query": "{ provinces { id } }"',
        '{"query": "{ provinces { id } }",}',
        '{"query": "\\x41"}', '{"query": "\\u12"}', '{"query": "\\ud800"}', '{"query": "{ me { role } }\\udc00"}',
        '{"query": "{ verifyOfficer(nationalCode: \\"\\ud800\\udc00\\ud800\\") { maskedName } }"}',
        '{"query": "mutation($u: String!) { login(userCode: $u, password: \\"x\\") { accessToken } }", "variables": {"u": "\\ud83d"}}',
        '{"query": "mutation($u: String!) { login(userCode: $u, password: \\"x\\") { accessToken } }", "variables": {"u": "a\\u0000b"}}',
        '{"query": "{ verifyOfficer(nationalCode: \\"\\u0000\\u0001\\u001f\\u007f\\") { maskedName } }"}',
        '{"query": "{ provinces { id } }\\u0000"}',
        '{"query": "\\u0000"}',
        '{"query": "{ provinces { id } }", "variables": {"x": 1e400}}',
        '{"query": "query($n: Int) { messages(first: $n) { totalCount } }", "variables": {"n": 1e20}}',
        '{"query": "query($n: Int) { messages(first: $n) { totalCount } }", "variables": {"n": -99999999999}}',
        '{"query": "query($n: Int) { messages(first: $n) { totalCount } }", "variables": {"n": 1.5}}',
        '{"query": "query($n: Int) { messages(first: $n) { totalCount } }", "variables": {"n": "3"}}',
        '{"query": "{ messages(first: 99999999999999999999) { totalCount } }"}',
        '{"query": "{ messages(first: -1) { totalCount } }"}',
        '{"query": "{ messages(first: 0) { totalCount } }"}',
        '{"query": "{ messages(first: 1, after: \\"////\\") { totalCount } }"}',
        '{"query": "{ messages(first: 1, after: \\"MTIzfHh4eA\\") { totalCount } }"}',
        '{"query": "{ qualificationRequest(id: \\"\' OR 1=1 --\\") { id } }"}',
        '{"query": "{ officer(id: \\"%00\\") { id } }"}',
        '{"query": "{ __schema { types { name } } }"}',
        '{"query": "{ __typename }"}',
        '{"query": "subscription { cartableEvents { id } }"}',
        '{"query": "{ me { role } } fragment F on Viewer { ...F }"}',
        '{"query": "{ me { ...F } } fragment F on Viewer { ...G } fragment G on Viewer { ...F }"}',
        '{"query": "{ me @skip(if: true) @skip(if: false) @include(if: true) { role } }"}',
        '{"query": "{ me { role @deprecated } }"}',
        '{"query": "#' + "x" * 1000 + '"}',
    ]):
        post(f"json body {i}", body)
    post("invalid utf-8 bytes", b'{"query": "{ verifyOfficer(nationalCode: \\"\xff\xfe\xc0\x80\\") { maskedName } }"}')
    post("overlong utf-8", b'{"query": "\xc0\xaf"}')
    post("utf-16 body", '{"query": "{ provinces { id } }"}'.encode("utf-16"))
    post("bom body", b"\xef\xbb\xbf" + b'{"query": "{ provinces { id } }"}')
    post("raw NUL bytes", b'{"query": "{ provinces\x00 { id } }"}')
    post("control bytes", b'{"query": "{ provinces\x01\x02\x1b[31m { id } }"}')
    # Huge and odd strings.
    for size in [257, 4_001, 20_001, 100_000, 250_000]:
        post(
            f"login user code of {size}",
            json.dumps({"query": "mutation($u: String!, $p: String!) { login(userCode: $u, password: $p) { accessToken } }",
                        "variables": {"u": "ک" * size if size < 100_000 else "a" * size, "p": "x"}}),
        )
    post("huge password", json.dumps({"query": "mutation($u: String!, $p: String!) { login(userCode: $u, password: $p) { accessToken } }", "variables": {"u": "someone", "p": "p" * 200_000}}))
    post("huge literal", json.dumps({"query": '{ verifyOfficer(nationalCode: "' + "9" * 200_000 + '") { maskedName } }'}))
    post("huge variable unused", json.dumps({"query": "{ provinces { id } }", "variables": {"x": "y" * 200_000}}))
    post("many variables", json.dumps({"query": "{ provinces { id } }", "variables": {f"v{i}": i for i in range(15_000)}}))
    post("many fields", json.dumps({"query": "{ " + "__typename " * 20_000 + "}"}))
    post("many aliases", json.dumps({"query": "{ " + " ".join(f"a{i}: __typename" for i in range(5_000)) + " }"}))
    post("many directives", json.dumps({"query": "{ provinces " + "@skip(if: false) " * 2_000 + "{ id } }"}))
    post("many fragments", json.dumps({"query": "{ me { ...F0 } } " + " ".join(f"fragment F{i} on Viewer {{ ...F{i + 1} }}" for i in range(2_000)) + " fragment F2000 on Viewer { role }"}))
    post("many operations", json.dumps({"query": " ".join(f"query Q{i} {{ __typename }}" for i in range(5_000)), "operationName": "Q4999"}))
    post("long name", json.dumps({"query": "{ " + "a" * 200_000 + " }"}))
    post("odd unicode", json.dumps({"query": '{ verifyOfficer(nationalCode: "\u202e\u200f\ufeff\U0001f4a9\u0301\u0301") { maskedName } }'}))
    post("persian digits", json.dumps({"query": '{ verifyOfficer(nationalCode: "۰۰۷۶۲۲۹۶۴۵") { maskedName } }'}))
    # Deep nesting in query text and variables, 1 to 100,000 levels.
    for depth in [1, 10, 63, 64, 65, 100, 1_000, 10_000, 100_000]:
        for kind in ["selection", "list", "object", "parens"]:
            post(f"query text {kind} x{depth}", json.dumps({"query": nested_text(kind, depth)}))
        for kind in ["list", "object"]:
            post(
                f"variables {kind} x{depth}",
                '{"query": "query($x: [[Int]]) { provinces { id } }", "variables": {"x": ' + nested_json(kind, depth) + "}}",
            )
        post(f"json body nested x{depth}", '{"query": "{ provinces { id } }", "extensions": ' + nested_json("object", depth) + "}")
    # Batch arrays.
    for body in ["[]", "[{}]", '[{"query": "{ provinces { id } }"}]', '  \n[{"query": "{ me { role } }"}, {"query": "{ me { role } }"}]', "[" * 10_000]:
        post("batch " + body[:20], body)
    # Content types.
    q = b'{"query": "{ provinces { id } }"}'
    for ct in ["text/plain", "application/graphql", "application/x-www-form-urlencoded", "application/xml",
               "application/json; charset=latin1", "application/json; charset=utf-16", "multipart/form-data",
               "multipart/form-data; boundary=", "multipart/mixed; boundary=x", "*/*", "", "application/graphql-response+json",
               "a" * 5_000, "application/json; boundary=x; charset=\"x"]:
        post(f"content type {ct[:30]!r}", q, headers={"content-type": ct})
    post("no content type", q, headers={})
    post("graphql body", b"{ provinces { id } }", headers={"content-type": "application/graphql"})
    post("form body", b"query=%7B%20provinces%20%7B%20id%20%7D%20%7D", headers={"content-type": "application/x-www-form-urlencoded"})
    # Methods, and GET with query parameters.
    for method in ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"]:
        post(f"method {method}", q if method not in ("GET", "HEAD", "TRACE") else None, method=method)
    for params in [
        "query=%7B%20provinces%20%7B%20id%20%7D%20%7D",
        "query=mutation%20%7B%20logout(refreshToken%3A%20%22x%22)%20%7D",
        "query=%7B%20provinces%20%7B%20id%20%7D%20%7D&variables=notjson",
        "query=%7B%20provinces%20%7B%20id%20%7D%20%7D&variables=%7B%7D&operationName=%00",
        "query=%ZZ", "query=%00", "query=%C3%28", "query=%ED%A0%80", "query=" + "%7B" * 5_000,
        "query=" + "a" * 7_000, "query", "=", "&&&", "query=1&query=2",
    ]:
        post(f"GET ?{params[:40]}", None, method="GET", path="/graphql?" + params, headers={})
    for path in ["/graphql/", "/graphql/ws", "/graphql%00", "/%2e%2e/etc/passwd", "/graphql?" + "x" * 20_000,
                 "/payments/zarinpal/callback", "/payments/zarinpal/callback?Authority=%00&Status=NOK",
                 "/payments/zarinpal/callback?Authority=" + "A" * 5_000 + "&Status=OK",
                 "/payments/zarinpal/callback?Authority=A00000000000000000000000000000000001&Status=OK",
                 "/payments/zarinpal/callback?Authority=%ff%fe&Status=%00", "/payments/zarinpal/callback?Status=OK&Status=NOK",
                 "/payments/zarinpal/callback?Authority=1&Authority=2", "/payments/zarinpal/callback?%%%",
                 "/payments/result?paymentId=%00&status=" + "x" * 5_000, "/payments/result?paymentId=" + request_id,
                 "/documents/%00", "/documents/../../etc/passwd", "/documents/" + "0" * 500, "/documents/" + request_id,
                 "/documents/" + request_id + "?token=%00", "/documents/" + request_id + "?token=" + "a" * 5_000,
                 "/messages/attachments/%ff", "/messages/attachments/" + request_id + "?token=x.y.z",
                 "/metrics?x=%ff", "/playground?%00", "/readyz?" + "a" * 5_000,
                 "/_simulator/zarinpal/pg/StartPay/%00", "/_simulator/zarinpal/pg/StartPay/" + "A" * 5_000,
                 "/_simulator/kavenegar/messages?%ff", "/_simulator/kavenegar/v1/%00/sms/send.json?receptor=%00&message=" + "x" * 5_000]:
        post(f"GET {path[:40]}", None, method="GET", path=path, headers={})
    for path, body in [
        ("/_simulator/kavenegar/control", b"\xff\x00{"),
        ("/_simulator/kavenegar/control", b'{"mode": 5}'),
        ("/_simulator/zarinpal/control", b'{"mode": ["x"]}'),
        ("/_simulator/zarinpal/pg/v4/payment/request.json", b'{"merchant_id": 1, "amount": "x"}'),
        ("/_simulator/zarinpal/pg/v4/payment/request.json", b'{"merchant_id": "x", "amount": -9223372036854775808, "callback_url": "\u0000"}'),
        ("/_simulator/zarinpal/pg/v4/payment/verify.json", b'{"authority": "\u0000", "amount": -1}'),
        ("/_simulator/zarinpal/pg/v4/payment/verify.json", b'{"authority": "' + b"A" * 10_000 + b'", "amount": 1e400}'),
        ("/_simulator/zarinpal/pg/StartPay/%00/pay", b""),
        ("/_simulator/zarinpal/pg/StartPay/A00000000000000000000000000000000001/cancel", b"x"),
        ("/_simulator/kavenegar/v1/key/sms/send.json", b"receptor=%00&message=%ff"),
    ]:
        post(f"POST {path[:40]}", body, path=path, headers={"content-type": "application/json"})
    # Authorization headers.
    for value in ["Bearer", "Bearer ", "Bearer " + "a" * 10_000, "Basic dXNlcjpwYXNz", "Bearer a.b.c",
                  "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "bearer " + token, "Bearer " + token + "x",
                  "Bearer " + token + " " + token, "Bearer \t" + token, token]:
        post(f"authorization {value[:25]!r}", b'{"query": "{ me { role } }"}', headers={"content-type": "application/json", "authorization": value})
    # Oversized bodies (over MAX_BODY_BYTES).
    post("oversized 300k", b'{"query": "{ provinces { id } }' + b" " * 300_000 + b'"}')
    post("oversized 3M", b'{"query": "' + b"{" * 3_000_000 + b'"}')
    # Multipart: anonymous, then with a token.
    ops = json.dumps({"query": UPLOAD, "variables": {"r": request_id, "k": "PHOTO", "f": None}}).encode()
    good_map = b'{"0": ["variables.f"]}'
    body, ct = multipart([("operations", ops), ("map", good_map), ("0", PDF, "a.pdf")])
    post("multipart anonymous", body, headers={"content-type": ct})
    multipart_cases = [
        ("operations not json", [("operations", b"not json"), ("map", good_map), ("0", PDF, "a.pdf")]),
        ("map not json", [("operations", ops), ("map", b"{"), ("0", PDF, "a.pdf")]),
        ("map array", [("operations", ops), ("map", b"[1, 2]"), ("0", PDF, "a.pdf")]),
        ("map missing file", [("operations", ops), ("map", b'{"9": ["variables.f"]}'), ("0", PDF, "a.pdf")]),
        ("map bad path", [("operations", ops), ("map", b'{"0": ["variables.nope.deep.x"]}'), ("0", PDF, "a.pdf")]),
        ("map path into string", [("operations", ops), ("map", b'{"0": ["variables.r"]}'), ("0", PDF, "a.pdf")]),
        ("map path index", [("operations", ops), ("map", b'{"0": ["variables.f.99999999999"]}'), ("0", PDF, "a.pdf")]),
        ("map root path", [("operations", ops), ("map", b'{"0": [""]}'), ("0", PDF, "a.pdf")]),
        ("map query path", [("operations", ops), ("map", b'{"0": ["query"]}'), ("0", PDF, "a.pdf")]),
        ("map duplicate keys", [("operations", ops), ("map", b'{"0": ["variables.f"], "0": ["variables.f"]}'), ("0", PDF, "a.pdf")]),
        ("map two files one path", [("operations", ops), ("map", b'{"0": ["variables.f"], "1": ["variables.f"]}'), ("0", PDF, "a.pdf"), ("1", PDF, "b.pdf")]),
        ("map deep", [("operations", ops), ("map", ('{"0": ["variables.f' + ".a" * 5_000 + '"]}').encode()), ("0", PDF, "a.pdf")]),
        ("map nested json", [("operations", ops), ("map", ('{"0": ' + "[" * 200 + "]" * 200 + "}").encode()), ("0", PDF, "a.pdf")]),
        ("no map", [("operations", ops), ("0", PDF, "a.pdf")]),
        ("no operations", [("map", good_map), ("0", PDF, "a.pdf")]),
        ("no file", [("operations", ops), ("map", good_map)]),
        ("file before operations", [("0", PDF, "a.pdf"), ("operations", ops), ("map", good_map)]),
        ("duplicate operations", [("operations", ops), ("operations", b"{}"), ("map", good_map), ("0", PDF, "a.pdf")]),
        ("batch operations", [("operations", b"[" + ops + b"," + ops + b"]"), ("map", b'{"0": ["0.variables.f"]}'), ("0", PDF, "a.pdf")]),
        ("eleven files", [("operations", ops), ("map", json.dumps({str(i): ["variables.f"] for i in range(11)}).encode())] + [(str(i), PDF, f"{i}.pdf") for i in range(11)]),
        ("odd file name", [("operations", ops), ("map", good_map), ("0", PDF, "../../etc/passwd\x01.pdf")]),
        ("empty file", [("operations", ops), ("map", good_map), ("0", b"", "empty.pdf")]),
        ("file into a non-upload mutation", [("operations", json.dumps({"query": "mutation($f: String!) { logout(refreshToken: $f) }", "variables": {"f": None}}).encode()), ("map", good_map), ("0", PDF, "a.pdf")]),
        ("nested operations", [("operations", ('{"query": "{ me { role } }", "variables": ' + nested_json("object", 5_000) + "}").encode()), ("map", b"{}")]),
    ]
    for label, parts in multipart_cases:
        body, ct = multipart(parts)
        post(f"multipart {label}", body, headers={"content-type": ct, **auth})
    body, ct = multipart([("operations", ops), ("map", good_map), ("0", PDF, "a.pdf")])
    post("multipart truncated", body[: len(body) // 2], headers={"content-type": ct, **auth})
    post("multipart wrong boundary", body, headers={"content-type": "multipart/form-data; boundary=other", **auth})
    big, ct = multipart([("operations", ops), ("map", good_map), ("0", b"%PDF-1.4\n" + b"0" * (ctx["max_upload_bytes"] + 1024), "big.pdf")])
    post("multipart oversized", big, headers={"content-type": ct, **auth})
    # Raw HTTP: truncated bodies, lying lengths, bad chunking, garbage.
    host_line = f"Host: 127.0.0.1:{ctx['port']}\r\n"
    raw("truncated body", (f"POST /graphql HTTP/1.1\r\n{host_line}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n").encode() + b'{"query": "{ prov')
    raw("length over the limit", (f"POST /graphql HTTP/1.1\r\n{host_line}Content-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n").encode() + b'{"query"')
    raw("negative length", (f"POST /graphql HTTP/1.1\r\n{host_line}Content-Type: application/json\r\nContent-Length: -5\r\n\r\n").encode() + b"{}")
    raw("two lengths", (f"POST /graphql HTTP/1.1\r\n{host_line}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n").encode() + b"{}")
    raw("bad chunk size", (f"POST /graphql HTTP/1.1\r\n{host_line}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode() + b"zz\r\n{}\r\n0\r\n\r\n")
    raw("truncated chunks", (f"POST /graphql HTTP/1.1\r\n{host_line}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode() + b"100\r\n{\"query\"")
    raw("huge chunk", (f"POST /graphql HTTP/1.1\r\n{host_line}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode() + b"ffffffffffffffff\r\n{}")
    raw("garbage", b"GARBAGE\r\n\r\n")
    raw("binary", bytes(range(256)) * 4)
    raw("http/0.9", b"GET /graphql\r\n")
    raw("huge header", (f"GET /healthz HTTP/1.1\r\n{host_line}X-Big: " + "a" * 100_000 + "\r\n\r\n").encode())
    raw("many headers", (f"GET /healthz HTTP/1.1\r\n{host_line}" + "".join(f"X-H{i}: v\r\n" for i in range(500)) + "\r\n").encode())
    raw("non-ascii header", f"POST /graphql HTTP/1.1\r\n{host_line}Content-Type: application/json\r\nAuthorization: Bearer ".encode() + b"\xff\xfe\x00\r\nContent-Length: 2\r\n\r\n{}")
    raw("bad forwarded for", (f"POST /graphql HTTP/1.1\r\n{host_line}Content-Type: application/json\r\nX-Forwarded-For: ::::, 999.1.1.1, \x01\r\nContent-Length: 30\r\n\r\n").encode() + b'{"query": "{ provinces { id } }'[:30])
    raw("slow client half request", f"POST /graphql HTTP/1.1\r\n{host_line}Content-Ty".encode(), half_close=True)
    return cases


def run_malformed(args, ctx, tally: Tally) -> None:
    for case in malformed_cases(ctx):
        label = case["label"]
        if "raw" in case:
            try:
                data = raw_exchange(args.host, args.port, case["raw"], case["half_close"])
            except OSError as e:
                data = b""
                tally.fail(f"malformed {label}: cannot connect: {e}", label, None, "")
            status, body = parse_raw(data)
            request_text = case["raw"].decode("utf-8", errors="replace")
        else:
            client = Client(args.host, args.port)
            request_text = (case["body"] or b"").decode("utf-8", errors="replace") + case["path"] + json.dumps(case["headers"])
            try:
                status, body = client.request(case["method"], case["path"], case["body"], case["headers"])
            except OSError:
                # The server may close a connection on a request it will not read; that is
                # no failure as long as it stays up (checked below).
                status, body = None, b""
            client.close()
        with tally.lock:
            tally.malformed += 1
            tally.malformed_status[status if status is not None else "closed"] += 1
            if status is not None:
                tally.status[status] += 1
        check_body(tally, f"malformed {label}", request_text, status, body)
        if not alive(args.host, args.port):
            tally.fail(f"the server stopped answering /healthz after malformed {label}", request_text, status, "")
            return
    run_websocket_garbage(args, ctx, tally)


# ---------------------------------------------------------------------------------------
# WebSocket garbage


def ws_frame(opcode: int, payload: bytes, fin: bool = True, mask: bool = True, rsv: int = 0) -> bytes:
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack(">Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def ws_session(args, frames: list[bytes], operations: int = 0) -> bytes:
    """A WebSocket on /graphql/ws: the handshake, then `frames` as they are; returns the raw
    answer once the server closed, `operations` operations ended, or 2 s passed."""
    key = base64.b64encode(os.urandom(16)).decode()
    hello = (
        f"GET /graphql/ws HTTP/1.1\r\nHost: {args.host}:{args.port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
    ).encode()
    def ended(received: bytes) -> bool:
        done = received.count(b'"type":"complete"') + received.count(b'"type":"error"')
        return operations > 0 and done >= operations

    return raw_exchange(args.host, args.port, hello + b"".join(frames), half_close=False, wait=2.0, until=ended)


WS_BATCH = 25  # operations per socket, under WS_MAX_OPERATIONS (32)


def send_documents_over_websocket(args, items, tokens, tally: Tally) -> None:
    """Every tenth document again over the WebSocket (graphql-transport-ws), by the same
    caller, 25 operations per socket."""
    import re

    chosen = [i for i in range(0, len(items), 10)]
    batches = [chosen[k : k + WS_BATCH] for k in range(0, len(chosen), WS_BATCH)]
    code_re = re.compile(rb'"extensions":\{[^{}]*?"code":"([A-Z_]+)"')

    def run(batch_no: int) -> None:
        batch = batches[batch_no]
        role = ROLES[batch_no % len(ROLES)]
        payload = {"Authorization": f"Bearer {tokens[role]}"} if tokens.get(role) else {}
        frames = [ws_frame(0x1, json.dumps({"type": "connection_init", "payload": payload}).encode())]
        for i in batch:
            _, query, variables = items[i]
            message = {"id": str(i), "type": "subscribe", "payload": {"query": query, "variables": variables}}
            frames.append(ws_frame(0x1, json.dumps(message).encode()))
        try:
            data = ws_session(args, frames, operations=len(batch))
        except OSError as e:
            tally.fail(f"websocket documents {batch}: cannot connect: {e}", "", None, "")
            return
        text = data.decode("utf-8", errors="replace")
        request_text = "".join(items[i][1] + json.dumps(items[i][2]) for i in batch)
        with tally.lock:
            tally.ws_documents += len(batch)
            tally.ws_per_role[role] += len(batch)
            for code in code_re.findall(data):  # error codes, not fields named `code`
                tally.codes[code.decode()] += 1
        if '"INTERNAL"' in text:
            tally.fail(f"websocket documents ({role}): INTERNAL", request_text, None, text)
        for needle in LEAKS:
            if needle in text and needle not in request_text:
                tally.fail(f"websocket documents ({role}): leaks {needle!r}", request_text, None, text)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.threads) as pool:
        list(pool.map(run, range(len(batches))))


def run_websocket_garbage(args, ctx, tally: Tally) -> None:
    token = ctx["tokens"].get("OFFICER") or ""
    init = json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}).encode()
    text = lambda b: ws_frame(0x1, b)  # noqa: E731
    sessions = {
        "not json": [text(b"not json")],
        "binary": [ws_frame(0x2, b"\x00\x01\x02")],
        "invalid utf-8 text": [text(b"\xff\xfe\xfd")],
        "unknown type": [text(b'{"type": "nope"}')],
        "subscribe before init": [text(b'{"id": "1", "type": "subscribe", "payload": {"query": "subscription { cartableEvents { id } }"}}')],
        "init twice": [text(init), text(init)],
        "init payload garbage": [text(b'{"type": "connection_init", "payload": "x"}')],
        "init token garbage": [text(b'{"type": "connection_init", "payload": {"Authorization": "Bearer \\u0000"}}')],
        "duplicate ids": [text(init)] + [text(b'{"id": "1", "type": "subscribe", "payload": {"query": "subscription { cartableEvents { id } }"}}')] * 2,
        "subscribe garbage": [text(init), text(b'{"id": 5, "type": "subscribe", "payload": {"query": 7}}'), text(b'{"id": "2", "type": "subscribe", "payload": {"query": "{ provinces @skip(if: ' + b"[" * 2000 + b"false" + b"]" * 2000 + b') { id } }"}}')],
        "nested json": [text(init), text(b'{"id": "3", "type": "subscribe", "payload": ' + b"[" * 5000 + b"]" * 5000 + b"}")],
        "query over socket": [text(init), text(b'{"id": "4", "type": "subscribe", "payload": {"query": "{ me { role } }", "variables": {"x": "\\ud800"}}}')],
        "huge frame": [text(init), text(b'{"type": "ping", "payload": "' + b"a" * 300_000 + b'"}')],
        "fragments": [ws_frame(0x1, init[:10], fin=False), ws_frame(0x0, init[10:], fin=True)],
        "orphan continuation": [ws_frame(0x0, b"abc")],
        "reserved bits": [ws_frame(0x1, init, rsv=7)],
        "reserved opcode": [ws_frame(0x3, b"x"), ws_frame(0xB, b"x")],
        "unmasked": [ws_frame(0x1, init, mask=False)],
        "bad close": [ws_frame(0x8, b"\x00\x01\xff")],
        "big ping": [ws_frame(0x9, b"x" * 200)],
        "complete unknown": [text(init), text(b'{"id": "zz", "type": "complete"}')],
        "many subscriptions": [text(init)] + [text(json.dumps({"id": str(i), "type": "subscribe", "payload": {"query": "subscription { cartableEvents { id } }"}}).encode()) for i in range(100)],
    }
    for label, frames in sessions.items():
        try:
            data = ws_session(args, frames)
        except OSError as e:
            data = b""
            tally.fail(f"websocket {label}: cannot connect: {e}", label, None, "")
        with tally.lock:
            tally.malformed += 1
            tally.malformed_status["websocket"] += 1
        text_data = data.decode("utf-8", errors="replace")
        for needle in LEAKS:
            if needle in text_data:
                tally.fail(f"websocket {label}: leaks {needle!r}", label, None, text_data)
        if '"INTERNAL"' in text_data:
            tally.fail(f"websocket {label}: INTERNAL", label, None, text_data)
        if not alive(args.host, args.port):
            tally.fail(f"the server stopped answering /healthz after websocket {label}", label, None, "")
            return


# ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="base URL of the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--schema", required=True, help="schema.graphql")
    parser.add_argument("--context", required=True, help="JSON file: tokens by role, known ids, limits")
    parser.add_argument("--summary", required=True, help="where to write the JSON summary")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=6, help="sender threads")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="generator processes")
    args = parser.parse_args()
    parsed = urllib.parse.urlparse(args.url)
    args.host, args.port = parsed.hostname, parsed.port
    with open(args.context, encoding="utf-8") as f:
        ctx = json.load(f)
    ctx["port"] = args.port
    with open(args.schema, encoding="utf-8") as f:
        schema_text = f.read()

    print(f"fuzz: seed {args.seed}, {args.documents} documents, {args.workers} generators, {args.threads} senders", flush=True)
    tally = Tally()
    t0 = time.monotonic()
    items, gen_stats = generate(schema_text, args.documents, args.seed, ctx.get("known_ids", []), args.workers)
    t_gen = time.monotonic() - t0
    print(f"fuzz: generated {len(items)} distinct documents in {t_gen:.1f} s", flush=True)
    t1 = time.monotonic()
    send_documents(args, items, ctx["tokens"], tally)
    t_send = time.monotonic() - t1
    print(f"fuzz: sent them in {t_send:.1f} s", flush=True)
    t_ws = time.monotonic()
    if alive(args.host, args.port):
        send_documents_over_websocket(args, items, ctx["tokens"], tally)
    t_ws = time.monotonic() - t_ws
    print(f"fuzz: sent {tally.ws_documents} of them again over WebSocket in {t_ws:.1f} s", flush=True)
    t2 = time.monotonic()
    if alive(args.host, args.port):
        run_malformed(args, ctx, tally)
    t_malformed = time.monotonic() - t2
    summary = {
        "seed": args.seed,
        "documents_generated": len(items),
        "documents_sent": sum(tally.per_role.values()),
        "documents_per_role": dict(tally.per_role),
        "documents_per_kind": dict(tally.per_kind),
        "generation": gen_stats,
        "websocket_documents_sent": tally.ws_documents,
        "websocket_documents_per_role": dict(tally.ws_per_role),
        "malformed_sent": tally.malformed,
        "malformed_status": {str(k): v for k, v in tally.malformed_status.items()},
        "status_histogram": {str(k): v for k, v in sorted(tally.status.items())},
        "error_code_histogram": dict(tally.codes.most_common()),
        "no_response": tally.no_response,
        "failure_count": tally.failure_count,
        "failures": tally.failures,
        "seconds": {
            "generation": round(t_gen, 1),
            "documents": round(t_send, 1),
            "websocket_documents": round(t_ws, 1),
            "malformed": round(t_malformed, 1),
            "total": round(time.monotonic() - t0, 1),
        },
    }
    with open(args.summary, "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2, ensure_ascii=False)
    print(json.dumps({k: v for k, v in summary.items() if k != "failures"}, indent=2, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
