"""A consent record as the proof document writes it (`row_document`), and the cell that
spreadsheet programs show as text (`safe_cell`). Exports themselves are the API's, in its one
format (api/export.py, api/export_jobs.py).

Columns of the record (keys of its JSON object):

| column | value |
|---|---|
| `record_id` | the record's number |
| `created_at` | when the server committed it, ISO 8601 in UTC |
| `installation` | the installation's public key |
| `version` | number of the published banner version shown |
| `consent_id` | the visitor's consent ID |
| `sha256` | SHA-256 of the texts shown (`config.sha256` of the version) |
| `action` | accept_all, reject_all, custom, withdraw or gpc |
| `choices` | `{"categories": {id: bool}, "services": {id: bool}}` |
| `layer` | 1 first layer, 2 settings, 0 without a layer |
| `gpc` | the Global Privacy Control signal |
| `language` | language of the banner shown |
| `ip` | truncated IP address (IPv4 /24, IPv6 /48) |
| `browser`, `os` | browser and operating system family |
| `origin`, `path` | the page the decision was made on |
| `client_time` | time on the visitor's device, ISO 8601 in UTC, null when not sent |

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`,
so spreadsheet programs show it as text instead of running it as a formula.
"""

from datetime import UTC, datetime

COLUMNS = (
    "record_id",
    "created_at",
    "installation",
    "version",
    "consent_id",
    "sha256",
    "action",
    "choices",
    "layer",
    "gpc",
    "language",
    "ip",
    "browser",
    "os",
    "origin",
    "path",
    "client_time",
)
_CREATED_AT = COLUMNS.index("created_at")
_CLIENT_TIME = COLUMNS.index("client_time")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def row_document(row: tuple) -> dict:
    """One record, its values in COLUMNS order, as a JSON object."""
    values = list(row)
    values[_CREATED_AT] = iso_utc(values[_CREATED_AT])
    values[_CLIENT_TIME] = iso_utc(values[_CLIENT_TIME])
    return dict(zip(COLUMNS, values, strict=True))


def safe_cell(value: str) -> str:
    """A cell spreadsheet programs show as text, never evaluate."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
