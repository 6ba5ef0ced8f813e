"""Schemathesis hooks of scripts/schemathesis: seeded entities where a path parameter cannot carry them.

Schemathesis's configuration names path, query, header and cookie values only. Some operations
need more to reach their success path: an RPC payload naming a broadcaster or a match (inside a
JSON string), a refresh token from a sign-in, a role order naming every stored role, an entity
that the operation consumes (a broadcaster removed, a match ended, a link token redeemed). For
those operations, every other generated valid case gets the names of entities that
scripts/schemathesis seeded (read from the JSON file in SEEDS_FOR_SCHEMATHESIS); the other
cases keep what Schemathesis generated, so refusals are still exercised. Invalid (negative)
cases are never touched. docs/testing.md says which operation gets what and why.
"""

from __future__ import annotations

import itertools
import json
import os
import urllib.request
import uuid

import schemathesis
from schemathesis import GenerationMode

with open(os.environ["SEEDS_FOR_SCHEMATHESIS"], encoding="utf-8") as seeds_file:
    SEEDS = json.load(seeds_file)

# One counter per operation and phase: its valid cases 0, 2, 4, ... get the seeds.
_COUNTERS: dict[str, itertools.count] = {}
_UNIQUE = itertools.count(1)


# The phase of the case being seeded: each phase draws on its own share of every pool, so
# that the first phase cannot use up what the later ones need.
_PHASE = ["coverage"]
_SHARES = {"coverage": 0, "fuzzing": 1}


_POOLS = {
    (name, share): SEEDS[name][share::3]
    for name in ("unregister_sids", "delete_sids", "idle_matches", "end_matches", "link_tokens", "refresh_tokens")
    for share in range(3)
}


def _take(pool: str) -> str | None:
    """An entity the operation consumes: each is handed out once; None when they ran out."""
    items = _POOLS[(pool, _SHARES.get(_PHASE[0], 2))]
    return items.pop() if items else None


def _admin(method: str, path: str) -> object:
    request = urllib.request.Request(
        f"{SEEDS['base']}/admin/v1{path}",
        method=method,
        headers={"authorization": f"Bearer {SEEDS['admin_token']}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def _all_role_ids() -> list[str]:
    ids: list[str] = []
    cursor = ""
    while True:
        page = _admin("GET", f"/roles?limit=500&cursor={cursor}")
        ids.extend(role["id"] for role in page["items"])
        cursor = page.get("next_cursor") or ""
        if not cursor:
            return ids


def _rpc_payload(case, payload: dict) -> None:
    """The RPC's payload: query parameters for GET, else the body (a JSON string, or with `unwrap` the object)."""
    if case.method.upper() == "GET":
        keep = {k: v for k, v in (case.query or {}).items() if k in ("unwrap", "http_key")}
        case.query = {**keep, **{k: v for k, v in payload.items() if isinstance(v, str)}}
    elif "unwrap" in (case.query or {}):
        case.body = payload
    else:
        case.body = json.dumps(payload)


def _broadcaster(case, seeds: dict) -> dict:
    n = next(_UNIQUE)
    return {
        "server_id": 900_000_000 + n,
        "internal_ip": "192.168.56.1",
        "external_ip": "174.58.161.237",
        "port": 7000 + n % 1000,
        "version_lock": 14280634968751706381,
        "regions": ["euw"],
        "features": ["schemathesis"],
    }


def _rpc(case, rpc: str) -> None:
    seeds = SEEDS
    if rpc == "account/authenticate/password":
        payload = {"username": seeds["username"], "password": seeds["password"]}
    elif rpc == "account/lookup":
        payload = {"username": seeds["username"]}
    elif rpc == "link/redeem":
        token = _take("link_tokens")
        if token is None:
            return
        payload = {"token": token}
    elif rpc == "match":
        payload = {"query": "+label.open:T"} if case.method.upper() == "GET" else {"match_ids": [seeds["evr_match"]]}
    elif rpc == "match/prepare":
        match_id = _take("idle_matches")
        if match_id is None:
            return
        payload = {"id": match_id, "mode": "echo_arena", "regions": ["euw"]}
    elif rpc == "match/allocate":
        payload = {"mode": "echo_arena", "regions": ["euw"], "required_features": ["allocatable"]}
        if case.method.upper() == "GET":
            payload = {"mode": "echo_arena"}
    elif rpc == "match/join":
        payload = {"match_id": seeds["evr_match"], "evr_id": f"OVR-ORG-{next(_UNIQUE)}"}
    elif rpc == "match/leave":
        payload = {"match_id": seeds["evr_match"]}
    elif rpc == "broadcaster/register":
        payload = _broadcaster(case, seeds)
        if case.method.upper() == "GET":
            payload = {k: str(v) for k, v in payload.items() if not isinstance(v, list)}
    elif rpc == "broadcaster/heartbeat":
        payload = {"sid": seeds["sid"]}
    elif rpc == "broadcaster/unregister":
        sid = _take("unregister_sids")
        if sid is None:
            return
        payload = {"sid": sid}
    else:
        return
    _rpc_payload(case, payload)


def _seeded(case) -> None:
    """Fills the case with seeded entities, where its operation needs them (see the module's text)."""
    method = case.method.upper()
    path = case.operation.path
    if method == "POST" and path.startswith("/admin/v1/"):
        # A key of its own: Schemathesis draws few distinct keys, and a key reused with another
        # request is the right 422, which would hide the success path.
        if case.headers is None:
            case.headers = {}
        case.headers["Idempotency-Key"] = f"schemathesis-{uuid.uuid4()}"
    body = case.body if isinstance(case.body, dict) else {}
    if path.startswith("/v2/rpc/"):
        _rpc(case, path.removeprefix("/v2/rpc/"))
    elif (method, path) == ("DELETE", "/admin/v1/broadcasters/{sid}"):
        sid = _take("delete_sids")
        if sid is not None:
            case.path_parameters["sid"] = sid
    elif (method, path) == ("POST", "/admin/v1/evr/matches/{match_id}/end"):
        match_id = _take("end_matches")
        if match_id is not None:
            case.path_parameters["match_id"] = match_id
    elif (method, path) == ("POST", "/v2/account/session/refresh"):
        token = _take("refresh_tokens")
        if token is not None:
            case.body = {**body, "token": token}
    elif (method, path) == ("POST", "/spectra/stats/fetchMatchStats"):
        case.body = {**body, "matchUuid": SEEDS["completed_spectra_match"]}
    elif (method, path) == ("PUT", "/admin/v1/roles/order"):
        ids = _all_role_ids()
        case.body = {"role_ids": ids[1:] + ids[:1]}
    elif (method, path) == ("POST", "/admin/v1/actions"):
        body = {k: v for k, v in body.items() if k not in ("all", "group", "server", "player", "online")}
        case.body = {**body, "server": SEEDS["server_id"], "type": "command", "text": "say schemathesis"}
    elif (method, path) == ("POST", "/admin/v1/kicks"):
        case.body = {**body, "server": SEEDS["server_id"], "source": "steam", "account_id": SEEDS["steam_id"]}
    elif (method, path) == ("GET", "/admin/v1/users"):
        # An external_id names its source's account: with a source, or not at all.
        if "external_id" in (case.query or {}):
            case.query = {**case.query, "source": "steam", "external_id": SEEDS["steam_id"]}
    elif (method, path) == ("POST", "/admin/v1/roles"):
        n = next(_UNIQUE)
        case.body = {**body, "name": f"Schemathesis {n}", "ingame": f"schemathesis-{n}"}
    elif (method, path) == ("POST", "/admin/v1/servers"):
        case.body = {**body, "game": "gmod"}
    elif (method, path) == ("POST", "/admin/v1/users"):
        n = next(_UNIQUE)
        body = {k: v for k, v in body.items() if k != "email"}
        case.body = {**body, "username": f"schemathesis-{n}", "password": "schemathesis-password"}
    elif path.startswith("/api/game/players/{source}/{account_id}/") and path.endswith(("roles", "primaryrole")):
        if isinstance(case.body, dict):
            case.body = {**case.body, "name": SEEDS["role_ingame"]}


_SEEDED_IDS: set[str] = set()


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
        return case
    _PHASE[0] = meta.phase.name.value
    n = next(_COUNTERS.setdefault(f"{case.operation.label} {_PHASE[0]}", itertools.count()))
    if n % 2 == 0:
        _seeded(case)
        _SEEDED_IDS.add(case.id)
    return case


TRACE = os.environ.get("TRACE_OF_SCHEMATHESIS_SEEDS")


@schemathesis.hook
def after_call(context, case, response):
    """With TRACE_OF_SCHEMATHESIS_SEEDS=FILE, the answers to seeded cases, for finding why one is refused."""
    if TRACE and case.id in _SEEDED_IDS:
        with open(TRACE, "a", encoding="utf-8") as trace:
            trace.write(f"{case.meta.phase.name.value if case.meta else None} {case.method} {case.formatted_path} {case.query} {str(case.body)[:200]} -> {response.status_code} {response.text[:300]}\n")
