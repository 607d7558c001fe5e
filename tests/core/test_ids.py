"""Ids from user input are bounded to what a BIGINT primary key can hold (wenming.core.ids)."""

import pytest

from wenming.core.ids import MAX_ID, parse_id


@pytest.mark.parametrize(
    "value, expected",
    [
        ("7", 7),
        (7, 7),
        (str(MAX_ID), 9223372036854775807),
        (str(MAX_ID + 1), None),
        ("0", None),
        ("-3", None),
        ("1.5", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_id(value, expected):
    assert parse_id(value) == expected
