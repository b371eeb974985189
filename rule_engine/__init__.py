"""Automation rules: triggers, conditions and actions turned into intents (arrives with the rule issue)."""
