"""The `formwork` command: init, serve, create-user, create-token."""
from __future__ import annotations

import sys

import typer
from sqlalchemy.engine import make_url

from form_engine.errors import DefinitionError, FormworkError

from .auth.passwords import new_password
from .auth.users import create_token, create_user, user_id_by_name
from .clock import now
from .database import make_engine, write
from .install import init_database, template_dir
from .settings import load_settings
from .web.assets import AssetsMissing, check_assets, node_modules

app = typer.Typer(help="Formwork：用 JSON 定义生成表单、页面和 API 的无代码平台。", no_args_is_help=True,
                  add_completion=False)


def _fail(exc: Exception) -> None:
    typer.secho(f"错误：{getattr(exc, 'detail', exc)}", fg="red", err=True)
    if isinstance(exc, DefinitionError):
        for p in exc.problems:
            typer.secho(f"  {p.path}: {p.message}" + (f"（{p.suggestion}）" if p.suggestion else ""), err=True)
    raise typer.Exit(1)


@app.command()
def init(template: str = typer.Option("crm", help="应用模板名称，如 crm"),
         demo: bool = typer.Option(False, "--demo", help="同时生成演示数据")) -> None:
    """初始化数据库：建系统表、安装应用模板、创建管理员（密码只显示这一次）。"""
    try:
        template_dir(template)
    except FormworkError as exc:
        _fail(exc)
    settings = load_settings()
    engine = make_engine(settings.database_url)
    last = {}

    def progress(form: str, done: int, total: int) -> None:
        if done == total or done - last.get(form, 0) >= max(total // 10, 1):
            last[form] = done
            typer.echo(f"  演示数据 {form}: {done}/{total}")
    try:
        result = init_database(engine, settings, template=template, demo=demo, progress=progress)
    except FormworkError as exc:
        _fail(exc)
    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    typer.secho(f"已安装应用“{template}”，数据库：{shown}", fg="green")
    if result.demo_counts:
        typer.echo("演示数据：" + "，".join(f"{k} {v} 条" for k, v in result.demo_counts.items()))
    if result.admin_password:
        typer.secho(f"管理员账号：admin   密码：{result.admin_password}   （只显示这一次，请妥善保存）", fg="yellow", bold=True)


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, reload: bool = False, workers: int = 1) -> None:
    """启动网页和 API 服务。"""
    import uvicorn
    try:
        check_assets(node_modules())
    except AssetsMissing as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(f"Formwork 已启动：http://{host}:{port}   （API 文档：/docs）")
    uvicorn.run("runtime.web.asgi:app", host=host, port=port, reload=reload, workers=workers if not reload else 1,
                log_level="info", access_log=False)


@app.command("create-user")
def create_user_cmd(username: str, full_name: str = typer.Option(None, "--name", help="姓名"),
                    admin: bool = typer.Option(False, "--admin", help="设为管理员")) -> None:
    """创建用户，打印一次性密码。"""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    password = new_password()
    try:
        with write(engine) as conn:
            create_user(conn, username=username, password=password, full_name=full_name or username,
                        now=now(settings.timezone), is_admin=admin)
    except FormworkError as exc:
        _fail(exc)
    typer.echo(f"已创建用户 {username}，密码：{password}（只显示这一次）")


@app.command("create-token")
def create_token_cmd(username: str, name: str = typer.Option("cli", help="令牌名称，便于识别用途")) -> None:
    """为用户创建 API 令牌并打印（只显示这一次），调用时放在 Authorization: Bearer 头中。"""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        with write(engine) as conn:
            token = create_token(conn, user_id=user_id_by_name(conn, username), name=name, now=now(settings.timezone))
    except FormworkError as exc:
        _fail(exc)
    typer.echo(token)


def main() -> None:  # pragma: no cover
    sys.exit(app())
