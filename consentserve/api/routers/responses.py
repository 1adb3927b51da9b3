"""The error answers every authenticated route can give, for the OpenAPI document."""

from ..schemas import Error, ValidationErrors

ERRORS = {
    401: Error,  # no key, an unknown one or a revoked one: the same answer
    404: Error,  # no such installation or version in the key's organisation
    422: ValidationErrors,
    429: Error,  # more requests than the key's limit per minute; Retry-After says when
}
