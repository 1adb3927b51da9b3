"""Dates through the locale: English pages and mails once showed American dates ("12/08/2026
1:42 a.m..", "Jan. 8, 2027"); both languages now write the day first, a 24-hour clock, and no
format ends in a full stop that a sentence's own would double."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.formats import date_format

AT = datetime(2027, 1, 8, 13, 42, tzinfo=ZoneInfo("Europe/Berlin"))
EXPECTED = {
    "en": {
        "DATE_FORMAT": "8 January 2027",
        "SHORT_DATE_FORMAT": "8 Jan 2027",
        "DATETIME_FORMAT": "8 January 2027, 13:42",
        "SHORT_DATETIME_FORMAT": "8 Jan 2027, 13:42",
        "TIME_FORMAT": "13:42",
        "YEAR_MONTH_FORMAT": "January 2027",
        "MONTH_DAY_FORMAT": "8 January",
    },
    "de": {
        "DATE_FORMAT": "8. Januar 2027",
        "SHORT_DATE_FORMAT": "08.01.2027",
        "DATETIME_FORMAT": "8. Januar 2027 13:42",
        "SHORT_DATETIME_FORMAT": "08.01.2027 13:42",
        "TIME_FORMAT": "13:42",
        "YEAR_MONTH_FORMAT": "Januar 2027",
        "MONTH_DAY_FORMAT": "8. Januar",
    },
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_named_format_reads_day_first_with_a_24_hour_clock(language):
    with translation.override(language):
        written = {name: date_format(AT, name) for name in EXPECTED[language]}
    assert written == EXPECTED[language]
    for text in written.values():
        assert not text.endswith(".")
        assert "m." not in text  # no "a.m." / "p.m."
