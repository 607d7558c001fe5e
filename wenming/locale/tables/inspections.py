"""zh-hans translations for the inspections app's strings (msgid -> msgstr)."""

TABLE = {}
