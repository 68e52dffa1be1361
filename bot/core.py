"""The core's services, built once per process and handed to every adapter."""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from google import genai

from bot.accounts import AccountService
from bot.feedback.generator import FeedbackGenerator
from bot.gemini import make_client
from bot.interviewer.turn import TurnInterviewer
from bot.interviews import TurnInterviewService
from bot.live_sessions import LiveSessionManager
from bot.live_sessions_servers import ServerSettingsService
from bot.nights import NightService
from bot.privacy import PrivacyService
from bot.ratelimit import BurstLimiter, CommandLimiter, InterviewSlots, QuotaService
from config.settings import Settings
from storage.base import Store


@dataclass(slots=True)
class Core:
    """Everything an adapter may call; adapters never reach the store or Gemini directly."""

    settings: Settings
    store: Store
    gemini: genai.Client
    privacy: PrivacyService
    accounts: AccountService
    quotas: QuotaService
    commands: CommandLimiter
    voice_notes: BurstLimiter
    slots: InterviewSlots
    turns: TurnInterviewService
    feedback: FeedbackGenerator
    live: LiveSessionManager
    servers: ServerSettingsService
    nights: NightService


def build_core(
    settings: Settings, store: Store, *, ssl_context: ssl.SSLContext | None = None
) -> Core:
    """Wire the services around an open store."""
    gemini = make_client(settings, ssl_context=ssl_context)
    privacy = PrivacyService(store, settings)
    quotas = QuotaService(store, settings)
    feedback = FeedbackGenerator(gemini, settings)
    turns = TurnInterviewService(
        store, settings, privacy, quotas, TurnInterviewer(gemini, settings), feedback
    )
    slots = InterviewSlots(settings.max_concurrent_interviews)
    live = LiveSessionManager(store, settings, privacy, quotas, slots, feedback, gemini)
    servers = ServerSettingsService(store)
    return Core(
        settings=settings,
        store=store,
        gemini=gemini,
        privacy=privacy,
        accounts=AccountService(store, privacy),
        quotas=quotas,
        commands=CommandLimiter(
            settings.commands_per_user_per_minute, settings.commands_per_server_per_minute
        ),
        voice_notes=BurstLimiter(settings.voice_notes_per_user_per_minute),
        slots=slots,
        turns=turns,
        feedback=feedback,
        live=live,
        servers=servers,
        nights=NightService(store, privacy, live, servers),
    )
