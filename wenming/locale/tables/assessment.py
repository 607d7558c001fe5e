"""zh-hans translations for the assessment app's strings (msgid -> msgstr)."""

TABLE = {}
