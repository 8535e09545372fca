"""Which plugin a type name belongs to, for the error a flow gets when it is not installed.

Kestra's plugin types are named `io.kestra.plugin.<family>.<...>` and ship in Kestra's
`plugin-<family>` repositories. Podium's first-party plugins keep those family names
(plugins/<family>/, distribution `podium-plugin-<family>`), so the family in the name says
what to install, or that Podium has no such plugin yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from podium.common.plugins.close_names import close_names
from podium.common.plugins.kestra_families import (
    KESTRA_ENTERPRISE,
    KESTRA_FAMILIES,
    KESTRA_JDBC_MODULES,
)
from podium.common.plugins.registry import CATEGORIES, registry

if TYPE_CHECKING:
    from podium.common.plugins.plugin import Plugin

# The first-party plugin families in plugins/ (distribution podium-plugin-<family>).
FIRST_PARTY = ("ai", "ansible", "aws", "compress", "dbt", "docker", "email", "gcp", "git",
               "jdbc", "kubernetes", "notifications", "openai", "serdes", "terraform")
_KESTRA_PREFIX = "io.kestra.plugin."
# Type names whose first segment is not the Podium plugin providing them: Kestra's older
# names (it moved them) and the chat services the notifications plugin groups. The first
# matching prefix wins.
MOVED = {
    "io.kestra.plugin.notifications.mail.": "email",
    "io.kestra.plugin.notifications.": "notifications",
    "io.kestra.plugin.slack.": "notifications",
    "io.kestra.plugin.microsoft365.teams.": "notifications",
    "io.kestra.plugin.discord.": "notifications",
    "io.kestra.plugin.googleworkspace.chat.": "notifications",
    "io.kestra.plugin.zulip.": "notifications",
    "io.kestra.plugin.squadcast.": "notifications",
    "io.kestra.plugin.meta.whatsapp.": "notifications",
}


def family_of(type_name: str) -> str | None:
    """`jdbc` for io.kestra.plugin.jdbc.postgresql.Query; None for core or foreign names."""
    if not type_name.startswith(_KESTRA_PREFIX):
        return None
    for prefix, moved in MOVED.items():
        if type_name.startswith(prefix):
            return moved
    family = type_name[len(_KESTRA_PREFIX):].split(".", 1)[0]
    return None if family in ("", "core") else family


def missing_plugin_hint(type_name: str) -> str | None:
    """Why a type of a known plugin family is not available, and what to do; None when the
    name says nothing about its plugin (a typo of a core type, of an installed type, a
    foreign name): suggestions of close names say more then."""
    family = family_of(type_name)
    if family is None:
        return None
    for broken in registry.broken():
        if broken.name == family:
            return (f"it belongs to the plugin '{family}' ({broken.distribution}), which is "
                    f"installed but failed to load: {broken.error}")
    provider = _provider_of(family)
    if provider is not None:
        return _missing_from_installed(type_name, family, provider)
    if family in FIRST_PARTY:
        return (f"it belongs to the plugin '{family}', which is not installed: "
                f"pip install podium-plugin-{family} (from a checkout: pip install "
                f"./plugins/{family})")
    if family in KESTRA_FAMILIES:
        return (f"it belongs to Kestra's plugin-{family}, which Podium does not provide yet "
                f"(`podium plugins list` shows the installed plugins)")
    if family == KESTRA_ENTERPRISE:
        return "it is a Kestra Enterprise Edition type, which Podium does not provide"
    return None


def unknown_family_note(type_name: str) -> str | None:
    """For io.kestra.plugin.<family>.X with no close name: that no plugin has the family, or
    that the installed one has no such type."""
    family = family_of(type_name)
    if family is None or family in KESTRA_FAMILIES or family in FIRST_PARTY:
        provider = _provider_of(family) if family else None
        if provider is None:
            return None
        return (f"the installed plugin '{provider.name}' has no such type (`podium plugins "
                f"list --plugin {provider.name}` lists its types)")
    return f"'{family}' is neither an installed plugin nor a Kestra plugin family Podium knows of"


def bare_family_hint(name: str) -> str | None:
    """For a type written as a family or database name only (`snowflake`, `aws`): where
    Kestra's types of that name live, and whether Podium has them."""
    key = name.strip().lower()
    if key in KESTRA_JDBC_MODULES:
        package, origin = f"{_KESTRA_PREFIX}jdbc.{key}", KESTRA_JDBC_MODULES[key]
    elif key in KESTRA_FAMILIES:
        package, origin = f"{_KESTRA_PREFIX}{key}", f"plugin-{key}"
    else:
        return None
    provided = [n for c in CATEGORIES for n in registry.all_names(c) if n.startswith(package + ".")]
    if provided:
        return (f"a type is named in full (package and class), e.g. {' or '.join(provided[:3])} "
                "(`podium plugins list` shows them all)")
    return f"Kestra's {key} types ({package}.*) come from its {origin}, which Podium does not provide"


def _provider_of(family: str) -> Plugin | None:
    """The installed plugin providing types of `family`: its own plugin, or another that
    holds some of its types (the core provides io.kestra.plugin.scripts.*)."""
    for plugin in registry.plugins():
        if plugin.name == family:
            return plugin
    for category in CATEGORIES:
        for name, cls in registry.classes(category).items():
            if family_of(name) == family and registry.owner(cls) is not None:
                return registry.owner(cls)
    return None


def _missing_from_installed(type_name: str, family: str, plugin: Plugin) -> str | None:
    """The family is installed: None when the type's package is one the plugin covers (or
    a typo of one); else which Kestra plugin has that package."""
    package = type_name.rsplit(".", 1)[0]
    root = f"{_KESTRA_PREFIX}{family}."
    covered = sorted({name.rsplit(".", 1)[0] for c in CATEGORIES for name in registry.all_names(c)
                      if family_of(name) == family})
    if not package.startswith(root) or package in covered or close_names(
            package.removeprefix(root), [p.removeprefix(root) for p in covered]):
        return None
    database = package.removeprefix(root)
    module = KESTRA_JDBC_MODULES.get(database) if family == "jdbc" else None
    lacking = f"it belongs to Kestra's {module}, which Podium does not provide" if module \
        else f"Podium provides no {package}.* types"
    distribution = f" ({plugin.distribution})" if plugin.distribution else ""
    return (f"{lacking}; the installed plugin '{plugin.name}'{distribution} covers "
            f"{_short_list(covered, root)}")


def _short_list(packages: list[str], prefix: str) -> str:
    if len(packages) > 1 and all(p.startswith(prefix) for p in packages):
        return f"{prefix}{{{', '.join(p[len(prefix):] for p in packages)}}}"
    return ", ".join(packages)
