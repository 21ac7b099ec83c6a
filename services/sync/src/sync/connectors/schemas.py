"""Exports the JSON Schemas of the connector contract's models to docs/connectors/."""

import json
from pathlib import Path

from sync.connectors.contract import CONTRACT_MODELS

SCHEMA_BASE = "https://schemas.ledgerline.example/connectors/"


def schema_file_name(model: type) -> str:
    return f"{model.__name__}.json"


def export_connector_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for model in CONTRACT_MODELS:
        schema = model.model_json_schema(mode="serialization")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = SCHEMA_BASE + schema_file_name(model)
        path = folder / schema_file_name(model)
        path.write_text(json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        written.append(path)
    index = folder / "index.json"
    index.write_text(
        json.dumps(
            [
                {
                    "model": model.__name__,
                    "schema": schema_file_name(model),
                    "description": (model.__doc__ or "").strip().splitlines()[0]
                    if model.__doc__
                    else "",
                }
                for model in CONTRACT_MODELS
            ],
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    written.append(index)
    return written
