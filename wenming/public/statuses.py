"""The one table that maps our case statuses outward: to Open311 (open/closed), to the
FixMyStreet extended statuses, and to the words a citizen reads.

Open311 GeoReport v2 knows only ``open`` and ``closed``. FixMyStreet's extension (mySociety,
"Open311 extended", 2013; the ``status_extended`` type of mysociety/open311-adapter) adds
``fixed``, ``in_progress``, ``action_scheduled``, ``investigating``, ``duplicate``,
``not_councils_responsibility``, ``no_further_action``, ``internal_referral`` (and
``reopen``/``for_triage``, which we never produce). The table is exhaustive: importing this
module fails when a case status has no row, so a new status cannot silently leak out as
"open".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.cases.models import Status

FMS_STATUSES = (
    "open",
    "closed",
    "fixed",
    "in_progress",
    "action_scheduled",
    "investigating",
    "duplicate",
    "not_councils_responsibility",
    "no_further_action",
    "internal_referral",
    "reopen",
    "for_triage",
)


@dataclass(frozen=True)
class Outward:
    """How one case status is shown outside: Open311 ``open311`` (open/closed), the
    FixMyStreet extended status ``fms``, and the citizen's words ``citizen``."""

    open311: str
    fms: str
    citizen: Promise


STATUS_MAP: dict[str, Outward] = {
    Status.REPORTED: Outward("open", "open", _("Accepted, being assigned")),
    Status.DISPATCHED: Outward("open", "action_scheduled", _("Assigned to the responsible unit")),
    Status.ACCEPTED: Outward("open", "in_progress", _("Being fixed")),
    Status.SUBMITTED: Outward("open", "investigating", _("Fix reported, being checked")),
    Status.RETURNED: Outward("open", "internal_referral", _("Being reassigned")),
    Status.CLOSED: Outward("closed", "fixed", _("Fixed")),
    Status.REJECTED: Outward("closed", "no_further_action", _("Closed without action")),
    Status.MERGED: Outward("closed", "duplicate", _("Handled together with the same problem")),
}

if set(STATUS_MAP) != set(Status.values):  # pragma: no cover - a developer error
    missing = sorted(set(Status.values) - set(STATUS_MAP))
    raise ImportError(f"wenming.public.statuses.STATUS_MAP lacks case statuses {missing}")
if any(
    o.fms not in FMS_STATUSES or o.open311 not in ("open", "closed") for o in STATUS_MAP.values()
):
    raise ImportError("wenming.public.statuses.STATUS_MAP has an unknown outward status")

#: Case statuses per Open311 status, for filters (``status=open``).
OPEN311_TO_CASE: dict[str, tuple[str, ...]] = {
    name: tuple(s for s, o in STATUS_MAP.items() if o.open311 == name)
    for name in ("open", "closed")
}
#: Case statuses per status filter value: the FixMyStreet extended statuses we produce, and
#: ``open``/``closed`` in the Open311 sense.
FMS_TO_CASE: dict[str, tuple[str, ...]] = {
    **{
        fms: tuple(s for s, o in STATUS_MAP.items() if o.fms == fms)
        for fms in {o.fms for o in STATUS_MAP.values()}
    },
    **OPEN311_TO_CASE,
}


def outward(status: str) -> Outward:
    """The outward row for a case status (KeyError for an unknown one)."""
    return STATUS_MAP[status]


#: What a citizen reads for each step of a case's timeline (CaseEvent.action). Actions not
#: listed (extension requests, escalations, notes) are internal and never shown.
PUBLIC_EVENT_WORDS: dict[str, Promise] = {
    "report": _("Accepted onto the ledger"),
    "dispatch": _("Assigned to the responsible unit"),
    "accept": _("The responsible unit started the fix"),
    "return": _("Being reassigned to the right unit"),
    "submit": _("The unit reported the fix; waiting for the check"),
    "verify": _("The fix was checked: done"),
    "rework": _("The check found more to do; the fix continues"),
    "reject": _("Closed without action"),
    "merge": _("Handled together with a report of the same problem"),
    "approve_extension": _("The deadline was extended"),
}

#: The case's own ``report`` step, read by a citizen whose report was merged into it: the
#: case was someone else's (an inspector's, the hotline's, another citizen's), and "accepted
#: onto the ledger" before the merge read as if their own report had been listed and merged.
EARLIER_REPORT_WORDS: Promise = _("Reported by someone else and put on the ledger")

#: What a citizen reads for the steps of their own report before it is a case.
REPORT_EVENT_WORDS: dict[str, Promise] = {
    "submit": _("Report received"),
    "accept": _("Accepted by the campaign office"),
    "reject": _("Not accepted"),
    "merge": _("Merged with an existing case of the same problem"),
}

#: The office's words for the same steps, in the report's history on the triage page (the
#: citizen's words above speak to the citizen: "已收到您的反映").
TRIAGE_EVENT_WORDS: dict[str, Promise] = {
    "submit": pgettext_lazy("triage event", "submitted"),
    "accept": pgettext_lazy("triage event", "accepted onto the ledger"),
    "reject": pgettext_lazy("triage event", "not accepted"),
    "merge": pgettext_lazy("triage event", "merged into an existing case"),
}

#: The citizen's words for a report still in (or out of) triage.
REPORT_STATUS_WORDS: dict[str, Promise] = {
    "pending": _("Waiting for review by the campaign office"),
    "rejected": _("Not accepted"),
}
