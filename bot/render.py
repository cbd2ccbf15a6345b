"""Render a Reply as Telegram HTML, as plain text, or as a JSON-ready dict.

Escaping lives here and only here: every piece of text in a Reply is treated as untrusted.
Knowledge-base text may mark inline code with backticks (`imap.gmail.com`).
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.reply import Reply, Section, SettingRow

TELEGRAM_LIMIT = 4096
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_TAG = re.compile(r"<[^>]*>")


def _inline_html(text: str) -> str:
    parts = _CODE_SPAN.split(text)
    return "".join(
        f"<code>{html.escape(part, quote=False)}</code>" if odd else html.escape(part, quote=False)
        for odd, part in ((index % 2 == 1, part) for index, part in enumerate(parts))
    )


def _inline_text(text: str) -> str:
    return _CODE_SPAN.sub(r"\1", text)


def _setting_line(row: SettingRow, *, as_html: bool) -> str:
    note = f" ({row.note})" if row.note else ""
    if as_html:
        return (
            f"• {html.escape(row.role, quote=False)} : <code>{html.escape(row.host, quote=False)}"
            f"</code>, port {html.escape(row.port, quote=False)}, "
            f"{html.escape(row.security, quote=False)}{_inline_html(note)}"
        )
    return f"• {row.role} : {row.host}, port {row.port}, {row.security}{_inline_text(note)}"


def _section_lines(section: Section, *, as_html: bool) -> list[str]:
    inline = _inline_html if as_html else _inline_text
    lines: list[str] = []
    if section.title:
        title = inline(section.title)
        lines.append(f"<b>{title}</b>" if as_html else title)
    if section.summary:
        lines.append(inline(section.summary))
    if section.settings:
        lines.extend(_setting_line(row, as_html=as_html) for row in section.settings)
    if section.steps:
        lines.extend(f"{number}. {inline(step)}" for number, step in enumerate(section.steps, 1))
    lines.extend(f"ℹ️ {inline(note)}" for note in section.notes)
    if section.link:
        if as_html:
            href = html.escape(section.link, quote=True)
            lines.append(f'🔗 <a href="{href}">Aide officielle</a>')
        else:
            lines.append(f"Aide officielle : {section.link}")
    return lines


def _render(reply: Reply, *, as_html: bool) -> str:
    blocks = ["\n".join(_section_lines(section, as_html=as_html)) for section in reply.sections]
    if reply.assumed:
        assumed = html.escape(reply.assumed, quote=False) if as_html else reply.assumed
        blocks.append(f"<i>{assumed}</i>" if as_html else f"({assumed})")
    return "\n\n".join(block for block in blocks if block)


def render_html(reply: Reply) -> str:
    """Telegram HTML (parse_mode=HTML): only b, i, code and a tags; text escaped."""
    return _render(reply, as_html=True)


def render_text(reply: Reply) -> str:
    return _render(reply, as_html=False)


def to_json(reply: Reply) -> dict[str, Any]:
    return {
        "matched": reply.matched,
        "kind": reply.kind.value,
        "topic": reply.topic,
        "topics": reply.topics,
        "provider": reply.provider,
        "device": reply.device,
        "confidence": reply.confidence,
        "text": render_text(reply),
        "html": render_html(reply),
        "buttons": [{"text": button.text, "data": button.data} for button in reply.buttons],
    }


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split rendered HTML into messages of at most LIMIT UTF-16 units.

    Rendered lines are self-contained (no tag spans a line break), so cutting between lines
    keeps every part well-formed; blank lines (between sections) are preferred cut points.
    """
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in _fit_lines(text.split("\n"), limit):
        extra = _utf16_length(line) + (1 if current else 0)
        if current and size + extra > limit:
            parts.append("\n".join(current).strip("\n"))
            current, size = [], 0
            extra = _utf16_length(line)
        current.append(line)
        size += extra
    if current:
        parts.append("\n".join(current).strip("\n"))
    return [part for part in parts if part]


def _fit_lines(lines: list[str], limit: int) -> list[str]:
    """Lines longer than LIMIT lose their tags and are cut between words."""
    fitted: list[str] = []
    for line in lines:
        if _utf16_length(line) <= limit:
            fitted.append(line)
            continue
        plain = html.escape(html.unescape(_TAG.sub("", line)), quote=False)
        chunk = ""
        for word in plain.split(" "):
            candidate = f"{chunk} {word}" if chunk else word
            if _utf16_length(candidate) <= limit:
                chunk = candidate
                continue
            if chunk:
                fitted.append(chunk)
            while _utf16_length(word) > limit:
                cut = _safe_cut(word, limit)
                fitted.append(word[:cut])
                word = word[cut:]
            chunk = word
        if chunk:
            fitted.append(chunk)
    return fitted


def _safe_cut(word: str, limit: int) -> int:
    """A cut position within LIMIT UTF-16 units that splits neither an entity nor a pair."""
    cut = limit
    while _utf16_length(word[:cut]) > limit:
        cut -= 1
    amp = word.rfind("&", max(0, cut - 8), cut)
    if amp != -1 and ";" not in word[amp:cut]:
        cut = amp
    return max(cut, 1)
