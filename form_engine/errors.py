"""One error tree for every engine; the web layer maps `status` to HTTP in one place."""
from __future__ import annotations

from dataclasses import dataclass, field


class FormworkError(Exception):
    """Base of all errors a user may see. `status` is the HTTP status the web layer uses."""

    status = 400
    title = "请求有误"

    def __init__(self, detail: str, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


@dataclass(frozen=True)
class Problem:
    """One problem in a definition or a record: where it is and what is wrong."""

    path: str  # JSON pointer (definitions) or field name (records)
    message: str
    code: str = "invalid"
    suggestion: str | None = None

    def as_dict(self) -> dict:
        out = {"path": self.path, "code": self.code, "message": self.message}
        if self.suggestion:
            out["suggestion"] = self.suggestion
        return out


class DefinitionError(FormworkError):
    """A definition was refused; `problems` lists every problem at once."""

    status = 422
    title = "定义无效"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "; ".join(f"{p.path}: {p.message}" for p in problems[:5])
        super().__init__(f"定义有 {len(problems)} 处错误：{lines}")


class RecordInvalid(FormworkError):
    """A record failed validation; `problems` holds one entry per bad field."""

    status = 422
    title = "数据校验未通过"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("；".join(f"{p.path}: {p.message}" for p in problems))


class NotFound(FormworkError):
    status = 404
    title = "未找到"


class Conflict(FormworkError):
    """The record changed since it was read; `current` holds the values now stored."""

    status = 409
    title = "数据已被他人修改"

    def __init__(self, detail: str, *, current: dict, record_id: int):
        super().__init__(detail, record_id=record_id)
        self.current = current
        self.record_id = record_id


class Unauthorized(FormworkError):
    status = 401
    title = "请先登录"


class Forbidden(FormworkError):
    status = 403
    title = "没有权限"


class BadQuery(FormworkError):
    """A list query named an unknown field, operator or a malformed cursor."""

    status = 400
    title = "查询参数有误"


@dataclass
class Collector:
    """Gathers problems so a validator can report all of them at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str, code: str = "invalid", suggestion: str | None = None) -> None:
        self.problems.append(Problem(path, message, code, suggestion))

    def raise_definition_error(self) -> None:
        if self.problems:
            raise DefinitionError(self.problems)
