"""The notebooks of ``wsaudit report``, which a user opens in JupyterLab: the wheel carries this
folder as the package ``wsaudit.notebooks`` (``[tool.setuptools]`` in pyproject.toml), so that an
installed wsaudit runs them too."""
