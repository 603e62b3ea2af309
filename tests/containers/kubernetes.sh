#!/usr/bin/env bash
# examples/kubernetes cannot run here (no cluster): check its YAML
# structurally, as the API server would refuse it, with python3-yaml.
set -u
self=$(realpath "$0")
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$self")/lib.sh"

if ! python3 -c 'import yaml' 2>/dev/null; then
	fail "python3-yaml is not installed (.ci/install-deps installs it)"
fi
python3 - "$SRC_DIR/examples/kubernetes" <<'PY'
import glob, json, os, re, sys
import yaml

failures = 0
def check(what, cond, why=""):
    global failures
    print(("ok - " if cond else "FAIL - ") + what + ("" if cond else ": " + why))
    failures += 0 if cond else 1

api = {"Namespace": "v1", "ConfigMap": "v1", "Pod": "v1",
       "DaemonSet": "apps/v1"}
docs = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.yaml"))):
    name = os.path.basename(path)
    try:
        found = [d for d in yaml.safe_load_all(open(path)) if d is not None]
        check(f"{name}: parses ({len(found)} objects)", len(found) > 0, "empty")
    except yaml.YAMLError as e:
        check(f"{name}: parses", False, str(e).replace("\n", " "))
        continue
    docs += [(name, d) for d in found]

def pod_spec_ok(where, spec, labels=None):
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    ctrs = spec.get("initContainers", []) + spec.get("containers", [])
    check(f"{where}: has containers", len(spec.get("containers", [])) > 0)
    for c in ctrs:
        check(f"{where}/{c.get('name')}: has a name and an image",
              bool(c.get("name")) and bool(c.get("image")))
        priv = (c.get("securityContext") or {}).get("privileged", False)
        for m in c.get("volumeMounts", []):
            check(f"{where}/{c['name']}: volume {m['name']} is declared",
                  m["name"] in vols, "no such volume")
            check(f"{where}/{c['name']}: {m['mountPath']} is absolute",
                  m["mountPath"].startswith("/"))
            if m.get("mountPropagation") == "Bidirectional":
                check(f"{where}/{c['name']}: Bidirectional propagation is privileged",
                      priv, "the API server refuses it otherwise")
        script = " ".join(c.get("command", []))
        m = re.search(r"<<'END'\n(.*?)\n\s*END\n", script, re.S)
        if m:
            try:
                hook = json.loads(m.group(1))
                check(f"{where}/{c['name']}: the hooks.d file is JSON with "
                      "createRuntime and poststop",
                      hook.get("version") == "1.0.0" and
                      set(hook.get("stages", [])) == {"createRuntime", "poststop"})
            except ValueError as e:
                check(f"{where}/{c['name']}: the hooks.d file is JSON", False, str(e))

for name, d in docs:
    kind = d.get("kind")
    where = f"{name}: {kind}/{(d.get('metadata') or {}).get('name')}"
    check(f"{where}: apiVersion {api.get(kind)}",
          kind in api and d.get("apiVersion") == api[kind],
          f"apiVersion {d.get('apiVersion')}")
    check(f"{where}: metadata.name is a DNS label",
          re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?",
                       (d.get("metadata") or {}).get("name", "")) is not None)
    if kind == "DaemonSet":
        sel = d["spec"]["selector"]["matchLabels"]
        tl = d["spec"]["template"]["metadata"]["labels"]
        check(f"{where}: the selector matches the template's labels",
              all(tl.get(k) == v for k, v in sel.items()))
        pod_spec_ok(where, d["spec"]["template"]["spec"])
    if kind == "Pod":
        ann = d["metadata"].get("annotations", {})
        if "io.mdevfs.tree" in ann:
            check(f"{where}: io.mdevfs.tree is an absolute path",
                  ann["io.mdevfs.tree"].startswith("/"))
        for k, v in ann.items():
            if k.startswith("cdi.k8s.io/"):
                check(f"{where}: {k} names a CDI device",
                      re.fullmatch(r"[a-z0-9.-]+/[a-z0-9_.-]+=[A-Za-z0-9_.:-]+", v)
                      is not None, v)
        pod_spec_ok(where, d["spec"])
sys.exit(1 if failures else 0)
PY
