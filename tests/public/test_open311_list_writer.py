"""The request list's fast writers give exactly what the plain ones give: iso_converter
against _iso (time zones with summer time and half-hour offsets, both databases' text), and
requests_json against render(serialize_requests(...)) byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import TIETA
from wenming.cases import services as case_services
from wenming.cases.models import Case
from wenming.public import open311

ZONES = [
    "Asia/Shanghai",  # summer time 1986-1991
    "Europe/Berlin",
    "America/New_York",
    "America/St_Johns",  # -03:30, summer time
    "Australia/Lord_Howe",  # half-hour summer time
    "Asia/Kolkata",  # +05:30
    "UTC",
]


def _values():
    """UTC datetimes around every hour of the spring and autumn change days, 1986-2030."""
    out = []
    for year in (1986, 1990, 1991, 2021, 2026, 2030):
        for month in (3, 4, 9, 10, 11):
            for day in range(1, 32, 2):
                for hour in range(24):
                    try:
                        base = datetime(year, month, day, hour)
                    except ValueError:
                        continue
                    out += [base, base.replace(minute=29, second=59, microsecond=123456)]
                    out += [base.replace(minute=30), base.replace(minute=59, second=59)]
    return out


@pytest.mark.parametrize("zone", ZONES)
def test_iso_converter_gives_what_iso_gives(zone):
    tz = ZoneInfo(zone)
    plain, quoted = open311.iso_converter(tz), open311.iso_converter(tz, quoted=True)
    for value in _values():
        # SQLite's text, PostgreSQL's (UTC session), a datetime, another offset.
        forms = [
            str(value),
            str(value) + "+00",
            value.replace(tzinfo=UTC),
            value.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Tokyo")),
            value.isoformat() + "Z",
        ]
        for form in forms:
            expected = open311._iso(form, tz)
            assert plain(form) == expected, (zone, form)
            assert quoted(form) == f'"{expected}"', (zone, form)
    assert plain(None) is None and quoted(None) is None
    for bad in ("", "nonsense", "2021-13-01 00:00:00"):
        with pytest.raises(ValueError):
            plain(bad)


def test_iso_converter_examples():
    tz = ZoneInfo("Asia/Shanghai")
    convert = open311.iso_converter(tz)
    assert convert("2021-03-05 07:00:00.123456") == "2021-03-05T15:00:00+08:00"
    assert convert("2021-03-05 16:59:59.999999+00") == "2021-03-06T00:59:59+08:00"
    assert convert("1988-07-01 00:00:00") == "1988-07-01T09:00:00+09:00"  # summer time
    berlin = open311.iso_converter(ZoneInfo("Europe/Berlin"))
    assert berlin("2021-10-31 00:30:00") == "2021-10-31T02:30:00+02:00"
    assert berlin("2021-10-31 01:30:00") == "2021-10-31T02:30:00+01:00"  # the second 02:30


@pytest.mark.parametrize("with_description", [False, True])
@pytest.mark.parametrize("extensions", [False, True])
def test_requests_json_is_render_of_serialize_requests(world, cast, with_description, extensions):
    from tests.public.conftest import upload

    def report(**kw):
        return case_services.case_report(
            cast.office, title="t", category_id=world.category.pk, lat=TIETA[0], lon=TIETA[1], **kw
        )

    a = report(address='东门 & <西门> "引号"', photos=[upload()])
    b = report()
    report(address="")
    case_services.case_merge(cast.office, b.pk, into_id=a.pk)
    case_services.case_dispatch(cast.office, a.pk)
    odd = report()
    Case.objects.filter(pk=odd.pk).update(
        description='坏\x01字符\x1f & <tag> "引号" \\ end',
        address="\u2028行\n",
        lat=36.0,
        lon=-0.0001,
    )
    Case.objects.filter(pk=b.pk).update(reported_at=b.reported_at - timedelta(days=400))
    page = open311.request_rows(Case.objects.all(), 0, 1000, with_description=with_description)
    assert len(page[0]) == 4 and page[1]  # one with a photo
    options = {
        "with_description": with_description,
        "extensions": extensions,
        "media_base": "http://testserver/media/",
    }
    expected = open311.render(
        open311.serialize_requests(page, **options), "json", "service_requests"
    ).content
    assert open311.requests_json(page, **options) == expected
    empty = ([], {}, {})
    assert open311.requests_json(empty, **options) == b"[]"
