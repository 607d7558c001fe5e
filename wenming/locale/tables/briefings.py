"""zh-hans translations for the briefings app's strings (msgid -> msgstr)."""

TABLE = {}
