"""The one engine every front-end shares: a message in, a Reply out."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot import texts
from bot.buttons import AnswerChoice
from bot.compose import OTHER, Composer
from bot.conversation import Conversation, Pending
from bot.kb import KnowledgeBase, Topic, load_knowledge
from bot.nlu.entities import (
    PROVIDER_MARK,
    Entities,
    EntityExtractor,
    without_addresses,
    without_secrets,
)
from bot.nlu.matcher import OUT_OF_SCOPE, Match, TopicMatcher
from bot.nlu.normalize import Normalizer, strip_controls
from bot.nlu.segment import Segmenter
from bot.reply import Reply, ReplyKind, Section

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 20_000  # a long pasted thread; beyond that only the start is read
_DECLINE_BELOW = 0.34  # best topic score under which the bot declines
_SECOND_TOPIC_MIN = 0.5  # a sentence's own topic is answered too from this score
_SECOND_TOPIC_SHARE = 0.55  # ... and from this share of the best topic's score
# A sentence announced as another question ("Autre chose : ...") needs less.
_ANNOUNCED_TOPIC_MIN = 0.35
_ANNOUNCED_TOPIC_SHARE = 0.4
_MAX_TOPICS = 3
# Unsure of the answer: the next likeliest topics are offered as buttons.
_OFFER_ALTERNATIVES_BELOW = 60
_ALTERNATIVE_SHARE = 0.6
_MAX_ALTERNATIVES = 2
_SHORT_REPLY_WORDS = 6  # "orange", "sur mon iphone": the answer to a clarifying question
_MAX_SENTENCES = 40
_SENTENCE_WORDS = 3  # known content words from which a sentence alone is full evidence
_SHORT_SENTENCE = 0.7
_CANDIDATES = 8  # topics kept per ranking, before the provider/device fit reorders them
_QUOTED_DISCOUNT = 0.85
_IN_SCOPE = 1.15  # a topic about the provider or device the message names (names are masked)
_SIGNAL = 1.3  # a fact of the message the topic is about (Topic.signals)
_OFF_SCOPE = 0.6  # a topic about another provider or device than the one named
_NO_DEVICE = 0.85  # a topic about some clients (or one provider), and the message names none
_UNREADABLE = re.compile(r"[^\w\s.,;:!?'\"()@/-]|_")  # binary junk is mostly this
_OUT_OF_SCOPE_DAMPING = 0.8  # the message speaks of e-mail: "out of scope" must win clearly


@dataclass(frozen=True, slots=True)
class Understanding:
    topics: list[Topic]
    confidence: int
    guess: str | None  # best topic, even when declining
    entities: Entities
    alternatives: list[str] = field(default_factory=list)  # offered when unsure


class Engine:
    AUTO_CONFIDENCE = 85  # groups with /auto on: only answers this sure

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        lexicon = kb.lexicon
        self.normalizer = Normalizer(lexicon.replacements, set(lexicon.stopwords), _vocabulary(kb))
        self.segmenter = Segmenter(lexicon.greetings, lexicon.closings)
        self.extractor = EntityExtractor(kb)
        self.composer = Composer(kb)
        phrasings = {
            topic.id: [self._content(example) for example in topic.examples]
            for topic in kb.topics.values()
        }
        phrasings[OUT_OF_SCOPE] = [self._content(example) for example in lexicon.out_of_scope]
        keywords = {
            topic.id: [self._content(keyword) for keyword in topic.keywords]
            for topic in kb.topics.values()
        }
        self.matcher = TopicMatcher(phrasings, keywords)
        self._field_words = self._stems(lexicon.field_words)
        self._field_hints = self._stems(lexicon.field_hints)

    @classmethod
    def load(cls, knowledge_root: Path | None = None) -> Engine:
        started = time.perf_counter()
        engine = cls(load_knowledge(knowledge_root))
        log.info(
            "knowledge loaded: %d providers, %d topics in %.0f ms",
            len(engine.kb.providers),
            len(engine.kb.topics),
            (time.perf_counter() - started) * 1000,
        )
        return engine

    def _stems(self, words: list[str]) -> frozenset[str]:
        return frozenset(
            self.matcher.known(token) or token
            for word in words
            for token in self.normalizer.tokens(word)
        )

    def _content(self, text: str) -> list[str]:
        tokens = self.normalizer.tokens(without_addresses(text))
        return self.normalizer.content(self.extractor.mask(tokens))

    # -- front-end entry points -------------------------------------------------------------

    def answer(self, text: str, conversation: Conversation | None = None) -> Reply:
        conversation = conversation if conversation is not None else Conversation()
        text = strip_controls(text)
        if not text.strip():
            return self.composer.notice(texts.EMPTY)
        if not _looks_like_text(text):
            return self.composer.notice(texts.NOT_TEXT)
        truncated = len(text) > MAX_INPUT_CHARS
        understanding = self.understand(text[:MAX_INPUT_CHARS])
        entities = understanding.entities
        pending, conversation.pending = conversation.pending, None
        if pending and self._completes(pending, entities, text):
            reply = self.choose(
                AnswerChoice(
                    pending.topic,
                    entities.provider or _first(entities.weak_providers) or pending.provider,
                    entities.device or pending.device,
                ),
                conversation,
            )
        elif not understanding.topics:
            reply = self.composer.decline(understanding.guess, understanding.confidence)
        else:
            reply = self._respond(understanding, conversation)
        if entities.secret:
            reply.secret_detected = True
            reply.sections.insert(0, Section(title="", summary=texts.NEVER_SHARE_NOTICE))
        if truncated:
            reply.sections.append(Section(title="", summary=texts.TOO_LONG))
        return reply

    def choose(self, choice: AnswerChoice, conversation: Conversation | None = None) -> Reply:
        """A clarification button was pressed (or typed): answer with what it carries."""
        conversation = conversation if conversation is not None else Conversation()
        conversation.pending = None
        topic = self.kb.topics.get(choice.topic)
        if topic is None:
            return self.composer.decline(None, 0)
        entities = Entities(
            providers=[choice.provider] if choice.provider else [],
            devices=[choice.device] if choice.device else [],
        )
        return self._respond(Understanding([topic], 100, topic.id, entities), conversation)

    def provider_card(self, query: str) -> Reply:
        query = strip_controls(query).strip()
        if not query:
            return self.composer.notice(texts.CARD_USAGE)
        tokens = self.normalizer.tokens(query)
        entities = self.extractor.extract(query, tokens)
        provider_id = entities.provider or _first(entities.weak_providers)
        if provider_id is None:
            names = ", ".join(sorted(provider.name for provider in self.kb.providers.values()))
            return self.composer.notice(texts.CARD_UNKNOWN.format(names=names))
        return self.composer.provider_card(self.kb.providers[provider_id])

    def ports_card(self) -> Reply:
        return self.composer.ports_card()

    def help_reply(self) -> Reply:
        return self.composer.help_reply()

    # -- understanding ----------------------------------------------------------------------

    def understand(self, text: str) -> Understanding:
        body = self.segmenter.body(text)
        # Names inside an address ("@outlook.fr") are not a device: the domain tells the provider.
        tokens = self.normalizer.tokens(without_addresses(body))
        entities = self.extractor.extract(body, tokens)
        if entities.secret:
            # "mon mot de passe est ..." is not a question about passwords: leave it out.
            body = without_secrets(body)
            tokens = self.normalizer.tokens(without_addresses(body))
        if body != text and not (entities.providers and entities.devices):
            self._fill_from_whole(text, entities)
        content = self.normalizer.content(self.extractor.mask(tokens))  # as _content(body)
        # Names are masked in phrasings and messages alike; an address names a provider too.
        if entities.providers and PROVIDER_MARK not in content:
            content.append(PROVIDER_MARK)
        scores, sentence_bests = self.scores(text, body, content, entities)
        in_field = self._in_field(self.normalizer.content(tokens), entities)
        if in_field and OUT_OF_SCOPE in scores:
            scores[OUT_OF_SCOPE] *= _OUT_OF_SCOPE_DAMPING
        ranked_topics = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        if not ranked_topics:
            return Understanding([], 0, None, entities)
        best, best_score = ranked_topics[0]
        runner_up = ranked_topics[1][1] if len(ranked_topics) > 1 else 0.0
        confidence = _confidence(best_score, runner_up)
        guess = next((topic for topic, _ in ranked_topics if topic != OUT_OF_SCOPE), None)
        if best == OUT_OF_SCOPE or best_score < _DECLINE_BELOW or not in_field:
            return Understanding([], min(confidence, 50), guess, entities)
        chosen = [best]
        for match, announced in sentence_bests:
            floor, share = (
                (_ANNOUNCED_TOPIC_MIN, _ANNOUNCED_TOPIC_SHARE)
                if announced
                else (_SECOND_TOPIC_MIN, _SECOND_TOPIC_SHARE)
            )
            if (
                len(chosen) < _MAX_TOPICS
                and match.topic not in chosen
                and match.topic != OUT_OF_SCOPE
                and match.score >= max(floor, share * min(best_score, 1.0))
            ):
                chosen.append(match.topic)
        alternatives = (
            [
                topic_id
                for topic_id, score in ranked_topics[1:]
                if topic_id not in chosen
                and topic_id != OUT_OF_SCOPE
                and score >= _ALTERNATIVE_SHARE * best_score
            ][:_MAX_ALTERNATIVES]
            if confidence < _OFFER_ALTERNATIVES_BELOW
            else []
        )
        topics = [self.kb.topics[topic_id] for topic_id in chosen]
        return Understanding(topics, confidence, guess, entities, alternatives)

    def scores(
        self, text: str, body: str, content: list[str], entities: Entities
    ) -> tuple[dict[str, float], list[tuple[Match, bool]]]:
        """Each topic's score over the whole body, its sentences and what was cut from it."""
        scores: dict[str, float] = {}

        def add(matches: list[Match], factor: float = 1.0) -> list[Match]:
            fitted = [
                Match(match.topic, match.score * factor * self._fit(match.topic, entities))
                for match in matches
            ]
            for match in fitted:
                scores[match.topic] = max(scores.get(match.topic, 0.0), match.score)
            return fitted

        add(self.matcher.rank(content, _CANDIDATES))
        sentence_bests: list[tuple[Match, bool]] = []  # and whether it was announced
        sentences = self.segmenter.sentences(body)
        if len(sentences) > 1:
            for sentence in sentences[:_MAX_SENTENCES]:
                words = self._content(sentence.text)
                # "Il sert à quoi ?" alone fits many topics: a short sentence counts for less.
                known = {self.matcher.known(word) for word in words} - {None}
                evidence = 1.0 if len(known) >= _SENTENCE_WORDS else _SHORT_SENTENCE
                fitted = add(self.matcher.rank(words, _CANDIDATES), evidence)
                if fitted:
                    best = max(fitted, key=lambda match: match.score)
                    sentence_bests.append((best, sentence.announced))
        if body != text:
            # What was cut (a forwarded bounce, a quoted error) may be all there is to go on.
            add(self.matcher.rank(self._content(text), _CANDIDATES), _QUOTED_DISCOUNT)
        return scores, sentence_bests

    def _fit(self, topic_id: str, entities: Entities) -> float:
        """How well a topic suits the provider and device the message names."""
        topic = self.kb.topics.get(topic_id)
        if topic is None:
            return 1.0
        fit = 1.0
        if "security_mismatch" in topic.signals and entities.security_mismatch:
            fit *= _SIGNAL
        if topic.for_devices:
            if not entities.devices:
                fit *= _NO_DEVICE
            else:
                in_scope = set(topic.for_devices) & set(entities.devices)
                fit *= _IN_SCOPE if in_scope else _OFF_SCOPE
        named = entities.providers or entities.weak_providers
        if topic.provider:
            if not named:
                fit *= _OFF_SCOPE
            else:
                fit *= _IN_SCOPE if topic.provider in named else _OFF_SCOPE
        return fit

    def _in_field(self, content: list[str], entities: Entities) -> bool:
        if entities.unknown_domains or entities.error_codes or entities.smtp_codes:
            return True
        if entities.protocols or entities.security or entities.address_seen or entities.ports:
            return True
        stems = {self.matcher.known(token) or token for token in content}
        if stems & self._field_words:
            return True
        named = entities.providers or entities.weak_providers or entities.devices
        return bool(named and stems & self._field_hints)

    def _fill_from_whole(self, text: str, entities: Entities) -> None:
        """Signatures and quoted headers still tell the device ("Envoyé de mon iPhone")
        and the customer's address; names there (a street, a company) are not used."""
        whole = self.extractor.extract(text, self.normalizer.tokens(without_addresses(text)))
        if not entities.devices:
            entities.devices = whole.devices
        if not entities.providers:
            entities.providers = list(whole.address_providers)

    def _completes(self, pending: Pending, entities: Entities, text: str) -> bool:
        if len(self._content(text)) > _SHORT_REPLY_WORDS:
            return False
        if pending.need == "provider":
            return bool(entities.providers or entities.weak_providers)
        return bool(entities.devices)

    # -- replying ---------------------------------------------------------------------------

    def _respond(self, understanding: Understanding, conversation: Conversation) -> Reply:
        entities = understanding.entities
        sections: list[Section] = []
        buttons = []
        assumed_provider: str | None = None
        assumed_device: str | None = None
        for topic in understanding.topics:
            provider = entities.provider
            if provider is None and ("provider" in topic.needs or topic.settings != "none"):
                provider = _first(entities.weak_providers)
            provider = provider or topic.provider
            device = entities.device
            unknown = _first(entities.unknown_domains)
            missing = _missing(topic, provider, device, unknown)
            if missing and not buttons:
                clarify = self.composer.clarify(topic, missing, provider or "", device or "")
                if len(understanding.topics) == 1:
                    conversation.pending = Pending(topic.id, missing, provider or "", device or "")
                    clarify.confidence = understanding.confidence
                    return clarify
                sections.extend(clarify.sections)
                buttons.extend(clarify.buttons)
                continue
            sections.append(self.composer.topic_section(topic, provider, device))
            if provider == OTHER or (provider is None and unknown):
                sections.append(self.composer.other_provider_section(unknown))
                buttons.extend(self.composer.diagnose_buttons(entities.unknown_domains))
            assumed_provider = assumed_provider or (provider if provider != OTHER else None)
            assumed_device = assumed_device or (device if device != OTHER else None)
        if understanding.alternatives and not buttons:
            section, buttons = self.composer.alternatives(
                understanding.alternatives, assumed_provider, assumed_device
            )
            sections.append(section)
        ids = [topic.id for topic in understanding.topics]
        return Reply(
            kind=ReplyKind.ANSWER,
            sections=sections,
            buttons=buttons,
            topic=ids[0],
            topics=ids,
            provider=assumed_provider,
            device=assumed_device,
            confidence=understanding.confidence,
            assumed=self.composer.assumed(assumed_provider, assumed_device),
        )


def _missing(topic: Topic, provider: str | None, device: str | None, unknown: str | None) -> str:
    if "provider" in topic.needs and not provider and not unknown:
        return "provider"
    if "device" in topic.needs and not device:
        return "device"
    return ""


def _confidence(best: float, runner_up: float) -> int:
    certainty = min(best, 1.0)
    margin = min(1.0, (best - runner_up) / max(best, 1e-9) * 2.5)
    return round(100 * certainty * (0.7 + 0.3 * margin))


def _looks_like_text(text: str) -> bool:
    sample = text[:4000]
    unreadable = len(_UNREADABLE.findall(sample))
    return unreadable <= 0.4 * len(sample)


def _vocabulary(kb: KnowledgeBase) -> Iterator[str]:
    """Every text of the knowledge base whose words a message may use."""
    for topic in kb.topics.values():
        yield topic.title
        yield from topic.examples
        yield from topic.keywords
    for named in [*kb.providers.values(), *kb.devices.values()]:
        yield named.name
        yield from named.aliases
    lexicon = kb.lexicon
    yield from lexicon.replacements.values()
    yield from lexicon.out_of_scope
    yield from lexicon.field_words


def _first(items: list[str]) -> str | None:
    return items[0] if items else None
