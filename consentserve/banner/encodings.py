"""The loader's answer compressed per the request: brotli, gzip or none.

Each published version is compressed once per build (models.CompiledLoader), with brotli at
quality 11 and gzip at level 9; both are deterministic, so every process that compresses the
same answer gets the same bytes and the same ETag. Each encoding has its own strong ETag (the
answer's hash with a suffix), since its bytes differ, and a CDN or browser revalidates the
representation it holds."""

import gzip as gzip_module
import hashlib
from dataclasses import dataclass

import brotli
from django.db import IntegrityError, transaction

from .models import CompiledLoader

ENCODINGS = ("br", "gzip")
_SUFFIX = {"identity": "", "br": "-br", "gzip": "-gz"}


@dataclass(frozen=True)
class Compiled:
    etag: str  # the hash of the uncompressed answer, without quotes
    bodies: dict[str, bytes]  # "identity", "br", "gzip"

    def etag_for(self, encoding: str) -> str:
        return f'"{self.etag}{_SUFFIX[encoding]}"'


def _accepted(header: str) -> dict[str, float]:
    accepted = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        accepted[name] = quality
    return accepted


def negotiate(header: str) -> str:
    """The encoding to answer with for an Accept-Encoding header: brotli before gzip (smaller by
    about a tenth), identity when neither is accepted. A `q` ranks only between the two."""
    accepted = _accepted(header)
    wildcard = accepted.get("*", 0.0)
    ranked = [(accepted.get(name, wildcard), -index, name) for index, name in enumerate(ENCODINGS)]
    quality, _, name = max(ranked)
    return name if quality > 0 else "identity"


def compress(body: bytes) -> Compiled:
    return Compiled(
        etag=hashlib.sha256(body).hexdigest()[:32],
        bodies={
            "identity": body,
            "br": brotli.compress(body, mode=brotli.MODE_TEXT, quality=11),
            "gzip": gzip_module.compress(body, compresslevel=9, mtime=0),
        },
    )


def stored(public_key: str, number: int, build: str) -> Compiled | None:
    row = (
        CompiledLoader.objects.filter(public_key=public_key, number=number, build=build)
        .values_list("etag", "identity", "br", "gzip")
        .first()
    )
    if row is None:
        return None
    etag, identity, br, gz = row
    return Compiled(
        etag=etag, bodies={"identity": bytes(identity), "br": bytes(br), "gzip": bytes(gz)}
    )


def store(public_key: str, number: int, build: str, compiled: Compiled) -> None:
    """Keeps `compiled` for every process; a second process that compiled the same answer at
    the same time finds the row there (same bytes) and leaves it. Older versions and builds of
    the key go, since the loader serves only the newest."""
    try:
        with transaction.atomic():
            CompiledLoader.objects.create(
                public_key=public_key,
                number=number,
                build=build,
                etag=compiled.etag,
                identity=compiled.bodies["identity"],
                br=compiled.bodies["br"],
                gzip=compiled.bodies["gzip"],
            )
    except IntegrityError:
        return
    CompiledLoader.objects.filter(public_key=public_key, number__lt=number).delete()
    CompiledLoader.objects.filter(public_key=public_key, number=number).exclude(
        build=build
    ).delete()
