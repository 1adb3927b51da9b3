from django.db import models


class CompiledLoader(models.Model):
    """The loader's answer for one published version, in every encoding it is served in.

    Brotli at quality 11 takes tens of milliseconds for a banner, so each (version, build) is
    compressed once and kept here, where every worker process and every host finds it, instead
    of once per process. `build` names the runtime and the code around it: a deployment that
    changes the bundle compiles the answers again. Holds no personal data; rows of older
    versions or builds are removed when a newer one is stored (encodings.py)."""

    public_key = models.CharField(max_length=32)
    number = models.PositiveIntegerField()
    build = models.CharField(max_length=16)
    etag = models.CharField(max_length=40)
    identity = models.BinaryField()
    gzip = models.BinaryField()
    br = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["public_key", "number", "build"], name="banner_compiled_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.public_key} v{self.number} ({self.build})"
