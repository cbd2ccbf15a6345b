"""Cut a pasted e-mail down to what the customer asks: no greetings, signature or quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.nlu.normalize import fold, words

# An earlier message follows, to the end: the customer's new text is above it.
_EARLIER_MESSAGE = re.compile(
    r"^\s*(?:-{2,}\s*(?:message d.origine|original message)|de\s*:\s*.*@|from\s*:\s*.*@"
    r"|envoye\s*:|sent\s*:)",
)
# A forwarded message is what the customer wrote: read on, past its header lines.
_FORWARDED = re.compile(
    r"^\s*-{2,}\s*(?:message transfere|forwarded message)|^\s*debut du message reexpedie"
)
_HEADER_FIELD = re.compile(r"^\s*(?:a|cc|date|envoye|to|sent)\s*:")
# Kept from a forwarded header: its subject, and its author, whose address names the provider
# (a customer's own, or the sender's mailer-daemon for a bounce).
_KEPT_FIELD = re.compile(r"^\s*(?:objet|subject|de|from)\s*:\s*", re.IGNORECASE)
# "Le 3 mars, X a écrit :" introduces quoted lines ("> ..."); text after them is new again.
_QUOTE_INTRO = re.compile(r"^\s*(?:le .{3,80} a ecrit\s*:|on .{3,80} wrote\s*:)")
# "-- " is the signature delimiter; "---" alone is how agents frame a pasted message.
_SIGNATURE_MARK = re.compile(r"^\s*(?:--\s*$|_{3,}|envoye de(?:puis)? mon \w+|sent from my \w+)")
# An agent's note above an earlier message: then that message is the customer's.
_PASSING_ON = re.compile(
    r"\b(?:transfere|transmets|fais suivre|colle|voici|ci-dessous|forward|below)\b"
)
_SENTENCE_END = re.compile(r"(?<=[?!])\s*|(?<=[.;])\s+|\s*\n\s*")
# "..., et aussi ...", "..., and which port ...": a second question inside one sentence.
_CLAUSE = re.compile(
    r"(,?\s+(?:et\s+(?:aussi|ensuite|puis|en plus|au passage|autre chose)|et\s+(?=quel|comment|"
    r"pourquoi|faut|est-ce|ou\b|j'ai|je\b)|and\s+(?=which|what|how|why|where|i\b)|"
    r"autre question|au passage|ensuite)\s*,?\s*)",
    re.IGNORECASE,
)  # the group keeps the separator: "et aussi" announces a question, "et je" may not
_STRONG_SEPARATOR = re.compile(r"aussi|ensuite|puis|en plus|au passage|autre", re.IGNORECASE)


# A sentence that announces another question: "Autre chose :", "D'autre part", "Also, ...".
_ANNOUNCED = re.compile(
    r"^\W*(?:et\s+|and\s+)?(?:aussi|autre (?:chose|question|souci|point|probleme)|d.autre part"
    r"|par ailleurs|egalement|en plus|deuxieme(?: question| chose)?|seconde? question|enfin"
    r"|ensuite|et pour|also|another (?:question|thing)|second(?:ly)?|one more thing)\b"
)
# "Deux questions :", "two things": every sentence may be one of them.
_SEVERAL = re.compile(
    r"\b(?:deux|2|trois|3|plusieurs) (?:questions|choses|soucis|problemes|points|trucs|sujets"
    r"|demandes)\b"
    r"|\b(?:two|2|three|3) (?:questions|things|issues|problems)\b|\bd.une part\b"
)


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    announced: bool  # introduced as another question


class Segmenter:
    def __init__(self, greetings: list[str], closings: list[str]) -> None:
        self._greetings = sorted({tuple(words(fold(g))) for g in greetings} - {()}, key=len)[::-1]
        self._closings = {tuple(words(fold(c))) for c in closings} - {()}

    def body(self, text: str) -> str:
        """The customer's own words: quoted replies, signature and greetings removed; the
        text of a forwarded message and its subject kept."""
        kept: list[str] = []
        in_header = False
        keep_quoted = False  # "> ..." after "Voici son message :" is the customer's message
        for line in text.splitlines():
            folded = fold(line)
            if folded.lstrip().startswith(">"):
                if keep_quoted:
                    line = line.lstrip(" >")
                    folded = fold(line)
                else:
                    continue
            elif folded.strip():
                keep_quoted = folded.rstrip().endswith(":") and not _QUOTE_INTRO.match(folded)
            passed_on = (
                not in_header
                and _EARLIER_MESSAGE.match(folded)
                and _PASSING_ON.search(fold(" ".join(kept)))
            )
            if _FORWARDED.match(folded) or passed_on:
                in_header = True
                continue
            if in_header and _HEADER_FIELD.match(folded):
                continue
            if in_header and _KEPT_FIELD.match(folded):
                kept.append(_KEPT_FIELD.sub("", line, count=1))
                continue
            in_header = False
            if _QUOTE_INTRO.match(folded):
                continue
            if _EARLIER_MESSAGE.match(folded) or _SIGNATURE_MARK.match(folded):
                break
            line_words = words(folded)
            if self._is_closing(line_words):
                break
            kept.append(self._without_greeting(line, line_words))
        body = "\n".join(part for part in kept if part.strip())
        return body if body.strip() else text

    def sentences(self, body: str) -> list[Sentence]:
        """Sentences, and the clauses of a sentence that asks two things."""
        several = bool(_SEVERAL.search(fold(body)))
        found: list[Sentence] = []
        for sentence in _SENTENCE_END.split(body):
            if not sentence or not sentence.strip():
                continue
            parts = _CLAUSE.split(sentence)  # clause, separator, clause, ...
            for position in range(0, len(parts), 2):
                clause = parts[position]
                if not clause.strip():
                    continue
                folded = fold(clause).strip()
                separator = parts[position - 1] if position else ""
                announced = (
                    several
                    or bool(_STRONG_SEPARATOR.search(separator))
                    or bool(_ANNOUNCED.match(folded))
                    or (folded.startswith(("et ", "and ")) and folded.endswith("?"))
                )
                found.append(Sentence(clause, announced))
        return found

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
