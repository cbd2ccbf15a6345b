"""Commands that are one engine call each: /start, /aide, /config, /ports; and /stats."""

from __future__ import annotations

from telegram import Update

from bot.kb import Topic
from bot.reply import Reply, ReplyKind, Section, notice
from bot.storage import UNKNOWN_TOPIC
from handlers.common import BotContext, send_reply
from handlers.texts import (
    STATS_ADMINS_ONLY,
    STATS_EMPTY,
    STATS_NO_GUESS,
    STATS_ROW,
    STATS_SAMPLES,
    STATS_TITLE,
)


async def _send(update: Update, context: BotContext, reply: Reply) -> None:
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    await send_reply(context, chat, reply, reply_to=message.message_id)


async def help_command(update: Update, context: BotContext) -> None:
    """/start, /aide and /help: what the bot does, with examples."""
    await _send(update, context, context.services.engine.help_reply())


async def config_command(update: Update, context: BotContext) -> None:
    """/config <fournisseur>: the provider's settings card (fuzzy: /config orang)."""
    query = " ".join(context.args or ())
    await _send(update, context, context.services.engine.provider_card(query))


async def ports_command(update: Update, context: BotContext) -> None:
    await _send(update, context, context.services.engine.ports_card())


async def stats_command(update: Update, context: BotContext) -> None:
    """/stats (bot admins by user id): the most frequent kinds of unanswered questions."""
    user = update.effective_user
    services = context.services
    if user is None or user.id not in services.settings.admin_ids:
        await _send(update, context, notice(STATS_ADMINS_ONLY))
        return
    counts = await services.storage.top_unanswered(10)
    if not counts:
        await _send(update, context, notice(STATS_EMPTY))
        return
    topics = services.engine.kb.topics
    rows = [
        STATS_ROW.format(topic=_topic_name(topics, row.topic), count=row.count) for row in counts
    ]
    notes = []
    samples = await services.storage.recent_samples(5)
    if samples:
        notes = [STATS_SAMPLES, *(f"« {text} »" for _, text in samples)]
    # Section text is escaped by render_html; stored samples are user text.
    section = Section(title=STATS_TITLE, steps=rows, notes=notes)
    await _send(update, context, Reply(ReplyKind.INFO, [section]))


def _topic_name(topics: dict[str, Topic], topic_id: str) -> str:
    if topic_id == UNKNOWN_TOPIC:
        return STATS_NO_GUESS
    topic = topics.get(topic_id)
    return f"{topic.title} ({topic_id})" if topic else topic_id
