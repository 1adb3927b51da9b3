"""`consentserve scan URL`: scan a website from the command line and print what it stores and
sends, per service, and the leaks (see consentserve/scanner)."""

import json

from django.core.management.base import BaseCommand, CommandError

from consentserve.scanner.facade import ScanFailed, ScanRefused, scan_site

STATE_NAMES = {
    "no_choice": "no choice",
    "reject": "reject all",
    "accept": "accept all",
    "gpc": "GPC",
}


class Command(BaseCommand):
    help = "Scan a website: cookies, storage and requests before and after each choice."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--pages", type=int, default=20, help="pages to visit (default 20)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--allow-private",
            action="store_true",
            help="allow loopback and private addresses (tests, self-hosted sites)",
        )
        parser.add_argument(
            "--resolve",
            action="append",
            default=[],
            metavar="HOST:ADDRESS",
            help="use ADDRESS for HOST instead of the DNS (checked like a DNS answer)",
        )
        parser.add_argument(
            "--offline",
            action="store_true",
            help="reach only the site and the hosts named with --resolve",
        )
        parser.add_argument("--screenshots", default="", help="directory for the screenshots")
        parser.add_argument("--settle", type=float, default=2.0, help="seconds to watch a page")

    def handle(self, *args, **options):
        if not 1 <= options["pages"] <= 500:
            raise CommandError("--pages must be between 1 and 500")
        resolve = {}
        for item in options["resolve"]:
            host, sep, address = item.partition(":")
            if not sep or not host or not address:
                raise CommandError(f"--resolve {item!r}: expected HOST:ADDRESS")
            resolve[host.lower()] = address
        try:
            report = scan_site(
                options["url"],
                pages=options["pages"],
                allow_private=options["allow_private"],
                resolve=resolve,
                offline=options["offline"],
                shots_dir=options["screenshots"],
                settle=options["settle"],
            )
        except ScanRefused as refused:
            raise CommandError(f"refused: {refused}") from refused
        except ScanFailed as failed:
            raise CommandError(str(failed)) from failed
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=1))
            return
        self.stdout.write(text_report(report))


def text_report(report: dict) -> str:
    lines = [f"{report['url']}: {len(report['pages'])} pages, {report['scanner']}"]
    if report["states_need_banner"]:
        lines.append("No CONSENTserve banner found: only the state 'no choice' was recorded;")
        lines.append("reject all, accept all and GPC need our banner on the site.")
    if report["truncated"]:
        lines.append(f"Stopped early: the {report['truncated']} limit of the scan was reached.")
    for service in report["services"]:
        lines.append(f"\n{service['name']} ({service['category']}, {service['source']})")
        for item in service["items"]:
            states = ", ".join(STATE_NAMES[s] for s in item["states"])
            lines.append(f"  {item['kind']:<15} {item['name']}  [{states}]")
    if report["unclassified"]:
        lines.append("\nUnclassified")
        for item in report["unclassified"]:
            lines.append(f"  {item['kind']:<15} {item['name']}")
    lines.append(f"\nLeaks: {len(report['leaks'])}")
    for leak in report["leaks"]:
        lines.append(
            f"  {STATE_NAMES[leak['state']]}: {leak['service']} {leak['kind']} {leak['item']}"
            f" on {leak['page']} after {leak['ms']} ms"
            + (f" (request {leak['request']} by {leak['initiator']})" if leak["request"] else "")
        )
    for refused in report["refused"]:
        lines.append(f"refused: {refused['host']}: {refused['reason']}")
    return "\n".join(lines) + "\n"
