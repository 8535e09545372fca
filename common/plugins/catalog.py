"""Which plugin a type name belongs to, for the error a flow gets when it is not installed.

Kestra's plugin types are named `io.kestra.plugin.<family>.<...>` and ship in Kestra's
`plugin-<family>` repositories. Podium's first-party plugins keep those family names
(plugins/<family>/, distribution `podium-plugin-<family>`), so the family in the name says
what to install, or that Podium has no such plugin yet.
"""

from __future__ import annotations

from podium.common.plugins.registry import registry

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
    name says nothing about its plugin (a typo of a core type, a foreign name)."""
    family = family_of(type_name)
    if family is None:
        return None
    for broken in registry.broken():
        if broken.name == family:
            return (f"it belongs to the plugin '{family}' ({broken.distribution}), which is "
                    f"installed but failed to load: {broken.error}")
    if any(plugin.name == family for plugin in registry.plugins()):
        return None  # the plugin is there: the type itself is unknown (suggestions say more)
    if family in FIRST_PARTY:
        return (f"it belongs to the plugin '{family}', which is not installed: "
                f"pip install podium-plugin-{family} (from a checkout: pip install "
                f"./plugins/{family})")
    return (f"it belongs to Kestra's plugin-{family}, which Podium does not provide yet "
            f"(`podium plugins list` shows the installed plugins)")
