"""``wsaudit fleet FLEET.toml``: one deprecated API audited across many repositories.

:mod:`~wsaudit.fleet.settings` reads and checks ``FLEET.toml``; :mod:`~wsaudit.fleet.fetch`
brings a repository where it can be read (a local folder, or a clone in a temporary or cache
folder); :mod:`~wsaudit.fleet.task` audits one repository into one row (never raises);
:mod:`~wsaudit.fleet.run` runs the tasks here or one per repository on a Dask cluster;
:mod:`~wsaudit.fleet.document` turns the rows into the fleet result (JSON, CSV, the suggested
order, the kept runs) and :mod:`~wsaudit.fleet.page` into the report page.
"""
