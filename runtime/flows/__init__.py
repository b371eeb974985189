"""Approval flows at run time: flow_engine's state machine wired to the database, the record
service, notifications and the scheduler. `service.py` is the one entry point for every action."""
