"""Schemathesis hooks for tests/schemathesis.sh, loaded through SCHEMATHESIS_HOOKS.

The OpenAPI document declares what the handlers check on each value alone. What it cannot say
is the park's data (a commissioner, category, unit or enterprise that must exist, a notification
that must be failed or dead, an issue in a state the action starts from) and a few rules across
fields (a response time not above the resolution time, a category by code or by id but not
both, the fields each issue action takes). These hooks bend the *positive* cases schemathesis
generates toward what the park at hand holds, so they reach the handlers' logic instead of
being refused at the door; negative cases are left alone. Nothing here names the demo's codes:
every id and code is read from the running server (GRIDLOOP_ST_API) as the admin
(GRIDLOOP_ST_ADMIN_TOKEN) or as the user under test (GRIDLOOP_ST_LOGIN, GRIDLOOP_ST_TOKEN).

GRIDLOOP_ST_DEBUG=FILE appends each refused positive case (400/422) to FILE as a JSON line.
"""

import datetime
import json
import os
import random
import re
import urllib.request
import zoneinfo

import schemathesis
from schemathesis import GenerationMode

API = os.environ["GRIDLOOP_ST_API"].rstrip("/")
ADMIN_TOKEN = os.environ["GRIDLOOP_ST_ADMIN_TOKEN"]
TOKEN = os.environ.get("GRIDLOOP_ST_TOKEN", ADMIN_TOKEN)
LOGIN = os.environ.get("GRIDLOOP_ST_LOGIN", "admin")
DEBUG = os.environ.get("GRIDLOOP_ST_DEBUG")
# Hypothesis seeds the global `random` alike for every example it runs: the same choice each time.
RNG = random.SystemRandom()


def _get(path, token=ADMIN_TOKEN):
    request = urllib.request.Request(f"{API}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


class Park:
    """The reference data of the park under test, read once on first use."""

    _loaded = None

    @classmethod
    def get(cls):
        if cls._loaded is None:
            users = _get("/users")
            grids = _get("/grids")
            cls._loaded = {
                "categories": {c["code"]: c["id"] for c in _get("/categories")},
                "units": [u["code"] for u in _get("/units")],
                "grids": [g["code"] for g in grids],
                "chains": sorted({g["chain"] for g in grids if g.get("chain")}),
                "posts": [p["code"] for p in _get("/posts")],
                "enterprises": [e["id"] for e in _get("/enterprises")],
                "commissioners": [
                    u["login"] for u in users if u["active"] and "commissioner" in u["roles"]
                ],
            }
            cls._loaded["reportable"] = _reportable(users, grids) or cls._loaded["enterprises"]
        return cls._loaded


def _reportable(users, grids):
    """The enterprises the user under test may report on: those of their grids (their own, and
    their posts'), and their own enterprises."""
    me = next((u for u in users if u["login"] == LOGIN), None)
    if me is None:
        return []
    codes = set(me["grids"]) | {p["grid"] for p in _get("/posts") if p["code"] in me["posts"]}
    in_grids = [e["id"] for e in _get("/enterprises") if e["grid"] in codes]
    return sorted(set(in_grids) | set(me["enterprises"]))


def _positive(case):
    return case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE


def _integers(value):
    """JSON Schema counts 3.0 as an integer; the API's integers are JSON integers (serde)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integers(v) for v in value]
    return value


def _known(value, known):
    """`value` if the park has it, else one the park has."""
    return value if value in known else RNG.choice(known)


def _known_list(values, known):
    if not isinstance(values, list):
        return values
    return list(dict.fromkeys(_known(v, known) for v in values))


def _set(body, key, fix):
    """Replaces body[key] by fix(body[key]) where the key is present and not null."""
    if isinstance(body, dict) and body.get(key) is not None:
        body[key] = fix(body[key])


def _slas(sla):
    # A cross-field rule: the response time must not exceed the resolution time.
    if isinstance(sla, dict):
        for times in sla.values():
            if isinstance(times, dict):
                response, resolve = times.get("response_minutes"), times.get("resolve_minutes")
                if isinstance(response, int) and isinstance(resolve, int) and response > resolve:
                    times["response_minutes"], times["resolve_minutes"] = resolve, response
    return sla


CRON = re.compile(r"^\s*(\S+\s+){4}\S+\s*$")
ZONES = zoneinfo.available_timezones()


def _categories(body):
    park = Park.get()
    _set(body, "default_unit", lambda u: _known(u, park["units"]))
    _set(body, "sla", _slas)


def _users(body):
    park = Park.get()
    for key, known in (("units", "units"), ("grids", "grids"), ("posts", "posts"), ("enterprises", "enterprises")):
        _set(body, key, lambda v, known=known: _known_list(v, park[known]))


def _grid(body):
    _set(body, "grid", lambda g: _known(g, Park.get()["grids"]))


# GB 32100-2015: the 31 characters of a unified social credit code, in the order of their values.
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _credit_code(code):
    """The code with the check character its first 17 call for (the pattern cannot say it), or
    as generated when it is not 18 characters of the set."""
    if not isinstance(code, str) or len(code) != 18 or any(c not in CREDIT_CHARS for c in code):
        return code
    total = sum(CREDIT_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return code[:17] + CREDIT_CHARS[(31 - total % 31) % 31]


def _enterprise(body):
    _grid(body)
    _set(body, "credit_code", _credit_code)


def _chain(body):
    _set(body, "chain", lambda c: _known(c, Park.get()["chains"]))


def _plan(body):
    park = Park.get()
    _set(body, "commissioner", lambda c: _known(c, park["commissioners"]))
    _set(body, "enterprise", lambda e: _known(e, park["enterprises"]))
    _set(body, "cron", lambda c: c if CRON.match(c) else "0 9 * * MON")
    _set(body, "time_zone", lambda z: z if z in ZONES else "Asia/Shanghai")


def _report(body):
    park = Park.get()
    codes = list(park["categories"])
    _set(body, "enterprise_id", lambda e: _known(e, park["reportable"]))
    # A category by code or by id, not both, and one of them.
    if body.get("category") is not None and body.get("category_id") is not None:
        body.pop(RNG.choice(["category", "category_id"]))
    if body.get("category") is None and body.get("category_id") is None:
        body["category"] = RNG.choice(codes)
    _set(body, "category", lambda c: _known(c, codes))
    _set(body, "category_id", lambda i: _known(i, list(park["categories"].values())))


def _complete(body):
    codes = list(Park.get()["categories"])
    for issue in body.get("raise_issues") or []:
        if isinstance(issue, dict):
            _set(issue, "category", lambda c: _known(c, codes))


def _event(body):
    # A later day than today in the park (Asia/Shanghai), within the two years allowed; no stage
    # codes (the park's are not listed here) and no grid (a dispatcher's event is park-wide).
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date()
    _set(body, "date", lambda _d: (today + datetime.timedelta(days=RNG.randrange(1, 700))).isoformat())
    _set(body, "stages", lambda _s: [])
    body.pop("grid", None)


def _invite(body):
    _set(body, "enterprises", lambda v: _known_list(v, Park.get()["enterprises"]))


BODY_FIXES = {
    ("POST", "/categories"): _categories,
    ("PATCH", "/categories/{id}"): _categories,
    ("POST", "/users"): _users,
    ("PATCH", "/users/{id}"): _users,
    ("POST", "/enterprises"): _enterprise,
    ("PATCH", "/enterprises/{id}"): _enterprise,
    ("POST", "/posts"): _grid,
    ("PATCH", "/posts/{id}"): _grid,
    ("POST", "/grids"): _chain,
    ("PATCH", "/grids/{id}"): _chain,
    ("POST", "/visit-plans"): _plan,
    ("POST", "/issues"): _report,
    ("POST", "/visits/{id}/complete"): _complete,
    ("POST", "/chain/events"): _event,
    ("POST", "/chain/events/{id}/invitations"): _invite,
}


def _retry_target():
    """A notification that may be retried: failed or dead."""
    ids = [n["id"] for state in ("failed", "dead") for n in _get(f"/notifications?state={state}&limit=1000")]
    return RNG.choice(ids) if ids else None


def _open_visits(statuses):
    """Visits of the user under test in one of `statuses` whose check-in is open now: from an
    hour before the visit until its window ends."""
    now = datetime.datetime.now(datetime.timezone.utc)
    hour = datetime.timedelta(hours=1)
    return [
        v["id"]
        for v in _get("/visits", TOKEN)
        if v["status"] in statuses
        and datetime.datetime.fromisoformat(v["scheduled_at"]) - hour <= now
        and now < datetime.datetime.fromisoformat(v["window_end_at"])
    ]


def _checkin_target():
    ids = _open_visits({"planned"})
    return RNG.choice(ids) if ids else None


def _complete_target():
    ids = _open_visits({"planned", "checked_in"})
    return RNG.choice(ids) if ids else None


def _calendar_day(case):
    """A day of 2027 in the park's region (any year 2000–2100 would do; 2027 leaves the demo's
    own year alone)."""
    day = datetime.date(2027, 1, 1) + datetime.timedelta(days=RNG.randrange(365))
    case.path_parameters = {**(case.path_parameters or {}), "region": "cn", "date": day.isoformat()}
    if isinstance(case.body, dict):
        case.body["kind"] = RNG.choice(["holiday", "workday", "normal"])


def _calendar_import(case):
    """A small CSV year for the park's region: the refusals of malformed files have their own
    tests (crates/gridloop/tests/api/calendars.rs)."""
    case.path_parameters = {**(case.path_parameters or {}), "region": "cn"}
    if isinstance(case.body, dict):
        case.body["format"] = "csv"
        case.body["content"] = "2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休\n"


CASE_FIXES = {
    ("PUT", "/calendars/{region}/days/{date}"): _calendar_day,
    ("POST", "/calendars/{region}/import"): _calendar_import,
}


PATH_FIXES = {
    ("POST", "/notifications/{id}/retry"): _retry_target,
    ("POST", "/visits/{id}/complete"): _complete_target,
    ("POST", "/visits/{id}/checkin"): _checkin_target,
}


# The fields each action takes, required or not (`gridloop lifecycle` lists the required ones;
# the ActionBody document the optional ones). Any other field is refused, not dropped.
ACTION_FIELDS = {
    "accept": {"category", "priority"},
    "reject": {"reason"},
    "assign": {"unit"},
    "return": {"reason"},
    "start": set(),
    "hold": {"reason"},
    "resume": set(),
    "extend_request": {"until", "reason"},
    "extend_grant": {"until"},
    "extend_deny": {"reason"},
    "resolve": {"note", "public_note"},
    "verify": {"satisfaction", "note"},
    "rework": {"reason"},
    "reopen": {"reason"},
    "mark_duplicate": {"duplicate_of"},
    "reassign": {"unit", "reason"},
    "comment": {"note"},
}
OPTIONAL = {("accept", "category"), ("accept", "priority"), ("extend_grant", "until"),
            ("resolve", "public_note"), ("verify", "note"), ("reassign", "reason")}


def _action(case):
    """An action the user under test may take on an issue they see, with the fields it takes
    and the version they saw: the generated action where some issue allows it, else one of an
    issue's `available_actions`. Without any issue in reach the case is left as generated."""
    issues = [i for i in _get("/issues?limit=500", TOKEN)["items"] if i["available_actions"]]
    if not issues:
        return
    body = case.body
    fits = [i for i in issues if body.get("action") in i["available_actions"]]
    issue = RNG.choice(fits or issues)
    if not fits:
        body["action"] = RNG.choice(issue["available_actions"])
    action = body["action"]
    park = Park.get()
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)
    defaults = {
        "reason": lambda: "schemathesis",
        "note": lambda: "schemathesis",
        "public_note": lambda: "schemathesis",
        "unit": lambda: RNG.choice(park["units"]),
        "satisfaction": lambda: RNG.randint(1, 5),
        "until": lambda: later.isoformat(),
        "category": lambda: RNG.choice(list(park["categories"])),
        "priority": lambda: "normal",
        "duplicate_of": lambda: RNG.choice([i["id"] for i in issues if i["id"] != issue["id"]] or [issue["id"]]),
    }
    for field in list(body):
        if field not in ACTION_FIELDS[action] | {"action", "version"}:
            del body[field]
    for field in ACTION_FIELDS[action]:
        if body.get(field) is None and (action, field) not in OPTIONAL:
            body[field] = defaults[field]()
    _set(body, "unit", lambda u: _known(u, park["units"]))
    _set(body, "category", lambda c: _known(c, list(park["categories"])))
    if "until" in body and body["until"] is not None:
        body["until"] = later.isoformat()
    if action == "mark_duplicate":
        body["duplicate_of"] = defaults["duplicate_of"]()
    body["version"] = issue["version"]
    if case.headers:
        case.headers = {k: v for k, v in case.headers.items() if k.lower() != "if-match"}
    case.path_parameters = {**(case.path_parameters or {}), "id": issue["id"]}


@schemathesis.hook
def map_case(ctx, case):
    """The park's reference data and the rules across fields, fixed where the case is made."""
    if not _positive(case):
        return case
    if isinstance(case.body, (dict, list)):
        case.body = _integers(case.body)
        fix = BODY_FIXES.get((case.method.upper(), case.path))
        if fix is not None and isinstance(case.body, dict):
            fix(case.body)
    fix = CASE_FIXES.get((case.method.upper(), case.path))
    if fix is not None:
        fix(case)
    return case


@schemathesis.hook
def before_call(ctx, case, kwargs):
    """What changes during the run (a notification retried, a visit logged, an issue moved on),
    read just before the call: the stateful phase fills ids in from links after `map_case`."""
    if not _positive(case):
        return
    # One case in five keeps what was generated (an id that names nothing, a stale version).
    if RNG.random() >= 0.8:
        return
    key = (case.method.upper(), case.path)
    if key == ("POST", "/issues/{id}/actions") and isinstance(case.body, dict):
        _action(case)
    target = PATH_FIXES.get(key)
    if target is not None and case.path_parameters:
        found = target()
        if found is not None:
            case.path_parameters = {**case.path_parameters, "id": found}


if DEBUG:

    @schemathesis.hook
    def after_call(ctx, case, response):
        if response.status_code in (400, 422) and _positive(case):
            with open(DEBUG, "a") as f:
                line = {
                    "op": f"{case.method} {case.path}",
                    "path": case.path_parameters,
                    "body": case.body if isinstance(case.body, (dict, list)) else None,
                    "status": response.status_code,
                    "answer": response.text[:600],
                }
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
