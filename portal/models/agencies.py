"""Agencies: the police departments that lend officers."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.accounts import User


class Agency(db.Model):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(80))
    time_zone: Mapped[str] = mapped_column(String(64))
    jurisdiction_city: Mapped[str] = mapped_column(String(120))
    jurisdiction_state: Mapped[str] = mapped_column(String(2))
    summary: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def jurisdiction(self) -> str:
        return f"{self.jurisdiction_city}, {self.jurisdiction_state}"

    def __repr__(self) -> str:
        return f"<Agency {self.slug}>"


class RateCardVersion(db.Model):
    """One dated version of an agency's rate card, kept verbatim as its TOML text.

    Versions are never edited: an agency changes its rates by importing a new version, and a
    booking keeps pointing at the version it was quoted with. A version becomes its agency's current card at
    ``activates_at`` (``portal.cards``: an agency's versions take effect in the order of their numbers); until
    then it is scheduled, and a scheduled version can be cancelled (``cancelled_at``): it then never takes
    effect, and its number is not reused.
    """

    __tablename__ = "rate_card_versions"
    __table_args__ = (UniqueConstraint("agency_id", "version", name="uq_rate_card_versions_agency_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    version: Mapped[int]
    effective_date: Mapped[date]
    source_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    activates_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    agency: Mapped[Agency] = relationship()
    imported_by: Mapped[User | None] = relationship(foreign_keys=[imported_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    def __repr__(self) -> str:
        return f"<RateCardVersion {self.agency_id} v{self.version}>"
