"""The idioms of compatibility code, each a small real tree: a deprecated name defined by an
assignment, a call through a ``try``/``except ImportError`` fallback, a deprecated module object
passed from module to module, ``import_module("cgi")``. Every use is found by ``scan`` and by
the gate (``check``, which parses only the files its candidate search picks) alike."""

from __future__ import annotations

from conftest import rows


def scan_and_check(cli, root) -> list[tuple]:
    """The rows of a scan, once it is checked that ``check`` finds the same ones."""
    scanned = cli("scan", root, "--format", "json", "--no-cache")
    assert scanned.code == 0, scanned.err
    checked = cli("check", root, "--format", "json", "--no-cache")
    assert checked.code in (0, 1), checked.err
    found = rows(scanned)
    assert [(v["path"], v["line"], v["rule_id"], v["category"], v["name"])
            for v in checked.json()["violations"]] == found
    definitions = [(d["path"], d["line"], d["rule_id"], d["name"]) for d in scanned.json()["definitions"]]
    assert [(d["path"], d["line"], d["rule_id"], d["name"]) for d in checked.json()["definitions"]] == definitions
    return found


def definitions(cli, root) -> list[tuple]:
    return [(d["path"], d["line"], d["rule_id"], d["name"])
            for d in cli("scan", root, "--format", "json", "--no-cache").json()["definitions"]]


# ------------------------------------------------------------------ a try/except ImportError fallback

# A service that still imports the factory from a module the migration deleted, with a fallback
# for the deployments where it is gone: whenever the import succeeds, the calls are the factory's.
FALLBACK_RULES = """
[[rule]]
id = "WS001"
symbol = "chat.realtime.**.create_websocket_manager"
replacement = "chat.realtime.manager.WebSocketManager"
"""


def test_calls_through_an_importerror_fallback_are_uses_whatever_the_fallback_binds(cli, tree):
    root = tree({
        "wsaudit.toml": FALLBACK_RULES,
        "chat/__init__.py": "",
        "chat/realtime/__init__.py": "",
        "chat/realtime/manager.py": "class WebSocketManager:\n    pass\n",
        # the legacy factory module is gone from this tree: the import is matched by its written path
        "chat/services/__init__.py": "",
        "chat/services/bridge.py": """
            try:
                from chat.realtime.legacy_factory import create_websocket_manager
            except ImportError:  # shim already removed in this deployment
                create_websocket_manager = None


            def connect(ctx):
                if create_websocket_manager is None:
                    return None
                return create_websocket_manager(ctx)
            """,
        "chat/services/notify.py": """
            try:
                from chat.realtime.legacy_factory import create_websocket_manager
            except (ImportError, AttributeError):
                def create_websocket_manager(ctx):
                    from chat.realtime.manager import WebSocketManager
                    return WebSocketManager()

            manager = create_websocket_manager(None)
            """,
        "chat/services/jobs.py": """
            try:
                from chat.realtime.legacy_factory import create_websocket_manager as make
            except ModuleNotFoundError:
                class make:
                    def __init__(self, ctx):
                        self.ctx = ctx

            def run(ctx):
                return make(ctx)
            """,
        # the fallback alone, no import: a function of the tree that merely shares the name
        "chat/services/local.py": """
            def create_websocket_manager(ctx):
                return ctx

            create_websocket_manager(1)
            """,
    }, base=False)
    assert scan_and_check(cli, root) == [
        ("chat/services/bridge.py", 3, "WS001", "deprecated-import", "create_websocket_manager"),
        ("chat/services/bridge.py", 9, "WS001", "deprecated-reference", "create_websocket_manager"),
        ("chat/services/bridge.py", 11, "WS001", "deprecated-call", "create_websocket_manager"),
        ("chat/services/jobs.py", 3, "WS001", "deprecated-import", "make"),
        ("chat/services/jobs.py", 10, "WS001", "deprecated-call", "make"),
        ("chat/services/notify.py", 3, "WS001", "deprecated-import", "create_websocket_manager"),
        ("chat/services/notify.py", 9, "WS001", "deprecated-call", "create_websocket_manager"),
    ]


# ------------------------------------------------------------------ import_module("cgi")

# A form handler that loads the standard library's cgi module (removed in Python 3.13) lazily.
CGI_RULES = """
[[rule]]
id = "PY313"
module = "cgi"
replacement = "email.message"
"""


def test_a_one_word_module_name_is_a_path_where_python_imports_it(cli, tree):
    root = tree({
        "wsaudit.toml": CGI_RULES,
        "forms/__init__.py": "",
        "forms/upload.py": """
            import importlib
            import sys
            from importlib.util import find_spec

            HAVE_CGI = find_spec("cgi") is not None


            def parse_header(value):
                cgi = importlib.import_module("cgi")
                return cgi.parse_header(value)


            def legacy():
                if "cgi" in sys.modules:
                    return sys.modules["cgi"]
                return __import__("cgi")


            LABELS = {"cgi": "Common Gateway Interface"}  # a key, not a module
            MODE = "cgi"
            """,
    }, base=False)
    assert scan_and_check(cli, root) == [
        ("forms/upload.py", 6, "PY313", "deprecated-reference", "cgi"),
        ("forms/upload.py", 10, "PY313", "deprecated-reference", "cgi"),
        ("forms/upload.py", 15, "PY313", "deprecated-reference", "cgi"),
        ("forms/upload.py", 16, "PY313", "deprecated-reference", "cgi"),
        ("forms/upload.py", 17, "PY313", "deprecated-reference", "cgi"),
    ]


# ------------------------------------------------------------------ a name defined by assignment

# A Python 2 compatibility module whose names are assignments, and a legacy shim that makes the
# deprecated factory with a helper instead of a def, in a new module under the rule's pattern.
ASSIGNED_RULES = """
[[rule]]
id = "PY2"
symbol = "shop.compat.text_type"
replacement = "str"

[[rule]]
id = "WS001"
symbol = "shop.realtime.**.create_websocket_manager"
replacement = "shop.realtime.manager.WebSocketManager"
"""

ASSIGNED_TREE = {
    "wsaudit.toml": ASSIGNED_RULES,
    "shop/__init__.py": "",
    "shop/compat.py": """
        import sys

        PY2 = sys.version_info[0] == 2
        if PY2:
            text_type = unicode  # noqa: F821
        else:
            text_type = str
        binary_type: type = bytes
        """,
    "shop/realtime/__init__.py": "",
    "shop/realtime/manager.py": """
        import warnings


        class WebSocketManager:
            pass


        def make_legacy_function(name):
            def legacy(*args, **kwargs):
                warnings.warn(f"{name} is deprecated", DeprecationWarning, stacklevel=2)
                return WebSocketManager()
            return legacy
        """,
    "shop/realtime/legacy/__init__.py": "",
    "shop/realtime/legacy/shim.py": """
        from shop.realtime.manager import make_legacy_function

        create_websocket_manager = make_legacy_function("create_websocket_manager")
        """,
    # under the pattern too, but the placeholder binds None: no function, no definition
    "shop/realtime/optional.py": """
        try:
            from shop.realtime.legacy.shim import create_websocket_manager
        except ImportError:
            create_websocket_manager = None
        """,
    # a re-export by assignment: the object is the shim's, defined there
    "shop/realtime/aliases.py": """
        from shop.realtime.legacy import shim

        create_websocket_manager = shim.create_websocket_manager
        """,
    "shop/views.py": """
        from shop.compat import text_type
        from shop.realtime.legacy.shim import create_websocket_manager
        from shop import compat


        def render(value, ctx):
            manager = create_websocket_manager(ctx)
            if not isinstance(value, text_type):
                value = compat.text_type(value)
            return manager, value
        """,
}


def test_a_name_defined_by_assignment_is_a_definition_and_its_uses_are_found(cli, tree):
    root = tree(ASSIGNED_TREE, base=False)
    assert scan_and_check(cli, root) == [
        ("shop/realtime/aliases.py", 4, "WS001", "deprecated-reference", "shim.create_websocket_manager"),
        ("shop/realtime/optional.py", 3, "WS001", "deprecated-import", "create_websocket_manager"),
        ("shop/views.py", 2, "PY2", "deprecated-import", "text_type"),
        ("shop/views.py", 3, "WS001", "deprecated-import", "create_websocket_manager"),
        ("shop/views.py", 8, "WS001", "deprecated-call", "create_websocket_manager"),
        ("shop/views.py", 9, "PY2", "deprecated-reference", "text_type"),
        ("shop/views.py", 10, "PY2", "deprecated-call", "compat.text_type"),
    ]
    assert definitions(cli, root) == [
        ("shop/compat.py", 6, "PY2", "text_type"),
        ("shop/compat.py", 8, "PY2", "text_type"),
        ("shop/realtime/legacy/shim.py", 4, "WS001", "create_websocket_manager"),
    ]


def test_the_gate_fails_on_a_deprecated_name_assigned_again(cli, tree):
    root = tree(ASSIGNED_TREE, base=False)
    baseline = root / "wsaudit-baseline.json"
    assert cli("check", root, "--baseline", baseline, "--update-baseline", "--no-cache").code == 0
    assert cli("check", root, "--baseline", baseline, "--no-cache").code == 0
    (root / "shop/realtime/v2.py").write_text(
        "from shop.realtime.manager import make_legacy_function\n\n"
        "create_websocket_manager = make_legacy_function('create_websocket_manager')\n")
    result = cli("check", root, "--baseline", baseline, "--format", "json", "--no-cache")
    assert result.code == 1
    assert [(d["path"], d["line"], d["name"]) for d in result.json()["failures"]] == [
        ("shop/realtime/v2.py", 3, "create_websocket_manager")]


# ------------------------------------------------------------------ a deprecated module passed along

# A project leaving six: its compat module imports six's modules under names of its own, and
# the rest of the project takes them from there. ``six`` is installed, not part of the tree.
SIX_RULES = """
[[rule]]
id = "SIX"
module = "six"
message = "six is for Python 2; use the standard library"
"""

SIX_TREE = {
    "wsaudit.toml": SIX_RULES,
    "feeds/__init__.py": "",
    "feeds/compat.py": """
        import six
        import six.moves.urllib.error as urllib_error
        import six.moves.urllib.parse as urlparse
        from six import text_type
        from six.moves import urllib

        string_types = six.string_types
        """,
    "feeds/fetch.py": """
        from feeds.compat import urllib_error
        from feeds.compat import urlparse as parse
        from feeds.compat import six
        from feeds.compat import text_type
        from feeds.compat import urllib
        from feeds.compat import string_types


        def fetch(opener, url):
            try:
                return opener.open(parse.urljoin(url, "feed"))
            except urllib_error.URLError:
                return None
        """,
    # a re-export of the re-export
    "feeds/errors.py": "from feeds.compat import urllib_error as errors\n",
    "feeds/retry.py": "from feeds.errors import errors\n",
}


def test_a_deprecated_module_object_imported_from_the_module_that_imported_it(cli, tree):
    root = tree(SIX_TREE, base=False)
    assert scan_and_check(cli, root) == [
        ("feeds/compat.py", 2, "SIX", "deprecated-module", "six"),
        ("feeds/compat.py", 3, "SIX", "deprecated-module", "urllib_error"),
        ("feeds/compat.py", 4, "SIX", "deprecated-module", "urlparse"),
        ("feeds/compat.py", 5, "SIX", "deprecated-module", "six"),
        ("feeds/compat.py", 6, "SIX", "deprecated-module", "six.moves"),
        ("feeds/errors.py", 1, "SIX", "deprecated-module", "errors"),
        ("feeds/fetch.py", 2, "SIX", "deprecated-module", "urllib_error"),
        ("feeds/fetch.py", 3, "SIX", "deprecated-module", "parse"),
        ("feeds/fetch.py", 4, "SIX", "deprecated-module", "six"),
        # text_type is a function of six, not the module; what ``from six.moves import urllib``
        # binds cannot be told from outside six (a module or not): neither is a module import
        ("feeds/retry.py", 1, "SIX", "deprecated-module", "errors"),
    ]


# A library that vendors its dependency and hands it out from its package: the vendored copy is
# deprecated, wherever its module objects are imported from.
VENDORED_RULES = """
[[rule]]
id = "VEND"
module = "tools._vendor.six"
message = "six is for Python 2; use the standard library"
"""


def test_a_vendored_module_reexported_by_a_package_init(cli, tree):
    root = tree({
        "wsaudit.toml": VENDORED_RULES,
        "tools/__init__.py": "from tools._vendor import six\nimport tools._vendor.six.moves as moves\n",
        "tools/_vendor/__init__.py": "",
        "tools/_vendor/six.py": """
            import sys
            import types


            class _MovedItems(types.ModuleType):
                pass


            moves = sys.modules[__name__ + ".moves"] = _MovedItems(__name__ + ".moves")
            PY2 = sys.version_info[0] == 2
            """,
        "tools/cli.py": "from tools import six\nfrom tools import moves\nfrom tools import _vendor\n",
        "tools/star.py": "from tools import *\n",
    }, base=False)
    assert scan_and_check(cli, root) == [
        ("tools/__init__.py", 1, "VEND", "deprecated-module", "six"),
        ("tools/__init__.py", 2, "VEND", "deprecated-module", "moves"),
        ("tools/cli.py", 1, "VEND", "deprecated-module", "six"),
        ("tools/cli.py", 2, "VEND", "deprecated-module", "moves"),
        ("tools/star.py", 1, "VEND", "deprecated-module", "moves"),
    ]


# A database backend that works with either driver: its compat module imports the new driver's
# types with a stand-in when the driver is missing, and the backend takes them from there.
DRIVER_RULES = """
[[rule]]
id = "PSY"
symbol = "psycopg.**.Jsonb"
message = "wrap JSON with the backend's own adapter"
"""


def test_a_fallback_import_re_exported_is_the_imported_object_where_it_is_used(cli, tree):
    root = tree({
        "wsaudit.toml": DRIVER_RULES,
        "backend/__init__.py": "",
        "backend/compat.py": """
            try:
                from psycopg.types.json import Jsonb
            except ImportError:
                class Jsonb:
                    def __init__(self, obj, dumps=None):
                        self.obj = obj
            """,
        "backend/operations.py": """
            from backend.compat import Jsonb
            from backend.compat import Jsonb as JSONAdapter


            def adapt_json_value(value, encoder):
                return Jsonb(value, dumps=encoder)


            ADAPTERS = {"json": JSONAdapter}
            """,
        "backend/adapters.py": "from backend.operations import JSONAdapter\n\nJSONAdapter({})\n",
    }, base=False)
    assert scan_and_check(cli, root) == [
        ("backend/adapters.py", 1, "PSY", "deprecated-import", "JSONAdapter"),
        ("backend/adapters.py", 3, "PSY", "deprecated-call", "JSONAdapter"),
        ("backend/compat.py", 3, "PSY", "deprecated-import", "Jsonb"),
        ("backend/operations.py", 2, "PSY", "deprecated-import", "Jsonb"),
        ("backend/operations.py", 3, "PSY", "deprecated-import", "JSONAdapter"),
        ("backend/operations.py", 7, "PSY", "deprecated-call", "Jsonb"),
        ("backend/operations.py", 10, "PSY", "deprecated-reference", "JSONAdapter"),
    ]


# ------------------------------------------------------------------ a path into a deprecated package

# A site's settings name its authentication backend and middleware by dotted path, as a framework
# imports them by name; the deprecated package is ruled out by a module rule alone.
def test_a_string_naming_a_thing_inside_a_deprecated_module_counts_with_a_module_rule_alone(cli, tree):
    files = {
        "wsaudit.toml": '[[rule]]\nid = "AUTH"\nmodule = "site.legacy_auth"\n',
        "site/__init__.py": "",
        "site/legacy_auth/__init__.py": "",
        "site/legacy_auth/backends.py": "class ModelBackend:\n    pass\n",
        "site/legacy_auth/middleware.py": "def session_middleware(get_response):\n    return get_response\n",
        "site/settings.py": """
            AUTHENTICATION_BACKENDS = ["site.legacy_auth.backends.ModelBackend"]
            MIDDLEWARE = ["site.legacy_auth.middleware.session_middleware"]
            CACHE_KEY_PREFIX = "site.legacy_auth.sessions"  # a label: nothing of the tree is named so
        """,
    }
    root = tree(files)
    assert scan_and_check(cli, root) == [
        ("site/settings.py", 2, "AUTH", "deprecated-reference", "site.legacy_auth.backends.ModelBackend"),
        ("site/settings.py", 3, "AUTH", "deprecated-reference", "site.legacy_auth.middleware.session_middleware"),
    ]
    # another rule does not change what this one finds
    root = tree({**files, "wsaudit.toml": files["wsaudit.toml"]
                 + '\n[[rule]]\nid = "MB"\nsymbol = "site.legacy_auth.backends.ModelBackend"\n'})
    assert [r for r in scan_and_check(cli, root) if r[2] == "AUTH"] == [
        ("site/settings.py", 2, "AUTH", "deprecated-reference", "site.legacy_auth.backends.ModelBackend"),
        ("site/settings.py", 3, "AUTH", "deprecated-reference", "site.legacy_auth.middleware.session_middleware"),
    ]
