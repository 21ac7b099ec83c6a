"""The Kubernetes manifests (deploy/k8s) hang together: every file is in the kustomization,
every Deployment's selector matches its pods, probes name a declared port, the ConfigMaps and
volume claims a pod reads are defined, the Secrets it reads are the documented ones, and the
reference Kafka connector runs the sync image's `kafka-connector` commands, migrating its own
database first. Rendered with `kubectl kustomize` where kubectl is installed. (No cluster here:
the API server's own schema validation is not run.)"""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
# The Secrets the platform expects (platform-config.yaml says so): made outside the manifests.
SERVICES = ("ingest", "recognition", "worklist", "approvals", "payments", "sync")
SECRETS = {f"{service}-db" for service in SERVICES} | {"ledgerline-jwt", "connector-db"}


def _documents() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    documents = []
    for name in kustomization["resources"]:
        documents += [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return documents


def _of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in _documents() if d["kind"] == kind}


def test_every_manifest_is_in_the_kustomization() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)


def test_pods_read_only_what_is_defined_or_documented() -> None:
    config_maps, claims = set(_of_kind("ConfigMap")), set(_of_kind("PersistentVolumeClaim"))
    services = _of_kind("Service")
    for name, deployment in _of_kind("Deployment").items():
        pod = deployment["spec"]["template"]
        assert (
            deployment["spec"]["selector"]["matchLabels"].items()
            <= pod["metadata"]["labels"].items()
        ), name
        spec = pod["spec"]
        for volume in spec.get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, name
        volumes = {volume["name"] for volume in spec.get("volumes", [])}
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in config_maps, name
            for variable in container.get("env", []):
                if "valueFrom" in variable:
                    assert variable["valueFrom"]["secretKeyRef"]["name"] in SECRETS, name
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, name
        serving = [container for container in spec["containers"] if "ports" in container]
        for container in serving:
            ports = {port["name"] for port in container["ports"]}
            for probe in ("readinessProbe", "livenessProbe"):
                assert container[probe]["httpGet"]["port"] in ports, name
        if serving:  # the consumer Deployments serve nothing: no Service
            selector = services[name]["spec"]["selector"]
            assert selector.items() <= pod["metadata"]["labels"].items(), name


def test_the_reference_kafka_connector_is_deployed_with_its_own_database_and_ledgers() -> None:
    deployment = _of_kind("Deployment")["kafka-connector"]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    spec = deployment["spec"]["template"]["spec"]
    [migrate] = spec["initContainers"]
    [connector] = spec["containers"]
    assert migrate["image"] == connector["image"] == "ledgerline/sync:latest"
    assert migrate["command"] == ["sync", "kafka-connector", "migrate"]
    assert connector["command"][:3] == ["sync", "kafka-connector", "serve"]
    for container in (migrate, connector):
        [database] = [v for v in container["env"] if v["name"] == "CONNECTOR_DATABASE_URL"]
        assert database["valueFrom"]["secretKeyRef"]["name"] == "connector-db"
    config = _of_kind("ConfigMap")["kafka-connector"]["data"]
    [ledgers] = [m for m in connector["volumeMounts"] if m["name"] == "ledgers"]
    assert ledgers["mountPath"] == config["CONNECTOR_LEDGER_ROOT"]
    assert config["CONNECTOR_PUBLIC_BASE_URL"] == "http://kafka-connector.ledgerline.svc:8000"


def test_the_connector_commands_exist() -> None:
    """The commands the manifests run, as the sync CLI parses them."""
    from sync.cli import main

    for arguments in (["kafka-connector", "migrate"], ["kafka-connector", "serve"]):
        with pytest.raises(SystemExit) as exit_:
            main([*arguments, "--help"])
        assert exit_.value.code == 0


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomize_renders_the_manifests() -> None:
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, check=True
    ).stdout
    kinds = [d["kind"] for d in yaml.safe_load_all(rendered) if d]
    # Per service an API and a consumer Deployment, and the reference Kafka connector.
    assert kinds.count("Deployment") == 13
    assert all(
        d["metadata"].get("namespace", "ledgerline") == "ledgerline"
        for d in yaml.safe_load_all(rendered)
        if d
    )
