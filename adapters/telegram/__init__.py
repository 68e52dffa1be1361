"""Telegram adapter: commands and voice-note interviews."""
