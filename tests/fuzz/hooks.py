"""Schemathesis hooks for tests/fuzz/schemathesis.test.mjs: what must hold for every request
besides the document's own checks (status, schema, content type, no 5xx).

Read from the environment (set by the test):
- FUZZ_SECRETS: a JSON list of seeded secrets (client secrets, refresh tokens, password hashes,
  session ids) that no response body may carry;
- FUZZ_DB: the worker's local D1 file, whose row counts must not change on a refused write;
- FUZZ_TALLY: a file that gets one line per request, `<status>`, for the report;
- FUZZ_IDS: a JSON list of real ids, so `{id}` paths reach real rows and not only 404s;
- FUZZ_PASS: `single` or `stateful` (which chains requests along the document's links).
"""

import json
import os
import random
import sqlite3

import schemathesis
from schemathesis import Case, Response
from schemathesis.specs.openapi.checks import use_after_free

SECRETS = [s for s in json.loads(os.environ.get("FUZZ_SECRETS", "[]")) if s]
DB = os.environ.get("FUZZ_DB", "")
TALLY = os.environ.get("FUZZ_TALLY", "")
IDS = json.loads(os.environ.get("FUZZ_IDS", "[]"))
STATEFUL = os.environ.get("FUZZ_PASS") == "stateful"

# Tables a refused request could write to. Not audit_events (a refusal is audited), nor
# device_failures (a failed sign-in is counted), nor pending_resets (owed object resets), nor
# webhook_messages and webhook_attempts (the courier delivers and prunes them in the background,
# whatever request is in flight).
COUNTED = [
    "users", "roles", "role_members", "sessions", "api_keys", "connections", "connection_roles",
    "oauth_transactions", "tokens", "notifications", "notification_opt_outs", "webhooks",
]

# Row counts before a write, and what a refused write changed, by case (a Case takes no
# attributes of ours: it has slots).
_before = {}
_stored = {}


def counts():
    if not DB:
        return None
    with sqlite3.connect(DB, timeout=10) as db:
        return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in COUNTED}


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):
    # Half the time, a real id: the row exists, so the route's own rules run, not only its 404.
    # Not in the stateful pass, whose ids come from the answers its links name.
    if STATEFUL:
        return path_parameters
    if IDS and path_parameters and "id" in path_parameters and random.random() < 0.5:
        path_parameters["id"] = random.choice(IDS)
    return path_parameters


@schemathesis.hook
def before_call(ctx, case, kwargs):
    # A client address per request (wrangler dev passes a sent one through, as the tests'
    # clients do): the per-address throttles of sign-ins and bad keys are tested elsewhere and
    # would otherwise answer 429 to most of the run.
    case.headers = {**(case.headers or {}), "CF-Connecting-IP": f"198.19.{random.randrange(256)}.{random.randrange(1, 255)}"}
    if case.method.upper() != "GET":
        _before[id(case)] = counts()


@schemathesis.hook
def after_call(ctx, case, response):
    if TALLY:
        with open(TALLY, "a") as tally:
            tally.write(f"{response.status_code}\n")
    if case.method.upper() != "GET":
        before = _before.pop(id(case), None)
        if before is not None and 400 <= response.status_code < 500:
            after = counts()
            changed = {t: (before[t], after[t]) for t in COUNTED if before[t] != after[t]}
            if changed:
                _stored[id(case)] = changed


@schemathesis.check
def no_seeded_secret(ctx, response: Response, case: Case):
    body = response.content.decode("utf-8", "replace") if response.content else ""
    for secret in SECRETS:
        if secret in body:
            raise AssertionError(f"the answer carries a seeded secret ({secret[:6]}…)")


@schemathesis.check
def refused_writes_store_nothing(ctx, response: Response, case: Case):
    changed = _stored.pop(id(case), None)
    if changed:
        raise AssertionError(f"a refused {case.method} ({response.status_code}) changed row counts: {changed}")


@schemathesis.check
def errors_use_the_shared_shape(ctx, response: Response, case: Case):
    if response.status_code < 400 or case.path == "/api/v1/health":
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"a {response.status_code} whose body is not JSON")
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        raise AssertionError(f"a {response.status_code} not in the shared error shape: {body!r}")


@schemathesis.check
def deleted_items_are_gone(ctx, response: Response, case: Case):
    # Schemathesis's use_after_free (after a DELETE, reading the item answers 404), except for
    # people: DELETE /api/v1/users/{id} deactivates (its summary says so), and the person stays
    # readable with `active: false`, for the audit trail and to be brought back.
    if case.operation.definition.raw.get("operationId") == "getUser":
        return None
    return use_after_free(ctx, response, case)
