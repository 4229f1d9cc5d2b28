"""Start-up decisions: configuration merge, demo or real API, editing default."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.sources import (
    DEFAULT_DEMO_ENROLLMENTS,
    StartupError,
    demo_config,
    demo_db_path,
    demo_enrollments,
    editing_enabled,
    load_config,
    read_secrets_file,
    wants_demo,
)
from dokstamp_sandbox.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT


def write_secrets(path: Path, table: dict[str, str]) -> Path:
    lines = ["[dokstamp]", *(f'{key} = "{value}"' for key, value in table.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_environment_overrides_secrets_and_other_keys_are_ignored(tmp_path: Path) -> None:
    secrets = write_secrets(
        tmp_path / "secrets.toml",
        {"DOKSTAMP_TENANT": "from-secrets", "DOKSTAMP_API_URL": "https://api.example", "x": "1"},
    )
    config = load_config(
        {"DOKSTAMP_TENANT": "from-env", "HOME": "/root", "ENROLLMENT_OUTCOMES_EDITING": "true"},
        secrets,
    )
    assert config == {
        "DOKSTAMP_TENANT": "from-env",
        "DOKSTAMP_API_URL": "https://api.example",
        "ENROLLMENT_OUTCOMES_EDITING": "true",
    }


def test_an_empty_variable_does_not_hide_the_file_value(tmp_path: Path) -> None:
    """``DOKSTAMP_API_URL=`` in the environment must not switch a configured API to the demo."""
    secrets = write_secrets(tmp_path / "secrets.toml", {"DOKSTAMP_API_URL": "https://api.example"})
    config = load_config({"DOKSTAMP_API_URL": "", "DOKSTAMP_TENANT": "  "}, secrets)
    assert config == {"DOKSTAMP_API_URL": "https://api.example"}
    assert not wants_demo(config)


def test_file_only_and_environment_only(tmp_path: Path) -> None:
    secrets = write_secrets(tmp_path / "secrets.toml", {"DOKSTAMP_TENANT": "file"})
    assert load_config({}, secrets) == {"DOKSTAMP_TENANT": "file"}
    assert load_config({"DOKSTAMP_TENANT": "env"}, tmp_path / "none.toml") == {
        "DOKSTAMP_TENANT": "env"
    }


@pytest.mark.parametrize(
    ("config", "demo"),
    [({}, True), ({"DOKSTAMP_API_URL": "  "}, True), ({"DOKSTAMP_API_URL": "http://x"}, False)],
)
def test_demo_only_without_an_api_url(config: dict[str, str], demo: bool) -> None:
    assert wants_demo(config) is demo


def test_demo_config_signs_in_as_the_demo_client() -> None:
    config = demo_config(
        {"DOKSTAMP_TOKEN": "real-token", "ENROLLMENT_OUTCOMES_CACHE_DIR": "/tmp/c"},
        api_url="http://127.0.0.1:5000",
    )
    assert config == {
        "ENROLLMENT_OUTCOMES_CACHE_DIR": "/tmp/c",
        "DOKSTAMP_API_URL": "http://127.0.0.1:5000",
        "DOKSTAMP_TENANT": DEMO_TENANT,
        "DOKSTAMP_CLIENT_ID": DEMO_CLIENT_ID,
        "DOKSTAMP_CLIENT_SECRET": DEMO_CLIENT_SECRET,
    }


def test_demo_database_lives_under_the_cache_folder(tmp_path: Path) -> None:
    assert demo_db_path(tmp_path).is_relative_to(tmp_path)


def test_demo_size() -> None:
    assert demo_enrollments({}) == DEFAULT_DEMO_ENROLLMENTS
    assert demo_enrollments({"ENROLLMENT_OUTCOMES_DEMO_ENROLLMENTS": "300"}) == 300
    with pytest.raises(StartupError, match="whole number"):
        demo_enrollments({"ENROLLMENT_OUTCOMES_DEMO_ENROLLMENTS": "many"})
    with pytest.raises(StartupError, match="negative"):
        demo_enrollments({"ENROLLMENT_OUTCOMES_DEMO_ENROLLMENTS": "-1"})


@pytest.mark.parametrize(
    ("setting", "demo", "expected"),
    [
        (None, True, True),
        (None, False, False),
        (True, False, True),
        (False, True, False),
    ],
)
def test_editing_default(setting: bool | None, demo: bool, expected: bool) -> None:
    assert editing_enabled(setting, demo=demo) is expected


def test_secrets_file_gives_its_dokstamp_table(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text('[dokstamp]\nDOKSTAMP_TENANT = "t"\n[other]\nx = 1\n', encoding="utf-8")
    assert read_secrets_file(path) == {"DOKSTAMP_TENANT": "t"}
    assert read_secrets_file(tmp_path / "missing.toml") == {}


def test_unreadable_secrets_file_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text("[dokstamp\n", encoding="utf-8")
    with pytest.raises(StartupError, match=r"secrets\.toml"):
        read_secrets_file(path)
