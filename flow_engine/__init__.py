"""Approval flows: definition model, graph validation, approver resolution, instance state machine.

definitions.py (FlowDef) + schema/flow.schema.json · metaschema.py (parse_flow) · validate.py
(check_flow) · compiled.py (compile_flow) · resolve.py + directory.py · machine.py (handle) ·
fields.py (field_access) · preview.py. A functional core: no database, no web, no clock of its own.
"""
