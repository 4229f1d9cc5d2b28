"""Settings from a mapping: defaults, the three credential modes, one clear error per problem."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest

from dashboard.client import ClientCredentials, ConfigurationError, PasswordLogin, StaticToken
from dashboard.settings import VARIABLES, Settings, default_cache_dir

BASE = {"DOKSTAMP_API_URL": "https://api.dokstamp.eu", "DOKSTAMP_TENANT": "demo-university"}
TOKEN = {**BASE, "DOKSTAMP_TOKEN": "tok-SECRET-1"}


def _error(mapping) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_mapping(mapping)
    return caught.value


def test_defaults() -> None:
    settings = Settings.from_mapping(TOKEN)
    assert settings.api_url == "https://api.dokstamp.eu"
    assert settings.tenant == "demo-university"
    assert settings.credentials.token.reveal() == "tok-SECRET-1"  # type: ignore[union-attr]
    assert settings.cache_dir == default_cache_dir()
    assert settings.cache_dir.name == "enrollment-outcomes"
    assert settings.cache_ttl_seconds == 900.0
    assert settings.page_size == 1000
    assert settings.concurrency == 16
    assert settings.editing is None
    assert (settings.timeout_seconds, settings.max_attempts, settings.retry_seconds) == (
        30.0,
        5,
        60.0,
    )


def test_every_option_is_read() -> None:
    settings = Settings.from_mapping(
        {
            **TOKEN,
            "DOKSTAMP_API_URL": "https://api.dokstamp.com/",
            "ENROLLMENT_OUTCOMES_CACHE_DIR": "~/somewhere",
            "ENROLLMENT_OUTCOMES_CACHE_TTL": "60.5",
            "DOKSTAMP_PAGE_SIZE": "250",
            "DOKSTAMP_CONCURRENCY": "3",
            "ENROLLMENT_OUTCOMES_EDITING": "TRUE",
            "DOKSTAMP_TIMEOUT": "5",
            "DOKSTAMP_MAX_ATTEMPTS": "2",
            "DOKSTAMP_RETRY_SECONDS": "0",
            "PATH": "/usr/bin",  # unrelated keys are ignored
        }
    )
    assert settings.api_url == "https://api.dokstamp.com"
    assert settings.cache_dir == Path("~/somewhere").expanduser()
    assert settings.cache_ttl_seconds == 60.5
    assert (settings.page_size, settings.concurrency) == (250, 3)
    assert settings.editing is True
    assert (settings.timeout_seconds, settings.max_attempts, settings.retry_seconds) == (
        5.0,
        2,
        0.0,
    )


def test_toml_typed_values_are_accepted() -> None:
    settings = Settings.from_mapping(
        {
            **TOKEN,
            "DOKSTAMP_PAGE_SIZE": 500,
            "ENROLLMENT_OUTCOMES_CACHE_TTL": 30,
            "ENROLLMENT_OUTCOMES_EDITING": False,
        }
    )
    assert (settings.page_size, settings.cache_ttl_seconds, settings.editing) == (500, 30.0, False)


def test_client_credentials_mode() -> None:
    settings = Settings.from_mapping(
        {**BASE, "DOKSTAMP_CLIENT_ID": "demo-client", "DOKSTAMP_CLIENT_SECRET": "cs-SECRET"}
    )
    assert isinstance(settings.credentials, ClientCredentials)
    assert settings.credentials.client_id == "demo-client"
    assert settings.credentials.client_secret.reveal() == "cs-SECRET"


def test_password_mode() -> None:
    settings = Settings.from_mapping(
        {**BASE, "DOKSTAMP_EMAIL": "registrar@northfield.test", "DOKSTAMP_PASSWORD": "pw-SECRET"}
    )
    assert isinstance(settings.credentials, PasswordLogin)
    assert settings.credentials.email == "registrar@northfield.test"
    assert settings.credentials.password.reveal() == "pw-SECRET"


def test_empty_values_count_as_unset() -> None:
    settings = Settings.from_mapping(
        {**TOKEN, "DOKSTAMP_CLIENT_ID": "", "DOKSTAMP_PAGE_SIZE": "  "}
    )
    assert isinstance(settings.credentials, StaticToken)
    assert settings.page_size == 1000


@pytest.mark.parametrize(
    ("mapping", "variable", "words"),
    [
        ({"DOKSTAMP_TENANT": "t", "DOKSTAMP_TOKEN": "x"}, "DOKSTAMP_API_URL", "not set"),
        (
            {"DOKSTAMP_API_URL": "https://a.test", "DOKSTAMP_TOKEN": "x"},
            "DOKSTAMP_TENANT",
            "not set",
        ),
        (BASE, "DOKSTAMP_TOKEN", "No DokStamp credentials"),
        ({**TOKEN, "DOKSTAMP_CLIENT_ID": "c"}, "DOKSTAMP_CLIENT_ID", "Contradictory"),
        ({**TOKEN, "DOKSTAMP_PASSWORD": "p"}, "DOKSTAMP_PASSWORD", "Contradictory"),
        (
            {
                **BASE,
                "DOKSTAMP_CLIENT_ID": "c",
                "DOKSTAMP_CLIENT_SECRET": "s",
                "DOKSTAMP_EMAIL": "e@x.test",
                "DOKSTAMP_PASSWORD": "p",
            },
            "DOKSTAMP_EMAIL",
            "Contradictory",
        ),
        ({**BASE, "DOKSTAMP_CLIENT_ID": "c"}, "DOKSTAMP_CLIENT_SECRET", "required when"),
        ({**BASE, "DOKSTAMP_CLIENT_SECRET": "s"}, "DOKSTAMP_CLIENT_ID", "required when"),
        ({**BASE, "DOKSTAMP_EMAIL": "e@x.test"}, "DOKSTAMP_PASSWORD", "required when"),
        ({**BASE, "DOKSTAMP_PASSWORD": "p"}, "DOKSTAMP_EMAIL", "required when"),
        ({**TOKEN, "DOKSTAMP_PAGE_SIZE": "lots"}, "DOKSTAMP_PAGE_SIZE", "whole number"),
        ({**TOKEN, "DOKSTAMP_PAGE_SIZE": "2.5"}, "DOKSTAMP_PAGE_SIZE", "whole number"),
        ({**TOKEN, "DOKSTAMP_PAGE_SIZE": True}, "DOKSTAMP_PAGE_SIZE", "whole number"),
        ({**TOKEN, "DOKSTAMP_PAGE_SIZE": "0"}, "DOKSTAMP_PAGE_SIZE", "between"),
        ({**TOKEN, "DOKSTAMP_CONCURRENCY": "1000"}, "DOKSTAMP_CONCURRENCY", "between"),
        (
            {**TOKEN, "ENROLLMENT_OUTCOMES_CACHE_TTL": "soon"},
            "ENROLLMENT_OUTCOMES_CACHE_TTL",
            "seconds",
        ),
        (
            {**TOKEN, "ENROLLMENT_OUTCOMES_CACHE_TTL": "-1"},
            "ENROLLMENT_OUTCOMES_CACHE_TTL",
            "at least",
        ),
        (
            {**TOKEN, "ENROLLMENT_OUTCOMES_CACHE_TTL": "nan"},
            "ENROLLMENT_OUTCOMES_CACHE_TTL",
            "seconds",
        ),
        (
            {**TOKEN, "ENROLLMENT_OUTCOMES_EDITING": "maybe"},
            "ENROLLMENT_OUTCOMES_EDITING",
            "true or false",
        ),
        ({**TOKEN, "DOKSTAMP_TIMEOUT": "0"}, "DOKSTAMP_TIMEOUT", "at least"),
        ({**TOKEN, "DOKSTAMP_MAX_ATTEMPTS": "0"}, "DOKSTAMP_MAX_ATTEMPTS", "between"),
        ({**TOKEN, "DOKSTAMP_API_URL": "api.dokstamp.eu"}, "DOKSTAMP_API_URL", "http(s) URL"),
        ({**TOKEN, "DOKSTAMP_API_URL": "ftp://a.test"}, "DOKSTAMP_API_URL", "http(s) URL"),
        ({**TOKEN, "DOKSTAMP_API_URL": "https://a.test/?x=1"}, "DOKSTAMP_API_URL", "query"),
        ({**TOKEN, "DOKSTAMP_API_URL": "https://u:p@a.test"}, "DOKSTAMP_API_URL", "credentials"),
        ({**TOKEN, "DOKSTAMP_API_URL": "http://api.dokstamp.eu"}, "DOKSTAMP_API_URL", "plain http"),
    ],
)
def test_each_problem_names_its_variable(mapping, variable, words) -> None:
    error = _error(mapping)
    assert error.variable == variable
    assert variable in str(error)
    assert words in str(error)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:9"])
def test_plain_http_is_allowed_on_loopback(url) -> None:
    assert Settings.from_mapping({**TOKEN, "DOKSTAMP_API_URL": url}).api_url == url


def test_configuration_error_is_a_dokstamp_error() -> None:
    from dashboard.client import DokStampError

    assert isinstance(_error(BASE), DokStampError)


SECRETS = {
    "DOKSTAMP_TOKEN": "tok-SECRET-1",
    "DOKSTAMP_CLIENT_SECRET": "cs-SECRET-2",
    "DOKSTAMP_PASSWORD": "pw-SECRET-3",
}


@pytest.mark.parametrize(
    "mapping",
    [
        TOKEN,
        {
            **BASE,
            "DOKSTAMP_CLIENT_ID": "c",
            "DOKSTAMP_CLIENT_SECRET": SECRETS["DOKSTAMP_CLIENT_SECRET"],
        },
        {**BASE, "DOKSTAMP_EMAIL": "e@x.test", "DOKSTAMP_PASSWORD": SECRETS["DOKSTAMP_PASSWORD"]},
    ],
    ids=["token", "client", "login"],
)
def test_secrets_are_absent_from_repr_and_str(mapping) -> None:
    settings = Settings.from_mapping(mapping)
    for text in (repr(settings), str(settings), f"{settings}", repr(settings.credentials)):
        for secret in SECRETS.values():
            assert secret not in text
    assert "**********" in repr(settings)
    assert copy.deepcopy(settings) == settings


def test_secrets_are_absent_from_error_messages() -> None:
    mappings = [
        {
            **TOKEN,
            "DOKSTAMP_CLIENT_ID": "c",
            "DOKSTAMP_CLIENT_SECRET": SECRETS["DOKSTAMP_CLIENT_SECRET"],
        },
        {**BASE, "DOKSTAMP_PASSWORD": SECRETS["DOKSTAMP_PASSWORD"]},
        {**BASE, "DOKSTAMP_TOKEN": 12345},
    ]
    for mapping in mappings:
        text = str(_error(mapping))
        for secret in [*SECRETS.values(), "12345"]:
            assert secret not in text


def test_environment_overrides_the_secrets_table_per_variable() -> None:
    secrets = {**TOKEN, "DOKSTAMP_PAGE_SIZE": 200, "DOKSTAMP_CONCURRENCY": 2}
    environ = {"DOKSTAMP_PAGE_SIZE": "300", "DOKSTAMP_TENANT": "tiny-college", "HOME": "/root"}

    settings = Settings.from_environment(environ, secrets)

    assert settings.page_size == 300  # environment wins
    assert settings.concurrency == 2  # table fills the rest
    assert settings.tenant == "tiny-college"
    assert settings.credentials == StaticToken(token=settings.credentials.token)  # type: ignore[union-attr]


def test_an_empty_environment_variable_does_not_hide_the_table() -> None:
    settings = Settings.from_environment({"DOKSTAMP_TENANT": ""}, TOKEN)
    assert settings.tenant == "demo-university"


def test_credentials_split_across_sources_can_contradict() -> None:
    secrets = {**BASE, "DOKSTAMP_CLIENT_ID": "c", "DOKSTAMP_CLIENT_SECRET": "s"}
    with pytest.raises(ConfigurationError, match="Contradictory"):
        Settings.from_environment({"DOKSTAMP_TOKEN": "t"}, secrets)


def test_from_environment_reads_os_environ_by_default(monkeypatch) -> None:
    for key, value in TOKEN.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DOKSTAMP_CONCURRENCY", "5")
    assert Settings.from_environment().concurrency == 5


def test_settings_are_frozen() -> None:
    settings = Settings.from_mapping(TOKEN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.page_size = 5  # type: ignore[misc]


def test_every_variable_is_documented() -> None:
    """Every variable the settings read has a row in the site's settings reference (generated
    from VARIABLES by docs/gen_reference.py; tests/docs checks the page is up to date)."""
    reference = Path(__file__).resolve().parents[2] / "docs" / "reference" / "settings.md"
    rows = {
        line.split("|")[1].strip().strip("`")
        for line in reference.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    }
    assert set(VARIABLES) <= rows


def test_the_store_is_a_redis_url_or_unset() -> None:
    base = {
        "DOKSTAMP_API_URL": "https://api.example",
        "DOKSTAMP_TENANT": "t",
        "DOKSTAMP_TOKEN": "x",
    }
    assert Settings.from_mapping(base).store_url is None
    shared = Settings.from_mapping(
        {**base, "ENROLLMENT_OUTCOMES_STORE": "redis://127.0.0.1:6379/0"}
    )
    assert shared.store_url == "redis://127.0.0.1:6379/0"
    with pytest.raises(ConfigurationError, match="ENROLLMENT_OUTCOMES_STORE"):
        Settings.from_mapping({**base, "ENROLLMENT_OUTCOMES_STORE": "/var/cache/eo"})
    assert (
        Settings.from_mapping({**base, "ENROLLMENT_OUTCOMES_SNAPSHOTS_KEPT": "5"}).snapshots_kept
        == 5
    )
    with pytest.raises(ConfigurationError, match="SNAPSHOTS_KEPT"):
        Settings.from_mapping({**base, "ENROLLMENT_OUTCOMES_SNAPSHOTS_KEPT": "0"})


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DOKSTAMP_TOKEN", "abc\r\nX-Evil: 1"),
        ("DOKSTAMP_TOKEN", "tök"),
        ("DOKSTAMP_TOKEN", "two words"),
        ("DOKSTAMP_TENANT", "université"),
        ("DOKSTAMP_TENANT", "demo tenant"),
    ],
)
def test_header_values_must_be_visible_ascii(variable: str, value: str) -> None:
    mapping = {
        "DOKSTAMP_API_URL": "https://api.example.edu",
        "DOKSTAMP_TENANT": "demo",
        "DOKSTAMP_TOKEN": "good-token",
        variable: value,
    }
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_mapping(mapping)
    assert caught.value.variable == variable
    assert value.strip() not in str(caught.value)  # a token is never echoed back


@pytest.mark.parametrize(
    "url",
    [
        "https://a.test/?api_key=S3cretKey",
        "https://a.test/#S3cretKey",
        "ftp://user:S3cretKey@a.test/?api_key=S3cretKey",
    ],
)
def test_a_refused_url_is_repeated_without_its_secrets(url: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_mapping({**TOKEN, "DOKSTAMP_TENANT": "t", "DOKSTAMP_API_URL": url})
    assert "S3cretKey" not in str(refused.value)
    assert "a.test" in str(refused.value)  # still says which URL
