"""The platform-neutral core of the Naromeet interview bot."""
