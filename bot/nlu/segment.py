"""Cut a pasted e-mail down to what the customer asks: no greetings, signature or quotes."""

from __future__ import annotations

import re

from bot.nlu.normalize import fold, words

_QUOTE_HEADER = re.compile(
    r"^\s*(?:-{2,}\s*(?:message d.origine|original message|message transfere|forwarded message)"
    r"|le .{3,80} a ecrit\s*:|on .{3,80} wrote\s*:|de\s*:\s*\S+@|from\s*:\s*\S+@"
    r"|envoye\s*:|sent\s*:)",
)
_SIGNATURE_MARK = re.compile(r"^\s*(?:--\s*|_{3,}|envoye de(?:puis)? mon \w+|sent from my \w+)")
_SENTENCE_END = re.compile(r"(?<=[?!])\s*|(?<=[.;])\s+|\s*\n\s*")
# "..., et aussi ...", "..., and which port ...": a second question inside one sentence.
_CLAUSE = re.compile(
    r",?\s+(?:et\s+(?:aussi|ensuite|puis|en plus|au passage|autre chose)|et\s+(?=quel|comment|"
    r"pourquoi|faut|est-ce|ou\b|j'ai|je\b)|and\s+(?=which|what|how|why|where|i\b)|"
    r"autre question|au passage|ensuite)\s*,?\s*",
    re.IGNORECASE,
)


class Segmenter:
    def __init__(self, greetings: list[str], closings: list[str]) -> None:
        self._greetings = sorted({tuple(words(fold(g))) for g in greetings} - {()}, key=len)[::-1]
        self._closings = {tuple(words(fold(c))) for c in closings} - {()}

    def body(self, text: str) -> str:
        """The customer's own words: quoted replies, signature and greetings removed."""
        kept: list[str] = []
        for line in text.splitlines():
            folded = fold(line)
            if folded.lstrip().startswith(">"):
                continue
            if _QUOTE_HEADER.match(folded) or _SIGNATURE_MARK.match(folded):
                break
            line_words = words(folded)
            if self._is_closing(line_words):
                break
            kept.append(self._without_greeting(line, line_words))
        body = "\n".join(part for part in kept if part.strip())
        return body if body.strip() else text

    def sentences(self, body: str) -> list[str]:
        """Sentences, and the clauses of a sentence that asks two things."""
        return [
            clause
            for sentence in _SENTENCE_END.split(body)
            if sentence and sentence.strip()
            for clause in _CLAUSE.split(sentence)
            if clause.strip()
        ]

    def _is_closing(self, line_words: list[str]) -> bool:
        if not line_words or len(line_words) > 8:
            return False
        return any(tuple(line_words[: len(closing)]) == closing for closing in self._closings)

    def _without_greeting(self, line: str, line_words: list[str]) -> str:
        for greeting in self._greetings:
            if tuple(line_words[: len(greeting)]) == greeting:
                if len(line_words) <= len(greeting) + 2:
                    return ""  # "Bonjour Madame," alone on its line
                # Drop the greeting's words from the start of the line, keep the rest.
                pattern = r"^\W*" + r"\W+".join(r"\w+" for _ in greeting) + r"\W*"
                return re.sub(pattern, "", line, count=1)
        return line
