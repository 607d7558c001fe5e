"""zh-hans translations for the assessment app's strings (msgid -> msgstr)."""

_IND = "indicator"

TABLE = {
    # indicator names (context "indicator"), the standard 数字城管 terms
    (_IND, "Reported"): "上报数",
    (_IND, "Registered"): "立案数",
    (_IND, "Rejected"): "不予立案数",
    (_IND, "Merged"): "合并数",
    (_IND, "Dispatched"): "派遣数",
    (_IND, "Due"): "到期应处置数",
    (_IND, "Disposed"): "处置数",
    (_IND, "Disposed on time"): "按期处置数",
    (_IND, "Disposed late"): "超期处置数",
    (_IND, "Closed"): "结案数",
    (_IND, "Closed on time"): "按期结案数",
    (_IND, "Closed late"): "超期结案数",
    (_IND, "Not yet disposed"): "未处置数",
    (_IND, "Overdue, not disposed"): "超期未处置数",
    (_IND, "Reworked"): "返工数",
    (_IND, "Extended"): "延期数",
    (_IND, "Under supervision"): "督办数",
    (_IND, "Under listed supervision"): "挂牌督办数",
    (_IND, "Recurring"): "重复发生(顽疾)数",
    (_IND, "Disposal rate"): "处置率",
    (_IND, "On-time disposal rate"): "按期处置率",
    (_IND, "Closure rate"): "结案率",
    (_IND, "On-time closure rate"): "按期结案率",
    (_IND, "Rework rate"): "返工率",
    (_IND, "Extension rate"): "延期率",
    (_IND, "Overdue rate"): "超期未处置率",
    (_IND, "Supervised per 100 dispatched"): "每百件派遣督办数",
    (_IND, "Overdue per 100 dispatched"): "每百件派遣超期未处置数",
    (_IND, "Recurring per 100 registered"): "每百件立案顽疾数",
    # formulas
    "Every case reported in the period, including rejected and merged ones.": "本期上报的全部问题，含不予立案和合并的问题。",
    "Reported minus rejected minus merged.": "上报数 − 不予立案数 − 合并数。",
    "Cases rejected (not registered).": "不予立案的问题。",
    "Cases merged into another case as duplicates.": "作为重复问题合并到其他问题的。",
    "Cases currently dispatched to the unit: dispatched, rectifying, awaiting verification or closed. Returned cases count for the unit they are re-dispatched to.": "当前派遣给该单位的问题：已派遣、整改中、待复查或已销号。被退回的问题计入重新派遣到的单位。",
    "Dispatched cases already disposed or past their deadline.": "已处置或已过整改时限的派遣问题。",
    "Cases whose fix the unit reported and that stand: awaiting verification or closed.": "单位已报告整改完成且未被退回返工的问题：待复查或已销号。",
    "Disposed cases whose last submission was at or before the deadline.": "最后一次申请销号不晚于整改时限的已处置问题。",
    "Disposed minus disposed on time.": "处置数 − 按期处置数。",
    "Closed cases (rejected and merged cases are not closures).": "已销号的问题（不予立案和合并的问题不算结案）。",
    "Closed cases closed at or before the deadline.": "不晚于整改时限销号的问题。",
    "Closed minus closed on time.": "结案数 − 按期结案数。",
    "Cases the unit holds: dispatched or rectifying.": "单位手中的问题：已派遣或整改中。",
    "Cases the unit holds whose deadline has passed.": "单位手中已超过整改时限的问题。",
    "Dispatched cases sent back for rework at least once (or the number of reworks).": "至少被返工一次的派遣问题（或返工次数）。",
    "Dispatched cases with at least one approved extension.": "至少批准过一次延期的派遣问题。",
    "Registered cases marked as recurring (顽疾).": "标记为重复发生（顽疾）的立案问题。",
    "Disposed ÷ cases due for disposal.": "处置数 ÷ 应处置数。",
    "Disposed on time ÷ cases due for disposal.": "按期处置数 ÷ 应处置数。",
    "Closed ÷ cases due for closure.": "结案数 ÷ 应结案数。",
    "Closed on time ÷ cases due for closure.": "按期结案数 ÷ 应结案数。",
    "Reworked ÷ the configured base.": "返工数 ÷ 考核方案设定的基数。",
    "Extended ÷ the configured base.": "延期数 ÷ 考核方案设定的基数。",
    "Overdue, not disposed ÷ dispatched.": "超期未处置数 ÷ 派遣数。",
    "Under supervision × 100 ÷ dispatched.": "督办数 × 100 ÷ 派遣数。",
    "Overdue, not disposed × 100 ÷ dispatched.": "超期未处置数 × 100 ÷ 派遣数。",
    "Recurring × 100 ÷ registered.": "顽疾数 × 100 ÷ 立案数。",
    # errors and labels in code
    "Unknown denominator %(value)s for %(name)s.": "%(name)s 的分母 %(value)s 无效。",
    "Unknown grouping %(group)s.": "未知的统计口径 %(group)s。",
    "Whole city": "全市",
    "(none)": "（无）",
    "Unknown indicator %(name)s.": "未知指标 %(name)s。",
    "Unknown period %(period)s: write 2021, 2021-Q1, 2021-03, 2021-W10 or 2021-03-01..2021-03-15.": "无法识别的考核周期 %(period)s：请写 2021、2021-Q1、2021-03、2021-W10 或 2021-03-01..2021-03-15。",
    "No active scoring scheme for %(kind)s and no default scheme.": "%(kind)s没有启用的考核方案，也没有默认方案。",
    "Inspection score": "测评得分",
    "Tasks done on time": "任务按时完成率",
    "Evidence accepted": "佐证材料通过率",
    "Tasks missing": "任务未完成数",
    "Tasks late": "任务逾期数",
    "Failed inspection items": "测评不合格项数",
    "%(field)s must be a number.": "%(field)s 必须是数字。",
    "%(field)s must be between %(lo)s and %(hi)s.": "%(field)s 必须在 %(lo)s 到 %(hi)s 之间。",
    "The scheme must be an object.": "考核方案格式不正确。",
    "Give at least one weight.": "请至少设置一项权重。",
    "Unknown component %(key)s.": "未知的考核项 %(key)s。",
    "The weights must add up to 100 (now %(total)s).": "权重之和必须为 100（现为 %(total)s）。",
    "Penalties must be an object.": "扣分项格式不正确。",
    "Unknown penalty measure %(key)s.": "未知的扣分项 %(key)s。",
    "Grade bands are pairs of a name and a lower bound.": "等次须写成“名称:下限”。",
    "Grade bands must have names, strictly descending lower bounds, and end at 0.": "等次须有名称，下限严格递减，且最后一档下限为 0。",
    "Unknown choice for units without data.": "无数据考核项的处理方式无效。",
    "Score %(score).2f (%(grade)s)": "得分 %(score).2f（%(grade)s）",
    "strongest": "优势",
    "weakest": "短板",
    "%(name)s %(measure)s (−%(points)s)": "%(name)s %(measure)s（扣 %(points)s 分）",
    "Only the campaign office may do this.": "只有创城办可以进行此操作。",
    "Unknown unit kind.": "未知的单位类型。",
    "A scheme with this name, or an active scheme for this unit kind, exists.": "已有同名方案，或该单位类型已有启用的方案。",
    "Points must be a number between -100 and 100, not 0.": "分值须为 -100 到 100 之间的非零数字。",
    "This adjustment was already withdrawn.": "该加减分已撤销。",
    "This period is already published: say what the correction changes.": "该周期已发布：请说明本次更正的内容。",
    # models
    "unit kind": "单位类型",
    "scoring scheme": "考核方案",
    "scoring schemes": "考核方案",
    "version": "版本",
    "configuration": "配置",
    "scheme version": "方案版本",
    "scheme versions": "方案版本",
    "period": "考核周期",
    "points": "分值",
    "withdrawn at": "撤销时间",
    "score adjustment": "加减分",
    "score adjustments": "加减分",
    "from": "起",
    "to": "止",
    "published at": "发布时间",
    "computed at": "计算时间",
    "board size": "榜单人数",
    "published ranking": "已发布排名",
    "published rankings": "已发布排名",
    "red list": "红榜",
    "black list": "黑榜",
    "assessment audit entry": "考核审计记录",
    "assessment audit entries": "考核审计记录",
    # export
    "Unit kind": "单位类型",
    "Rank": "排名",
    "Previous rank": "上期排名",
    "Score": "得分",
    "Grade": "等次",
    "List": "榜单",
    # pages
    "Closed at": "销号时间",
    "Reworks": "返工次数",
    "Extensions": "延期次数",
    "No cases.": "没有问题。",
    "How each figure is computed": "各项指标的计算方法",
    "Cases counted: those reported in the period (local dates), in their state at the time of computing, under the unit they are currently dispatched to. Rejected and merged cases count only as reported; returned cases count for no unit until re-dispatched.": "统计范围：本期（按北京时间日期）上报的问题，按计算时的状态，计入当前派遣的责任单位。不予立案和合并的问题只计入上报数；被退回的问题在重新派遣前不计入任何单位。",
    "Indicator": "指标",
    "Formula": "计算公式",
    "Assessment": "考核",
    "Period": "考核周期",
    "Group by": "统计口径",
    "Show": "查看",
    "Write 2021 (year), 2021-Q1 (quarter), 2021-03 (month), 2021-W10 (week) or 2021-03-01..2021-03-15 (any dates).": "可写 2021（年）、2021-Q1（季度）、2021-03（月）、2021-W10（周）或 2021-03-01..2021-03-15（任意日期）。",
    "count · rate": "数量 · 比率",
    "count · per 100 dispatched": "数量 · 每百件派遣",
    "count · per 100 registered": "数量 · 每百件立案",
    "Bonuses and penalties": "加减分",
    "Points": "分值",
    "By": "录入人",
    "Withdraw": "撤销",
    "Points (+ bonus, − penalty)": "分值（正数加分，负数减分）",
    "Add": "添加",
    "Note (what this correction changes)": "说明（本次更正的内容）",
    "Publish": "发布",
    "denominator": "分母",
    "Only the first 2000 are listed.": "只列出前 2000 件。",
    "Live: the cases in their state now.": "实时：问题的当前状态。",
    "Assessment and rankings": "考核排名",
    "Published rankings": "已发布排名",
    "Indicators": "指标",
    "Trend": "趋势",
    "Scoring schemes": "考核方案",
    "Published as version %(n)s on %(when)s.": "已于 %(when)s 发布（第 %(n)s 版）。",
    "See the published ranking": "查看已发布排名",
    "The ranking of this period is not published yet.": "本期排名尚未发布。",
    "My unit": "本单位",
    "Live figures: they change as cases move until the office publishes the period. Click a number to see the cases behind it.": "实时数据：创城办发布前会随问题办理而变化。点击数字可查看对应的问题。",
    "Inspection scores are not available; their weight is left out.": "暂无测评得分，该项权重不计。",
    "Task completion is not available; its weight is left out.": "暂无任务完成数据，该项权重不计。",
    "Red list": "红榜",
    "Black list": "黑榜",
    "against the previous period": "与上期相比",
    "Change": "升降",
    "Scheme": "考核方案",
    "Change: against %(prev)s": "升降：与%(prev)s相比",
    "published": "已发布",
    "computed now": "实时计算",
    "Counts link to their cases; rates are shown after the count, normalised figures per 100 cases.": "数量可点击查看问题；比率列在数量之后，标准化数值按每百件计。",
    "Publish a correction": "发布更正",
    "Publish this ranking": "发布本期排名",
    "Publishing freezes the scores, ranks, lists and the cases behind every figure; later case changes do not alter it.": "发布后，得分、排名、红黑榜及每项数据对应的问题即被固定，之后问题的变化不会改变已发布结果。",
    "Published ranking": "已发布排名",
    "version %(n)s": "第 %(n)s 版",
    "Published by %(who)s on %(when)s; cases as of %(asof)s.": "%(who)s 于 %(when)s 发布；问题数据截至 %(asof)s。",
    "Corrects": "更正",
    "A correction replaces this version:": "本版已被更正版取代：",
    "Cases": "问题",
    "Cases: %(n)s": "问题 %(n)s 件",
    "Version": "版本",
    "Published at": "发布时间",
    "Published by": "发布人",
    "Nothing published yet.": "尚未发布。",
    "Frozen at publication: the figures and the cases each figure counted then. A case may have moved since.": "发布时固定的数据及当时计入各项指标的问题；问题此后可能已有变化。",
    "Score parts": "得分构成",
    "Component": "考核项",
    "Value": "数值",
    "Weight": "权重",
    "Penalty": "扣分",
    "Adjustment": "加减分",
    "all unit kinds": "所有单位类型",
    "inactive": "停用",
    "New scheme": "新建方案",
    "A scheme's versions never change: saving creates a new version, and published rankings keep the version they used.": "方案的各版本不会被修改：保存即生成新版本，已发布的排名保留其使用的版本。",
    "new version": "新版本",
    "Weights (must add up to 100)": "权重（合计须为 100）",
    "Penalties (points per unit of the measure)": "扣分（每单位扣分值）",
    "Penalty cap": "扣分上限",
    "List size (red and black)": "红黑榜人数",
    "Minimum dispatched cases for case components": "计算问题类考核项的最少派遣数",
    "Components without data": "无数据的考核项",
    "left out (weights rescaled)": "不计（按其余权重折算）",
    "count as full marks": "按满分计",
    "Grade bands (name:lower bound, descending, ending at 0)": "等次（名称:下限，从高到低，最后为 0）",
    "Denominators": "分母口径",
    "Note (what changed)": "说明（修改内容）",
    "Save as new version": "保存为新版本",
    "Months": "月数",
    "Subdistrict": "街道",
    # red/black list limits, rate headers (fixA)
    "Lowest score on the red list": "红榜最低得分",
    "Scores from which a unit is never on the black list": "不上黑榜的得分线（达到即不上黑榜）",
    "Only units scoring at least %(red)s can be on the red list, and none scoring %(black)s or more on the black list, so a list may be shorter.": "得分不低于 %(red)s 的单位才可上红榜，得分达到 %(black)s 及以上的单位不上黑榜，因此榜单可能少于设定人数。",
    "%(rate)s (÷ %(base)s)": "%(rate)s（÷%(base)s）",
}
TABLE["%(n)s units without data in this period (not ranked)"] = (
    "本期无数据的单位 %(n)s 个（不参与排名）"
)
TABLE["Another scheme for this unit kind is active; switch it off first."] = (
    "该单位类型已有启用的方案，请先停用。"
)
TABLE["The default scheme cannot be switched off: units without a scheme need it."] = (
    "默认方案不能停用：没有专用方案的单位需要它。"
)
TABLE["Switch off"] = "停用"
TABLE["Switch on"] = "启用"
TABLE[("indicator", "Late closure rate")] = "超期结案率"
TABLE["Closed late ÷ cases due for closure."] = "超期结案数 ÷ 应结案数。"
TABLE["Published score"] = "已发布得分"
TABLE["Cases due for disposal (应处置数)"] = "应处置数口径"
TABLE["Cases due for closure (应结案数)"] = "应结案数口径"
TABLE["Base of the rework rate"] = "返工率分母"
TABLE["Reworks counted as"] = "返工计数方式"
TABLE["Base of the extension rate"] = "延期率分母"
TABLE["cases reworked"] = "按返工问题件数"
TABLE["number of reworks"] = "按返工次数"
TABLE[
    "Due: dispatched cases already disposed or past their deadline, so that cases not yet due do not lower a unit's rates."
] = "到期应处置数：已处置或已过整改时限的派遣问题，未到期的问题不拉低单位的比率。"
# Review fixes (rev3): capped penalties, field labels in scheme messages, command errors.
TABLE["penalties capped at %(cap)s points"] = "扣分封顶 %(cap)s 分"
TABLE["Weight of %(name)s"] = "“%(name)s”的权重"
TABLE["Penalty points for %(name)s"] = "“%(name)s”的扣分"
TABLE["%(field)s must be a whole number."] = "%(field)s 必须是整数。"
TABLE["A grade name has at most %(n)s characters."] = "等次名称最多 %(n)s 个字。"
TABLE["Grade bands"] = "等次划分"
TABLE["Unknown user %(name)s."] = "用户 %(name)s 不存在。"
TABLE["Say which office user publishes: --as USERNAME."] = (
    "请用 --as 用户名 指定由哪位创城办用户发布。"
)
TABLE["Unknown denominator %(value)s for %(name)s."] = "“%(name)s”的选项 %(value)s 无效。"
TABLE["Penalties capped at %(cap)s points (they add up to %(total)s)."] = (
    "扣分封顶 %(cap)s 分（合计 %(total)s 分）。"
)
TABLE["Cases changed while the ranking was being computed; publish again."] = (
    "计算排名期间有问题状态发生变化，请重新发布。"
)
TABLE["%(period)s has not started yet: there is nothing to publish."] = (
    "%(period)s 尚未开始，没有可发布的内容。"
)
TABLE["Denominators of the schemes in force:"] = "现行考核方案的分母口径："
TABLE["Only the first %(n)s are listed."] = "只列出前 %(n)s 件。"
TABLE[
    "Registered cases with at least one supervision notice (督办); for a unit, only notices issued to that unit."
] = "至少下发过一次督办单的立案问题（督办）；按单位统计时只计下发给该单位的督办单。"
TABLE[
    "Registered cases under listed supervision (挂牌督办); for a unit, only notices issued to that unit."
] = "挂牌督办的立案问题；按单位统计时只计下发给该单位的挂牌督办单。"
