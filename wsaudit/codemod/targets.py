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
from wsaudit.engine.modules import absolute_module, ancestors
from wsaudit.model import FileFacts

# where an import runs while its module is being imported (a function's import runs later)
LOAD_TIME = frozenset({"module", "try", "conditional", "class"})

TREE, ENV = "tree", "env"
# module attributes every module has: reading one needs nothing from the module's code
# (``__all__`` is not one: only a module that assigns it has it)
MODULE_DUNDERS = frozenset({"__name__", "__file__", "__doc__", "__spec__", "__path__", "__package__", "__loader__",
                            "__dict__", "__builtins__", "__cached__"})


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

    def load_edges(self, module: str, facts: FileFacts | None = None) -> set[str]:
        """The modules of the tree that importing ``module`` imports while it runs (its
        module-level imports, their packages included); ``facts``: of another text of it."""
        key = module if facts is None else None
        cache = self.tree.edge_cache
        if key is not None and key in cache:
            return cache[key]
        resolver = self.tree.resolver
        facts = facts if facts is not None else resolver.facts(module)
        out: set[str] = set()
        f = resolver.files.get(module)
        for imp in facts.imports if facts is not None and f is not None else ():
            if imp.context not in LOAD_TIME:
                continue
            if not imp.is_from:
                names = [name for name, _ in imp.names]
            else:
                base = absolute_module(module, f.is_package, imp.level, imp.module)
                if base is None:
                    continue
                names = [base] + [f"{base}.{name}" for name, _ in imp.names if name != "*"]
            for name in names:
                for m in (*ancestors(name), name):
                    if m in resolver.files and m != module:
                        out.add(m)
        if key is not None:
            cache[key] = out
        return out

    def path(self, start: str, goal: str, edges_of=None) -> list[str] | None:
        """A chain of load-time imports from ``start`` to ``goal`` (both included), or None."""
        edges_of = edges_of or self.load_edges
        seen, todo = {start: None}, [start]
        while todo:
            here = todo.pop(0)
            if here == goal:
                chain = [here]
                while seen[chain[-1]] is not None:
                    chain.append(seen[chain[-1]])
                return chain[::-1]
            for nxt in sorted(edges_of(here)):
                if nxt not in seen:
                    seen[nxt] = here
                    todo.append(nxt)
        return None

    def new_cycle(self, module: str, target: str, before: FileFacts | None = None) -> str | None:
        """Why a load-time import of ``target`` in ``module`` would be a new import cycle
        (``target`` imports ``module`` back while it runs, and ``module`` did not already
        import ``target``): the chain, shown; None when it is not one. ``before``: the facts of
        the file's old text, for "already"."""
        if target not in self.tree.resolver.files or target == module:
            return None
        back = self.path(target, module)
        if back is None:
            return None
        if before is not None:
            old = {module: self.load_edges(module, before)}
            if self.path(module, target, lambda m: old[m] if m in old else self.load_edges(m)) is not None:
                return None  # the cycle was there already
        return " -> ".join(back)
