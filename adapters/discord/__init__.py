"""Discord adapter: application commands, voice receive and playback."""
