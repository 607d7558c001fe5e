"""The zh-hans catalogue is complete: every UI string has a Chinese translation."""

import re
from pathlib import Path

import wenming

PO = Path(wenming.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_msgid_is_translated():
    text = PO.read_text()
    entries = [e for e in text.split("\n\n") if "msgid" in e]
    untranslated = []
    for entry in entries:
        if "#, fuzzy" in entry:
            untranslated.append(entry)
            continue
        m = re.search(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', entry, re.M)
        if m and m.group(1).strip() != '""' and m.group(2).strip() == '""':
            untranslated.append(entry)
    assert untranslated == []


def test_compiled_catalogue_exists():
    mo = PO.with_suffix(".mo")
    assert mo.exists()
    assert mo.stat().st_size > 1000
