"""The one error the flow engine raises at run time: the action can't be taken now, nothing changed."""
from __future__ import annotations

from form_engine.errors import FormworkError


class FlowError(FormworkError):
    """Refused: a stale task, a withdrawn instance, a missing comment, nobody to approve, ...

    `code` says which, for tests and the API; `record_id` says which record's flow refused.
    """

    status = 409
    title = "无法执行审批操作"

    def __init__(self, detail: str, *, code: str, record_id: int | None = None, **extra):
        super().__init__(detail, code=code, record_id=record_id, **extra)
        self.code = code
        self.record_id = record_id
