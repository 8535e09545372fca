"""`podium completion SHELL`: the shell's completion script for `podium`, on stdout.

The script is click's own (click.shell_completion): the shell calls `podium` back with
`_PODIUM_COMPLETE` set, and `main` answers with the commands, options and choices that fit.
"""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

SHELLS = ("bash", "zsh", "fish")
PROGRAM = "podium"
COMPLETE_VARIABLE = "_PODIUM_COMPLETE"  # what click reads for the program `podium`


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script of SHELL (bash, zsh, fish) for `podium`.

    \b
    bash: podium completion bash > ~/.local/share/bash-completion/completions/podium
    zsh:  podium completion zsh > "${fpath[1]}/_podium"   (or eval it from ~/.zshrc)
    fish: podium completion fish > ~/.config/fish/completions/podium.fish
    """
    root = click.get_current_context().find_root().command
    script_class = get_completion_class(shell)
    assert script_class is not None  # click ships all three SHELLS
    click.echo(script_class(root, {}, PROGRAM, COMPLETE_VARIABLE).source())
