"""Where uploaded and generated files are kept: a :class:`MediaStore` holds files by
name (the random names :mod:`catalog.images` gives). :class:`FolderStore` keeps them in
a local folder, the default; the storefront puts them in an S3-compatible bucket when
one is configured (``storefront.media.S3Store``), so several hosts see the same files.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class MediaStore(Protocol):
    """Files by name. ``write`` replaces a file whole: a reader sees the old content,
    the new one or nothing, never a part."""

    def write(self, name: str, data: bytes) -> None: ...

    def read(self, name: str) -> bytes | None:
        """The file's content, ``None`` when there is no such file."""
        ...

    def exists(self, name: str) -> bool: ...

    def delete(self, name: str) -> None:
        """Remove the file; a missing one is fine."""
        ...


@dataclass(frozen=True, slots=True)
class FolderStore:
    """Files in a local folder, made when the first file is written."""

    folder: Path

    def write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f".{name}.{secrets.token_hex(4)}"
        partial.write_bytes(data)
        partial.replace(self.folder / name)

    def read(self, name: str) -> bytes | None:
        try:
            return (self.folder / name).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def exists(self, name: str) -> bool:
        return (self.folder / name).is_file()

    def delete(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)


def as_store(target: Path | MediaStore) -> MediaStore:
    """A store for ``target``: a folder's path becomes a :class:`FolderStore`."""
    return FolderStore(target) if isinstance(target, Path) else target
