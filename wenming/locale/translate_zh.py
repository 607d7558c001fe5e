"""Fill the zh-hans catalogue from the tables in ``tables/`` (run after ``makemessages``).

``python wenming/locale/translate_zh.py`` sets every msgstr whose msgid (and context, as a
``(context, msgid)`` key) is in a table and reports any msgid still untranslated (exit 1), so a
new UI string is never missed silently.
"""

import re
import sys
from pathlib import Path

PO = Path(__file__).parent / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _load_tables() -> dict:
    """Merge TABLE from every module in tables/ (one per area, so that parallel work on
    different apps does not edit one file)."""
    merged: dict = {}
    for path in sorted((Path(__file__).parent / "tables").glob("*.py")):
        scope: dict = {}
        exec(compile(path.read_text(), str(path), "exec"), scope)  # noqa: S102 - our own files
        merged.update(scope["TABLE"])
    return merged


TABLE = _load_tables()


def _unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode().decode("unicode_escape").encode("latin-1").decode()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _unfuzzy(entry: str) -> str:
    """Drop the fuzzy flag (alone or among others) and msgmerge's previous-msgid lines."""
    lines = []
    for line in entry.split("\n"):
        if line.startswith("#|"):
            continue
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",") if f.strip() != "fuzzy"]
            if not flags:
                continue
            line = "#, " + ", ".join(flags)
        lines.append(line)
    return "\n".join(lines)


def main() -> int:
    text = PO.read_text()
    entries = text.split("\n\n")
    missing = []
    out = []
    for entry in entries:
        m = re.search(
            r'^(msgctxt (?P<ctx>".*"\n))?msgid (?P<id>(?:".*"\n)+)msgstr (?P<str>(?:".*"\n?)+)',
            entry,
            re.M,
        )
        if not m:
            out.append(entry)
            continue
        msgid = _unquote(m.group("id"))
        if not msgid:
            out.append(entry)
            continue
        ctx = _unquote(m.group("ctx")) if m.group("ctx") else None
        key = (ctx, msgid) if ctx else msgid
        if key in TABLE:
            head = entry[: m.start("str")]
            entry = head + _quote(TABLE[key]) + ("\n" if entry.endswith("\n") else "")
            entry = _unfuzzy(entry)
        elif not _unquote(m.group("str")) or "fuzzy" in entry.split("msgid", 1)[0]:
            # msgmerge's fuzzy guess is another string's translation: never ship it.
            missing.append(key)
        out.append(entry)
    PO.write_text("\n\n".join(out))
    for key in missing:
        print("untranslated:", key, file=sys.stderr)
    return 1 if missing and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
