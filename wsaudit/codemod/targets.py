"""Where an import points, by the importing file's own semantics: a module or a name that
exists in the (migrated) tree, or in the environment that will run the code.

The tree answers from its facts; the environment from :mod:`wsaudit.codemod.environment`
(the interpreter's import paths searched statically). A top-level package that the tree
holds as a regular package is the tree's alone: Python finds its submodules only in that
folder, so a module the tree lacks does not exist, whatever is installed elsewhere.

The rewrite parts ask these questions before they propose an import, and the safety checks
ask them again of every import the new text holds that the old did not.
"""

from __future__ import annotations

from wsaudit.codemod.environment import Environment
from wsaudit.codemod.snapshot import TreeSnapshot

TREE, ENV = "tree", "env"
# module attributes every module has: reading one needs nothing from the module's code
MODULE_DUNDERS = frozenset({"__name__", "__file__", "__doc__", "__spec__", "__path__", "__package__", "__loader__",
                            "__dict__", "__all__", "__builtins__", "__cached__"})


class Targets:
    """Answers whether modules and names exist, for one snapshot of the tree.

    Parameters
    ----------
    tree : TreeSnapshot
        The tree as migrated so far.
    env : Environment
        The environment's modules.
    """

    def __init__(self, tree: TreeSnapshot, env: Environment):
        self.tree, self.env = tree, env

    def module(self, name: str) -> str | None:
        """:data:`TREE` or :data:`ENV` where module ``name`` is, or None when it exists nowhere."""
        resolver = self.tree.resolver
        if name in resolver.known:
            return TREE
        if name.split(".")[0] in resolver.files:
            return None  # the tree's own (regular) package: what it lacks does not exist
        return ENV if self.env.find(name) is not None else None

    def is_module(self, name: str) -> bool:
        return self.module(name) is not None

    def has(self, module: str, name: str) -> bool | None:
        """Whether ``from module import name`` finds a submodule or a bound name (None: it
        cannot be known statically, e.g. in a compiled module)."""
        where = self.module(module)
        if where is None:
            return False
        if self.is_module(f"{module}.{name}"):
            return True
        if where == ENV:
            return self.env.has(module, name)
        facts = self.tree.resolver.facts(module)
        if facts is None:  # a folder of the tree without __init__.py: only submodules
            return False
        if name in facts.namespace:
            return True
        return any(name in self.tree.resolver.exported(self.tree.resolver._star_module(module, facts.bindings[s]) or "")
                   or self._env_star(module, facts.bindings[s], name) for s in facts.stars)

    def _env_star(self, module: str, binding, name: str) -> bool:
        target = self.tree.resolver._star_module(module, binding)
        if not target or self.module(target) != ENV:
            return False
        names = self.env.names(target)
        return bool(names) and name in names and not name.startswith("_")

    def dotted(self, path: str) -> bool | None:
        """Whether a dotted path (a ``mock.patch`` target) names something that exists: its
        longest module prefix, then a name that module binds (what follows is an attribute of
        an object, which only running the code can tell; it is not asked)."""
        parts = path.split(".")
        for i in range(len(parts), 0, -1):
            prefix = ".".join(parts[:i])
            if self.is_module(prefix):
                if i == len(parts):
                    return True
                return self.has(prefix, parts[i])
        return False

    def attribute_problem(self, module: str, attrs: tuple[str, ...]) -> str | None:
        """Why ``module.attrs...`` would fail, following submodules; None when it exists (the
        first attribute that is not a submodule must be a name the module binds; what follows
        is an object's attribute, which only running the code can tell)."""
        for attr in attrs:
            if attr in MODULE_DUNDERS:
                return None
            if self.is_module(f"{module}.{attr}"):
                module = f"{module}.{attr}"
                continue
            found = self.has(module, attr)
            if found is None:
                return f"{module} cannot be read statically to find {attr!r}"
            return None if found else f"{attr!r} does not exist in {module}"
        return None
