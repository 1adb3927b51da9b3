"""Rectification of the subject's name (Art. 16, R-B3-7).

The e-mail address is changed through allauth's own pages, which verify the new address first.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from .errors import ErrorCode, PrivacyRequestError

NAME_FIELDS = ("first_name", "last_name")


def name_rectify(*, user, first_name: str, last_name: str):
    """Correct the user's first and last name at once.

    Allowed while the user's processing is restricted: the subject's own correction is what
    settles a dispute about accuracy.
    """
    values = dict(zip(NAME_FIELDS, (first_name.strip(), last_name.strip()), strict=True))
    try:
        for name, value in values.items():
            user._meta.get_field(name).clean(value, user)
    except ValidationError as error:
        raise PrivacyRequestError(ErrorCode.NAME_INVALID, "; ".join(error.messages)) from error
    for name, value in values.items():
        setattr(user, name, value)
    with transaction.atomic():
        user.save(update_fields=list(NAME_FIELDS))
    return user
