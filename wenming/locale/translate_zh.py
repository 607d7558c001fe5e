"""Fill the zh-hans catalogue from the table below (run after ``makemessages``).

``python wenming/locale/translate_zh.py`` sets every msgstr whose msgid (and context) is in
TABLE and reports any msgid still untranslated, so a new UI string is never missed silently.
"""

import re
import sys
from pathlib import Path

PO = Path(__file__).parent / "zh_Hans" / "LC_MESSAGES" / "django.po"

TABLE = {
    "The input is invalid.": "输入无效。",
    "Log in or send a valid API token.": "请登录或提供有效的 API 令牌。",
    "Not found.": "未找到。",
    "%(field)s has an unknown value.": "%(field)s 的取值无效。",
    "category has an unknown value.": "问题类别的取值无效。",
    "reported": "已上报",
    "dispatched": "已派遣",
    "rectifying": "整改中",
    "awaiting verification": "待复查",
    "closed": "已销号",
    "returned": "已退回",
    "rejected": "不予立案",
    "merged": "已合并",
    "inspection": "督查发现",
    "citizen report": "市民随手拍",
    "12345 hotline": "12345热线",
    "assigned by leader": "领导交办",
    "media exposure": "媒体曝光",
    "evaluation feedback": "测评反馈",
    "campaign office": "创城办",
    "number": "编号",
    "title": "标题",
    "description": "描述",
    "source": "来源",
    "status": "状态",
    "latitude": "纬度",
    "longitude": "经度",
    "address": "地址",
    "near a boundary": "靠近边界",
    "routing note": "定位说明",
    "reported at": "上报时间",
    "dispatched at": "派遣时间",
    "deadline": "处置时限",
    "deadline warning": "时限提示",
    "submitted at": "提交时间",
    "closed at": "销号时间",
    "case": "问题",
    "cases": "问题",
    "before": "整改前",
    "after": "整改后",
    "other": "其他",
    "pending": "待审批",
    "approved": "已批准",
    "denied": "未批准",
    "The page cursor is invalid.": "分页游标无效。",
    "Unknown sort order.": "未知的排序方式。",
    "This case is %(status)s; the action “%(action)s” is not possible now.": "该问题当前状态为“%(status)s”，不能执行“%(action)s”。",
    ("case action", "dispatch"): "派遣",
    ("case action", "reject"): "不予立案",
    ("case action", "merge"): "合并",
    ("case action", "accept"): "签收",
    ("case action", "return"): "退回",
    ("case action", "submit"): "提交整改",
    ("case action", "verify"): "复查通过",
    ("case action", "rework"): "返工",
    ("case action", "request an extension"): "申请延期",
    "Someone else changed this case just now; reload it and try again.": "该问题刚被他人修改，请刷新后重试。",
    "Only the campaign office can do this.": "只有创城办可以执行此操作。",
    "Only the responsible unit can do this.": "只有责任单位可以执行此操作。",
    "Only an inspector or the campaign office can verify a fix.": "只有督导员或创城办可以复查整改结果。",
    "You may not report cases.": "您没有上报问题的权限。",
    "Title": "标题",
    "Description": "描述",
    "Address": "地址",
    "Unknown category.": "未知的问题类别。",
    "Unknown source.": "未知的问题来源。",
    "You may not report cases from this source.": "您不能以该来源上报问题。",
    "Within %(m)d m of a boundary; check the area.": "距区域边界不足 %(m)d 米，请核实所属区域。",
    "Not inside any unit grid.": "不在任何单元网格内。",
    "Note": "备注",
    "Choose the responsible unit: no routing rule proposes one.": "请选择责任单位：没有匹配的派遣规则。",
    "Unknown unit.": "未知的责任单位。",
    "The deadline needs a time zone.": "处置时限须包含时区。",
    "The deadline must be in the future.": "处置时限必须晚于当前时间。",
    "The category has no time limit; enter the deadline.": "该问题类别没有处置时限，请填写处置时限。",
    "Reason": "原因",
    "A case cannot be merged into itself.": "问题不能合并到其自身。",
    "The case to merge into is unknown or already ended.": "要合并到的问题不存在或已办结。",
    "Rectification note": "整改说明",
    "The requested deadline needs a date, time and time zone.": "申请的时限须包含日期、时间和时区。",
    "The requested deadline must be later than the current one.": "申请的时限必须晚于当前时限。",
    "An extension request for this case is already waiting for a decision.": "该问题已有待审批的延期申请。",
    "This extension request was already decided.": "该延期申请已审批。",
    "The working calendar has no holiday data for {year}; weekends only were skipped.": "工作日历缺少 {year} 年的节假日数据，仅按周末计算。",
    "date": "日期",
    "working day": "工作日",
    "name": "名称",
    "note": "备注",
    "calendar day": "日历日",
    "calendar days": "日历日",
    "%(field)s must be text.": "%(field)s 必须是文本。",
    "%(field)s is required.": "%(field)s 为必填项。",
    "%(field)s is too long: %(length)d characters, at most %(max)d.": "%(field)s 过长：%(length)d 个字符，最多 %(max)d 个。",
    "level has an unknown value.": "层级的取值无效。",
    "Give a level or a parent.": "请指定层级或上级区域。",
    "A location (latitude and longitude) is required.": "请提供位置（纬度和经度）。",
    "The location is not a number.": "位置不是有效的数字。",
    "The location is outside valid coordinates.": "位置超出有效坐标范围。",
    "The location (0, 0) is not a real position; the device has no GPS fix.": "位置 (0, 0) 不是真实位置，设备未获得定位。",
    "The location is outside the city boundary.": "该位置不在本市范围内。",
    "File not found: %(path)s": "找不到文件：%(path)s",
    "Cannot read %(path)s: %(error)s": "无法读取 %(path)s：%(error)s",
    "%(path)s is not valid JSON: %(error)s": "%(path)s 不是有效的 JSON：%(error)s",
    "%(path)s: the FeatureCollection has no features array": "%(path)s：FeatureCollection 缺少 features 数组",
    "%(path)s is not a GeoJSON FeatureCollection or Feature": "%(path)s 不是 GeoJSON FeatureCollection 或 Feature",
    "%(path)s contains no features": "%(path)s 不含任何要素",
    "Feature %(index)d is not a GeoJSON Feature": "第 %(index)d 个要素不是 GeoJSON Feature",
    'Feature %(index)d has no "%(property)s" property': "第 %(index)d 个要素缺少“%(property)s”属性",
    "Feature %(index)d (%(code)s): geometry must be a Polygon or MultiPolygon, not %(type)s": "第 %(index)d 个要素（%(code)s）：几何类型必须是 Polygon 或 MultiPolygon，而不是 %(type)s",
    "none": "无",
    "Feature %(index)d (%(code)s): invalid %(type)s coordinates": "第 %(index)d 个要素（%(code)s）：%(type)s 坐标无效",
    "Unknown datum: %(datum)s": "未知的坐标系：%(datum)s",
    "Unknown level: %(level)s": "未知的层级：%(level)s",
    "The source text is longer than %(max)d characters": "来源说明超过 %(max)d 个字符",
    "Feature %(index)d repeats code %(code)s": "第 %(index)d 个要素的代码 %(code)s 重复",
    "No region with code %(codes)s (load the divisions first)": "没有代码为 %(codes)s 的区域（请先导入区划）",
    "Region %(codes)s is not at level %(level)s": "区域 %(codes)s 不属于层级 %(level)s",
    "%(updated)d updated, %(unchanged)d unchanged": "更新 %(updated)d 个，未变 %(unchanged)d 个",
    "updated": "已更新",
    "unchanged": "未变",
    "%(code)s %(name)s: %(status)s": "%(code)s %(name)s：%(status)s",
    "boundaries: %(summary)s": "边界：%(summary)s",
    "No reference data for city %(code)s in %(path)s": "%(path)s 中没有城市 %(code)s 的基础数据",
    "%(where)s: %(code)r is not a statistical division code": "%(where)s：%(code)r 不是统计用区划代码",
    "%(path)s: missing columns %(columns)s": "%(path)s：缺少列 %(columns)s",
    "%(where)s: empty name": "%(where)s：名称为空",
    "%(where)s: %(code)s cannot be under %(parent)s": "%(where)s：%(code)s 不能隶属于 %(parent)s",
    "Region code %(code)s appears twice": "区域代码 %(code)s 重复",
    "Region %(code)s: unknown parent %(parent)s": "区域 %(code)s：未知的上级 %(parent)s",
    "The manifest gives no name for city %(code)s": "清单中没有城市 %(code)s 的名称",
    "%(label)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged": "%(label)s：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d",
    "%(count)d rows changed": "共变更 %(count)d 行",
    "nothing changed": "没有任何变化",
    "city": "市",
    "county": "县（市、区）",
    "subdistrict": "乡镇（街道）",
    "community": "社区（村）",
    "code": "代码",
    "level": "层级",
    "boundary (GeoJSON, WGS-84)": "边界（GeoJSON，WGS-84）",
    "boundary source": "边界来源",
    "region": "区域",
    "regions": "区域",
    "leader": "领导",
    "leader title": "领导职务",
    "generated (demo)": "生成（演示）",
    "supervision grid": "创城网格",
    "supervision grids": "创城网格",
    "unit grid": "单元网格",
    "unit grids": "单元网格",
    "department": "部门",
    "subdistrict office": "街道办事处",
    "community committee": "社区居委会",
    "property company": "物业企业",
    "enterprise": "企业",
    "kind": "类型",
    "active": "启用",
    "unit": "责任单位",
    "units": "责任单位",
    "inspector": "督导员",
    "unit handler": "责任单位经办人",
    "subdistrict/community staff": "街道/社区工作人员",
    "role": "角色",
    "membership": "成员角色",
    "memberships": "成员角色",
    "routing rule": "派遣规则",
    "routing rules": "派遣规则",
    "API token": "API 令牌",
    "API tokens": "API 令牌",
    "%(path)s line %(line)d: %(problem)s": "%(path)s 第 %(line)d 行：%(problem)s",
    "empty code": "代码为空",
    "code %(code)s appears twice": "代码 %(code)s 重复",
    "empty name": "名称为空",
    "%(field)s is longer than %(max)d characters": "%(field)s 超过 %(max)d 个字符",
    "unknown kind %(kind)r": "未知的类型 %(kind)r",
    "the time limit must be a whole number of at least 1": "处置时限必须是不小于 1 的整数",
    "unknown time limit unit %(unit)r": "未知的时限单位 %(unit)r",
    "unknown unit kind %(kind)r": "未知的单位类型 %(kind)r",
    "%(path)s: the parent codes form a loop at %(code)s": "%(path)s：上级代码在 %(code)s 处形成循环",
    "%(path)s line %(line)d: unknown parent code %(code)s": "%(path)s 第 %(line)d 行：未知的上级代码 %(code)s",
    "component (部件)": "部件",
    "event (事件)": "事件",
    "campaign problem (创城)": "创城问题",
    "working hours": "工作时",
    "working days": "工作日",
    "time limit": "处置时限",
    "time limit unit": "时限单位",
    "legal basis": "法规依据",
    "default unit kind": "默认责任单位类型",
    "pinyin initials": "拼音首字母",
    "category": "问题类别",
    "categories": "问题类别",
}


def _unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode().decode("unicode_escape").encode("latin-1").decode()


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main() -> int:
    text = PO.read_text()
    entries = text.split("\n\n")
    missing = []
    out = []
    for entry in entries:
        m = re.search(r'^(msgctxt (?P<ctx>".*"\n))?msgid (?P<id>(?:".*"\n)+)msgstr (?P<str>(?:".*"\n?)+)', entry, re.M)
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
            entry = entry.replace("#, fuzzy\n", "")
        elif not _unquote(m.group("str")):
            missing.append(key)
        out.append(entry)
    PO.write_text("\n\n".join(out))
    for key in missing:
        print("untranslated:", key, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
