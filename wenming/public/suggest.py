"""Suggest a category from the words of a citizen's description (no ML, on purpose).

Score of a category for a text:

- its whole name found in the text: 3 points per character of the name;
- each synonym (see :data:`SYNONYMS`) found in the text: 2 points per character;
- each character bigram of its name found in the text: 1 point.

The best-scoring category with at least :data:`MIN_SCORE` points wins; ties go to the
category with the longer name, then to the lower code (deterministic). Only active leaf
categories (those with no active children) are suggested: a citizen's report needs a concrete
class. The synonyms are common Chinese words for the problems of the national civilized-city
evaluation (测评体系) and the urban-management classification (CJ/T 214 事件/部件); they are
keyed by category *name*, so a city whose tree lacks a name simply never uses that row.
"""

from __future__ import annotations

from dataclasses import dataclass

from wenming.taxonomy.models import Category

MIN_SCORE = 3

SYNONYMS: dict[str, tuple[str, ...]] = {
    "乱贴乱画": ("小广告", "牛皮癣", "涂鸦", "乱画", "乱贴", "乱写"),
    "非法张贴小广告": ("小广告", "牛皮癣", "张贴", "贴广告"),
    "乱摆乱放": ("乱放", "乱摆", "杂物"),
    "线路杂乱": ("电线", "飞线", "线缆", "蜘蛛网", "乱拉"),
    "架空线缆不规范": ("电线", "线缆", "飞线"),
    "毁绿种菜": ("种菜", "毁绿", "菜地"),
    "垃圾清运不及时": ("垃圾桶满", "垃圾满", "溢出", "没人清运", "没清运", "清运"),
    "暴露垃圾": ("垃圾", "垃圾堆", "成堆", "乱扔"),
    "积存垃圾渣土": ("渣土", "垃圾堆积"),
    "不文明养犬": ("遛狗", "狗屎", "狗粪", "犬", "狗", "拴绳", "牵绳"),
    "闯红灯": ("红灯", "闯灯"),
    "逆向行驶": ("逆行",),
    "垃圾分类不规范": ("分类", "混投", "混装"),
    "环境卫生脏乱": ("脏乱", "脏", "卫生差", "污水", "臭"),
    "公益广告缺失": ("公益广告", "宣传"),
    "机动车不礼让行人": ("礼让", "斑马线", "不让行人"),
    "楼道堆物": ("楼道", "堆物", "消防通道"),
    "私拉电线充电": ("飞线充电", "充电", "拉线"),
    "机动车乱停放": ("乱停车", "违停", "违章停车", "乱停", "停车", "汽车"),
    "非机动车乱停放": ("电动车", "自行车", "共享单车", "单车", "电瓶车"),
    "占压盲道": ("盲道",),
    "店外经营": ("占道经营", "出店经营", "摆摊", "门外经营"),
    "无照经营游商": ("游商", "小贩", "流动摊"),
    "露天烧烤": ("烧烤", "撸串"),
    "道路破损": ("坑", "坑洼", "路面破损", "破损", "塌陷"),
    "路灯": ("路灯", "灯不亮", "灯坏"),
    "雨水井盖": ("井盖", "下水道盖"),
    "道路积水": ("积水", "内涝"),
    "公共厕所": ("厕所", "公厕"),
    "施工扰民": ("施工噪音", "噪音", "半夜施工"),
    "工地扬尘": ("扬尘", "灰尘"),
    "焚烧垃圾、树叶": ("焚烧", "烧垃圾", "烧树叶"),
    "油烟污染": ("油烟",),
    "乱堆物堆料": ("堆料", "堆物", "建材"),
    "废弃车辆": ("僵尸车", "废弃车", "报废车"),
    "交通信号灯": ("信号灯", "红绿灯"),
}


@dataclass(frozen=True)
class Suggestion:
    """The suggested category and its score (see the module docstring)."""

    category_id: int
    code: str
    name: str
    score: int


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def score(name: str, text: str) -> int:
    """Points of a category called ``name`` for ``text`` (see the module docstring)."""
    points = 0
    if name and name in text:
        points += 3 * len(name)
    for word in SYNONYMS.get(name, ()):
        if word in text:
            points += 2 * len(word)
    text_bigrams = _bigrams(text)
    points += sum(1 for b in _bigrams(name) if b in text_bigrams)
    return points


def suggest_category(text: str) -> Suggestion | None:
    """The best category for ``text`` (plain text), or None when nothing scores enough.

    Reads the active leaf categories (one query).
    """
    text = (text or "").strip()
    if not text:
        return None
    rows = Category.objects.filter(is_active=True).exclude(children__is_active=True)
    best: tuple | None = None
    for cat_id, code, name in rows.values_list("id", "code", "name").distinct():
        points = score(name, text)
        if points < MIN_SCORE:
            continue
        key = (points, len(name), _negated(code))
        if best is None or key > best[0]:
            best = (key, Suggestion(cat_id, code, name, points))
    return best[1] if best else None


def _negated(code: str) -> tuple[int, ...]:
    # Lower code wins a tie: compare negated character codes.
    return tuple(-ord(c) for c in code)
