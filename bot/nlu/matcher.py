"""Rank topics for a message: idf-weighted overlap with each topic's phrasings.

Tokens are stemmed (Snowball, French) and typos are mapped onto the phrasings' vocabulary
with rapidfuzz, so "parametrage", "paramètres" and "parametre" meet.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

OUT_OF_SCOPE = "_out_of_scope"
_RECALL_WEIGHT = 2.0  # beta of the F-measure: covering a phrasing matters more than brevity
_KEYWORD_BONUS = 0.3
_TYPO_CUTOFF = 84
_COVERAGE_WEIGHT = 0.3
_SENSE_PREFIXES = frozenset({"im", "in", "il", "ir", "de", "re", "dis", "non", "un"})
_SHARE_FULL = 4  # a stem in a quarter of a topic's phrasings is fully its own


@dataclass(frozen=True, slots=True)
class Match:
    topic: str
    score: float  # 0..1 (keywords can push it a little above 1)


_french = snowballstemmer.stemmer("french")


@lru_cache(maxsize=50_000)
def stem(token: str) -> str:
    if token.startswith("!"):
        return "!" + stem(token[1:])
    return token if any(char.isdigit() for char in token) else _french.stemWord(token)


def _prefixed(one: str, other: str) -> bool:
    """ "impossibl" and "possibl": one word is the other with a prefix that changes its sense."""
    longer, shorter = (one, other) if len(one) > len(other) else (other, one)
    return longer.endswith(shorter) and longer[: -len(shorter)] in _SENSE_PREFIXES


class TopicMatcher:
    def __init__(
        self,
        phrasings: dict[str, list[list[str]]],
        keywords: dict[str, list[list[str]]],
    ) -> None:
        """PHRASINGS: topic -> content tokens of each example; KEYWORDS: topic -> phrases."""
        examples: list[tuple[str, frozenset[str]]] = []
        document_frequency: dict[str, int] = defaultdict(int)
        # How common each stem is among a topic's phrasings: the topic's own vocabulary.
        share: dict[str, dict[str, float]] = defaultdict(dict)
        for topic, token_lists in phrasings.items():
            counts: dict[str, int] = defaultdict(int)
            for tokens in token_lists:
                stems = frozenset(stem(token) for token in tokens)
                if stems:
                    examples.append((topic, stems))
                    for token in stems:
                        counts[token] += 1
            for token, count in counts.items():
                document_frequency[token] += 1
                share[token][topic] = min(1.0, _SHARE_FULL * count / len(token_lists))
        topic_count = max(len(phrasings), 1)
        self._idf = {
            token: math.log(1 + topic_count / count) for token, count in document_frequency.items()
        }
        self._max_idf = math.log(1 + topic_count)
        # Examples are grouped by topic; one array slot per example, one per topic.
        self._topics = list(dict.fromkeys(topic for topic, _ in examples))
        topic_index = {topic: index for index, topic in enumerate(self._topics)}
        self._example_weights = np.array([self._weight(stems) for _, stems in examples])
        starts: dict[str, int] = {}
        for position, (topic, _) in enumerate(examples):
            starts.setdefault(topic, position)
        self._topic_starts = np.array([starts[topic] for topic in self._topics], dtype=np.intp)
        self._typical_weight = float(np.median(self._example_weights)) if len(examples) else 1.0
        postings: dict[str, list[int]] = defaultdict(list)  # stem -> examples
        for position, (_, stems) in enumerate(examples):
            for token in stems:
                postings[token].append(position)
        self._postings = {
            token: np.array(positions, dtype=np.intp) for token, positions in postings.items()
        }
        self._shares = {
            token: (
                np.array([topic_index[topic] for topic in shares], dtype=np.intp),
                np.array(list(shares.values())),
            )
            for token, shares in share.items()
        }
        # Typo candidates by length: a close enough spelling is at most two letters off.
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for token in sorted(self._idf):
            if token.isalpha():
                self._by_length[len(token)].append(token)
        # Keyword phrases by their first stem: (topic, phrase, bonus).
        self._keywords: dict[str, list[tuple[int, tuple[str, ...], float]]] = defaultdict(list)
        for topic, phrases in keywords.items():
            if topic not in topic_index:
                continue
            for phrase in phrases:
                stems = tuple(stem(token) for token in phrase)
                if stems:
                    self._keywords[stems[0]].append(
                        (topic_index[topic], stems, self._keyword_bonus(stems))
                    )
        self._corrections: dict[str, str | None] = {}

    def _keyword_bonus(self, phrase: tuple[str, ...]) -> float:
        """Distinctive keywords (an error code, a term of one topic) weigh the most."""
        distinctiveness = sum(self._idf.get(token, self._max_idf) for token in phrase)
        return _KEYWORD_BONUS * min(1.0, distinctiveness / self._max_idf)

    def _weight(self, stems: frozenset[str]) -> float:
        return sum(self._idf.get(token, 0.0) for token in stems)

    def known(self, token: str) -> str | None:
        """The vocabulary stem for TOKEN, allowing one typo or so; None when unknown."""
        stemmed = stem(token)
        if stemmed in self._idf:
            return stemmed
        if stemmed.startswith("!"):
            corrected = self.known(token[1:])
            return "!" + corrected if corrected and "!" + corrected in self._idf else None
        if len(stemmed) < 4 or not stemmed.isalpha():
            return None
        if stemmed not in self._corrections:
            if len(self._corrections) > 100_000:
                self._corrections.clear()
            size = len(stemmed)
            # "possible" is not a typo of "impossible": a word with a prefix more or less is
            # another word.
            candidates = [
                word
                for length in range(size - 2, size + 3)
                for word in self._by_length[length]
                if not _prefixed(word, stemmed)
            ]
            best = process.extractOne(
                stemmed, candidates, scorer=fuzz.ratio, score_cutoff=_TYPO_CUTOFF
            )
            self._corrections[stemmed] = best[0] if best else self._one_slip(stemmed, candidates)
        return self._corrections[stemmed]

    def _one_slip(self, stemmed: str, candidates: list[str]) -> str | None:
        """One letter wrong ("paramatre") or two swapped ("smpt"), which the ratio above
        misses in words this short; the most common such word wins. Swaps only under six
        letters, where one substitution would turn too many words into others."""
        close = [
            word
            for word, _, _ in process.extract(
                stemmed, candidates, scorer=OSA.distance, score_cutoff=1, limit=None
            )
            if len(stemmed) >= 6 or (len(word) == len(stemmed) and sorted(word) == sorted(stemmed))
        ]
        return min(close, key=lambda word: (self._idf[word], word)) if close else None

    def rank(self, tokens: list[str], limit: int = 3) -> list[Match]:
        """Best topics for content TOKENS, best first (at most one entry per topic)."""
        stems = [self.known(token) for token in tokens]
        query = frozenset(token for token in stems if token)
        query_weight = self._weight(query)
        totals = np.zeros(len(self._topics))
        if query_weight > 0:
            shared = np.zeros(len(self._example_weights))  # idf mass each example shares
            coverage = np.zeros(len(self._topics))  # ... and each topic's vocabulary covers
            for token in query:
                weight = self._idf[token]
                shared[self._postings[token]] += weight
                topics, shares = self._shares[token]
                coverage[topics] += weight / query_weight * shares
            # A long message holds more than its question: what counts is finding a phrasing in
            # it, so recall weighs more as the message outgrows a typical phrasing.
            beta2 = _RECALL_WEIGHT**2 * max(1.0, query_weight / self._typical_weight)
            # The F-measure of precision shared/query and recall shared/example, simplified.
            f_measure = (1 + beta2) * shared / (beta2 * self._example_weights + query_weight)
            best_example = np.maximum.reduceat(f_measure, self._topic_starts)
            totals = (1 - _COVERAGE_WEIGHT) * best_example + _COVERAGE_WEIGHT * coverage
        sequence = [stem(token) for token in tokens]
        bonus: dict[int, float] = {}
        for start, first in enumerate(sequence):
            for topic, phrase, extra in self._keywords.get(first, ()):
                if tuple(sequence[start : start + len(phrase)]) == phrase:
                    bonus[topic] = max(bonus.get(topic, 0.0), extra)
        for topic, extra in bonus.items():
            totals[topic] += extra
        count = min(limit, len(totals))
        top = np.argpartition(-totals, count - 1)[:count] if count else []
        ranked = sorted(top, key=lambda index: (-totals[index], index))
        return [
            Match(self._topics[index], float(totals[index]))
            for index in ranked
            if totals[index] > 0
        ]
