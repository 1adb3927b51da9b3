"""Privacy requests from anyone (R-H-1, R-F-0a…e): the case, its deadline, the public form, the
mail intake and the back-office steps that fulfil it. See docs/privacy-requests.md.

Public API: `models.PrivacyRequest`, `services` (writes), `selectors` (reads), `intake`
(mail to the privacy address).
"""
