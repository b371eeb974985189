"""Publishing a designer draft (a form's or a flow's) whose plan has been shown and confirmed.

The same steps for both: refuse a draft changed since its plan was shown, publish through
`publisher`, show the plan page again with what went wrong, and drop the draft once published.
"""
from __future__ import annotations

from typing import Any, Callable

from fastapi.responses import Response

from form_engine.errors import DefinitionError, FormworkError
from runtime.database import write
from runtime.web.pages.i18n import translate

from . import publisher
from .drafts import Draft, discard_draft, load_draft

PlanPage = Callable[..., Response]  # the plan page again, given status=, error=, accepted=


def publish_draft(state, posted, *, app: str, kind: str, name: str, draft: Draft | None, proposed: dict,
                  user_id: int | None, lang: str, plan_page: PlanPage, published: Callable[[Any], Response],
                  problems: list | tuple = ()) -> Response:
    """Publish `proposed` (the app with the draft put in) if the posted revision is still the draft's;
    `published(result)` is the answer then, else the plan page again (409 stale or loss not accepted,
    422 `problems` or a refused definition, the error's own status otherwise)."""
    accept = posted is not None and posted.get("accept_loss") == "1"
    sent = str(posted.get("revision") or "") if posted is not None else ""
    if sent != str(draft.revision if draft else 0):
        return plan_page(status=409, error=translate(
            "草稿在你查看发布计划之后又被修改了，请重新查看下面的计划后再发布", lang))
    if problems:
        return plan_page(status=422)
    loss, failed = publisher.errors()
    try:
        result = publisher.publish(state, app, proposed, user_id=user_id, accept_loss=accept)
    except DefinitionError:
        return plan_page(status=422)
    except loss:
        return plan_page(status=409, error=translate("这次发布会改变已有数据，请先阅读下面的影响并勾选确认", lang))
    except (failed, FormworkError) as exc:
        return plan_page(status=exc.status, accepted=accept, error=translate(exc.detail, lang))
    with write(state.engine) as conn:
        # A draft saved again while this one was publishing stays: it holds changes not yet published.
        current = load_draft(conn, app, kind, name)
        if current is not None and draft is not None and current.revision == draft.revision:
            discard_draft(conn, app, kind, name)
    return published(result)
