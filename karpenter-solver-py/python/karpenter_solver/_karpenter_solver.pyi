"""The native module: parsing and solving, with the GIL released. Use the package instead."""

from typing import Optional, final

__all__ = [
    "SnapshotError",
    "CatalogError",
    "SolverPanic",
    "Snapshot",
    "Catalog",
    "provision",
    "consolidate",
    "parse_quantity",
    "_panic_for_tests",
]

class SnapshotError(ValueError):
    """The snapshot is invalid; the attributes name the object and field at fault."""

    kind: Optional[str]
    namespace: Optional[str]
    name: Optional[str]
    field: Optional[str]

class CatalogError(ValueError):
    """The catalog is invalid; ``kind`` is ``"InstanceType"`` and ``name`` the type's name."""

    kind: Optional[str]
    namespace: Optional[str]
    name: Optional[str]
    field: Optional[str]

class SolverPanic(RuntimeError):
    """The solver hit a bug (a Rust panic); please report it with the input."""

@final
class Snapshot:
    """A parsed cluster snapshot, reusable across solves."""

    @staticmethod
    def from_bytes(data: bytes) -> Snapshot: ...
    @property
    def warnings(self) -> list[str]: ...

@final
class Catalog:
    """A parsed instance-type catalog, reusable across solves."""

    @staticmethod
    def from_bytes(data: bytes) -> Catalog: ...
    @staticmethod
    def aws_default() -> Catalog: ...
    @property
    def names(self) -> list[str]: ...
    def allocatable(self, name: str) -> Optional[dict[str, str]]: ...
    def to_json(self) -> str: ...
    def __len__(self) -> int: ...
    def __contains__(self, name: str, /) -> bool: ...

def provision(
    snapshot: Snapshot, catalog: Optional[Catalog] = None, *, now: Optional[str] = None
) -> tuple[str, list[str]]: ...
def consolidate(
    snapshot: Snapshot, catalog: Optional[Catalog] = None, *, now: Optional[str] = None
) -> tuple[str, list[str]]: ...
def parse_quantity(resource: str, text: str) -> int: ...
def _panic_for_tests() -> None: ...
