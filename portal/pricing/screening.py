"""Eligibility: screening answers, jurisdiction, shift length, notice periods."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from .card import RateCard
from .request import QuoteRequest

__all__ = ["Approval", "Notice", "Screened", "screen"]


class Notice(NamedTuple):
    """A notice or a block: a stable machine ``code``, a sentence, the source it rests on."""

    code: str
    message: str
    source: str = ""
    shifts: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"code": self.code, "message": self.message, "source": self.source}
        if self.shifts:
            d["shifts"] = list(self.shifts)
        return d


class Approval(NamedTuple):
    code: str
    name: str  # who must approve
    message: str
    source: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "message": self.message, "source": self.source}


@dataclass(slots=True)
class Screened:
    blocks: list[Notice]
    approvals: list[Approval]
    notices: list[Notice]
    minimum_headcount: int
    minimum_reason: str


_SPACE = re.compile(r"[\s.]+")


def _norm(s: str) -> str:
    return _SPACE.sub(" ", s).strip().casefold()


def screen(req: QuoteRequest, card: RateCard) -> Screened:
    """Apply the card's screening answers and jurisdiction (request-level rules)."""
    out = Screened([], [], [], 0, "")
    for q in card.screening if req.screening else ():
        if q.key not in req.screening:
            continue
        for e in q.effects:
            if e.effect == "block":
                out.blocks.append(Notice(e.code, e.message, e.source))
            elif e.effect == "approval":
                out.approvals.append(Approval(e.code, e.approval, e.message, e.source))
                out.notices.append(Notice(e.code, e.message, e.source))
            elif e.effect == "minimum":
                if e.minimum_headcount > out.minimum_headcount:
                    out.minimum_headcount = e.minimum_headcount
                    reason = e.message[:1].lower() + e.message[1:].rstrip(".")
                    out.minimum_reason = reason + (f" ({e.source})" if e.source else "")
                out.notices.append(Notice(e.code, e.message, e.source))
            else:
                out.notices.append(Notice(e.code, e.message, e.source))

    j = card.jurisdiction
    if j is not None and j.restrict:
        where = f"{j.city}, {j.state}"
        loc = req.location
        rule = j.message or f"{card.short_name} officers work only inside {where}."
        if loc is None:
            out.notices.append(Notice("location_unchecked", f"{rule} No location was given; the agency will "
                                                            "check it before approving.", j.source))
        else:
            wrong = []
            if loc.city and _norm(loc.city) != _norm(j.city):
                wrong.append(loc.city)
            if loc.state and _norm(loc.state) not in {_norm(s) for s in j.state_names}:
                wrong.append(loc.state)
            if loc.zip and j.zips and loc.zip[:5] not in j.zips:
                wrong.append(f"ZIP {loc.zip}")
            if wrong:
                out.blocks.append(Notice("outside_jurisdiction",
                                         f"{rule} The location given ({', '.join(wrong)}) is outside.", j.source))
            elif not (loc.city and loc.state):
                out.notices.append(Notice("location_unchecked", f"{rule} The location is incomplete; the agency "
                                                                "will check it before approving.", j.source))
    return out
