"""The Open Cookie Database (Apache License 2.0) in the compact form the scanner ships:
`data/open-cookie-database.json`, derived from the CSV by `python -m consentserve.scanner.ocd
CSV`, with the licence beside it (`data/open-cookie-database.LICENSE.txt`) and the source named
in the file itself and in `data/README.md`."""

import csv
import json
import sys
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
COMPACT = DATA / "open-cookie-database.json"
SOURCE = (
    "Open Cookie Database by jkwakman (github.com/jkwakman/Open-Cookie-Database), "
    "Apache License 2.0; derived: platform, category, name, prefix flag, domain, retention"
)
# The database's categories in the banner's terms: what it calls functional, necessary or
# security is what a site needs to work (sessions, consent cookies, bot protection).
CATEGORIES = {
    "Functional": "necessary",
    "Necessary": "necessary",
    "Security": "necessary",
    "Analytics": "statistics",
    "Marketing": "marketing",
    "Personalization": "preferences",
}


def ocd_build(csv_path: Path) -> dict:
    rows = []
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            name = row["Cookie / Data Key name"].strip()
            if not name or row["Category"] not in CATEGORIES:
                continue
            rows.append(
                [
                    row["Platform"].strip(),
                    CATEGORIES[row["Category"]],
                    name,
                    1 if row["Wildcard match"].strip() == "1" else 0,
                    row["Domain"].strip(),
                    row["Retention period"].strip(),
                ]
            )
    rows.sort(key=lambda r: (r[0].lower(), r[2]))
    return {
        "source": SOURCE,
        "licence": "Apache-2.0",
        "columns": ["platform", "category", "name", "prefix", "domain", "retention"],
        "entries": rows,
    }


@cache
def ocd_entries() -> tuple[tuple, ...]:
    data = json.loads(COMPACT.read_text(encoding="utf-8"))
    return tuple(tuple(entry) for entry in data["entries"])


if __name__ == "__main__":
    built = ocd_build(Path(sys.argv[1]))
    COMPACT.write_text(json.dumps(built, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"{len(built['entries'])} entries written to {COMPACT}")
