"""Turn what people type into comparable tokens: case, accents, SMS spellings, repeats."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Set

# Accents and other combining marks, as NFKD leaves them, deleted by str.translate.
_NO_COMBINING = dict.fromkeys(
    code for code in range(0x300, 0x10000) if unicodedata.combining(chr(code))
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_WORD = re.compile(r"[a-z0-9]+")
_ELISION = re.compile(r"[jldmnst](?=[aeiouyh][a-z]{3})")
_ARRIVER = frozenset(
    {"arrive", "arrives", "arrivons", "arrivez", "arrivent", "arrivais", "arrivait", "arriver"}
)
_CLITICS = frozenset({"se", "s", "me", "m", "te", "t", "le", "la", "l", "les", "en", "y", "lui"})
_NOUNS = frozenset(  # words in -ent that are no plural verb
    {"parent", "present", "absent", "accent", "argent", "content", "patient", "recent", "urgent",
     "souvent", "different", "client", "talent", "serpent", "evident", "frequent"}
)  # fmt: skip
_NOT_VERBS = frozenset({"votre", "notre", "leur", "autre", "premier", "dernier", "hier"})
_REPEATS = re.compile(r"([a-z])\1{2,}")  # three or more of a letter: "saluuut", "mailll"
NEGATIONS = frozenset(
    {"n", "ne", "pas", "plus", "jamais", "rien", "aucun", "aucune", "impossible", "not", "cannot",
     "cant", "unable", "never", "no"}
)  # fmt: skip
NEGATED = "!"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def strip_controls(text: str) -> str:
    """Remove control and invisible formatting characters, keep tabs and newlines."""
    return _CONTROL.sub("", text)


def fold(text: str) -> str:
    """Lower case, no accents, typographic apostrophes made plain."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    return text.translate(_NO_COMBINING).replace("œ", "oe")


def _collapse(word: str) -> str:
    if not _REPEATS.search(word) or any(char.isdigit() for char in word):
        return word  # codes such as 0x800ccc0e keep their letters
    return _REPEATS.sub(r"\1", word)


class Normalizer:
    """Folds text and rewrites SMS spellings and abbreviations into plain words."""

    def __init__(
        self,
        replacements: Mapping[str, str],
        stopwords: set[str],
        vocabulary: Iterable[str] = (),
    ) -> None:
        """VOCABULARY: the texts of the knowledge base, whose words tell "lappli" is "l'appli"."""
        counts = Counter(word for text in vocabulary for word in words(fold(text)))
        self._counts = counts
        # "lordi" is in a phrasing too, but "ordi" is more common: a glued form is no word.
        # "tout" and "dans" are more common than "out" and "ans": they stay words.
        self._vocabulary = frozenset(
            word
            for word, count in counts.items()
            if (rest := _elided(word, counts)) is None or counts[rest] <= count
        )
        self._single: dict[str, list[str]] = {}
        # Phrases by their first word, longest first.
        self._phrases: dict[str, list[tuple[list[str], list[str]]]] = {}
        for source, target in replacements.items():
            source_words = words(fold(source))
            target_words = words(fold(target))
            if len(source_words) == 1:
                self._single[source_words[0]] = target_words
            elif source_words:
                self._phrases.setdefault(source_words[0], []).append((source_words, target_words))
        for candidates in self._phrases.values():
            candidates.sort(key=lambda item: len(item[0]), reverse=True)
        self.stopwords = frozenset(fold(word) for word in stopwords)

    def tokens(self, text: str) -> list[str]:
        """All words of TEXT, rewritten (stopwords kept: negation and phrases need them)."""
        out: list[str] = []
        raw = [
            self._singular(part)
            for word in words(fold(text))
            for part in self._unglue(_collapse(word))
        ]
        index = 0
        while index < len(raw):
            for source, target in self._phrases.get(raw[index], ()):
                if raw[index : index + len(source)] == source:
                    out.extend(target)
                    index += len(source)
                    break
            else:
                out.extend(self._single.get(raw[index], (raw[index],)))
                index += 1
        return _manage_to(out)

    def _singular(self, word: str) -> str:
        """ "arrivent" -> "arrive", "fonctionnent" -> "fonctionne": the stemmer keeps these
        plural verbs apart from the singular forms most phrasings use."""
        if len(word) < 6 or not word.endswith("ent") or word.endswith("ment") or word in _NOUNS:
            return word
        if word[:-2] in self._counts:
            return word[:-2]
        return word[:-3] if len(word) >= 8 and word[:-3] in self._counts else word

    def _unglue(self, word: str) -> tuple[str, ...]:
        """ "jajoute" -> "j", "ajoute": an apostrophe left out before a known word."""
        if word in self._vocabulary:
            return (word,)
        rest = _elided(word, self._vocabulary)
        return (word[: len(word) - len(rest)], rest) if rest else (word,)

    def content(self, tokens: list[str]) -> list[str]:
        """Meaningful tokens, plus a negated copy ("!envoyer") of those near a negation,
        so that "je reçois mais je n'envoie pas" and "je n'envoie pas" meet."""
        kept = [token for token in tokens if token not in self.stopwords]
        negated: list[str] = []
        for position, token in enumerate(tokens):
            if token in NEGATIONS:
                for near in tokens[max(0, position - 2) : position + 4]:
                    if near not in NEGATIONS and near not in self.stopwords:
                        negated.append(NEGATED + near)
        return kept + list(dict.fromkeys(negated))


def _manage_to(tokens: list[str]) -> list[str]:
    """ "Je n'arrive pas à envoyer" is about managing to, not arriving: "arriver à" before a
    verb becomes "reussir", so that it does not meet "le mail n'arrive pas"."""
    out = list(tokens)
    for position, token in enumerate(tokens):
        if token not in _ARRIVER:
            continue
        after = position + 1
        while after < len(tokens) and after - position <= 3 and tokens[after] in NEGATIONS:
            after += 1
        if after >= len(tokens) or tokens[after] != "a":
            continue
        after += 1
        while after < len(tokens) and tokens[after] in _CLITICS:
            after += 1
        if after < len(tokens) and _looks_infinitive(tokens[after]):
            out[position] = "reussir"
    return out


def _looks_infinitive(word: str) -> bool:
    return len(word) > 3 and word.endswith(("er", "ir", "re", "oir")) and word not in _NOT_VERBS


def _elided(word: str, vocabulary: Set[str]) -> str | None:
    """The known word WORD glues an elided article or pronoun to, if any."""
    match = _ELISION.match(word)
    if match and word[match.end() :] in vocabulary:
        return word[match.end() :]
    return None


def words(folded: str) -> list[str]:
    return _WORD.findall(folded)
