"""The ERP adapter page's editor: a profile as form fields and back, problems next to fields.

The parts people edit most have their own fields (base URL, auth driver and, per endpoint,
method, path, query, body, paging, filters, mapping); everything else of the profile (name,
label, token URL, login, headers, row cap, ...) sits in one "Other settings" JSON field, so every
part of a profile round-trips. A value that does not parse keeps its text and gets its sentence.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

from erpgate.erp.adapters.profile import ADAPTABLE, ProfileError, parse_profile

MORE = "more"
USE = "use"
# The per-endpoint fields, as (part, kind): kind "json" fields hold JSON text.
ENDPOINT_FIELDS = (
    ("method", "text"),
    ("path", "text"),
    ("query", "json"),
    ("body", "json"),
    ("paging.style", "text"),
    ("paging.rows", "text"),
    ("paging.next_link", "text"),
    ("filters", "json"),
    ("mapping", "text"),
)
TOP_FIELDS = ("base_url", "auth.driver")


def field_names() -> list[str]:
    names = list(TOP_FIELDS)
    for endpoint in ADAPTABLE:
        names.extend(f"endpoints.{endpoint.value}.{part}" for part, _ in ENDPOINT_FIELDS)
    return names


def _json_text(value: Any, *, empty: Any) -> str:
    if value == empty:
        return ""
    # Keys sorted: PostgreSQL's JSONB keeps an object's keys in its own order, so the editor
    # shows one order whatever the database (the order of query parameters means nothing).
    return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()


def _object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (a stored profile may have broken)."""
    return value if isinstance(value, dict) else {}


def form_values(profile: dict[str, Any] | None, endpoints: list[str]) -> dict[str, str]:
    """The editor's fields for a stored (or shipped) profile and the endpoints it serves."""
    values = {
        f"{USE}.{e.value}": "adapter" if e.value in endpoints else "contract" for e in ADAPTABLE
    }
    if profile is None:
        values[MORE] = ""
        return values
    rest = copy.deepcopy(profile)
    values["base_url"] = str(rest.pop("base_url", "") or "")
    auth = _object(rest.get("auth"))
    values["auth.driver"] = str(auth.pop("driver", "") or "")
    specs = _object(rest.get("endpoints"))
    for name, spec in specs.items():
        if not isinstance(spec, dict) or name not in {e.value for e in ADAPTABLE}:
            continue
        prefix = f"endpoints.{name}"
        paging = _object(spec.get("paging"))
        values[f"{prefix}.method"] = str(spec.pop("method", "GET"))
        values[f"{prefix}.path"] = str(spec.pop("path", ""))
        values[f"{prefix}.query"] = _json_text(spec.pop("query", {}), empty={})
        values[f"{prefix}.body"] = _json_text(spec.pop("body", None), empty=None)
        values[f"{prefix}.filters"] = _json_text(spec.pop("filters", {}), empty={})
        values[f"{prefix}.mapping"] = str(spec.pop("mapping", ""))
        values[f"{prefix}.paging.style"] = str(paging.pop("style", "none"))
        values[f"{prefix}.paging.rows"] = str(paging.pop("rows", "") or "")
        values[f"{prefix}.paging.next_link"] = str(paging.pop("next_link", "") or "")
    values[MORE] = orjson.dumps(rest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode()
    return values


def typed_values(form: dict[str, str]) -> dict[str, str]:
    """What the user typed, line breaks made plain (browsers send CR LF from a textarea)."""
    return {name: value.replace("\r\n", "\n") for name, value in form.items()}


def chosen_endpoints(values: dict[str, str]) -> list[str]:
    return [e.value for e in ADAPTABLE if values.get(f"{USE}.{e.value}") == "adapter"]


def _parse_json(text: str, field: str, errors: dict[str, str], empty: Any) -> Any:
    if not text.strip():
        return copy.deepcopy(empty)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        errors[field] = f"Not JSON: {exc}."
        return copy.deepcopy(empty)


def profile_data(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The profile the fields describe (unchecked), and the fields whose JSON does not parse."""
    errors: dict[str, str] = {}
    data = _parse_json(values.get(MORE, ""), MORE, errors, {})
    if not isinstance(data, dict):
        errors[MORE] = "Expected a JSON object."
        data = {}
    data["base_url"] = values.get("base_url", "").strip()
    auth = _object(data.get("auth"))
    data["auth"] = {**auth, "driver": values.get("auth.driver", "")}
    specs = _object(data.get("endpoints"))
    for endpoint in ADAPTABLE:
        prefix = f"endpoints.{endpoint.value}"
        path = values.get(f"{prefix}.path", "").strip()
        mapping = values.get(f"{prefix}.mapping", "")
        if not (path or mapping.strip()) and endpoint.value not in specs:
            continue  # an endpoint left empty is not in the profile
        spec = _object(specs.get(endpoint.value))
        paging = _object(spec.get("paging"))
        next_link = values.get(f"{prefix}.paging.next_link", "").strip()
        specs[endpoint.value] = {
            **spec,
            "method": values.get(f"{prefix}.method", "GET") or "GET",
            "path": path,
            "query": _parse_json(values.get(f"{prefix}.query", ""), f"{prefix}.query", errors, {}),
            "body": _parse_json(values.get(f"{prefix}.body", ""), f"{prefix}.body", errors, None),
            "filters": _parse_json(
                values.get(f"{prefix}.filters", ""), f"{prefix}.filters", errors, {}
            ),
            "paging": {
                **paging,
                "style": values.get(f"{prefix}.paging.style", "none") or "none",
                "rows": values.get(f"{prefix}.paging.rows", "").strip(),
                "next_link": next_link or None,
            },
            "mapping": mapping,
        }
    data["endpoints"] = specs
    return data, errors


def field_of(path: str, detail: str, names: list[str]) -> str:
    """The editor field a problem's path (``endpoints.orders.paging``) belongs to: the one
    under it that the sentence names (``next_link``), else its first."""
    if path in names:
        return path
    under = [name for name in names if name.startswith(path + ".")]
    named = [name for name in under if name.rsplit(".", 1)[-1] in detail]
    return (named or under or [MORE])[0]


def problem_fields(problems: list[str]) -> dict[str, str]:
    """Each problem sentence next to its field (several joined); the profile's problems by their
    path, the endpoint list's next to the endpoint's choice."""
    names = field_names()
    fields: dict[str, list[str]] = {}
    for problem in problems:
        where, _, text = problem.partition(": ")
        if where == "endpoints":  # the list of endpoints served
            named = [e.value for e in ADAPTABLE if f"'{e.value}'" in text or text.endswith(e.value)]
            field = f"{USE}.{named[0]}" if named else USE
        else:
            path, _, detail = text.partition(": ") if where == "profile" else (where, "", text)
            field, text = field_of(path, detail, names), f"{path}: {detail}" if detail else text
        fields.setdefault(field, []).append(text)
    return {name: " ".join(found) for name, found in fields.items()}


def check_profile(data: dict[str, Any]) -> dict[str, str]:
    """The profile's problems by field (empty: it loads)."""
    try:
        parse_profile(data)
    except ProfileError as exc:
        return problem_fields([f"profile: {problem}" for problem in exc.problems])
    return {}
