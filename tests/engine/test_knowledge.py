"""The knowledge files load, are consistent, and a broken file names file, entry and field."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.kb import KnowledgeError, load_knowledge
from bot.kb.loader import DEFAULT_KNOWLEDGE_DIR

REQUIRED_PROVIDERS = {
    "gmail", "google_workspace", "outlook_com", "microsoft_365", "yahoo", "orange", "sfr",
    "free", "laposte", "bouygues", "icloud", "gmx", "aol", "zoho", "ovh", "ionos", "proton",
    "infomaniak", "gandi",
}  # fmt: skip
SUBMISSION_PORTS = {465, 587, 2525, 25}


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


def test_every_required_provider_is_there(kb):
    assert set(kb.providers) >= REQUIRED_PROVIDERS


def test_providers_have_incoming_and_outgoing_servers_with_sane_ports(kb):
    for provider in kb.providers.values():
        protocols = {server.protocol for server in provider.servers}
        assert "smtp" in protocols and protocols & {"imap", "pop3"}, provider.id
        for server in provider.servers:
            if server.protocol == "smtp":
                assert server.port in SUBMISSION_PORTS | {1025}, (provider.id, server)
            if server.port in {993, 995, 465}:
                assert server.security == "ssl", (provider.id, server)
            if server.port in {587, 143, 110}:
                assert server.security == "starttls", (provider.id, server)


def test_domains_and_mx_patterns_point_to_one_provider(kb):
    assert kb.provider_by_domain("gmail.com").id == "gmail"
    assert kb.provider_by_domain("wanadoo.fr").id == "orange"
    assert kb.provider_by_host("smtp.orange.fr").id == "orange"
    assert kb.provider_by_mx("aspmx.l.google.com").id == "google_workspace"
    assert kb.provider_by_mx("exemple-fr.mail.protection.outlook.com").id == "microsoft_365"
    assert kb.provider_by_domain("boulangerie-martin.fr") is None


def test_gmail_facts_of_today(kb):
    gmail = kb.providers["gmail"]
    hosts = {(s.protocol, s.host, s.port, s.security) for s in gmail.servers}
    assert ("imap", "imap.gmail.com", 993, "ssl") in hosts
    assert ("smtp", "smtp.gmail.com", 587, "starttls") in hosts
    assert ("smtp", "smtp.gmail.com", 465, "ssl") in hosts
    assert not gmail.auth.imap_must_be_enabled  # IMAP always on since January 2025
    assert not gmail.auth.password_login


def test_topics_are_reachable_and_need_only_known_things(kb):
    assert len(kb.topics) >= 30
    for topic in kb.topics.values():
        assert topic.summary and (topic.steps or topic.devices or topic.providers), topic.id
        assert len(topic.examples) >= 8, topic.id


def test_user_text_says_vous_not_tu(kb):
    offending = []
    for topic in kb.topics.values():
        texts = [topic.summary, *topic.steps, *topic.notes]
        for variant in [*topic.devices.values(), *topic.providers.values()]:
            texts += [variant.summary or "", *variant.steps, *variant.notes]
        for text in texts:
            words = set(text.lower().replace("'", " ").split())
            if words & {"tu", "ton", "ta", "tes", "toi", "t'es"}:
                offending.append((topic.id, text))
    assert offending == []


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, root)
    return root


def test_a_wrong_field_is_reported_with_file_entry_and_field(tmp_path):
    root = _copy(tmp_path)
    path = root / "providers" / "orange.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["servers"][0]["security"] = "tls-maybe"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(root)
    message = str(error.value)
    assert "orange.yaml" in message and "orange" in message and "servers.0.security" in message


def test_unknown_device_in_a_topic_variant_is_refused(tmp_path):
    root = _copy(tmp_path)
    path = next((root / "topics").glob("*.yaml"))
    topics = yaml.safe_load(path.read_text(encoding="utf-8"))
    topics[0]["devices"] = {"minitel": {"steps": ["Allumez le Minitel."]}}
    path.write_text(yaml.safe_dump(topics, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=re.escape("devices.minitel: unknown device")):
        load_knowledge(root)


def test_invalid_yaml_is_a_clear_error(tmp_path):
    root = _copy(tmp_path)
    (root / "devices.yaml").write_text("- id: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=re.escape("devices.yaml: not valid YAML")):
        load_knowledge(root)


def test_a_key_given_twice_is_refused_not_silently_overridden(tmp_path):
    root = _copy(tmp_path)
    path = root / "lexicon.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("replacements:\n", 'replacements:\n  "mdp": "mot"\n', 1))
    with pytest.raises(KnowledgeError, match="key 'mdp' given twice"):
        load_knowledge(root)


def test_kb_check_command_prints_counts_and_fails_on_a_broken_base(tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "check"], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert "fournisseurs" in ok.stdout and "sujets" in ok.stdout
    root = _copy(tmp_path)
    (root / "lexicon.yaml").write_text("replacements: [1, 2]\n", encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "kb", "check"],
        capture_output=True,
        text=True,
        check=False,
        env={"AIDEMAIL_KNOWLEDGE_DIR": str(root), "PATH": ""},
    )
    assert bad.returncode == 1
    assert "lexicon.yaml" in bad.stderr and "replacements" in bad.stderr
    assert "Traceback" not in bad.stderr
