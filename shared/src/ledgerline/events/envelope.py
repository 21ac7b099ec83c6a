"""The CloudEvents 1.0 envelope every Ledgerline event travels in."""

from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

DataT = TypeVar("DataT", bound=BaseModel)


class Envelope(BaseModel, Generic[DataT]):
    """CloudEvents 1.0 structured-mode JSON, with Ledgerline's extension attributes."""

    model_config = ConfigDict(frozen=True)

    specversion: str = "1.0"
    id: UUID = Field(default_factory=uuid4)
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
    data: DataT


class RawEnvelope(Envelope[Any]):
    """An envelope whose data is not parsed yet (used to route and deduplicate)."""

    data: dict[str, Any]
