"""Scored interview feedback: rubric scores with verified evidence, and speech measures."""
