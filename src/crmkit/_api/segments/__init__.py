"""Saved segments, consent, audiences and static lists."""
