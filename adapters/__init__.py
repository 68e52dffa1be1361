"""Translation between chat platforms and the core."""
