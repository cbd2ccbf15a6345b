import re
from html.parser import HTMLParser

import pytest

from bot.render import TELEGRAM_LIMIT, render_html, render_text, split_html, to_json
from bot.reply import Button, Reply, ReplyKind, Section, SettingRow

ALLOWED_TAGS = {"b", "i", "code", "a", "u", "s", "pre", "blockquote"}


class TagChecker(HTMLParser):
    """Fails on tags Telegram refuses and on unbalanced markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED_TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag

    def handle_entityref(self, name):
        assert name in {"lt", "gt", "amp", "quot"}, name


def check_telegram_html(text: str) -> None:
    checker = TagChecker()
    checker.feed(text)
    checker.close()
    assert checker.stack == []


HOSTILE = '<script>alert("x")</script> & <b>gras</b> &amp; `<i>`'


def hostile_reply() -> Reply:
    return Reply(
        ReplyKind.ANSWER,
        [
            Section(
                title=HOSTILE,
                summary=HOSTILE,
                settings=[SettingRow(HOSTILE, "<h>", "<1>", "&")],
                steps=[HOSTILE, "Serveur `imap.gmail.com`"],
                notes=[HOSTILE],
                link='https://exemple.fr/?a=1&b="2"',
            )
        ],
        buttons=[Button("Gmail", "ans|x|gmail|")],
        assumed=HOSTILE,
    )


def test_html_escapes_every_text_and_uses_only_telegram_tags():
    html = render_html(hostile_reply())
    check_telegram_html(html)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<code>imap.gmail.com</code>" in html
    assert 'href="https://exemple.fr/?a=1&amp;b=&quot;2&quot;"' in html


def test_plain_text_has_no_markup_and_numbered_steps():
    text = render_text(hostile_reply())
    assert "<code>" not in text and "`" not in text.replace(HOSTILE, "")
    assert re.search(r"^1\. ", text, re.MULTILINE) and re.search(r"^2\. Serveur imap", text, re.M)


def test_json_carries_the_contract_fields():
    data = to_json(hostile_reply())
    assert data["matched"] is True
    assert set(data) >= {"matched", "topic", "provider", "confidence", "text", "html", "buttons"}
    assert data["buttons"] == [{"text": "Gmail", "data": "ans|x|gmail|"}]


@pytest.mark.parametrize("limit", [120, 200, TELEGRAM_LIMIT])
def test_split_keeps_parts_under_the_limit_and_well_formed(limit):
    steps = [f"Étape <b>{n}</b> & `code{n}` " + "é" * (n % 37) for n in range(300)]
    html = render_html(Reply(ReplyKind.ANSWER, [Section(title="T", steps=steps)]))
    parts = split_html(html, limit)
    assert len(parts) > 1
    for part in parts:
        assert len(part.encode("utf-16-le")) // 2 <= limit
        check_telegram_html(part)
    assert "".join(parts).replace("\n", "") == html.replace("\n", "")


def test_split_cuts_an_overlong_line_without_breaking_entities():
    html = "<b>titre</b>\n" + "&amp;" * 3000
    parts = split_html(html, 100)
    for part in parts:
        assert len(part) <= 100
        check_telegram_html(part)
    assert sum(part.count("&amp;") for part in parts) == 3000
