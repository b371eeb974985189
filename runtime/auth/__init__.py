"""Sign-in: passwords, sessions, API tokens."""
