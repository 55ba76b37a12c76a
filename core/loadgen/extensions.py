"""Generators for the apps that land later (referrals, employers, custody, casework journey).

Each extension is used only when its models exist, so the command works on any branch. An extension
adds Tables and writes rows for each person the core generator has made (see people.Person).
"""

from django.apps import apps

from core.loadgen.copy import Table


class Extension:
    name = ""
    models: tuple[str, ...] = ()  # "app_label.Model" that must exist
    specs: dict[str, tuple[str, tuple[str, ...]]] = {}

    def __init__(self):
        self.tables: dict[str, Table] = {}
        self.gen = None

    def is_available(self) -> bool:
        try:
            for label in self.models:
                model = apps.get_model(label)
                columns = {f.column for f in model._meta.concrete_fields}
                for _key, (table, cols) in self.specs.items():
                    if table == model._meta.db_table and not set(cols) <= columns:
                        return False
        except LookupError:
            return False
        return True

    def table_names(self) -> dict[str, str]:
        return {f"{self.name}.{key}": table for key, (table, _cols) in self.specs.items()}

    def prepare(self, world, *, today, log) -> None:
        self.world, self.today = world, today

    def bind(self, gen, first_ids) -> None:
        self.gen = gen
        self.day = gen.day
        self.tables = {
            key: Table(table, cols, first_id=first_ids.get(f"{self.name}.{key}", 1))
            for key, (table, cols) in self.specs.items()
        }

    def person(self, rng, person) -> None:
        raise NotImplementedError


REGISTRY: list[type[Extension]] = []


def register(cls):
    REGISTRY.append(cls)
    return cls


def available() -> list[Extension]:
    from core.loadgen import domain  # noqa: F401 (registers the domain extensions)

    return [ext for ext in (cls() for cls in REGISTRY) if ext.is_available()]
