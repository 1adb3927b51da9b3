"""The privacy engine: a data subject's rights over every store of the register.

Other apps use this module only; its parts are:
- `Subject`: the person, by account and e-mail address.
- `adapters()`, `register_adapter()`, `store_name()`: one adapter per store (find, export,
  restrict, erase).
- `access_report()`, `report_json()`, `report_zip()`: Art. 15 and 20.
- `name_rectify()`: Art. 16.
- `erase()`, `account_erase()`: Art. 17.
- `is_restricted()`, `exclude_restricted()`, `processing_rows()`, `restriction_request()`,
  `restriction_lift()`: Art. 18.
- `objection_lodge()`: Art. 21.
- `consent_list()`, `consent_withdraw()`: Art. 7(3).
- `send_to_subject()`, `deliver()` (in `.mail`): the only way to mail a data subject.
"""

from .access import AccessReport, access_report, report_json, report_zip
from .adapters import StoreAdapter, adapter_for, adapters, register_adapter, store_name
from .consents import ConsentEntry, consent_list, consent_withdraw
from .erasure import ErasureReport, account_erase, erase, erasure_blockers
from .errors import ErrorCode, PrivacyRequestError
from .mail import MailPurpose, deliver, send_to_subject
from .objections import DIRECT_MARKETING, objection_lodge, objection_targets
from .rectification import name_rectify
from .restriction import (
    exclude_restricted,
    is_restricted,
    processing_rows,
    restriction_active,
    restriction_lift,
    restriction_request,
)
from .subject import Subject

__all__ = [
    "DIRECT_MARKETING",
    "AccessReport",
    "ConsentEntry",
    "ErasureReport",
    "ErrorCode",
    "MailPurpose",
    "PrivacyRequestError",
    "StoreAdapter",
    "Subject",
    "access_report",
    "account_erase",
    "adapter_for",
    "adapters",
    "consent_list",
    "consent_withdraw",
    "deliver",
    "erase",
    "erasure_blockers",
    "exclude_restricted",
    "is_restricted",
    "name_rectify",
    "objection_lodge",
    "objection_targets",
    "processing_rows",
    "register_adapter",
    "report_json",
    "report_zip",
    "restriction_active",
    "restriction_lift",
    "restriction_request",
    "send_to_subject",
    "store_name",
]
