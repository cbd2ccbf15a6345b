"""Rank topics for a message: idf-weighted overlap with each topic's phrasings.

Tokens are stemmed (Snowball, French) and typos are mapped onto the phrasings' vocabulary
with rapidfuzz, so "parametrage", "paramètres" and "parametre" meet.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

OUT_OF_SCOPE = "_out_of_scope"
_RECALL_WEIGHT = 1.5  # beta of the F-measure: covering a phrasing matters more than brevity
_KEYWORD_BONUS = 0.3
_TYPO_CUTOFF = 84
_COVERAGE_WEIGHT = 0.3
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
        self._share: dict[str, dict[str, float]] = defaultdict(dict)
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
                self._share[token][topic] = min(1.0, _SHARE_FULL * count / len(token_lists))
        topic_count = max(len(phrasings), 1)
        self._idf = {
            token: math.log(1 + topic_count / count) for token, count in document_frequency.items()
        }
        self._max_idf = math.log(1 + topic_count)
        self._examples = [(topic, stems, self._weight(stems)) for topic, stems in examples]
        weights = sorted(weight for _, _, weight in self._examples)
        self._typical_weight = weights[len(weights) // 2] if weights else 1.0
        self._postings: dict[str, list[int]] = defaultdict(list)  # stem -> examples
        for position, (_, stems, _) in enumerate(self._examples):
            for token in stems:
                self._postings[token].append(position)
        # Typo candidates by length: a close enough spelling is at most two letters off.
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for token in sorted(self._idf):
            if token.isalpha():
                self._by_length[len(token)].append(token)
        # Keyword phrases by their first stem: (topic, phrase, bonus).
        self._keywords: dict[str, list[tuple[str, tuple[str, ...], float]]] = defaultdict(list)
        for topic, phrases in keywords.items():
            for phrase in phrases:
                stems = tuple(stem(token) for token in phrase)
                if stems:
                    self._keywords[stems[0]].append((topic, stems, self._keyword_bonus(stems)))
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
            candidates = [
                word for length in range(size - 2, size + 3) for word in self._by_length[length]
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
        best: dict[str, float] = {}
        if query_weight > 0:
            shared: dict[int, float] = defaultdict(float)
            for token in query:
                weight = self._idf[token]
                for position in self._postings[token]:
                    shared[position] += weight
            # A long message holds more than its question: what counts is finding a phrasing in
            # it, so recall weighs more as the message outgrows a typical phrasing.
            beta2 = _RECALL_WEIGHT**2 * max(1.0, query_weight / self._typical_weight)
            for position, common in shared.items():
                topic, _, example_weight = self._examples[position]
                recall = common / example_weight
                precision = common / query_weight
                score = (1 + beta2) * precision * recall / (beta2 * precision + recall)
                if score > best.get(topic, 0.0):
                    best[topic] = score
        # Blend with how much of the message the topic's vocabulary as a whole covers.
        coverage: dict[str, float] = defaultdict(float)
        for token in query:
            weight = self._idf.get(token, 0.0) / query_weight if query_weight else 0.0
            for topic, share in self._share.get(token, {}).items():
                coverage[topic] += weight * share
        for topic, covered in coverage.items():
            best[topic] = (1 - _COVERAGE_WEIGHT) * best.get(topic, 0.0) + _COVERAGE_WEIGHT * covered
        sequence = [stem(token) for token in tokens]
        bonus: dict[str, float] = {}
        for start, first in enumerate(sequence):
            for topic, phrase, extra in self._keywords.get(first, ()):
                if tuple(sequence[start : start + len(phrase)]) == phrase:
                    bonus[topic] = max(bonus.get(topic, 0.0), extra)
        for topic, extra in bonus.items():
            best[topic] = best.get(topic, 0.0) + extra
        ranked = heapq.nlargest(limit, best.items(), key=lambda item: item[1])
        return [Match(topic, score) for topic, score in ranked]
