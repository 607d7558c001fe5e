"""The JSON API explains pydantic validation errors in Chinese (wenming.core.validation)."""

import json

import pytest
from pydantic import BaseModel, Field, ValidationError

from wenming.cases.models import Case
from wenming.core.validation import describe_error


class Sample(BaseModel):
    count: int
    name: str = Field(max_length=3)
    short: str = Field(min_length=2)
    when: str = ""
    ratio: float = Field(ge=0, le=10)
    flags: list[int]
    on: bool


def _errors(**data) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        Sample(**data)
    return {e["loc"][0]: describe_error(e) for e in info.value.errors()}


def test_each_error_type_has_a_chinese_message():
    assert _errors(name="abcd", short="a", ratio=11, flags="x", on="maybe") == {
        "count": "此项为必填项。",
        "name": "太长：最多 3 个字符。",
        "short": "太短：至少 2 个字符。",
        "ratio": "不能大于 10.0。",
        "flags": "请输入列表。",
        "on": "请输入 true 或 false。",
    }
    assert _errors(count="x", name="a", short="ab", ratio=-1, flags=[], on=True) == {
        "count": "请输入数字。",
        "ratio": "不能小于 0.0。",
    }


def test_unknown_type_falls_back_to_a_generic_message():
    assert describe_error({"type": "something_new", "msg": "English"}) == "无效的值。"


def test_api_400_carries_the_chinese_message(world, cast, client):
    client.force_login(cast.office)
    body = {"title": "t", "category_id": "abc", "lat": "north", "lon": 115.9}
    r = client.post("/api/cases", json.dumps(body), content_type="application/json")
    assert r.status_code == 400
    errors = {tuple(e["loc"][-1:]): e["msg"] for e in r.json()["detail"]["errors"]}
    assert errors == {("category_id",): "请输入数字。", ("lat",): "请输入数字。"}
    assert Case.objects.count() == 0
