"""The knowledge base: declarative files under knowledge/, validated on load."""

from bot.kb.loader import KnowledgeBase, KnowledgeError, load_knowledge
from bot.kb.schema import Device, Provider, Server, Topic

__all__ = [
    "Device",
    "KnowledgeBase",
    "KnowledgeError",
    "Provider",
    "Server",
    "Topic",
    "load_knowledge",
]
