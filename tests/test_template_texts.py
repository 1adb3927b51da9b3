"""Texts of the templates as a person reads them: markup inside a `{% translate "…" %}` literal
is output unescaped (template literals count as safe), so a `<head>` in the sentence vanishes
into the page's markup. Such sentences use blocktranslate with the tag written as entities."""

import re
from pathlib import Path

import consentserve

TEMPLATES = sorted(Path(consentserve.__file__).parent.glob("*/templates/**/*.html"))
TRANSLATE_LITERAL = re.compile(r"""\{%\s*translate\s+(["'])(.*?)\1""", re.S)


def test_templates_are_found():
    assert len(TEMPLATES) > 50


def test_no_translated_literal_holds_markup():
    offenders = [
        f"{path.relative_to(path.parents[3])}: {match.group(2)[:60]}"
        for path in TEMPLATES
        for match in TRANSLATE_LITERAL.finditer(path.read_text())
        if "<" in match.group(2)
    ]
    assert offenders == []


BLOCK = re.compile(
    r"\{%\s*blocktranslate(?P<args>[^%]*)%\}(?P<body>.*?)\{%\s*endblocktranslate", re.S
)
NUMBER_AND_NOUN = re.compile(
    r"\{\{ *\w+ *\}\} (days|services|members|installations|records|decisions|findings)\b"
)


def test_a_number_with_a_plural_noun_goes_through_the_plural_forms():
    """ "1 Dienste": a sentence that writes a number before a noun needs `count` (ngettext)."""
    offenders = [
        f"{path.name}: {match.group('body').strip()[:60]}"
        for path in TEMPLATES
        for match in BLOCK.finditer(path.read_text())
        if "count" not in match.group("args") and NUMBER_AND_NOUN.search(match.group("body"))
    ]
    assert offenders == []
