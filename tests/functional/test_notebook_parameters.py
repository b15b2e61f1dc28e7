"""The notebooks as papermill expects them: typed, commented parameters, and a notebook run
alone (no ``-p``) from a folder that is not the repository fails naming the parameter to pass."""

from __future__ import annotations

import shutil

import papermill as pm
import pytest
from conftest import NOTEBOOK_DIR

from wsaudit.errors import ConfigError, InputError
from wsaudit.report import views
from wsaudit.report.runner import NOTEBOOKS, ensure_kernel


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_parameter_has_a_type_and_a_help(name):
    found = pm.inspect_notebook(str(NOTEBOOK_DIR / f"{name}.ipynb"))
    assert found and "repo_path" in found
    for parameter, info in found.items():
        assert info["inferred_type_name"] not in ("None", ""), parameter  # papermill shows "Unknown type"
        assert info["help"], parameter


def test_a_tree_that_is_not_there_or_has_no_configuration_names_repo_path(tmp_path):
    import wsaudit

    with pytest.raises(InputError, match=r"repo_path .*nope.*-p repo_path"), views.parameter("repo_path", "nope"):
        wsaudit.audit(tmp_path / "nope")
    (tmp_path / "pkg").mkdir()
    with pytest.raises(ConfigError, match=r"repo_path .*no configuration found.*-p repo_path"), \
            views.parameter("repo_path", "pkg"):
        wsaudit.audit(tmp_path / "pkg")


def test_an_installed_notebook_run_alone_fails_naming_repo_path(tmp_path):
    # as in a wheel: the notebook in a folder of its own, no sample repository beside it
    alone = tmp_path / "site-packages" / "wsaudit" / "notebooks"
    alone.mkdir(parents=True)
    shutil.copy(NOTEBOOK_DIR / "02_violations.ipynb", alone)
    with pytest.raises(pm.PapermillExecutionError, match=r"repo_path \.\./data/sample_repo.*-p repo_path"):
        pm.execute_notebook(str(alone / "02_violations.ipynb"), str(tmp_path / "out.ipynb"),
                            kernel_name=ensure_kernel(), cwd=str(alone), progress_bar=False)
