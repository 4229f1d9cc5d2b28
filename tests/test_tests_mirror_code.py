"""Every module of both packages has a test module: tests/<layer>/ holds a ``test_*.py`` whose
name contains the module's name, or the module is listed below with the test that covers it, or
with the reason it has none yet. A new module without a test fails here."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Modules whose test module has another name: module -> that test module.
TESTED_IN = {
    "dashboard/app/scope.py": "tests/app/test_app_access.py",
    "dashboard/app/signin.py": "tests/app/test_app_access.py",
    "dashboard/app/signin_config.py": "tests/app/test_app_access.py",
    "dashboard/app/views/settings.py": "tests/app/test_app_access.py",
    "dashboard/__init__.py": "tests/test_import_boundaries.py",
    "dashboard/settings.py": "tests/settings/test_settings.py",
    "dashboard/reports/definition.py": "tests/reports/test_report_catalog.py",
    "dashboard/reports/cohort_windows.py": "tests/reports/test_report_windows.py",
    "dashboard/publication/tables.py": "tests/app/test_published.py",
    "dashboard/publication/filters.py": "tests/reports/test_report_filters.py",
    "dashboard/app/main.py": "tests/app/test_app_pages.py",
    "dashboard/app/runtime.py": "tests/app/test_app_pages.py",
    "dashboard/app/page_params.py": "tests/app/test_app_filters.py",
    "dashboard/app/page_reports.py": "tests/publication/test_page_downloads.py",
    "dashboard/app/server.py": "tests/cli/test_dashboard_command.py",
    "dashboard/app/startup.py": "tests/app/test_server.py",
    "dashboard/app/views/cohorts.py": "tests/app/test_app_pages.py",
    "dashboard/app/views/completion.py": "tests/app/test_app_pages.py",
    "dashboard/app/views/data_quality.py": "tests/app/test_record_quality.py",
    "dashboard/app/views/definitions.py": "tests/app/test_app_pages.py",
    "dashboard/app/views/grades.py": "tests/app/test_app_pages.py",
    "dashboard/app/views/overview.py": "tests/app/test_app_pages.py",
    "dashboard/client/_config.py": "tests/client/test_client_public_api.py",
    "dashboard/client/_credentials.py": "tests/client/test_client_auth.py",
    "dashboard/client/_sending.py": "tests/client/test_client_retry.py",
    "dashboard/data/corrections_log_place.py": "tests/data/test_data_shared_store_log.py",
    "dashboard/data/frame_bytes.py": "tests/data/test_data_snapshots.py",
    "dashboard/data/source.py": "tests/test_sources.py",
    "dokstamp_sandbox/__init__.py": "tests/test_import_boundaries.py",
    "dokstamp_sandbox/api.py": "tests/sandbox/test_sandbox_fuzz.py",
    "dokstamp_sandbox/api_schema.py": "tests/sandbox/test_sandbox_fuzz.py",
    "dokstamp_sandbox/demo.py": "tests/test_demo_credentials.py",
    "dokstamp_sandbox/options.py": "tests/sandbox/test_sandbox_traffic.py",
    "dokstamp_sandbox/seed_catalog.py": "tests/sandbox/test_sandbox_seed.py",
    "dokstamp_sandbox/tables.py": "tests/sandbox/test_sandbox_tenants.py",
}
# Modules with no test module of their own, and why.
NO_TEST_MODULE = {
    "dashboard/app/disclosure.py": "two Streamlit calls; exercised by every page in test_app_pages",
    "dashboard/app/views/__init__.py": "empty package marker",
    "dashboard/charts/__init__.py": "re-exports; test_chart_* import through it",
    "dashboard/publication/__init__.py": "re-exports; tests/publication import through it",
    "dashboard/charts/errors.py": "exception classes only; raised and caught in test_chart_*",
    "dashboard/metrics/errors.py": "exception classes only; raised and caught in test_metrics_*",
    "dashboard/reports/errors.py": "exception classes only; raised and caught in test_report_*",
    "dashboard/data/schema.py": "frame schemas (constants); every data test checks frames by them",
    "dashboard/publication/labels.py": "label constants; test_page_downloads reads the columns",
    "dashboard/publication/layouts.py": "tables of layouts; test_policy and test_small_tenant",
}


def _test_folder(module: Path) -> Path:
    parts = module.parts
    if parts[0] == "dokstamp_sandbox":
        return ROOT / "tests" / "sandbox"
    return ROOT / "tests" / parts[1] if len(parts) > 2 else ROOT / "tests"


def _module_name(module: Path) -> str:
    name = module.parent.name if module.stem == "__init__" else module.stem
    return name.lstrip("_")


def _modules() -> list[Path]:
    found = [
        path.relative_to(ROOT)
        for package in ("dashboard", "dokstamp_sandbox")
        for path in sorted((ROOT / package).rglob("*.py"))
    ]
    return [path for path in found if path.stem != "__main__"]


def _untested() -> list[str]:
    untested = []
    for module in _modules():
        if module.as_posix() in TESTED_IN or module.as_posix() in NO_TEST_MODULE:
            continue
        name = _module_name(module)
        if not any(name in test.stem for test in _test_folder(module).glob("test_*.py")):
            untested.append(module.as_posix())
    return untested


def test_every_module_has_a_test_module() -> None:
    assert len(_modules()) > 100  # the walk found both packages
    assert _untested() == []


def test_the_lists_name_real_files_and_do_not_overlap() -> None:
    modules = {module.as_posix() for module in _modules()}
    assert set(TESTED_IN) <= modules
    assert set(NO_TEST_MODULE) <= modules
    assert not set(TESTED_IN) & set(NO_TEST_MODULE)
    missing_tests = [test for test in TESTED_IN.values() if not (ROOT / test).is_file()]
    assert missing_tests == []
