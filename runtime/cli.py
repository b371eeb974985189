"""The `formwork` command: init, serve, users, passwords, API tokens, app export and import."""
from __future__ import annotations

import sys
import unicodedata
from pathlib import Path

import typer
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from form_engine.errors import DefinitionError, FormworkError

from . import systables
from .auth.passwords import new_password
from .auth.tokens import get_token, list_tokens, revoke_token
from .auth.users import create_token, create_user, reset_password, user_id_by_name
from .bundles import bundle_text, check_bundle, export_app, import_app, load_bundle, plan_import, read_bundle_file
from .clock import now
from .database import make_engine, read, write
from .directory import grant_roles
from .install import init_database, template_dir
from .settings import load_settings
from .web.assets import AssetsMissing, check_assets, node_modules

app = typer.Typer(help="Formwork：用 JSON 定义生成表单、页面和 API 的无代码平台。", no_args_is_help=True,
                  add_completion=False)


def _fail(exc: Exception) -> None:
    typer.secho(f"错误：{getattr(exc, 'detail', exc)}", fg="red", err=True)
    if isinstance(exc, DefinitionError):
        for p in exc.problems:
            typer.secho(f"  {p.path or '/'}: {p.message}" + (f"（{p.suggestion}）" if p.suggestion else "")
                        + f"  [{p.code}]", err=True)
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
    if result.demo_users:
        typer.echo(f"\n演示账号（{len(result.demo_users)} 个，密码相同）：")
        typer.echo(_table(["账号", "姓名", "部门", "角色"],
                          [[u.username, u.full_name, (u.department or "") + ("（负责人）" if u.manager else ""),
                            "、".join(u.role_labels)] for u in result.demo_users]))
        typer.secho(f"演示账号密码：{result.demo_password}   （所有演示账号共用，只显示这一次）", fg="yellow", bold=True)
    if result.admin_password:
        typer.secho(f"管理员账号：admin   密码：{result.admin_password}   （只显示这一次，请妥善保存）", fg="yellow", bold=True)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns aligned by display width: a Chinese character takes two columns in a terminal."""
    width = lambda s: sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
    widths = [max(width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    line = lambda cells: "  " + "  ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


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


@app.command()
def worker() -> None:
    """只运行后台任务（发送邮件、审批超时等），不提供网页；可在多台机器上各运行一个。"""
    import signal
    import threading

    from .scheduler import Scheduler
    settings = load_settings()
    engine = make_engine(settings.database_url)
    scheduler = Scheduler(engine, settings)
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    scheduler.start()
    typer.echo(f"Formwork 后台任务已启动：{'、'.join(j.name for j in scheduler.jobs)}（Ctrl+C 结束）")
    stopped.wait()
    scheduler.stop()
    typer.echo("后台任务已结束。")


@app.command("create-user")
def create_user_cmd(username: str, full_name: str = typer.Option(None, "--name", help="姓名"),
                    admin: bool = typer.Option(False, "--admin", help="设为系统管理员（拥有全部权限）"),
                    roles: list[str] = typer.Option([], "--role", help="应用角色，形如 crm:sales，可重复")) -> None:
    """创建用户，打印一次性密码。"""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    password = new_password()
    try:
        with write(engine) as conn:
            user_id = create_user(conn, username=username, password=password, full_name=full_name or username,
                                  now=now(settings.timezone), is_admin=admin)
            grant_roles(conn, user_id, [tuple(r.partition(":")[::2]) for r in roles])
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


@app.command("list-tokens")
def list_tokens_cmd(username: str = typer.Argument(None, help="只列出这个用户的令牌；不填则列出所有用户的")) -> None:
    """列出 API 令牌（不显示令牌本身）：编号、用户、名称、前缀、创建、到期、最近使用、状态。"""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    stamp = now(settings.timezone)
    try:
        with read(engine) as conn:
            tokens = list_tokens(conn, now=stamp, user_id=user_id_by_name(conn, username) if username else None)
    except FormworkError as exc:
        _fail(exc)
    if not tokens:
        typer.echo("没有令牌")
        return

    def when(value) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else "-"
    typer.echo(_table(["编号", "用户", "名称", "前缀", "创建时间", "到期时间", "最近使用", "状态"],
                      [[str(t.id), t.username, t.name, t.prefix, when(t.created_at),
                        when(t.expires_at) if t.expires_at else "长期有效", when(t.last_used_at), t.status_label]
                       for t in tokens]))


@app.command("revoke-token")
def revoke_token_cmd(token_id: int = typer.Argument(..., help="令牌编号（list-tokens 第一列）")) -> None:
    """吊销 API 令牌，立即生效：之后用它的请求一律返回 401。"""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        with write(engine) as conn:
            token = get_token(conn, token_id, now=now(settings.timezone), owner=None)
            if token.revoked_at is None:
                token = revoke_token(conn, token_id, now=now(settings.timezone), owner=None)
                typer.echo(f"已吊销令牌 #{token.id}（{token.username}：{token.name}）")
            else:
                typer.echo(f"令牌 #{token.id}（{token.username}：{token.name}）此前已吊销")
    except FormworkError as exc:
        _fail(exc)


@app.command("reset-password")
def reset_password_cmd(username: str) -> None:
    """重置用户密码并打印一次性密码；用户登录后须先修改密码，原有登录全部退出，锁定同时解除。"""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        with write(engine) as conn:
            password = reset_password(conn, user_id=user_id_by_name(conn, username))
    except FormworkError as exc:
        _fail(exc)
    typer.echo(f"已重置用户 {username} 的密码：{password}（只显示这一次；用户登录后须先修改密码）")


@app.command("export-app")
def export_app_cmd(name: str = typer.Argument(..., help="应用名，如 crm")) -> None:
    """导出应用包（JSON，打印到标准输出，不含演示数据），如 formwork export-app crm > crm.json。"""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        with read(engine) as conn:
            bundle = export_app(conn, name)
    except FormworkError as exc:
        _fail(exc)
    sys.stdout.buffer.write(bundle_text(bundle).encode("utf-8"))
    sys.stdout.flush()


@app.command("import-app")
def import_app_cmd(file: Path = typer.Argument(..., help="应用包：export-app 导出的 JSON 文件、app_templates 那样的文件夹，或 - 表示标准输入"),
                   yes: bool = typer.Option(False, "--yes", help="执行计划；不加时只显示计划，不做任何修改"),
                   accept_loss: bool = typer.Option(False, "--accept-loss", help="计划会丢失数据（旧值归档保留）时仍然执行，须与 --yes 一起用")) -> None:
    """导入应用包：应用不存在时新建，已存在时按包升级。先显示发布计划；加 --yes 才执行。"""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        data = load_bundle(sys.stdin.buffer.read()) if str(file) == "-" else read_bundle_file(file)
        name = check_bundle(data).name
        plan = _import_plan(engine, data, settings.timezone)
    except FileNotFoundError:
        _fail(FormworkError(f"文件“{file}”不存在"))
    except FormworkError as exc:
        _fail(exc)
    typer.echo("\n".join(plan_lines(plan, name)))
    if plan.empty:
        return
    if plan.blocked:
        typer.secho("计划中有无法执行的变更（见上面标“无法执行”的项），没有做任何修改。", fg="red", err=True)
        raise typer.Exit(1)
    if not yes:
        typer.echo("（只显示计划，没有做任何修改；确认无误后加 --yes 执行"
                   + ("，会丢失数据的变更还需要加 --accept-loss" if plan.lossy else "") + "）")
        return
    if plan.lossy and not accept_loss:
        typer.secho("计划中有会丢失数据的变更，没有做任何修改。确认上面说明的后果可以接受后，加 --accept-loss 重新执行。",
                    fg="red", err=True)
        raise typer.Exit(1)
    try:
        systables.create_all(engine)  # a database never initialised gets its system tables first
        import_app(engine, data, tz=settings.timezone, user_id=None, accept_loss=accept_loss)
    except FormworkError as exc:
        _fail(exc)
    typer.secho(f"已导入应用“{name}”。正在运行的服务会在下一个请求时加载新版本。", fg="green")
    with read(engine) as conn:
        if conn.execute(select(systables.user.c.id).where(systables.user.c.is_admin.is_(True)).limit(1)).first() is None:
            typer.echo("数据库中还没有管理员账号，可用 formwork create-user admin --admin 创建。")


def _import_plan(engine, data: object, tz):
    """The import plan, read in a transaction that is rolled back (so a database without system tables works too)."""
    with engine.connect() as conn:
        with conn.begin() as tx:
            if not inspect(conn).has_table(systables.definition.name):
                systables.metadata.create_all(conn)
            try:
                return plan_import(conn, data, tz=tz)
            finally:
                tx.rollback()


def plan_lines(plan, app_name: str) -> list[str]:
    """A publish plan as zh-CN lines for the terminal: each step, what it costs and what it means."""
    if plan.empty:
        return [f"应用“{app_name}”已经是这个样子，没有需要修改的地方。"]
    lines = [f"应用“{app_name}”的发布计划（{len(plan.steps)} 项）："]
    forms = {f.name: f.label.zh for f in plan.definition.forms}
    for i, step in enumerate(plan.steps, 1):
        mark = "  【无法执行】" if step.blocking else "  【会丢失数据】" if step.lossy else ""
        where = f"［{forms[step.form]}］" if step.form in forms and step.kind not in ("add_app", "add_form") else ""
        lines.append(f"  {i}. {where}{step.summary}{mark}")
        if step.affected:
            lines.append(f"       涉及 {step.affected} 条记录")
        for example in step.examples or []:
            lines.append(f"       例：#{example.get('id')} “{example.get('value')}”：{example.get('problem')}")
        if step.consequence:
            lines.append(f"       后果：{step.consequence}")
    return lines


def main() -> None:  # pragma: no cover
    sys.exit(app())
