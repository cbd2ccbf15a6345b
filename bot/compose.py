"""Build Replies from knowledge: topic answers, settings cards, clarifying questions."""

from __future__ import annotations

from bot import texts
from bot.buttons import AnswerChoice, DiagnoseChoice, fits
from bot.kb import Device, KnowledgeBase, Provider, Topic
from bot.reply import Button, Reply, ReplyKind, Section, SettingRow, notice

OTHER = "other"  # the "Autre" button: a provider or device the base does not know
_SETTINGS_PROTOCOLS = {
    "incoming": ("imap", "pop3"),
    "outgoing": ("smtp",),
    "all": ("imap", "pop3", "smtp"),
    "none": (),
}
# Clarification buttons, the most asked first (ids missing from the base are skipped).
_PROVIDER_BUTTONS = (
    "gmail", "outlook_com", "orange", "sfr", "free", "yahoo", "icloud", "laposte",
    "bouygues", "microsoft_365", "google_workspace",
)  # fmt: skip


def settings_rows(
    provider: Provider, protocols: tuple[str, ...], *, with_notes: bool = False
) -> list[SettingRow]:
    return [
        SettingRow(
            role=texts.ROLE_LABELS[server.protocol],
            host=server.host,
            port=str(server.port),
            security=texts.SECURITY_LABELS[server.security],
            note=(server.note or "") if with_notes else "",
        )
        for protocol in protocols
        for server in provider.servers_for(protocol)
    ]


def _short_name(named: Provider | Device) -> str:
    """Buttons are short: "Orange", not "Orange (Mail Orange, Wanadoo)"."""
    return named.name.split(" (")[0]


class Composer:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def topic_section(self, topic: Topic, provider: str | None, device: str | None) -> Section:
        known = self.kb.providers.get(provider or "")
        # A device's steps win over a provider's (the screens differ); notes add up.
        variants = [
            variant
            for variant in (topic.devices.get(device or ""), topic.providers.get(provider or ""))
            if variant
        ]
        steps = next((variant.steps for variant in variants if variant.steps), topic.steps)
        summary = next((variant.summary for variant in variants[::-1] if variant.summary), None)
        notes = [note for variant in variants[::-1] for note in variant.notes]
        rows = settings_rows(known, _SETTINGS_PROTOCOLS[topic.settings]) if known else []
        if known and rows:
            notes.append(texts.CARD_USERNAME.format(username=known.auth.username))
        notes.extend(topic.notes)
        link = known.help_url if known and rows else (topic.links[0].url if topic.links else None)
        return Section(
            title=topic.title,
            summary=summary or topic.summary,
            settings=rows,
            steps=list(steps),
            notes=notes,
            link=link,
            topic=topic.id,
        )

    def other_provider_section(self, unknown_domain: str | None) -> Section:
        note = (
            texts.UNKNOWN_DOMAIN_NOTE.format(domain=unknown_domain)
            if unknown_domain
            else texts.OTHER_PROVIDER_NOTE
        )
        return Section(title="", summary=note)

    def diagnose_buttons(self, domains: list[str]) -> list[Button]:
        return [
            Button(texts.TEST_DOMAIN.format(domain=domain), DiagnoseChoice(domain).encode())
            for domain in domains[:1]
            if fits("diag", domain)
        ]

    def assumed(self, provider: str | None, device: str | None) -> str:
        names = [
            _short_name(self.kb.providers[provider]) if provider in self.kb.providers else None,
            _short_name(self.kb.devices[device]) if device in self.kb.devices else None,
        ]
        what = " · ".join(name for name in names if name)
        return texts.ASSUMED.format(what=what) if what else texts.ASSUMED_NOTHING

    def clarify(self, topic: Topic, need: str, provider: str, device: str) -> Reply:
        if need == "provider":
            question = texts.ASK_PROVIDER
            options = [
                (_short_name(self.kb.providers[ident]), AnswerChoice(topic.id, ident, device))
                for ident in _PROVIDER_BUTTONS
                if ident in self.kb.providers
            ]
            options.append((texts.OTHER, AnswerChoice(topic.id, OTHER, device)))
        else:
            question = texts.ASK_DEVICE
            options = [
                (known.name, AnswerChoice(topic.id, provider, ident))
                for ident, known in self.kb.devices.items()
            ]
            options.append((texts.OTHER, AnswerChoice(topic.id, provider, OTHER)))
        buttons = [Button(label, choice.encode()) for label, choice in options]
        return Reply(
            kind=ReplyKind.CLARIFY,
            sections=[Section(title=topic.title, summary=question)],
            buttons=buttons,
            topic=topic.id,
            topics=[topic.id],
            provider=provider or None,
            device=device or None,
            asks=need,
        )

    def alternatives(
        self, topic_ids: list[str], provider: str | None, device: str | None
    ) -> tuple[Section, list[Button]]:
        """ "Not quite your question?": the other likely topics, one button each."""
        buttons = [
            Button(
                self.kb.topics[ident].title,
                AnswerChoice(ident, provider or "", device or "").encode(),
            )
            for ident in topic_ids
        ]
        return Section(title="", summary=texts.ALTERNATIVES), buttons

    def provider_card(self, provider: Provider) -> Reply:
        notes = [texts.CARD_USERNAME.format(username=provider.auth.username)]
        notes.extend(provider.auth.notes)
        notes.extend(provider.notes)
        section = Section(
            title=texts.CARD_TITLE.format(name=provider.name),
            settings=settings_rows(provider, _SETTINGS_PROTOCOLS["all"], with_notes=True),
            notes=notes,
            link=provider.help_url,
        )
        return Reply(ReplyKind.INFO, [section], provider=provider.id, confidence=100)

    def ports_card(self) -> Reply:
        lines = [
            f"`{info.port}` {texts.ROLE_LABELS[info.protocol]}, "
            f"{texts.SECURITY_LABELS[info.security]} : {info.use}"
            for info in self.kb.ports
        ]
        return Reply(ReplyKind.INFO, [Section(title=texts.PORTS_TITLE, notes=lines)])

    def help_reply(self) -> Reply:
        section = Section(
            title=texts.HELP_TITLE,
            summary=texts.HELP,
            steps=[f"« {example} »" for example in texts.HELP_EXAMPLES],
            notes=texts.HELP_COMMANDS,
        )
        return Reply(ReplyKind.INFO, [section])

    def decline(self, guess: str | None, confidence: int) -> Reply:
        section = Section(
            title=texts.DECLINE_TITLE, summary=texts.DECLINE, notes=[texts.DECLINE_EXAMPLES]
        )
        return Reply(ReplyKind.DECLINE, [section], topic=guess, confidence=confidence)

    def notice(self, message: str) -> Reply:
        return notice(message)
