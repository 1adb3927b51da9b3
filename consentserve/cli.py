"""The one command-line entry point: `consentserve <command>`.

serve      run the ASGI server (uvicorn) with N workers, optionally with TLS
migrate    bring the database schema up to date
collectstatic  gather and compress the static files (once per install or image build)
demo       fill the database with a realistic demo state
worker     run the task queue (scheduled retention, mail)
retention  apply every retention rule of the privacy register now
mail-intake  receive mail to the privacy address and info@ as privacy requests
scan       scan a website: what it stores and sends before and after each choice
manage     any Django management command, e.g. `consentserve manage check --deploy`
"""

import argparse
import os
import sys


def _django(*argv: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["consentserve", *argv])


def _serve(args: argparse.Namespace) -> None:
    if bool(args.cert) != bool(args.key):
        sys.exit("consentserve serve: --cert and --key go together")
    if args.cert:
        os.environ["CONSENTSERVE_TLS"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Import settings in this process first: production mode refuses insecure settings here,
    # with a clear message, before any worker is spawned.
    import django

    django.setup()
    from django.conf import settings

    if not settings.DEBUG:
        from consentserve.core.static import static_collect_if_stale

        # Collected at install or image build (`consentserve collectstatic`); a start collects
        # only when the installed files differ from what was collected (an upgrade without it).
        static_collect_if_stale()
    from consentserve.core.metrics_files import metrics_files_prune

    metrics_files_prune()
    if args.redirect_port and args.cert:
        from consentserve.core.https_redirect import start_redirect_server

        start_redirect_server(args.host, args.redirect_port, https_port=args.port)
    from consentserve.core import read_timeout, tls

    tls.serve(
        app="config.asgi:application",
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=args.cert,
        ssl_keyfile=args.key,
        # Client addresses come from a proxy only when one is configured.
        proxy_headers=bool(args.forwarded_allow_ips),
        forwarded_allow_ips=args.forwarded_allow_ips or None,
        access_log=False,  # uvicorn's log would hold IPs; the access log under retention does
        log_config=None,  # uvicorn's lines go through the product's logging (JSON in production)
        server_header=False,
        lifespan="off",
        # A request must arrive whole within CONSENTSERVE_READ_TIMEOUT (core/read_timeout.py);
        # with h11, headers larger than 16 KB are refused.
        http=read_timeout.PROTOCOL,
        h11_max_incomplete_event_size=16 * 1024,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="consentserve", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web server")
    serve.add_argument("--host", default=os.environ.get("CONSENTSERVE_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("CONSENTSERVE_PORT", 8000)))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 1)))
    serve.add_argument("--cert", help="TLS certificate (PEM); turns on HTTPS, HSTS, secure cookies")
    serve.add_argument("--key", help="TLS private key (PEM)")
    serve.add_argument(
        "--redirect-port", type=int, help="with TLS: also answer plain HTTP here with 301 to HTTPS"
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("CONSENTSERVE_FORWARDED_ALLOW_IPS", ""),
        help="addresses of the reverse proxy whose X-Forwarded-For is trusted",
    )

    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("collectstatic", help="gather the static files (at install or image build)")
    sub.add_parser("demo", help="load the demo data")
    sub.add_parser("worker", help="run the task queue and its schedules")
    retention = sub.add_parser("retention", help="apply the retention rules of the register")
    retention.add_argument("--dry-run", action="store_true", help="count, change nothing")
    sub.add_parser("mail-intake", help="receive privacy requests by mail (SMTP)")
    scan = sub.add_parser("scan", help="scan a website's cookies, storage and requests")
    scan.add_argument("url")
    scan.add_argument("--pages", default="20", help="pages to visit (default 20)")
    scan.add_argument("--json", action="store_true", help="print the report as JSON")
    scan.add_argument(
        "--allow-private", action="store_true", help="allow loopback and private addresses"
    )
    scan.add_argument("--resolve", action="append", default=[], metavar="HOST:ADDRESS")
    scan.add_argument("--offline", action="store_true", help="reach only the site and --resolve")
    scan.add_argument("--screenshots", default="", help="directory for the screenshots")
    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)

    args = parser.parse_args(argv)
    if args.command == "serve":
        _serve(args)
    elif args.command == "migrate":
        _django("migrate", "--noinput")
    elif args.command == "collectstatic":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from consentserve.core.static import static_collect

        static_collect()
    elif args.command == "demo":
        _django("demo_data")
    elif args.command == "worker":
        _django("run_huey")
    elif args.command == "retention":
        _django("privacy_retention", *(["--dry-run"] if args.dry_run else []))
    elif args.command == "mail-intake":
        _django("privacy_mail_intake")
    elif args.command == "scan":
        extra = ["--json"] if args.json else []
        extra += ["--allow-private"] if args.allow_private else []
        extra += [f"--resolve={item}" for item in args.resolve]
        extra += ["--offline"] if args.offline else []
        extra += [f"--screenshots={args.screenshots}"] if args.screenshots else []
        _django("scanner_scan", args.url, f"--pages={args.pages}", *extra)
    elif args.command == "manage":
        _django(*args.rest)


if __name__ == "__main__":
    main()
