"""Approval flows: definition model, graph validation, instance state machine (arrives with the flow issue)."""
