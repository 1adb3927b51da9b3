"""Under `check --deploy`: the imprint lacks a fact that § 5 DDG requires of a GmbH. The imprint
renders these only once the register's controller has them (website.selectors.controller), so
a missing one does not show on the page; this warning is what says so before a release."""

from django.core.checks import Warning, register

from consentserve.privacy.register import RegisterError, get_register

# § 5(1) DDG for a company with limited liability: the register court and number, the persons
# authorised to represent it, and the VAT identification number where there is one.
IMPRINT_FACTS = {
    "register_court": "the register court (Registergericht)",
    "register_number": "the commercial register number (HRB …)",
    "managing_directors": "the managing director(s) (Geschäftsführer)",
    "vat_id": "the VAT identification number (USt-IdNr., § 27a UStG)",
}


@register("imprint", deploy=True)
def imprint_is_complete(app_configs=None, **kwargs):
    try:
        controller = get_register().data["controller"]
    except RegisterError:
        return []  # privacy.E000 reports an invalid register
    missing = [text for key, text in IMPRINT_FACTS.items() if not controller.get(key)]
    if not missing:
        return []
    return [
        Warning(
            "the imprint lacks facts that § 5 DDG requires: " + "; ".join(missing),
            hint="Add them under `controller` in consentserve/privacy/register/activities.yaml "
            "(register_court, register_number, managing_directors, vat_id).",
            id="website.W001",
        )
    ]
