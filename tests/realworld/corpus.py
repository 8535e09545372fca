"""The real-world corpus as data: every flow file with the page it came from, the types it
uses, its class, and what running it should give (or why it is not run).

Plain data and pure functions: nothing here starts an engine. `manifest.yaml` is the
source of truth for what a page describes; `types` and `class` in it are derived from the
flow files (`python -m tests.realworld --sync` rewrites them) and a test checks they match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq

HERE = Path(__file__).resolve().parent
FLOWS = HERE / "flows"
MANIFEST = HERE / "manifest.yaml"

# Why a flow is not run here. `plugin`, `docker`, `network`, `secret`, `enterprise` name
# what the machine lacks; `long` a wait longer than a CI test may take; `manual` a human or
# host step; `incomplete` something the page refers to without giving it.
SKIP_REASONS = frozenset({"network", "secret", "plugin", "docker", "long", "manual",
                          "enterprise", "incomplete"})

# What Podium has or should have per Kestra core (the definition of `core`): core
# tasks and their legacy aliases, and the script plugins (Script and Commands of every
# language of kestra-io/plugin-scripts) with their task runners.
SCRIPT_LANGUAGES = ("shell", "python", "node", "r", "julia", "ruby", "perl", "php", "go",
                    "powershell", "deno", "bun", "lua", "groovy", "jbang", "dotnet")
CORE_PREFIXES = ("io.kestra.plugin.core.", "io.kestra.core.",
                 "io.kestra.plugin.scripts.runner.",
                 *(f"io.kestra.plugin.scripts.{language}." for language in SCRIPT_LANGUAGES))

RUN_MODES = frozenset({"run", "pause-resume", "triggered", "burst"})


def flow_types(document: Any) -> list[str]:
    """Every `type` naming a Kestra class anywhere in a flow document (tasks, triggers,
    conditions, task runners, pluginDefaults), sorted and without repeats."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = node.get("type")
            if isinstance(kind, str) and kind.startswith("io.kestra."):
                found.add(kind)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return sorted(found)


# Podium's own plugin families (plugins/<family>/, issue 16) and the Kestra types each
# provides, with Kestra's legacy names. A flow whose types are all core or listed here must
# validate (and run when it needs nothing outside the machine); `skip: plugin` is left for
# the types of families Podium does not have.
_JDBC_DATABASES = ("postgresql", "mysql", "mariadb", "sqlite", "duckdb")
_SERDES_FORMATS = {"csv": "Csv", "json": "Json", "avro": "Avro", "parquet": "Parquet",
                   "excel": "Excel", "xml": "Xml"}
_LEGACY_NOTIFY = "io.kestra.plugin.notifications"
_CHAT_SERVICES = {  # service: the packages of its IncomingWebhook and Execution types
    "Slack": ("io.kestra.plugin.slack", "io.kestra.plugin.slack.notifications",
              f"{_LEGACY_NOTIFY}.slack"),
    "Teams": ("io.kestra.plugin.microsoft365.teams", f"{_LEGACY_NOTIFY}.teams"),
    "Discord": ("io.kestra.plugin.discord", f"{_LEGACY_NOTIFY}.discord"),
    "GoogleChat": ("io.kestra.plugin.googleworkspace.chat", f"{_LEGACY_NOTIFY}.google"),
}
_WEBHOOK_ONLY = {
    "Zulip": ("io.kestra.plugin.zulip", f"{_LEGACY_NOTIFY}.zulip"),
    "Squadcast": ("io.kestra.plugin.squadcast", f"{_LEGACY_NOTIFY}.squadcast"),
    "WhatsApp": ("io.kestra.plugin.meta.whatsapp", f"{_LEGACY_NOTIFY}.whatsapp"),
}
PODIUM_FAMILIES: dict[str, frozenset[str]] = {
    "jdbc": frozenset(
        [f"io.kestra.plugin.jdbc.{db}.{kind}" for db in _JDBC_DATABASES
         for kind in ("Query", "Queries", "Trigger")]
        + ["io.kestra.plugin.jdbc.postgresql.CopyIn", "io.kestra.plugin.jdbc.postgresql.CopyOut"]),
    "serdes": frozenset(
        f"io.kestra.plugin.serdes.{package}.{name}" for package, short in _SERDES_FORMATS.items()
        for name in (f"{short}ToIon", f"IonTo{short}", f"{short}Reader", f"{short}Writer")),
    "aws": frozenset(f"io.kestra.plugin.aws.s3.{name}" for name in (
        "Upload", "Download", "Downloads", "List", "Delete", "DeleteList", "Copy", "CreateBucket",
        "Trigger")),
    "gcp": frozenset(
        [f"io.kestra.plugin.gcp.gcs.{name}" for name in (
            "Upload", "Download", "Downloads", "List", "Delete", "DeleteList", "Copy",
            "CreateBucket", "Trigger")]
        + [f"io.kestra.plugin.gcp.bigquery.{name}" for name in (
            "Query", "Load", "LoadFromGcs", "CreateDataset", "DeleteDataset", "CreateTable",
            "DeleteTable", "Trigger")]),
    "git": frozenset(f"io.kestra.plugin.git.{name}" for name in (
        "Clone", "SyncFlows", "SyncNamespaceFiles", "PushFlows", "PushNamespaceFiles")),
    "compress": frozenset(f"io.kestra.plugin.compress.{name}" for name in (
        "ArchiveCompress", "ArchiveDecompress", "FileCompress", "FileDecompress")),
    # DbtCLI and Setup, and Kestra's deprecated one-command tasks
    "dbt": frozenset(f"io.kestra.plugin.dbt.cli.{name}" for name in (
        "DbtCLI", "Setup", "Build", "Compile", "Deps", "Freshness", "List", "Run", "Seed",
        "Snapshot", "Test")),
    # issue 17: each type under its current name, plugin-slack's later packages and the
    # older io.kestra.plugin.notifications.* one (common/plugins/catalog.py MOVED)
    "notifications": frozenset(
        [f"{package}.{service}{kind}"
         for service, packages in _CHAT_SERVICES.items() for package in packages
         for kind in ("IncomingWebhook", "Execution")]
        + [f"{package}.{service}IncomingWebhook"
           for service, packages in _WEBHOOK_ONLY.items() for package in packages]
        + ["io.kestra.plugin.slack.app.chats.Post", "io.kestra.plugin.slack.chats.Post"]),
    "email": frozenset(f"{package}.{name}" for package in (
        "io.kestra.plugin.email", "io.kestra.plugin.notifications.mail")
        for name in ("MailSend", "MailExecution")),
    "openai": frozenset({"io.kestra.plugin.openai.ChatCompletion"}),
    "ansible": frozenset({"io.kestra.plugin.ansible.cli.AnsibleCLI"}),
    "terraform": frozenset({"io.kestra.plugin.terraform.cli.TerraformCLI"}),
    "kubernetes": frozenset(f"io.kestra.plugin.kubernetes.kubectl.{name}" for name in (
        "Apply", "Get", "Delete", "Patch", "Restart")),
    # docker.cli.* and the older names without `cli`
    "docker": frozenset(f"io.kestra.plugin.docker.{package}{name}" for package in ("", "cli.")
                        for name in ("Build", "Run")),
    "ai": frozenset({"io.kestra.plugin.ai.agent.AIAgent",
                     "io.kestra.plugin.ai.completion.ChatCompletion",
                     "io.kestra.plugin.langchain4j.ChatCompletion",
                     "io.kestra.plugin.langchain4j.completion.ChatCompletion"}),
}


def podium_family(type_name: str) -> str | None:
    """The Podium family providing a type, or whose types a `pluginDefaults` type (a
    package, e.g. `io.kestra.plugin.jdbc.postgresql`) covers; None for any other type."""
    for name, types in PODIUM_FAMILIES.items():
        if type_name in types or any(t.startswith(type_name + ".") for t in types):
            return name
    return None


def family(type_name: str) -> str:
    """The plugin family of a non-core type: `io.kestra.plugin.gcp.bigquery.Query` -> gcp,
    `io.kestra.plugin.scripts.perl.Script` -> scripts.perl, `io.kestra.plugin.ee.x.Y` ->
    ee.x. A type of a Podium family is that family (`jdbc`); another type whose family has
    a Podium family's name is named one level deeper, so that it is not taken for one of
    Podium's: `io.kestra.plugin.jdbc.snowflake.Query` -> jdbc.snowflake,
    `io.kestra.plugin.aws.sqs.Trigger` -> aws.sqs, `io.kestra.plugin.git.TenantSync` ->
    git.TenantSync."""
    ours = podium_family(type_name)
    if ours:
        return ours
    parts = type_name.split(".")
    rest = parts[3:] if parts[:3] == ["io", "kestra", "plugin"] else parts[2:]
    keep = 2 if rest and rest[0] in ("scripts", "ee", *PODIUM_FAMILIES) else 1
    return ".".join(rest[:keep])


def classify(types: list[str]) -> str:
    plugins = sorted({family(name) for name in types if not name.startswith(CORE_PREFIXES)})
    return "core" if not plugins else "plugin:" + ",".join(plugins)


def families_of(klass: str) -> list[str]:
    """The plugin families a class names (`plugin:jdbc,serdes` -> [jdbc, serdes])."""
    return klass.removeprefix("plugin:").split(",") if klass.startswith("plugin:") else []


def strip_catalog_metadata(source: str) -> str:
    """A blueprint without its top-level `extend:` block: the library's catalogue text
    (title, description, tags), which Kestra's blueprint pages and API leave out of the flow
    they give (Kestra itself refuses `extend` as an unknown flow property)."""
    kept: list[str] = []
    inside = False
    for line in source.splitlines(keepends=True):
        if line.startswith("extend:"):
            inside = True
            continue
        if inside and line.strip() and not line[0].isspace() and not line.startswith("#"):
            inside = False
        if not inside:
            kept.append(line)
    return "".join(kept)


@dataclass(frozen=True)
class Page:
    slug: str
    path: str  # inside `repo`
    commit: str
    url: str
    # kestra-io/docs, kestra-io/plugin-scripts for a plugin's page on kestra.io/plugins
    # (its examples, from the class's @Example blocks), or kestra-io/blueprints for a
    # blueprint of the library (https://kestra.io/blueprints/<name>).
    repo: str = "kestra-io/docs"

    @property
    def blueprint(self) -> bool:
        return self.repo == "kestra-io/blueprints"


@dataclass(frozen=True)
class Expectation:
    """One run of a flow and what the page says it gives."""

    name: str  # "" for the main run, "v1", "v2", ... for variants
    inputs: dict[str, Any] = field(default_factory=dict)
    setup: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)
    state: str | None = None
    taskruns: int | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    rejected: str | None = None  # the execution must not be created; error names this

    def expect(self) -> dict[str, Any]:
        """In the conformance runner's `expect` form (tests.conformance.checks.compare)."""
        return {"state": self.state, "taskruns": self.taskruns, "checks": self.checks}


@dataclass(frozen=True)
class Entry:
    file: str  # relative to flows/
    page: Page
    spec: dict[str, Any]  # the manifest entry as written

    # ------------------------------------------------------------------ the flow
    @property
    def path(self) -> Path:
        return FLOWS / self.file

    @cached_property
    def source(self) -> str:
        """The flow as a user gets it: the file, less a blueprint's catalogue metadata."""
        text = self.path.read_text(encoding="utf-8")
        return strip_catalog_metadata(text) if self.page.blueprint else text

    @cached_property
    def document(self) -> Any:
        """The YAML as data, or None when it does not parse (a docs error)."""
        try:
            return yaml.safe_load(self.source)
        except yaml.YAMLError:
            return None

    @property
    def namespace(self) -> str:
        return str((self.document or {}).get("namespace", ""))

    @property
    def flow_id(self) -> str:
        return str((self.document or {}).get("id", ""))

    @property
    def key(self) -> tuple[str, str]:
        return self.namespace, self.flow_id

    @property
    def types(self) -> list[str]:
        return flow_types(self.document)

    @property
    def klass(self) -> str:
        """The class: derived from the types unless the manifest overrides it (a type hidden
        in a templated string, e.g. a TemplatedTask spec)."""
        return self.spec.get("class_override") or classify(self.types)

    @property
    def other_plugins(self) -> list[str]:
        """The plugin families it needs that Podium does not have (`skip: plugin`)."""
        return [name for name in families_of(self.klass) if name not in PODIUM_FAMILIES]

    @property
    def podium_plugins(self) -> list[str]:
        """The Podium plugin families it needs (installed from plugins/<family>/)."""
        return [name for name in families_of(self.klass) if name in PODIUM_FAMILIES]

    @property
    def validated(self) -> bool:
        """Core and Podium's families only: it must validate (or is a docs error that must
        not)."""
        return not self.other_plugins or bool(self.invalid)

    @property
    def name(self) -> str:
        return str(PurePosixPath(self.file).with_suffix(""))

    # ------------------------------------------------------------------ the manifest
    @property
    def run(self) -> dict[str, Any]:
        return dict(self.spec.get("run") or {})

    @property
    def skip(self) -> str | None:
        return self.run.get("skip")

    @property
    def skip_why(self) -> str:
        return str(self.run.get("why") or "")

    @property
    def invalid(self) -> str | None:
        """Kestra rejects this flow (a docs error): it must not validate here either."""
        return self.spec.get("invalid")

    @property
    def docs_error(self) -> str | None:
        return self.spec.get("docs_error") or self.invalid

    @property
    def pending(self) -> str | None:
        """The issue-12 gap that makes the run fail today."""
        return self.spec.get("pending") or self.pending_validation

    @property
    def pending_validation(self) -> str | None:
        """The issue-12 gap that makes validation fail today."""
        return self.spec.get("pending_validation")

    @property
    def mode(self) -> str:
        return self.run.get("mode", "run")

    @property
    def runnable(self) -> bool:
        return not self.skip and not self.invalid and bool(self.run)

    @property
    def requires(self) -> list[str]:
        """Programs the run needs on this machine (a compiler a Docker image would have)."""
        return list(self.run.get("requires") or [])

    @property
    def depends_on(self) -> list[str]:
        return list(self.run.get("depends_on") or [])

    @property
    def sources(self) -> list[str]:
        return list(self.run.get("sources") or [])

    def expectations(self) -> list[Expectation]:
        base = self.run
        runs = [_expectation("", base)]
        for number, variant in enumerate(base.get("variants") or [], 1):
            merged = {key: base.get(key) for key in ("setup", "labels")}
            merged.update(variant)
            runs.append(_expectation(f"v{number}", merged))
        return runs

    @property
    def uses_kv(self) -> bool:
        """Reads or writes the KV store: runs alone, on the store its setup describes."""
        return any(".kv." in name for name in self.types) or "kv(" in self.source

    @property
    def status_label(self) -> str:
        if self.docs_error and not self.runnable:
            return "docs error"
        if self.skip:
            return f"skipped: {self.skip}"
        if self.pending:
            return "pending"
        return "runs"


def _expectation(name: str, spec: dict[str, Any]) -> Expectation:
    return Expectation(name=name, inputs=dict(spec.get("inputs") or {}),
                       setup=dict(spec.get("setup") or {}),
                       labels=dict(spec.get("labels") or {}), state=spec.get("state"),
                       taskruns=spec.get("taskruns"), checks=list(spec.get("checks") or []),
                       rejected=spec.get("rejected"))


# ---------------------------------------------------------------------------- loading

def read_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_corpus(path: Path = MANIFEST) -> list[Entry]:
    """Every manifest entry, in manifest order."""
    data = read_manifest(path)
    pages = {slug: Page(slug, **fields) for slug, fields in (data.get("pages") or {}).items()}
    entries = []
    for file, spec in (data.get("flows") or {}).items():
        slug = PurePosixPath(file).parts[0]
        entries.append(Entry(file=file, page=pages[slug], spec=dict(spec or {})))
    return entries


def problems(entries: list[Entry]) -> Iterator[str]:
    """Ways the manifest disagrees with the files or with itself."""
    listed = {entry.file for entry in entries}
    on_disk = {str(p.relative_to(FLOWS)) for p in FLOWS.rglob("*.yaml")}
    for missing in sorted(on_disk - listed):
        yield f"{missing}: flow file not in the manifest"
    for entry in entries:
        where = entry.file
        if entry.file not in on_disk:
            yield f"{where}: listed but no such file"
            continue
        if entry.spec.get("types") != entry.types:
            yield f"{where}: manifest types {entry.spec.get('types')} != file {entry.types}"
        if entry.spec.get("class") != entry.klass:
            yield f"{where}: manifest class {entry.spec.get('class')} != {entry.klass}"
        if entry.skip and entry.skip not in SKIP_REASONS:
            yield f"{where}: unknown skip reason {entry.skip!r}"
        if entry.other_plugins and not entry.invalid and entry.skip != "plugin":
            yield f"{where}: a {entry.klass} flow must be skipped as `plugin`"
        if entry.skip == "plugin" and not entry.other_plugins:
            yield (f"{where}: skipped as `plugin`, but Podium has its families "
                   f"({entry.klass}): say what else it needs, or run it")
        if entry.skip and not entry.skip_why:
            yield f"{where}: skip without a `why`"
        if entry.mode not in RUN_MODES:
            yield f"{where}: unknown run mode {entry.mode!r}"
        if not entry.run and not entry.invalid:
            yield f"{where}: neither a run expectation nor `invalid`"
        for other in entry.depends_on + entry.sources:
            if other not in listed:
                yield f"{where}: depends on unlisted {other}"


def sync_derived_fields(path: Path = MANIFEST) -> int:
    """Rewrite `types` and `class` of every entry from its file, keeping the rest of the
    manifest (comments, order, quoting) as written. Returns how many entries changed."""
    round_trip = YAML()
    round_trip.width = 4096
    round_trip.preserve_quotes = True
    data = round_trip.load(path.read_text(encoding="utf-8"))
    pages = {slug: Page(slug, **dict(fields)) for slug, fields in data["pages"].items()}
    changed = 0
    for file, spec in data["flows"].items():
        entry = Entry(file=file, page=pages[PurePosixPath(file).parts[0]], spec=dict(spec))
        if not entry.path.is_file():
            continue
        if spec.get("types") != entry.types or spec.get("class") != entry.klass:
            changed += 1
        _put_first(spec, "class", entry.klass)
        _put_first(spec, "types", entry.types)
    with path.open("w", encoding="utf-8") as out:
        round_trip.dump(data, out)
    return changed


def _put_first(mapping: Any, key: str, value: Any) -> None:
    if isinstance(value, list):  # one line: [a, b]
        value = CommentedSeq(value)
        value.fa.set_flow_style()
    if key in mapping:
        mapping[key] = value
    else:
        mapping.insert(0, key, value)
