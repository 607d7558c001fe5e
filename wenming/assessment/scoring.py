"""Scores, grades and rankings from indicators, inspection results and task completion.

A scheme version's ``config`` (JSON) has this shape (all keys required after
:func:`clean_config`; :data:`DEFAULT_CONFIG` is the shipped default)::

    {
      "weights":    {component: weight, ...},       # weights sum to 100
      "penalties":  {measure: points per unit, ...}, # subtracted, in total at most penalty_cap
      "penalty_cap": 20,
      "grades":     [["A", 90], ["B", 75], ["C", 60], ["D", 40], ["E", 0]],
      "denominators": {...},                         # see indicators.Denominators
      "no_data":    "exclude" | "full",
      "min_dispatched": 0,
      "board_size": 3,
      "red_min_score": 75,                           # below it never on the red list
      "black_max_score": 90                          # at or above it never on the black list
    }

Score (0…100, rounded to 2 decimals)::

    base      = Σ weight_i × value_i / Σ weight_i      over components that have data
    score     = clamp(base − min(Σ points_j × measure_j, penalty_cap) + Σ adjustments, 0, 100)

Component values are 0…100: a "higher is better" rate ×100 (处置率, 按期处置率, 结案率,
按期结案率), ``(1 − rate) × 100`` for a "lower is better" rate (返工率, 延期率, 超期未处置率,
as in the Chengdu Jinniu formula ``(1−返工率)×20``), the inspection score (0–100, from
``wenming.inspections.selectors.unit_inspection_scores``), and the task on-time rate and
evidence acceptance rate ×100 (from ``wenming.campaign.selectors.unit_task_indicators``:
``on_time / due`` and ``evidence_accepted / due``). A component has no data when its
denominator is 0 or its source reports nothing for the unit; with ``no_data = "exclude"``
the remaining weights are rescaled (a unit is judged on what it had to do), with ``"full"``
it counts as 100. Case components also count as no data when the unit had fewer than
``min_dispatched`` dispatched cases. A unit with no data at all has no score and no rank.

Penalty measures are raw counts (督办数 ``escalation``, 挂牌督办数 ``listed_escalation``,
超期未处置数, 顽疾数, missing or late tasks, failed inspection items) or the normalised
``*_per_100`` figures; prefer the normalised ones so that a unit with many cases is not
punished for volume. The formula follows the real examples in
``../shared/data/indicators/scoring_formulas_examples.csv`` (weighted rates, ``10 − 督办数×0.5``,
"± 加减分") and the grade bands of the first row (A ≥ 90, B 75–<90, C 60–<75, D 40–<60, E < 40).

Ranks are competition ranks ("1224") within a unit kind, by score descending.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from wenming.core.errors import ApplicationError

from .indicators import RATES, Denominators, IndicatorRow

# component -> (source, direction, label)
COMPONENTS = {
    "dispose_rate": ("cases", +1, RATES["dispose_rate"]),
    "in_time_dispose_rate": ("cases", +1, RATES["in_time_dispose_rate"]),
    "archive_rate": ("cases", +1, RATES["archive_rate"]),
    "in_time_archive_rate": ("cases", +1, RATES["in_time_archive_rate"]),
    "overtime_archive_rate": ("cases", +1, RATES["overtime_archive_rate"]),
    "rework_rate": ("cases", -1, RATES["rework_rate"]),
    "extension_rate": ("cases", -1, RATES["extension_rate"]),
    "overtime_rate": ("cases", -1, RATES["overtime_rate"]),
    "inspection_score": ("inspections", +1, gettext_lazy("Inspection score")),
    "task_on_time_rate": ("tasks", +1, gettext_lazy("Tasks done on time")),
    "evidence_rate": ("tasks", +1, gettext_lazy("Evidence accepted")),
}

# measure -> (source, label)
PENALTY_MEASURES = {
    "escalation": ("cases", pgettext_lazy("indicator", "Under supervision")),
    "listed_escalation": ("cases", pgettext_lazy("indicator", "Under listed supervision")),
    "overtime_to_dispose": ("cases", pgettext_lazy("indicator", "Overdue, not disposed")),
    "recurring": ("cases", pgettext_lazy("indicator", "Recurring")),
    "escalation_per_100": ("cases", pgettext_lazy("indicator", "Supervised per 100 dispatched")),
    "overtime_per_100": ("cases", pgettext_lazy("indicator", "Overdue per 100 dispatched")),
    "recurring_per_100": ("cases", pgettext_lazy("indicator", "Recurring per 100 registered")),
    "tasks_missing": ("tasks", gettext_lazy("Tasks missing")),
    "tasks_late": ("tasks", gettext_lazy("Tasks late")),
    "inspection_failed": ("inspections", gettext_lazy("Failed inspection items")),
}

DEFAULT_CONFIG = {
    "weights": {
        "in_time_archive_rate": 40,
        "archive_rate": 20,
        "rework_rate": 10,
        "extension_rate": 5,
        "overtime_rate": 5,
        "inspection_score": 10,
        "task_on_time_rate": 10,
    },
    "penalties": {"escalation_per_100": 0.5, "listed_escalation": 1},
    "penalty_cap": 20,
    "grades": [["A", 90], ["B", 75], ["C", 60], ["D", 40], ["E", 0]],
    "denominators": Denominators().as_dict(),
    "no_data": "exclude",
    "min_dispatched": 0,
    "board_size": 3,
    "red_min_score": 75,
    "black_max_score": 90,
}


GRADE_NAME_MAX = 8


def _bad(field_name: str, message: str) -> ApplicationError:
    return ApplicationError("invalid_scheme", message, detail={"field": field_name})


# The scheme form's labels, used in validation messages (never the JSON keys).
OPTION_LABELS = {
    "penalty_cap": gettext_lazy("Penalty cap"),
    "board_size": gettext_lazy("List size (red and black)"),
    "min_dispatched": gettext_lazy("Minimum dispatched cases for case components"),
    "red_min_score": gettext_lazy("Lowest score on the red list"),
    "black_max_score": gettext_lazy("Scores from which a unit is never on the black list"),
}


def _label(field_name: str) -> str:
    """The Chinese label of a config field (``weights.<component>``, ``penalties.<measure>``
    or an option) for messages."""
    group, _sep, key = field_name.partition(".")
    if group == "weights" and key in COMPONENTS:
        return _("Weight of %(name)s") % {"name": COMPONENTS[key][2]}
    if group == "penalties" and key in PENALTY_MEASURES:
        return _("Penalty points for %(name)s") % {"name": PENALTY_MEASURES[key][1]}
    return str(OPTION_LABELS.get(field_name, field_name))


def _number(value, field_name: str, lo: float, hi: float, *, integer: bool = False) -> float:
    label = _label(field_name)
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise _bad(field_name, _("%(field)s must be a number.") % {"field": label}) from None
    if not math.isfinite(number) or not lo <= number <= hi:
        raise _bad(
            field_name,
            _("%(field)s must be between %(lo)s and %(hi)s.")
            % {"field": label, "lo": lo, "hi": hi},
        )
    if integer and number != int(number):
        raise _bad(field_name, _("%(field)s must be a whole number.") % {"field": label})
    return number


def clean_config(config) -> dict:
    """Validate and normalise a scheme configuration; returns a new dict with every key.

    Raises ApplicationError 400 (``invalid_scheme``, detail ``field``) for an unknown
    component or measure, weights that are negative or do not sum to 100, grade bands that
    are not descending or do not end at 0 (or whose names are longer than 8 characters),
    a list size or minimum that is not a whole number, a red-list floor or black-list
    ceiling (``red_min_score``/``black_max_score``, scores 0…100; default 75 and 90 when
    absent) out of range, or an unknown option. Messages name
    the field by its Chinese label.
    """
    if not isinstance(config, dict):
        raise _bad("config", _("The scheme must be an object."))
    out = {}
    weights = config.get("weights") or {}
    if not isinstance(weights, dict) or not weights:
        raise _bad("weights", _("Give at least one weight."))
    out["weights"] = {}
    for key, w in weights.items():
        if key not in COMPONENTS:
            raise _bad("weights", _("Unknown component %(key)s.") % {"key": str(key)[:40]})
        w = _number(w, f"weights.{key}", 0, 100)
        if w:
            out["weights"][key] = w
    total = sum(out["weights"].values())
    if abs(total - 100) > 1e-6:
        raise _bad(
            "weights", _("The weights must add up to 100 (now %(total)s).") % {"total": total}
        )
    penalties = config.get("penalties") or {}
    if not isinstance(penalties, dict):
        raise _bad("penalties", _("Penalties must be an object."))
    out["penalties"] = {}
    for key, p in penalties.items():
        if key not in PENALTY_MEASURES:
            raise _bad("penalties", _("Unknown penalty measure %(key)s.") % {"key": str(key)[:40]})
        p = _number(p, f"penalties.{key}", 0, 100)
        if p:
            out["penalties"][key] = p
    out["penalty_cap"] = _number(config.get("penalty_cap", 20), "penalty_cap", 0, 100)
    grades = config.get("grades") or DEFAULT_CONFIG["grades"]
    try:
        grades = [[str(name).strip(), float(lo)] for name, lo in grades]
    except (TypeError, ValueError):
        raise _bad("grades", _("Grade bands are pairs of a name and a lower bound.")) from None
    if any(len(name) > GRADE_NAME_MAX for name, _lo in grades):
        raise _bad(
            "grades",
            _("A grade name has at most %(n)s characters.") % {"n": GRADE_NAME_MAX},
        )
    if any(not math.isfinite(lo) for _name, lo in grades):
        raise _bad("grades", _("Grade bands are pairs of a name and a lower bound."))
    bounds = [lo for _n, lo in grades]
    if (
        not grades
        or any(not name for name, _lo in grades)
        or bounds != sorted(bounds, reverse=True)
        or len(set(bounds)) != len(bounds)
        or bounds[-1] != 0
        or bounds[0] > 100
    ):
        raise _bad(
            "grades",
            _("Grade bands must have names, strictly descending lower bounds, and end at 0."),
        )
    out["grades"] = grades
    out["denominators"] = Denominators.from_dict(config.get("denominators")).as_dict()
    no_data = config.get("no_data", "exclude")
    if no_data not in ("exclude", "full"):
        raise _bad("no_data", _("Unknown choice for units without data."))
    out["no_data"] = no_data
    out["min_dispatched"] = int(
        _number(config.get("min_dispatched", 0), "min_dispatched", 0, 10**6, integer=True)
    )
    out["board_size"] = int(_number(config.get("board_size", 3), "board_size", 0, 50, integer=True))
    # Absent from configs saved before these options existed (e.g. migration 0002's): the
    # defaults apply when read.
    out["red_min_score"] = _number(
        config.get("red_min_score", DEFAULT_CONFIG["red_min_score"]), "red_min_score", 0, 100
    )
    out["black_max_score"] = _number(
        config.get("black_max_score", DEFAULT_CONFIG["black_max_score"]),
        "black_max_score",
        0,
        100,
    )
    return out


@dataclass
class Score:
    """A unit's score with its parts (JSON-ready ``parts``: ``components`` {key: {value,
    weight}}, ``penalties`` {key: {measure, points}}, ``adjustments`` [{points, reason}],
    ``base``, ``penalty``, ``adjustment``). ``score``/``grade`` are None without data."""

    score: float | None
    grade: str
    parts: dict = field(default_factory=dict)


def component_values(
    row: IndicatorRow, inspection: dict | None, tasks: dict | None, min_dispatched: int = 0
) -> dict[str, float | None]:
    """Every component's value 0…100 (None = no data) for one unit."""
    values: dict[str, float | None] = {}
    enough = row.dispatch >= min_dispatched
    for key, (source, direction, _label) in COMPONENTS.items():
        if source != "cases":
            continue
        rate = getattr(row, key)
        if rate is None or not enough:
            values[key] = None
        else:
            values[key] = rate * 100 if direction > 0 else (1 - rate) * 100
    values["inspection_score"] = (
        float(inspection["score"])
        if inspection and inspection.get("checked") and inspection.get("score") is not None
        else None
    )
    due = (tasks or {}).get("due") or 0
    values["task_on_time_rate"] = tasks["on_time"] * 100 / due if due else None
    values["evidence_rate"] = tasks.get("evidence_accepted", 0) * 100 / due if due else None
    return values


def penalty_measures(row: IndicatorRow, inspection: dict | None, tasks: dict | None) -> dict:
    """Every penalty measure's value for one unit (None when its source has nothing)."""
    out = {
        key: getattr(row, key)
        for key, (source, _l) in PENALTY_MEASURES.items()
        if source == "cases"
    }
    out["tasks_missing"] = (tasks or {}).get("missing")
    out["tasks_late"] = (tasks or {}).get("late")
    out["inspection_failed"] = (inspection or {}).get("failed")
    return out


def grade_of(score: float | None, grades) -> str:
    """The first band whose lower bound the score reaches ('' for no score)."""
    if score is None:
        return ""
    for name, lo in grades:
        if score >= lo:
            return name
    return grades[-1][0]


def score_unit(
    config: dict,
    row: IndicatorRow,
    inspection: dict | None = None,
    tasks: dict | None = None,
    adjustments: list[dict] | None = None,
) -> Score:
    """Score one unit under a clean ``config`` (see the module docstring for the formula).

    ``adjustments``: ``[{"points": float, "reason": str}]`` for the period.
    """
    values = component_values(row, inspection, tasks, config.get("min_dispatched", 0))
    components = {}
    total_w = weighted = 0.0
    for key, weight in config["weights"].items():
        value = values.get(key)
        if value is None and config.get("no_data") == "full":
            value = 100.0
        components[key] = {"value": None if value is None else round(value, 4), "weight": weight}
        if value is not None:
            total_w += weight
            weighted += weight * value
    measures = penalty_measures(row, inspection, tasks)
    penalties = {}
    penalty = 0.0
    for key, points in config["penalties"].items():
        measure = measures.get(key)
        if measure:
            penalties[key] = {"measure": measure, "points": round(points * measure, 4)}
            penalty += points * measure
    uncapped = penalty
    penalty = min(penalty, config["penalty_cap"])
    adjustments = adjustments or []
    adjustment = sum(float(a["points"]) for a in adjustments)
    parts = {
        "components": components,
        "penalties": penalties,
        "adjustments": adjustments,
        "penalty": round(penalty, 4),
        "adjustment": round(adjustment, 4),
        # Set only when the cap cut the penalties: what they added up to, and the cap.
        **(
            {"penalty_uncapped": round(uncapped, 4), "penalty_cap": config["penalty_cap"]}
            if uncapped > penalty
            else {}
        ),
    }
    if not total_w:
        # No data, no score — also with adjustments: a penalty must never turn "nothing to
        # judge" into full marks minus the penalty (and a place on the red list).
        parts["base"] = None
        return Score(None, "", parts)
    base = weighted / total_w
    parts["base"] = round(base, 4)
    score = round(min(max(base - penalty + adjustment, 0.0), 100.0), 2)
    return Score(score, grade_of(score, config["grades"]), parts)


def competition_ranks(scores: list[float | None]) -> list[int | None]:
    """Ranks "1224" by score descending; None scores get no rank."""
    ordered = sorted((s for s in scores if s is not None), reverse=True)
    first = {}
    for i, s in enumerate(ordered, 1):
        first.setdefault(s, i)
    return [first[s] if s is not None else None for s in scores]


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def _short(value) -> str:
    """A number with at most one decimal and no trailing zero ("21.5", "3", "0.5")."""
    return f"{round(float(value), 1):g}"


def board_reason(kind: str, score: Score) -> str:
    """The reason shown on the 红黑榜: score and grade, then the strongest (red) or weakest
    (black) two components, then penalties and adjustments with their reasons."""
    comps = [
        (v["value"], k)
        for k, v in score.parts.get("components", {}).items()
        if v["value"] is not None
    ]
    comps.sort(reverse=(kind == "red"))
    bits = [_("Score %(score).2f (%(grade)s)") % {"score": score.score, "grade": score.grade}]
    label = _("strongest") if kind == "red" else _("weakest")
    if comps:
        # Show the rate itself ("返工率 16.7%"), not its complement used for scoring.
        shown = ", ".join(
            f"{COMPONENTS[k][2]} {_pct(v if COMPONENTS[k][1] > 0 else 100 - v)}"
            for v, k in comps[:2]
        )
        bits.append(f"{label}: {shown}")
    if kind == "black":
        for key, p in score.parts.get("penalties", {}).items():
            bits.append(
                _("%(name)s %(measure)s (−%(points)s)")
                % {
                    "name": PENALTY_MEASURES[key][1],
                    "measure": _short(p["measure"]),
                    "points": _short(p["points"]),
                }
            )
        if "penalty_uncapped" in score.parts:
            bits.append(
                _("penalties capped at %(cap)s points") % {"cap": _short(score.parts["penalty"])}
            )
    for a in score.parts.get("adjustments", []):
        bits.append(f"{float(a['points']):+g} {a['reason']}")
    return "; ".join(bits)[:500]
