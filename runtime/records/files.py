"""Uploaded files: bytes on disk under the data directory, metadata in fw_file."""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path, PurePath
from typing import BinaryIO

from sqlalchemy import Connection, select

from form_engine.definitions import FieldDef
from form_engine.errors import FormworkError, Problem
from form_engine.messages import message

from ..systables import file as file_table
from .context import RecordContext

CHUNK = 1 << 20


class UploadRefused(FormworkError):
    status = 413
    title = "文件无法上传"


def file_path(data_dir: Path, file_id: str) -> Path:
    return data_dir / "files" / file_id[:2] / file_id


def save_upload(ctx: RecordContext, stream: BinaryIO, *, name: str, content_type: str, max_mb: float) -> dict:
    """Store an upload; refuse it (and keep nothing) once it passes `max_mb`."""
    file_id = uuid.uuid4().hex
    path = file_path(ctx.data_dir, file_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with open(path, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_mb * 1024 * 1024:
                    raise UploadRefused(message("file_size", ctx.lang, size_mb=f">{max_mb:g}", max_mb=f"{max_mb:g}"))
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    clean = PurePath(name.replace("\\", "/")).name[:255] or "file"
    meta = {"id": file_id, "name": clean, "size": size, "type": (content_type or "application/octet-stream")[:100]}
    ctx.conn.execute(file_table.insert().values(
        id=file_id, name=clean, size=size, content_type=meta["type"], sha256=digest.hexdigest(),
        created_by=ctx.actor.id, created_at=ctx.now))
    return meta


def file_meta(conn: Connection, file_id: str) -> dict | None:
    row = conn.execute(select(file_table).where(file_table.c.id == file_id)).first()
    if row is None:
        return None
    return {"id": row.id, "name": row.name, "size": row.size, "type": row.content_type, "created_by": row.created_by,
            "app": row.app, "form": row.form, "record_id": row.record_id, "field": row.field}


def bind_files(conn: Connection, form, record_id: int, names: list[str], record: dict) -> None:
    """Tie newly attached uploads to the record field: from now on, who may download follows the record."""
    for name in names:
        ids = [x["id"] for x in record.get(name) or [] if isinstance(x, dict)]
        if ids:
            conn.execute(file_table.update().where(file_table.c.id.in_(ids), file_table.c.record_id.is_(None))
                         .values(app=form.app, form=form.name, record_id=record_id, field=name))


def accepted(ext: str, content_type: str, accept: tuple[str, ...]) -> bool:
    """Like the HTML accept attribute: ".pdf" by extension, "image/*" or "application/pdf" by type."""
    kind = (content_type or "").lower()
    for rule in (a.lower().strip() for a in accept):
        if rule.startswith("."):
            if ext == rule:
                return True
        elif rule.endswith("/*"):
            if kind.startswith(rule[:-1]):
                return True
        elif kind == rule:
            return True
    return False


def resolve_files(conn: Connection, ids: list[str], f: FieldDef, path: str, lang: str, problems: list[Problem], *,
                  uploader: int, home: tuple) -> list[dict]:
    """The stored metadata for the ids an attachment field was given, checked against its limits.

    A file counts only if the actor uploaded it and it is not attached anywhere yet, or it is
    already attached to this very record field (`home` = (app, form, record id, field)): nobody
    reaches someone else's file by naming its id.
    """
    rows = {r.id: r for r in conn.execute(select(file_table).where(file_table.c.id.in_(ids)))}
    out = []
    for file_id in ids:
        row = rows.get(file_id)
        if row is not None and row.record_id is None and row.created_by != uploader:
            row = None
        if row is not None and row.record_id is not None and (row.app, row.form, row.record_id, row.field) != home:
            row = None
        if row is None:
            problems.append(Problem(path, message("file", lang, value=file_id), "file"))
            continue
        ext = PurePath(row.name).suffix.lower()
        if f.accept and not accepted(ext, row.content_type, f.accept):
            problems.append(Problem(path, message("file_type", lang, ext=ext or row.name, accept="、".join(f.accept)), "file_type"))
            continue
        if f.max_size_mb and row.size > f.max_size_mb * 1024 * 1024:
            problems.append(Problem(path, message("file_size", lang, size_mb=f"{row.size / 1048576:.1f}", max_mb=f"{f.max_size_mb:g}"), "file_size"))
            continue
        out.append({"id": row.id, "name": row.name, "size": row.size, "type": row.content_type})
    if len(out) > 1 and not f.multiple:
        problems.append(Problem(path, "此项只能上传一个文件" if lang != "en" else "Only one file is allowed", "file_count"))
    return out
