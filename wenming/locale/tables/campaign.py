"""zh-hans translations for the campaign app's strings (msgid -> msgstr)."""

TABLE = {}
