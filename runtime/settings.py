"""Settings from the environment; the secret key is generated and stored on first init."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    secret_key: str = field(repr=False)
    timezone: ZoneInfo
    default_lang: str = "zh-CN"
    threads: int = 4  # request threads; few threads on few cores beat many fighting for the GIL
    max_upload_mb: float = 50
    smtp_url: str | None = field(default=None, repr=False)  # holds the SMTP password
    scheduler: bool = False  # run background jobs in this process (load_settings: on unless FORMWORK_SCHEDULER=0)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("FORMWORK_DATA_DIR") or "data").resolve()
    url = env.get("FORMWORK_DATABASE_URL") or f"sqlite:///{data_dir / 'formwork.db'}"
    return Settings(
        database_url=url,
        data_dir=data_dir,
        secret_key=env.get("FORMWORK_SECRET_KEY") or _stored_secret(data_dir),
        timezone=ZoneInfo(env.get("FORMWORK_TIMEZONE") or "Asia/Shanghai"),
        default_lang=env.get("FORMWORK_LANG") or "zh-CN",
        threads=int(env.get("FORMWORK_THREADS") or 4),
        smtp_url=env.get("FORMWORK_SMTP_URL") or None,
        scheduler=(env.get("FORMWORK_SCHEDULER") or "1") not in ("0", "false", "no"),
    )


def _stored_secret(data_dir: Path) -> str:
    """The key in data_dir/secret_key, created (readable by the owner only) if missing."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
