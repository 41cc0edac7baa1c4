"""Stands in for terraform, kubectl, velero and cargo in the deploy and DR script tests: logs
every call (tool and arguments) to $FAKE_LOG and answers the queries the scripts make like a
healthy platform would. $FAKE_FAIL: a substring of a call that must fail; $FAKE_UNHEALTHY: a
cluster whose global-LB health check reports healthy (which the DR script must refuse)."""

import json
import os
import sys

tool = os.environ.get("FAKE_TOOL") or os.path.basename(sys.argv[0])
args = sys.argv[1:]
call = " ".join([tool] + args)
with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as log:
    log.write(call + "\n")

fail = os.environ.get("FAKE_FAIL")
if fail and fail in call:
    print(f"fake {tool}: failing as asked", file=sys.stderr)
    sys.exit(1)


def ctx():
    return args[args.index("--context") + 1] if "--context" in args else ""


clusters = os.environ.get("FAKE_CLUSTERS", "").split(",")
out = None
if tool == "terraform":
    if "-detailed-exitcode" in args:
        sys.exit(0)
    if "show" in args and "-json" in args:
        unhealthy = os.environ.get("FAKE_STILL_HEALTHY", "")
        lost = os.environ.get("FAKE_LOST", "").split(",")
        status = {c: {"healthy": (c not in lost) or c == unhealthy} for c in clusters}
        out = {"values": {"root_module": {"resources": [
            {"type": "multicloud_global_lb", "values": {"backend_status": status}}]}}}
elif tool == "kubectl":
    what = " ".join(args)
    if "applications.argoproj.io" in what:
        out = {"items": [{"status": {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}}}]}
    elif "backupstoragelocations.velero.io" in what:
        out = {"status": {"phase": "Available"}}
    elif "istio/multiCluster=true" in what:
        out = {"items": [{} for c in clusters if c != ctx()]}
    elif "restores.velero.io" in what:
        out = {"status": {"phase": "Completed"}}
    elif "backups.velero.io" in what and "-o" in args and args[args.index("get") + 2] == "-o":
        # The list: two Completed backups per source location and a failed newer one.
        items = []
        for c in clusters:
            for name, phase, done in [("old", "Completed", "2026-12-01T03:00:00Z"), ("new", "Completed", "2026-12-05T03:00:00Z"), ("bad", "Failed", "2026-12-06T03:00:00Z")]:
                items.append({"metadata": {"name": f"{c}-{name}"}, "spec": {"storageLocation": f"restore-{c}"},
                              "status": {"phase": phase, "completionTimestamp": done}})
        out = {"items": items}
    elif "backups.velero.io" in what:
        out = {"spec": {}, "status": {"includedNamespaces": ["sample-app"]}}
if out is not None:
    print(json.dumps(out))
