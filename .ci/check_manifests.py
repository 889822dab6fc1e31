#!/usr/bin/env python3
"""Structure checks the schemas cannot make, for the deployment manifests.

* docker/compose.yaml: known top-level keys; every service has an image or a build (and an
  image it runs is built by some service); ports are HOST:CONTAINER numbers; volumes are
  declared named volumes or relative/absolute bind paths; depends_on names services; a `$`
  meant for the container is escaped as `$$` (compose substitutes `$VAR` on the host).
* cluster/k8s/*.yaml (schemas: kubernetes-validate): selectors match the pod labels, mounts
  name declared volumes, `$(VAR)` in args is a declared env var, a StatefulSet's serviceName
  and a Service's selector and ports point at real pods and container ports.
* Drover's own rules, in both: a worker with `--curve-secret DIR/NAME.key` passes `--name` equal
  to NAME or extending it (`NAME-…`), else the coordinator answers ERROR forbidden; a secret key
  is not read straight from a Kubernetes secret volume (group-readable under fsGroup, root-owned
  otherwise: drover refuses or cannot read it).

Usage: python3 .ci/check_manifests.py [REPO_DIR]; exit 1 with one line per problem.
"""
import glob
import os
import re
import sys

import yaml

problems = []


def problem(where, text):
    problems.append(f"{where}: {text}")


COMPOSE_TOP = {"services", "volumes", "networks", "configs", "secrets", "name", "version"}
COMPOSE_SERVICE = {
    "build", "image", "command", "entrypoint", "environment", "env_file", "ports", "expose",
    "volumes", "depends_on", "stop_grace_period", "stop_signal", "restart", "deploy", "user",
    "working_dir", "healthcheck", "networks", "hostname", "labels", "logging", "ulimits",
    "cap_add", "cap_drop", "init", "read_only", "tmpfs", "secrets", "configs", "profiles",
}


def drover_flags(words):
    """`--flag value` and `--flag=value` pairs of a drover command line."""
    flags, words = {}, [str(w) for w in words]
    for i, w in enumerate(words):
        if w.startswith("--"):
            name, eq, value = w.partition("=")
            flags[name] = value if eq else (words[i + 1] if i + 1 < len(words) else "")
    return flags


def check_worker_name(where, words):
    if "worker" not in [str(w) for w in words]:
        return
    flags = drover_flags(words)
    key = flags.get("--curve-secret")
    if not key:
        return
    principal = os.path.basename(key).removesuffix(".key")
    name = flags.get("--name", "")
    if not (name == principal or (name.startswith(principal) and name[len(principal):][:1] in ("-", ".", "/", ":"))):
        problem(where, f"worker name '{name or '(default: host-pid)'}' does not extend its key's principal '{principal}' "
                       f"(the coordinator refuses it); pass --name {principal}-SUFFIX")


def check_compose(path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict) or not doc["services"]:
        problem(path, "no services")
        return
    for key in doc:
        if key not in COMPOSE_TOP and not key.startswith("x-"):
            problem(path, f"unknown top-level key '{key}'")
    volumes = set((doc.get("volumes") or {}).keys())
    services = doc["services"]
    built = {s.get("image") for s in services.values() if isinstance(s, dict) and "build" in s}
    for name, s in services.items():
        where = f"{path}: service '{name}'"
        if not isinstance(s, dict):
            problem(where, "is not a mapping")
            continue
        for key in s:
            if key not in COMPOSE_SERVICE and not key.startswith("x-"):
                problem(where, f"unknown key '{key}'")
        if "image" not in s and "build" not in s:
            problem(where, "has neither image nor build")
        build = s.get("build")
        if isinstance(build, dict) and "context" not in build:
            problem(where, "build has no context")
        if isinstance(build, dict) and "dockerfile" in build:
            context = os.path.join(os.path.dirname(path), build["context"])
            if not os.path.isfile(os.path.join(context, build["dockerfile"])):
                problem(where, f"dockerfile {build['dockerfile']} not found in context {build['context']}")
        if "build" not in s and s.get("image") not in built:
            problem(where, f"image '{s.get('image')}' is built by no service (and is not a registry image here)")
        for port in s.get("ports", []):
            if not re.fullmatch(r"(\d{1,5}:)?\d{1,5}(/(tcp|udp))?", str(port)):
                problem(where, f"port '{port}' is not [HOST:]CONTAINER")
            elif any(int(p) > 65535 or int(p) == 0 for p in re.findall(r"\d+", str(port))):
                problem(where, f"port '{port}' is out of range")
        for volume in s.get("volumes", []):
            parts = str(volume).split(":")
            if len(parts) not in (2, 3) or not parts[1].startswith("/"):
                problem(where, f"volume '{volume}' is not SOURCE:/container/path[:ro|rw]")
                continue
            source = parts[0]
            if not source.startswith((".", "/", "~")) and source not in volumes:
                problem(where, f"named volume '{source}' is not declared under top-level volumes")
            if len(parts) == 3 and parts[2] not in ("ro", "rw"):
                problem(where, f"volume '{volume}' has mode '{parts[2]}' (ro or rw)")
        depends = s.get("depends_on", [])
        for other in depends if isinstance(depends, list) else list(depends):
            if other not in services:
                problem(where, f"depends_on names unknown service '{other}'")
        for key in ("command", "entrypoint"):
            text = " ".join(s[key]) if isinstance(s.get(key), list) else str(s.get(key, ""))
            for m in re.finditer(r"(?<!\$)\$(?!\$)\{?([A-Za-z_][A-Za-z0-9_]*)", text):
                problem(where, f"{key} uses ${m.group(1)}, which compose substitutes on the host; write $${m.group(1)} for the container")
        words = (s["entrypoint"] if isinstance(s.get("entrypoint"), list) else str(s.get("entrypoint", "")).split()) \
            + (s["command"] if isinstance(s.get("command"), list) else str(s.get("command", "")).split())
        check_worker_name(where, " ".join(str(w) for w in words).split())
        grace = s.get("stop_grace_period")
        if grace is not None and not re.fullmatch(r"(\d+(\.\d+)?(us|ms|s|m|h))+", str(grace)):
            problem(where, f"stop_grace_period '{grace}' is not a duration like 30s")


def pod_spec(doc):
    return ((doc.get("spec") or {}).get("template") or {}).get("spec") or {}


def check_kubernetes(paths):
    docs = []
    for path in paths:
        with open(path) as f:
            docs += [(path, d) for d in yaml.safe_load_all(f) if d]
    workloads = [(p, d) for p, d in docs if d.get("kind") in ("Deployment", "StatefulSet", "DaemonSet", "Job")]
    services = {d["metadata"]["name"]: (p, d) for p, d in docs if d.get("kind") == "Service"}
    for path, d in workloads:
        where = f"{path}: {d['kind']} {d['metadata']['name']}"
        spec = d.get("spec") or {}
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        selector = (spec.get("selector") or {}).get("matchLabels") or {}
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            problem(where, f"selector {selector} does not match the pod labels {labels}")
        pod = pod_spec(d)
        volumes = {v["name"] for v in pod.get("volumes", [])}
        volumes |= {t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])}
        for c in pod.get("initContainers", []) + pod.get("containers", []):
            cwhere = f"{where}: container {c['name']}"
            for m in c.get("volumeMounts", []):
                if m["name"] not in volumes:
                    problem(cwhere, f"mounts undeclared volume '{m['name']}'")
            check_worker_name(cwhere, c.get("command", []) + c.get("args", []))
            secret_mounts = [m["mountPath"] for m in c.get("volumeMounts", [])
                             if any(v["name"] == m["name"] and "secret" in v for v in pod.get("volumes", []))]
            key = drover_flags(c.get("args", [])).get("--curve-secret", "")
            if key and any(key.startswith(mount.rstrip("/") + "/") for mount in secret_mounts):
                problem(cwhere, f"--curve-secret {key} is on a secret volume: group-readable under fsGroup and "
                                "root-owned without it; copy it to an emptyDir as 0400 in an init container")
            env = {e["name"] for e in c.get("env", [])}
            for arg in c.get("args", []) + c.get("command", []):
                for var in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", str(arg)):
                    if var not in env:
                        problem(cwhere, f"argument uses $({var}), which is not in the container's env")
        if d["kind"] == "StatefulSet" and spec.get("serviceName") not in services:
            problem(where, f"serviceName '{spec.get('serviceName')}' names no Service in {', '.join(paths)}")
    for name, (path, s) in services.items():
        where = f"{path}: Service {name}"
        selector = (s.get("spec") or {}).get("selector") or {}
        matched = [d for _, d in workloads
                   if all((((d["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}).get(k) == v
                          for k, v in selector.items())]
        if not matched:
            problem(where, f"selector {selector} matches no pod template")
            continue
        ports = {(p.get("name"), p.get("containerPort")) for d in matched
                 for c in pod_spec(d).get("containers", []) for p in c.get("ports", [])}
        for p in (s.get("spec") or {}).get("ports", []):
            target = p.get("targetPort", p.get("port"))
            if not any(target in (n, cp) for n, cp in ports):
                problem(where, f"port {p.get('name')} targets {target}, which no matched container exposes")


def main():
    root = os.path.relpath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    check_compose(os.path.join(root, "docker", "compose.yaml"))
    manifests = sorted(glob.glob(os.path.join(root, "cluster", "k8s", "*.yaml")))
    if not manifests:
        problem("cluster/k8s", "no manifests found")
    check_kubernetes(manifests)
    for line in problems:
        print(line, file=sys.stderr)
    print(f"manifests: {len(problems)} problem(s) in docker/compose.yaml and {len(manifests)} Kubernetes file(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
