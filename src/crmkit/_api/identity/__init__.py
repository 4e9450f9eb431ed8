"""Resolving who a touchpoint is from, the review queue, merging and unmerging."""
