"""Whether a credential may publish in a space, judged from what Confluence says without a
write: the scopes of an OAuth access token, and the operations a space reports for the
signed-in user (Cloud v2 ``GET /spaces/{id}/operations``).

Each backend supplies its edition's table of what each ``Operation`` needs; this module only
weighs them. A scope decides alone when it is missing (the request would be refused whatever
the space allows); a space permission decides otherwise; when the edition reports no space
operations (Data Center: its permission reads list direct grants only and need space admin,
so an absence proves nothing), the verdict is None and a test publish must tell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from confsync.types import Operation, Permission

__all__ = ["ScopeNeeds", "SpaceNeeds", "weigh"]

ScopeNeeds = Mapping[Operation, tuple[frozenset[str], ...]]
"""Per operation, alternative scope sets: any one of them, whole, suffices."""

SpaceNeeds = Mapping[Operation, tuple[str, str]]
"""Per operation, the ``(operation, targetType)`` a space must report for the user."""

_TEST_PUBLISH = "cannot tell without a test publish: run confsync test-publish"


def _scope_names(options: tuple[frozenset[str], ...]) -> str:
    return " or ".join(" + ".join(sorted(option)) for option in options)


def weigh(
    *,
    space_key: str,
    who: str,
    scopes: frozenset[str] | None,
    scope_needs: ScopeNeeds,
    operations: frozenset[tuple[str, str]] | None,
    space_needs: SpaceNeeds,
    scope_advice: Callable[[str], str],
) -> tuple[Permission, ...]:
    """One ``Permission`` per ``Operation``. ``scopes`` None: the credential carries none
    readable (API token, PAT, password); ``operations`` None: the space reports none;
    ``scope_advice`` says how to get a scope (given its name, the first alternative's)."""
    verdicts = []
    for operation in Operation:
        if scopes is not None:
            options = scope_needs[operation]
            if not any(option <= scopes for option in options):
                wanted = " ".join(sorted(options[0]))
                verdicts.append(
                    Permission(
                        operation,
                        False,
                        f"OAuth scope {_scope_names(options)}",
                        f"the access token lacks the scope {_scope_names(options)}. "
                        f"{scope_advice(wanted)}",
                    )
                )
                continue
        if operations is None:
            granted = "granted; the space permission " if scopes is not None else ""
            shown = f"OAuth scope {granted}" if granted else ""
            verdicts.append(Permission(operation, None, f"{shown}{_TEST_PUBLISH}"))
            continue
        action, target = space_needs[operation]
        verdicts.append(
            Permission(
                operation,
                (action, target) in operations,
                f"space permission {action} {target} in {space_key}",
                f"ask an admin of space {space_key} to give {who} the permission to "
                f"{action} {target}s (Space settings > Permissions)",
            )
        )
    return tuple(verdicts)
