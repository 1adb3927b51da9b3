"""A readable diff of two banner configurations (published versions or the draft): one line
per changed, added or removed item, named by its path, e.g. `texts.de.title: 'A' → 'B'` or
`services: + Google Analytics 4`.

Categories and services are matched by their ID and cookies by their name, so a reordered or
inserted entry reads as what it is, not as a change of every entry after it."""

from dataclasses import dataclass
from typing import Any

# Bookkeeping of a compiled configuration that differs between any two versions anyway.
IGNORED = ("v", "key", "version", "sha256", "consent_endpoint")
_KEYED_BY = ("id", "name")


@dataclass(frozen=True)
class Change:
    kind: str  # "changed", "added" or "removed"
    path: str
    old: str = ""
    new: str = ""

    @property
    def symbol(self) -> str:
        return {"changed": "~", "added": "+", "removed": "−"}[self.kind]


def _short(value: Any) -> str:
    if isinstance(value, str):
        return repr(value) if len(value) <= 120 else repr(value[:117] + "…")
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        for key in ("name", "id"):
            if isinstance(value.get(key), str):
                return value[key]
    if isinstance(value, (dict, list)):
        return _short(str(value))
    return str(value)


def _key_of(items: list) -> str | None:
    """The field that identifies the entries of a list of objects: every entry has it, and no
    two the same."""
    for key in _KEYED_BY:
        values = [item.get(key) for item in items if isinstance(item, dict)]
        if len(values) == len(items) and len(set(map(str, values))) == len(values):
            return key
    return None


def _join(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)


def _walk(old: Any, new: Any, path: str, out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            if not path and key in IGNORED:
                continue
            if key not in new:
                out.append(Change("removed", _join(path, key), old=_short(old[key])))
            elif key not in old:
                out.append(Change("added", _join(path, key), new=_short(new[key])))
            else:
                _walk(old[key], new[key], _join(path, key), out)
        return
    if isinstance(old, list) and isinstance(new, list) and old != new:
        key = _key_of(old) if old else _key_of(new)
        if key is not None and _key_of(new or old) == key:
            before = {item[key]: item for item in old}
            after = {item[key]: item for item in new}
            for item_key, item in before.items():
                if item_key not in after:
                    out.append(Change("removed", path, old=_short(item)))
            for item_key, item in after.items():
                if item_key not in before:
                    out.append(Change("added", path, new=_short(item)))
                else:
                    _walk(before[item_key], item, _join(path, item_key), out)
            return
        if all(not isinstance(item, (dict, list)) for item in old + new):
            for item in old:
                if item not in new:
                    out.append(Change("removed", path, old=str(item)))
            for item in new:
                if item not in old:
                    out.append(Change("added", path, new=str(item)))
            if sorted(map(str, old)) == sorted(map(str, new)):
                out.append(
                    Change(
                        "changed", path, old=", ".join(map(str, old)), new=", ".join(map(str, new))
                    )
                )
            return
    if old != new:
        out.append(Change("changed", path, old=_short(old), new=_short(new)))


def config_diff(old: dict, new: dict) -> list[Change]:
    """What changed from `old` to `new`, in the order of the configuration's keys."""
    changes: list[Change] = []
    _walk(old, new, "", changes)
    return changes
