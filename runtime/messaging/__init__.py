"""Telling people things: in-app notifications, and email through the outbox after commit."""
