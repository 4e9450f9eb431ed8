"""Erasure and the suppression check every write path runs."""
