"""Guards for the places where this project changes a library's internals (standard library only: it is imported
in both environments).

bot/rasa_plugins/server.py replaces methods of Rasa classes and calls private TensorFlow functions,
bot/rasa_plugins/tracker_store.py overrides Rasa's private `_retrieve`, and actions/server.py replaces an entry of
Sanic's internal `cached_handlers`. Each was written against one release series of its library. Before patching, each
checks that the installed version is of that series and that what it replaces or calls is still there with the
parameters it was written for, and refuses to start otherwise (`PatchRefused`, naming the package, the installed and the
expected version, or the missing attribute), instead of running changed internals silently.

A new release of one of these libraries needs the patch read again against it, then its series added here.
"""

from __future__ import annotations

import inspect
from importlib import metadata
from typing import Any

# The release series each patch was written for (requirements/rasa.txt and requirements/app.lock pin one version
# of each). Rasa's environment: rasa, tensorflow, keras; the app's environment: rasa-sdk, sanic.
WRITTEN_FOR = {
    "rasa": "3.6",
    "tensorflow": "2.12",
    "keras": "2.12",
    "rasa-sdk": "3.21",
    "sanic": "25.12",
}


class PatchRefused(RuntimeError):
    """A patch of a library's internals was not installed: the library is not the one it was written for."""


def installed_version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def require_version(package: str, patch: str) -> None:
    """Refuse unless the installed `package` is of the release series in WRITTEN_FOR (e.g. 3.6 → 3.6.*)."""
    series = WRITTEN_FOR[package]
    installed = installed_version(package)
    if installed is None or not (installed == series or installed.startswith(series + ".")):
        raise PatchRefused(
            f"{patch}: written for {package} {series}.x, but the installed {package} is "
            f"{installed or 'missing'} (expected {series}.x). Read the patch against {package} {installed} "
            f"before allowing it in bot/patch_guard.py WRITTEN_FOR."
        )


def require_attribute(
    owner: Any,
    name: str,
    patch: str,
    package: str,
    parameters: tuple[str, ...] | None = None,
) -> Any:
    """Return `owner.name`; refuse when it is missing or, with `parameters`, when its parameters do not begin
    with these names (in order; a function may take more after them, such as **kwargs)."""
    owner_name = getattr(owner, "__qualname__", None) or type(owner).__qualname__
    where = f"{getattr(owner, '__module__', type(owner).__module__)}.{owner_name}.{name}"
    version = installed_version(package) or "missing"
    if not hasattr(owner, name):
        raise PatchRefused(
            f"{patch}: {where} is missing in the installed {package} {version} "
            f"(expected {package} {WRITTEN_FOR[package]}.x, which has it)"
        )
    value = getattr(owner, name)
    if parameters is not None:
        try:
            found = tuple(inspect.signature(value).parameters)
        except (TypeError, ValueError):
            found = ()
        if found[: len(parameters)] != parameters:
            raise PatchRefused(
                f"{patch}: {where} takes ({', '.join(found)}) in the installed {package} {version}, "
                f"written for ({', '.join(parameters)}, …) of {package} {WRITTEN_FOR[package]}.x"
            )
    return value
