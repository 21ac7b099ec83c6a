"""The CloudEvents 1.0 envelope every Ledgerline event travels in."""

from datetime import UTC, datetime
from typing import Any, Generic, Self, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator
from uuid_utils.compat import uuid7

DataT = TypeVar("DataT", bound=BaseModel)


class Envelope(BaseModel, Generic[DataT]):
    """CloudEvents 1.0 structured-mode JSON, with Ledgerline's extension attributes.

    On the wire an event whose data is too large carries `dataref` (CloudEvents extension) and
    no `data` (claim check, see `ledgerline.claimcheck`); consumers resolve it before handling,
    so a typed envelope always has its data.
    """

    model_config = ConfigDict(frozen=True)

    specversion: str = "1.0"
    # Time-ordered: every inbox and outbox row keyed by it lands at the end of its index.
    id: UUID = Field(default_factory=uuid7)
    source: str = Field(description="The emitting service, e.g. /ledgerline/ingest")
    type: str = Field(description="Event type, e.g. be.ledgerline.document.received.v1")
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = Field(default=None, description="The entity the event is about")
    datacontenttype: str = "application/json"
    dossierid: UUID = Field(description="Dossier the event belongs to; also the Kafka key")
    officeid: UUID = Field(description="Office (tenant) that owns the dossier")
    correlationid: str = Field(description="Shared by every event and request of one flow")
    causationid: str | None = Field(
        default=None, description="Id of the event or request that caused this one"
    )
    dataref: str | None = Field(
        default=None,
        description="CloudEvents dataref extension: when set, the event carries no inline "
        "`data`; GET this absolute URL with a service token scoped to the event's dossier "
        "(Authorization: Bearer) to obtain the data object (application/json).",
        json_schema_extra={"format": "uri"},
    )
    data: DataT


class RawEnvelope(Envelope[Any]):
    """An envelope whose data is not parsed yet (used to route and deduplicate); on the wire it
    has its data inline or a dataref."""

    data: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _data_or_dataref(self) -> Self:
        if self.data is None and self.dataref is None:
            raise ValueError("an event carries either data or a dataref")
        return self
