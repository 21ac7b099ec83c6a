"""Exports the JSON Schema of every event (its CloudEvents envelope with typed data)."""

import json
from pathlib import Path

from ledgerline.events import EVENTS, Envelope


def export_event_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    catalogue = []
    for spec in EVENTS:
        schema = Envelope[spec.model].model_json_schema(mode="serialization")  # type: ignore[name-defined]
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://schemas.ledgerline.example/events/{spec.topic}.json"
        schema["title"] = spec.type
        schema["description"] = (
            f"{spec.description} Kafka topic {spec.topic}, key: dossier id. The data travels "
            "inline in `data`, or, when larger than the producer's bound, behind `dataref` "
            "(claim check; see docs/events/README.md)."
        )
        # On the wire an event carries its data inline or a dataref to it, never neither.
        schema["required"] = [name for name in schema["required"] if name != "data"]
        schema["anyOf"] = [{"required": ["data"]}, {"required": ["dataref"]}]
        path = folder / f"{spec.topic}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
        catalogue.append(
            {
                "topic": spec.topic,
                "type": spec.type,
                "dlq": spec.dlq_topic,
                "key": spec.key,
                "schema": path.name,
            }
        )
    index = folder / "index.json"
    index.write_text(json.dumps(catalogue, indent=2) + "\n")
    written.append(index)
    return written
