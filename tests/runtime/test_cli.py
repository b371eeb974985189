"""The formwork command, run as a user runs it: init, create-user, create-token, errors."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

FORMWORK = str(Path(sys.executable).with_name("formwork"))


def run(args: list[str], env: dict, ok: bool = True) -> subprocess.CompletedProcess:
    cmd = [FORMWORK, *args] if Path(FORMWORK).exists() else [sys.executable, "-m", "runtime.cli", *args]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    if ok:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.fixture
def env(tmp_path, database_url):
    return {**os.environ, "FORMWORK_DATA_DIR": str(tmp_path / "data"), "FORMWORK_DATABASE_URL": database_url}


def test_init_prints_admin_password_once_and_refuses_twice(env, settings):
    first = run(["init", "--template", "crm"], env)
    match = re.search(r"密码：(\S+)", first.stdout)
    assert match, first.stdout
    second = run(["init", "--template", "crm"], env, ok=False)
    assert second.returncode == 1
    assert "已经安装" in second.stderr
    assert "密码" not in second.stdout


def test_unknown_template(env):
    proc = run(["init", "--template", "erp"], env, ok=False)
    assert proc.returncode == 1 and "crm" in proc.stderr


def test_create_user_and_token_then_call_the_api(env, tmp_path):
    run(["init", "--template", "crm"], env)
    user = run(["create-user", "lisi", "--name", "李四"], env)
    assert "密码" in user.stdout
    again = run(["create-user", "lisi"], env, ok=False)
    assert again.returncode == 1 and "已被占用" in again.stderr
    token = run(["create-token", "lisi"], env).stdout.strip()
    assert token.startswith("fw_")
    missing = run(["create-token", "nobody"], env, ok=False)
    assert missing.returncode == 1 and "不存在" in missing.stderr

    from runtime.settings import load_settings
    from runtime.web.app import create_app
    from fastapi.testclient import TestClient
    app = create_app(load_settings(env))
    with TestClient(app) as client:
        resp = client.get("/api/v1/apps/crm/forms/customer/records", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 403 and "没有查看" in resp.json()["detail"]  # no roles yet: nothing
        bad = run(["create-user", "wangwu", "--role", "crm:nobody"], env, ok=False)
        assert bad.returncode == 1 and "没有角色“nobody”" in bad.stderr
        run(["create-user", "wangwu", "--name", "王五", "--role", "crm:sales"], env)
        rep = run(["create-token", "wangwu"], env).stdout.strip()
        resp = client.get("/api/v1/apps/crm/forms/customer/records", headers={"Authorization": f"Bearer {rep}"})
        assert resp.status_code == 200
        assert resp.json()["items"] == []
    app.state.formwork.engine.dispose()
