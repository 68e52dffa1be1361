"""Settings and the data files they point to (prompts, rubrics, message catalogues)."""

from config.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]
