"""Telegram update handlers: thin translations between updates, the engine and the Bot API.

Wiring (which handler gets which update) lives in bot.telegram_app.
"""
