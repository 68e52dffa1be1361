"""Discord voice with DAVE end-to-end encryption: receive the candidate, play the interviewer.

discord.py 2.7.1 encrypts what it sends but does not decrypt what it receives,
so this package implements the receive path on top of its socket reader:

    RTP parse -> transport decrypt -> DAVE decrypt -> jitter buffer
    -> Opus decode (or conceal) -> 16 kHz mono -> event loop sink

Use `ReceivingVoiceClient` as the `cls` of `VoiceChannel.connect`, then
`set_candidate(user_id)` and `set_audio_sink(callable)`; play the interviewer
with `InterviewerAudioSource`.
"""

from adapters.discord.voice.client import ReceivingVoiceClient
from adapters.discord.voice.dave import ReceiveHealth
from adapters.discord.voice.playback import InterviewerAudioSource

__all__ = ["InterviewerAudioSource", "ReceiveHealth", "ReceivingVoiceClient"]
