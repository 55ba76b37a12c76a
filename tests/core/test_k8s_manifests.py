"""The Kubernetes deployment (issue 23, deploy/k8s/, ADR 0109): the production overlay renders with
`kubectl kustomize`, every object passes the Kubernetes schema (kubernetes-validate, strict: unknown
fields fail too), and the points the issue asks for hold in the rendered output."""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OVERLAY = ROOT / "deploy" / "k8s" / "overlays" / "production"
BASE = ROOT / "deploy" / "k8s" / "base"
KUBERNETES_VERSION = "1.32.0"  # the schemas the objects are checked against (kubectl's own version)

pytestmark = pytest.mark.skipif(
    not shutil.which("kubectl"),
    reason="kubectl (with kustomize) is not installed: the Kubernetes manifests cannot be rendered",
)


def kustomize(path):
    result = subprocess.run(
        ["kubectl", "kustomize", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def objects():
    return kustomize(OVERLAY)


def one(objects, kind, name):
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def of_kind(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def workloads(objects):
    """Every object with a pod template: Deployments and the migration Job."""
    return [o for o in objects if o["kind"] in ("Deployment", "Job")]


def pod_spec(obj):
    return obj["spec"]["template"]["spec"]


def containers(obj, init=True):
    spec = pod_spec(obj)
    return spec["containers"] + (spec.get("initContainers", []) if init else [])


def main_container(obj):
    (container,) = pod_spec(obj)["containers"]
    return container


def selects(selector, labels):
    """Does a label selector (matchLabels / matchExpressions) select these labels?"""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        op, key, values = expr["operator"], expr["key"], expr.get("values", [])
        if (
            (op == "In" and labels.get(key) not in values)
            or (op == "NotIn" and labels.get(key) in values)
            or (op == "Exists" and key not in labels)
            or (op == "DoesNotExist" and key in labels)
        ):
            return False
    return True


def config_and_secrets(objects):
    config = {}
    for cm in of_kind(objects, "ConfigMap"):
        config.update(cm.get("data", {}))
    secrets = {}
    for secret in of_kind(objects, "Secret"):
        name = secret["metadata"]["name"]
        data = {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
        data.update(secret.get("stringData", {}))
        secrets[name] = data
    return config, secrets


def referenced(obj, kind_ref):
    """Names of ConfigMaps ('configMapRef') or Secrets ('secretRef') a workload's pods read."""
    names = set()
    for container in containers(obj):
        for source in container.get("envFrom", []):
            if kind_ref in source:
                names.add(source[kind_ref]["name"])
        for var in container.get("env", []):
            key_ref = {"configMapRef": "configMapKeyRef", "secretRef": "secretKeyRef"}[kind_ref]
            ref = var.get("valueFrom", {}).get(key_ref)
            if ref:
                names.add(ref["name"])
    return names


def readme_variables():
    """Every variable in README.md's configuration table; "(or `OLDER_NAME`)" alternatives aside."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = re.sub(r"\(or [^)]*\)", "", line.split("|")[1])
        names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    assert len(names) > 40, names  # the table was found and read
    return names


# --- rendering and schemas ------------------------------------------------------------------


def test_base_and_production_overlay_render(objects):
    assert kustomize(BASE)
    kinds = {o["kind"] for o in objects}
    assert {
        "Namespace",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Job",
        "ConfigMap",
        "Secret",
        "NetworkPolicy",
        "Ingress",
    } <= kinds
    assert "PersistentVolumeClaim" not in kinds  # stateless: files are in object storage
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "resettle", obj["metadata"]["name"]


def test_every_object_passes_the_kubernetes_schema_strictly(objects):
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_catches_a_mistake(objects):
    """Guard: a misspelt field in a rendered Deployment is refused, so the check above checks."""
    web = json.loads(json.dumps(one(objects, "Deployment", "resettle-web")))
    main_container(web)["readinesProbe"] = main_container(web).pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(web, KUBERNETES_VERSION, strict=True)


# --- web ------------------------------------------------------------------------------------


def test_web_runs_gunicorn_with_readiness_and_liveness_probes(objects):
    web = one(objects, "Deployment", "resettle-web")
    container = main_container(web)
    assert container["command"] == [
        "gunicorn",
        "config.wsgi:application",
        "-c",
        "config/gunicorn.py",
    ]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 8000}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    # The HPA owns the replica count: the Deployment must not set one that every apply would reset.
    assert "replicas" not in web["spec"]
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    service = one(objects, "Service", "resettle-web")
    assert selects({"matchLabels": service["spec"]["selector"]}, web_labels(objects))


def test_web_and_workers_are_scraped_by_prometheus(objects):
    """/metrics on the web port and the worker's metrics port (core/metrics.py), both annotated."""
    for name, port in (("resettle-web", "8000"), ("resettle-worker", "9100")):
        template = one(objects, "Deployment", name)["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true", name
        assert (annotations["prometheus.io/port"], annotations["prometheus.io/path"]) == (
            port,
            "/metrics",
        )
    worker = main_container(one(objects, "Deployment", "resettle-worker"))
    assert {p["name"]: p["containerPort"] for p in worker["ports"]} == {"metrics": 9100}


def web_labels(objects):
    return one(objects, "Deployment", "resettle-web")["spec"]["template"]["metadata"]["labels"]


def test_web_has_an_autoscaler_and_a_disruption_budget(objects):
    hpa = one(objects, "HorizontalPodAutoscaler", "resettle-web")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "resettle-web",
    }
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert hpa["spec"]["metrics"]
    budgets = [
        pdb
        for pdb in of_kind(objects, "PodDisruptionBudget")
        if selects(pdb["spec"]["selector"], web_labels(objects))
    ]
    assert len(budgets) == 1
    spec = budgets[0]["spec"]
    # Some pods may go (drains proceed), never all of them.
    assert spec.get("maxUnavailable", 0) >= 1 or spec.get("minAvailable", 0) >= 1
    assert spec.get("minAvailable", 0) < hpa["spec"]["minReplicas"]


# --- workers, beat, migration ---------------------------------------------------------------


def test_celery_workers_and_exactly_one_beat(objects):
    worker = one(objects, "Deployment", "resettle-worker")
    assert main_container(worker)["command"][:4] == ["celery", "-A", "config", "worker"]
    assert worker["spec"]["replicas"] >= 2
    beats = [
        d for d in of_kind(objects, "Deployment") if "beat" in main_container(d)["command"][:4]
    ]
    assert [b["metadata"]["name"] for b in beats] == ["resettle-beat"]
    beat = beats[0]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    scaled = {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind(objects, "HorizontalPodAutoscaler")
    }
    assert "resettle-beat" not in scaled


def test_the_migration_job_migrates_as_the_owner_then_grants_the_application_role(objects):
    """As docker-compose's one-shot `migrate` service (tests/core/test_deploy_files.py)."""
    job = one(objects, "Job", "resettle-migrate")
    command = " ".join(main_container(job)["command"])
    assert "manage.py migrate --no-input && python manage.py db_app_role" in command
    assert pod_spec(job)["restartPolicy"] == "Never"
    config, secrets = config_and_secrets(objects)
    assert config["DATABASE_APP_ROLE"] == "resettle_app"
    (owner_secret,) = referenced(job, "secretRef") - {
        name for name in secrets if name.startswith("resettle-secrets")
    }
    assert secrets[owner_secret]["DATABASE_URL"].startswith("postgres://resettle:")
    assert "DATABASE_APP_PASSWORD" in secrets[owner_secret]
    # Web, worker and beat connect as the application role and never see the owner's credentials.
    for deployment in of_kind(objects, "Deployment"):
        refs = referenced(deployment, "secretRef")
        assert owner_secret not in refs, deployment["metadata"]["name"]
        (app_secret,) = refs
        assert secrets[app_secret]["DATABASE_URL"].startswith("postgres://resettle_app:")


def test_new_pods_start_only_after_the_migrations_are_applied(objects):
    """Every Deployment's pods wait in an init container until `migrate --check` passes, i.e. until
    the migration Job has applied this image's migrations (the ordering, ADR 0109)."""
    job = one(objects, "Job", "resettle-migrate")
    for deployment in of_kind(objects, "Deployment"):
        name = deployment["metadata"]["name"]
        first = pod_spec(deployment)["initContainers"][0]
        assert "manage.py migrate --check" in " ".join(first["command"]), name
        assert first["image"] == main_container(deployment)["image"] == main_container(job)["image"]
        assert "migrate --no-input" not in " ".join(main_container(deployment)["command"]), name


# --- hardening ------------------------------------------------------------------------------


def test_every_pod_is_non_root_with_a_read_only_root_and_limits(objects):
    for obj in workloads(objects):
        name = obj["metadata"]["name"]
        spec = pod_spec(obj)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert spec["automountServiceAccountToken"] is False, name
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in containers(obj):
            where = f"{name}/{container['name']}"
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert security.get("runAsUser", 1000) != 0, where
            for part in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][part]), where
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], where  # noqa: S108 (a mount path)


def test_network_policies_deny_by_default_and_allow_only_what_is_needed(objects):
    policies = of_kind(objects, "NetworkPolicy")
    deny = [p for p in policies if p["spec"]["podSelector"] == {}]
    assert len(deny) == 1
    assert set(deny[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert not deny[0]["spec"].get("ingress") and not deny[0]["spec"].get("egress")

    def allowed(labels, direction, port, protocol="TCP"):
        for policy in policies:
            if not selects(policy["spec"]["podSelector"], labels):
                continue
            for rule in policy["spec"].get(direction, []):
                if any(
                    p["port"] == port and p.get("protocol", "TCP") == protocol
                    for p in rule.get("ports", [])
                ):
                    return True
        return False

    pods = {
        o["metadata"]["name"]: o["spec"]["template"]["metadata"]["labels"]
        for o in workloads(objects)
    }
    web = pods["resettle-web"]
    assert allowed(web, "ingress", 8000)
    for name in ("resettle-worker", "resettle-beat", "resettle-migrate"):
        assert not allowed(pods[name], "ingress", 8000), name
    for name, labels in pods.items():
        assert allowed(labels, "egress", 53, "UDP"), name
        assert allowed(labels, "egress", 5432), name
    for name in ("resettle-web", "resettle-worker", "resettle-beat"):
        assert allowed(pods[name], "egress", 6379), name
    for name in ("resettle-web", "resettle-worker", "resettle-migrate"):
        assert allowed(pods[name], "egress", 443), name  # object storage
    assert allowed(pods["resettle-worker"], "ingress", 9100)  # the worker's metrics
    assert not allowed(pods["resettle-beat"], "ingress", 9100)


# --- configuration --------------------------------------------------------------------------


def test_every_readme_variable_is_in_the_config_map_or_a_secret(objects):
    config, secrets = config_and_secrets(objects)
    present = set(config).union(*secrets.values())
    missing = sorted(readme_variables() - present)
    assert not missing, f"README variables in no ConfigMap or Secret: {missing}"


def test_secrets_hold_placeholders_only_and_secret_values_are_not_in_the_config_map(objects):
    config, secrets = config_and_secrets(objects)
    for name, data in secrets.items():
        for key, value in data.items():
            assert "CHANGE-ME" in value, f"{name}/{key} is not a placeholder"
    for key in (
        "DJANGO_SECRET_KEY",
        "DATABASE_URL",
        "EMAIL_HOST_PASSWORD",
        "DATABASE_APP_PASSWORD",
    ):
        assert key not in config, key


def test_the_settings_load_from_the_rendered_config_map_and_secret(objects):
    """The values are ones config/settings.py accepts (no empty number, production hardening on)."""
    config, secrets = config_and_secrets(objects)
    (app_secret,) = referenced(one(objects, "Deployment", "resettle-web"), "secretRef")
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.update(config)
    env.update(secrets[app_secret])
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "s.OTP_REQUIRED_FOR_MANAGERS, s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, "
        "s.DATABASES['default']['USER'], s.CACHES['default']['BACKEND'], "
        "s.STORAGES['default']['BACKEND'], s.STORAGES['default']['OPTIONS']['bucket_name'], "
        "s.LOG_FORMAT, bool(s.METRICS_TOKEN)]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        False,
        True,
        True,
        True,
        False,
        "django.core.mail.backends.smtp.EmailBackend",
        "resettle_app",
        "django.core.cache.backends.redis.RedisCache",
        "storages.backends.s3.S3Storage",
        "resettle-production-files",
        "json",
        True,
    ]


def test_the_readme_says_how_to_deploy_in_order():
    """README "Deploying": apply the overlay, wait for the migration Job, then the rollouts; delete
    the finished Job before a release (its pod template cannot change)."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Deploying", 1)[1].split("\n## ", 1)[0]
    steps = [
        "kubectl apply -k deploy/k8s/overlays/production",
        "wait --for=condition=complete job/resettle-migrate",
        "rollout status deployment/resettle-$d",
    ]
    positions = [section.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "delete job resettle-migrate" in section
    assert "docker compose up -d --build" in section
    for path in re.findall(r"`(deploy/[\w./-]+)`", section):
        assert (ROOT / path).exists(), path
