"""Helpers for testing policies: the fixture runner (:mod:`.fixtures`)."""
