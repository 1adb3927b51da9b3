from enum import StrEnum


class ErrorCode(StrEnum):
    VERSION_IMMUTABLE = "version_immutable"
    PUBLISH_REFUSED = "publish_refused"
    DRAFT_INVALID = "draft_invalid"


class PublishedVersionImmutable(Exception):
    """A published version was to be changed or deleted; consent records are proof of it."""

    code = ErrorCode.VERSION_IMMUTABLE


class PublishRefused(Exception):
    """The draft cannot be published; `problems` are the structural problems and `findings`
    the compliance linter's errors, each with its reason."""

    def __init__(self, *, problems=(), findings=()):
        self.problems = list(problems)
        self.findings = list(findings)
        self.code = ErrorCode.DRAFT_INVALID if self.problems else ErrorCode.PUBLISH_REFUSED
        super().__init__(
            "; ".join(
                [str(problem) for problem in self.problems]
                + [finding.rule for finding in self.findings]
            )
        )
