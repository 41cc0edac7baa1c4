"""Validates every object of a `multicloud-codegen render` output.

Built-in kinds against Kubernetes' own JSON schemas (kubernetes-validate, strict: unknown fields
are errors); custom resources against the openAPIV3Schema of the real CRD (from the CRD folder,
e.g. ../shared/k8s/crds), also strictly: a field the CRD does not declare is an error unless the
schema preserves unknown fields. Null values are dropped first, as the API server does.

usage: validate.py KUBE_VERSION CRD_DIR RENDER_DIR
Prints one line per failure and a JSON summary line last; exits 1 on any failure.
"""

import glob
import json
import os
import sys

import jsonschema
import kubernetes_validate
import yaml


class Loader(yaml.SafeLoader):
    pass


# The prometheus-operator CRDs carry an enum value `=`, which PyYAML reads as its 'value' tag.
Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.load_all(f, Loader=Loader) if d]


def strict(schema):
    """The schema with additionalProperties: false wherever properties are declared and unknown
    fields are not preserved (what a structural schema would prune silently)."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def without_nulls(v):
    if isinstance(v, dict):
        return {k: without_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [without_nulls(x) for x in v]
    return v


def crd_schemas(crd_dir, rendered):
    """(group/version, kind) -> schema, from the CRD folder and from CRDs in the render itself."""
    crds = []
    for path in sorted(glob.glob(os.path.join(crd_dir, "**", "*.yaml"), recursive=True)):
        crds.extend(d for d in load_all(path) if d.get("kind") == "CustomResourceDefinition")
    crds.extend(o for o in rendered if o.get("kind") == "CustomResourceDefinition")
    out = {}
    for crd in crds:
        spec = crd["spec"]
        for v in spec["versions"]:
            schema = (v.get("schema") or {}).get("openAPIV3Schema")
            if schema is not None:
                # Every object has these at its root; some CRDs (Istio's) leave them undeclared.
                schema = dict(schema)
                schema["properties"] = {
                    "apiVersion": {"type": "string"},
                    "kind": {"type": "string"},
                    "metadata": {"type": "object"},
                    **schema.get("properties", {}),
                }
                key = (f"{spec['group']}/{v['name']}", spec["names"]["kind"])
                # The shared folder's CRD wins over a chart's copy of the same version.
                out.setdefault(key, strict(schema))
    return out


def main():
    kube_version, crd_dir, render_dir = sys.argv[1:4]
    objects = []
    for path in sorted(glob.glob(os.path.join(render_dir, "*", "*.yaml"))):
        rel = os.path.relpath(path, render_dir)
        objects.extend((rel, o) for o in load_all(path))
    schemas = crd_schemas(crd_dir, [o for _, o in objects])
    failures = []
    kinds = {}
    builtin = custom = 0
    for rel, obj in objects:
        obj = without_nulls(obj)
        api, kind = obj.get("apiVersion", ""), obj.get("kind", "")
        name = (obj.get("metadata") or {}).get("name", "?")
        where = f"{rel}: {kind} {name} ({api})"
        kinds[kind] = kinds.get(kind, 0) + 1
        schema = schemas.get((api, kind))
        if schema is not None:
            custom += 1
            errors = sorted(
                jsonschema.Draft7Validator(schema).iter_errors(obj), key=lambda e: list(e.path)
            )
            for e in errors[:5]:
                path = "/".join(str(p) for p in e.path)
                failures.append(f"{where}: {path}: {e.message[:300]}")
            continue
        try:
            kubernetes_validate.validate(obj, kube_version, strict=True)
            builtin += 1
        except kubernetes_validate.SchemaNotFoundError:
            failures.append(f"{where}: no Kubernetes {kube_version} schema and no CRD for this kind")
        except kubernetes_validate.ValidationError as e:
            path = "/".join(str(p) for p in e.path)
            failures.append(f"{where}: {path}: {e.message[:300]}")
    for f in failures:
        print(f"INVALID {f}")
    print(
        json.dumps(
            {
                "objects": len(objects),
                "builtin": builtin,
                "custom": custom,
                "crd_versions": len(schemas),
                "failures": len(failures),
                "kinds": kinds,
            },
            sort_keys=True,
        )
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
