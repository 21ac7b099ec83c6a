"""The Kubernetes manifests (deploy/k8s): every service runs as an API Deployment that does not
consume and a consumer Deployment (`<service> consume`) with the same image, database and
secrets, so consumers scale apart from the API."""

from pathlib import Path
from typing import Any

import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
SERVICES = ["ingest", "recognition", "worklist", "approvals", "payments", "sync"]


def documents() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    found: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        found += [doc for doc in yaml.safe_load_all((K8S / resource).read_text()) if doc]
    return found


def deployment(name: str) -> dict[str, Any]:
    [found] = [
        doc
        for doc in documents()
        if doc["kind"] == "Deployment" and doc["metadata"]["name"] == name
    ]
    return found


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    [found] = deployment["spec"]["template"]["spec"]["containers"]
    return found


def env(container: dict[str, Any]) -> dict[str, Any]:
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container["env"]}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_a_consumer_deployment_beside_its_api(service: str) -> None:
    api, consumer = deployment(service), deployment(f"{service}-consumer")
    api_container, consumer_container = container(api), container(consumer)
    prefix = service.upper()

    assert consumer_container["command"] == [service, "consume"]
    assert consumer_container["image"] == api_container["image"]
    # The same database, secrets and public URL (the consumers' events name it), no HTTP port.
    consumer_env = env(consumer_container)
    assert consumer_env == {
        name: value
        for name, value in env(api_container).items()
        if name != f"{prefix}_RUN_CONSUMERS"
    }
    assert consumer_env[f"{prefix}_DATABASE_URL"] == {
        "secretKeyRef": {"name": f"{service}-db", "key": "url"}
    }
    assert "ports" not in consumer_container
    assert consumer_container["envFrom"] == api_container["envFrom"]
    # The API leaves the consuming to the consumer Deployment.
    assert env(api_container)[f"{prefix}_RUN_CONSUMERS"] == "false"
    # Its pods are its own: the API Service does not select them.
    selector = consumer["spec"]["selector"]["matchLabels"]
    assert selector.items() <= consumer["spec"]["template"]["metadata"]["labels"].items()
    assert selector["app.kubernetes.io/name"] == f"{service}-consumer"
    assert consumer["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
