"""Load and validate every file under knowledge/, once, at start-up."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.kb.schema import Device, Lexicon, PortInfo, Provider, Topic

DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"

Model = TypeVar("Model", bound=BaseModel)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, refusing a key given twice (YAML would keep the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class KnowledgeError(Exception):
    """A knowledge file is invalid; the message names the file, the entry and the field."""


class KnowledgeBase:
    """Validated knowledge, with the look-ups the engine and the probes need."""

    def __init__(
        self,
        providers: dict[str, Provider],
        topics: dict[str, Topic],
        devices: dict[str, Device],
        lexicon: Lexicon,
        ports: list[PortInfo],
    ) -> None:
        self.providers = providers
        self.topics = topics
        self.devices = devices
        self.lexicon = lexicon
        self.ports = ports
        self._by_domain: dict[str, Provider] = {}
        self._by_host: dict[str, Provider] = {}
        patterns: list[tuple[str, Provider]] = []
        for provider in providers.values():
            for domain in provider.domains:
                self._by_domain.setdefault(domain.lower(), provider)
            for server in provider.servers:
                self._by_host.setdefault(server.host, provider)
            patterns.extend((pattern.lower(), provider) for pattern in provider.mx_patterns)
        # The most specific (longest) pattern decides.
        self._mx_patterns = sorted(patterns, key=lambda item: len(item[0]), reverse=True)

    def provider_by_domain(self, domain: str) -> Provider | None:
        """The provider serving addresses at DOMAIN (or at a parent domain of it)."""
        labels = domain.lower().rstrip(".").split(".")
        for start in range(len(labels) - 1):
            found = self._by_domain.get(".".join(labels[start:]))
            if found:
                return found
        return None

    def provider_by_host(self, host: str) -> Provider | None:
        """The provider owning a server name such as smtp.orange.fr."""
        host = host.lower().rstrip(".")
        return self._by_host.get(host) or self.provider_by_domain(host)

    def provider_by_mx(self, mx_host: str) -> Provider | None:
        """The provider revealed by an MX host name behind a custom domain."""
        mx_host = mx_host.lower().rstrip(".")
        for pattern, provider in self._mx_patterns:
            if fnmatch.fnmatchcase(mx_host, pattern):
                return provider
        return None


def knowledge_dir() -> Path:
    return Path(os.environ.get("AIDEMAIL_KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR)


def load_knowledge(root: Path | None = None) -> KnowledgeBase:
    root = root or knowledge_dir()
    if not root.is_dir():
        raise KnowledgeError(f"{root}: knowledge folder not found")
    providers = _load_entries(sorted((root / "providers").glob("*.yaml")), Provider, single=True)
    topics = _load_entries(sorted((root / "topics").glob("*.yaml")), Topic)
    devices = _load_entries([root / "devices.yaml"], Device)
    lexicon_path = root / "lexicon.yaml"
    lexicon = _validate(Lexicon, _read(lexicon_path) or {}, lexicon_path, "lexicon")
    ports_path = root / "ports.yaml"
    ports = [
        _validate(PortInfo, item, ports_path, f"entry {position}")
        for position, item in enumerate(_read(ports_path) or [], start=1)
    ]
    kb = KnowledgeBase(providers, topics, devices, lexicon, ports)
    _check_references(kb, root)
    return kb


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            return yaml.load(stream, Loader=_Loader)  # noqa: S506 - a safe loader
    except FileNotFoundError:
        raise KnowledgeError(f"{path}: file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise KnowledgeError(f"{path}: not valid YAML: {error}") from None


def _load_entries(paths: list[Path], model: type[Model], single: bool = False) -> dict[str, Model]:
    entries: dict[str, Model] = {}
    for path in paths:
        data = _read(path)
        items = [data] if single else data
        if not isinstance(items, list):
            raise KnowledgeError(f"{path}: expected a list of entries")
        for position, item in enumerate(items, start=1):
            label = item.get("id", f"entry {position}") if isinstance(item, dict) else position
            entry = _validate(model, item, path, str(label))
            entry_id = entry.id  # type: ignore[attr-defined]
            if entry_id in entries:
                raise KnowledgeError(f"{path}: {entry_id}: id already defined in another entry")
            entries[entry_id] = entry
    if not entries:
        raise KnowledgeError(f"no {model.__name__.lower()} entries in {paths[0].parent}")
    return entries


def _validate(model: type[Model], data: Any, path: Path, label: str) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or '(entry)'}: {problem['msg']}"
            for problem in error.errors()
        )
        raise KnowledgeError(f"{path}: {label}: {problems}") from None


def _check_references(kb: KnowledgeBase, root: Path) -> None:
    for provider in kb.providers.values():
        if provider.managed_form_of and provider.managed_form_of not in kb.providers:
            raise KnowledgeError(
                f"{root / 'providers'}: {provider.id}: managed_form_of."
                f"{provider.managed_form_of}: unknown provider"
            )
    for topic in kb.topics.values():
        for device_id in topic.devices:
            if device_id not in kb.devices:
                raise KnowledgeError(
                    f"{root / 'topics'}: {topic.id}: devices.{device_id}: unknown device"
                )
        for device_id in topic.for_devices:
            if device_id not in kb.devices:
                raise KnowledgeError(
                    f"{root / 'topics'}: {topic.id}: for_devices.{device_id}: unknown device"
                )
        if topic.provider and topic.provider not in kb.providers:
            raise KnowledgeError(
                f"{root / 'topics'}: {topic.id}: provider.{topic.provider}: unknown provider"
            )
        for provider_id in topic.providers:
            if provider_id not in kb.providers:
                raise KnowledgeError(
                    f"{root / 'topics'}: {topic.id}: providers.{provider_id}: unknown provider"
                )
