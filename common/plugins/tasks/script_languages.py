"""io.kestra.plugin.scripts.<language>.{Script,Commands}: the script tasks of
kestra-io/plugin-scripts beyond shell, Python and Node.js (scripts.py).

Every language has the two task types of Kestra's plugin, with its properties (all of
AbstractExecScript's, `containerImage` defaulting to the language's image):
- `Script` writes the inline `script` to a file of the working directory with the
  language's extension and runs the language's program on it (`ruby <file>.rb`,
  `go run <file>.go`, ...), after `beforeCommands`, as Kestra's classes do;
- `Commands` runs `commands` after `beforeCommands`, like shell.Commands.
Both run as local processes of the worker (the image is not used), so they need the
language's program on the worker's PATH; without it the task fails naming the program and
where to get it (worker/script_envs/runtimes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from pydantic import Field

from podium.common.plugins.fields import Dyn, Expr
from podium.common.plugins.tasks._script_base import Commands_, _ExecScript


@dataclass(frozen=True)
class Language:
    """What Podium needs to know of one language of Kestra's scripts plugin."""

    name: str  # as its users write it, for messages
    program: str  # what must be on the worker's PATH
    run: tuple[str, ...]  # the command `Script` runs on its file, before the file's path
    extension: str  # of the file `Script` writes (Kestra's choice)
    image: str  # Kestra's `containerImage` default
    install: str  # where to get `program`, for the error that names it


R = Language("R", "Rscript", ("Rscript",), ".R", "r-base", "Debian package r-base-core")
JULIA = Language("Julia", "julia", ("julia",), ".jl", "julia",
                 "https://julialang.org/downloads")
RUBY = Language("Ruby", "ruby", ("ruby",), ".rb", "ruby", "Debian package ruby")
PERL = Language("Perl", "perl", ("perl",), ".pl", "perl", "Debian package perl")
# Kestra's php.Script names its file .js (a slip of its code; php ignores the extension):
# .php here, so a script printing __FILE__ sees what a PHP user expects.
PHP = Language("PHP", "php", ("php",), ".php", "php", "Debian package php-cli")
GO = Language("Go", "go", ("go", "run"), ".go", "golang",
              "Debian package golang-go, or https://go.dev/dl")
POWERSHELL = Language("PowerShell", "pwsh", ("pwsh",), ".ps1",
                      "ghcr.io/kestra-io/powershell:latest",
                      "https://learn.microsoft.com/powershell/scripting/install/installing-powershell-on-linux")
DENO = Language("Deno", "deno", ("deno", "run"), ".ts", "denoland/deno",
                "https://docs.deno.com/runtime/getting_started/installation")
BUN = Language("Bun", "bun", ("bun", "run"), ".ts", "oven/bun", "https://bun.sh")
LUA = Language("Lua", "lua", ("lua",), ".lua", "nickblah/lua", "Debian package lua5.4")
GROOVY = Language("Groovy", "groovy", ("groovy",), ".groovy", "groovy",
                  "Debian package groovy, or https://groovy.apache.org/download.html")
JBANG = Language("JBang", "jbang", ("jbang",), ".java", "jbangdev/jbang-action",
                 "https://www.jbang.dev/download")
# dotnet.Commands only (no file of its own to run).
DOTNET = Language(".NET", "dotnet", (), "", "mcr.microsoft.com/dotnet/sdk:10.0",
                  "the .NET SDK: https://dotnet.microsoft.com/download")
# dotnet.Script runs C# scripts (.csx) with the dotnet-script tool, installed before the
# task's own beforeCommands as Kestra does (a no-op once installed): the SDK is what the
# worker needs.
DOTNET_SCRIPT = Language(".NET", "dotnet", ("dotnet-script",), ".csx", DOTNET.image,
                         DOTNET.install)

_POWERSHELL_INTERPRETER = ["pwsh", "-NoProfile", "-NonInteractive", "-Command"]
_POWERSHELL_EXIT_ON_ERROR = "$ErrorActionPreference = 'Stop'"


class _LanguageTask(_ExecScript):
    LANGUAGE: ClassVar[Language]
    # Commands run before the task's own beforeCommands (Kestra's, for dotnet.Script).
    SETUP_COMMANDS: ClassVar[tuple[str, ...]] = ()


class _LanguageScript(_LanguageTask):
    """Runs an inline script with the language's program."""

    script: Annotated[str, Field(min_length=1)]


class _LanguageCommands(_LanguageTask):
    """Runs commands with the language's program available."""

    commands: Commands_


# ---------------------------------------------------------------- one pair per language
class RScript(_LanguageScript):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.r.Script"
    LANGUAGE: ClassVar[Language] = R
    DEFAULT_IMAGE: ClassVar[str] = R.image


class RCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.r.Commands"
    LANGUAGE: ClassVar[Language] = R
    DEFAULT_IMAGE: ClassVar[str] = R.image


class JuliaScript(_LanguageScript):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.julia.Script"
    LANGUAGE: ClassVar[Language] = JULIA
    DEFAULT_IMAGE: ClassVar[str] = JULIA.image


class JuliaCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.julia.Commands"
    LANGUAGE: ClassVar[Language] = JULIA
    DEFAULT_IMAGE: ClassVar[str] = JULIA.image


class RubyScript(_LanguageScript):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.ruby.Script"
    LANGUAGE: ClassVar[Language] = RUBY
    DEFAULT_IMAGE: ClassVar[str] = RUBY.image


class RubyCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.ruby.Commands"
    LANGUAGE: ClassVar[Language] = RUBY
    DEFAULT_IMAGE: ClassVar[str] = RUBY.image


class PerlScript(_LanguageScript):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.perl.Script"
    LANGUAGE: ClassVar[Language] = PERL
    DEFAULT_IMAGE: ClassVar[str] = PERL.image


class PerlCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.perl.Commands"
    LANGUAGE: ClassVar[Language] = PERL
    DEFAULT_IMAGE: ClassVar[str] = PERL.image


class PhpScript(_LanguageScript):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.php.Script"
    LANGUAGE: ClassVar[Language] = PHP
    DEFAULT_IMAGE: ClassVar[str] = PHP.image


class PhpCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.php.Commands"
    LANGUAGE: ClassVar[Language] = PHP
    DEFAULT_IMAGE: ClassVar[str] = PHP.image


class GoScript(_LanguageScript):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.go.Script"
    LANGUAGE: ClassVar[Language] = GO
    DEFAULT_IMAGE: ClassVar[str] = GO.image


class GoCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.go.Commands"
    LANGUAGE: ClassVar[Language] = GO
    DEFAULT_IMAGE: ClassVar[str] = GO.image


# PowerShell is its own interpreter, and stops at the first error its own way (`set -e`
# is not PowerShell).
class PowerShellScript(_LanguageScript):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.powershell.Script"
    LANGUAGE: ClassVar[Language] = POWERSHELL
    DEFAULT_IMAGE: ClassVar[str] = POWERSHELL.image
    EXIT_ON_ERROR: ClassVar[str] = _POWERSHELL_EXIT_ON_ERROR

    interpreter: Annotated[list[str], Field(min_length=1)] | Expr = _POWERSHELL_INTERPRETER


class PowerShellCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.powershell.Commands"
    LANGUAGE: ClassVar[Language] = POWERSHELL
    DEFAULT_IMAGE: ClassVar[str] = POWERSHELL.image
    EXIT_ON_ERROR: ClassVar[str] = _POWERSHELL_EXIT_ON_ERROR

    interpreter: Annotated[list[str], Field(min_length=1)] | Expr = _POWERSHELL_INTERPRETER


class DenoScript(_LanguageScript):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.deno.Script"
    LANGUAGE: ClassVar[Language] = DENO
    DEFAULT_IMAGE: ClassVar[str] = DENO.image


class DenoCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.deno.Commands"
    LANGUAGE: ClassVar[Language] = DENO
    DEFAULT_IMAGE: ClassVar[str] = DENO.image


class BunScript(_LanguageScript):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.bun.Script"
    LANGUAGE: ClassVar[Language] = BUN
    DEFAULT_IMAGE: ClassVar[str] = BUN.image


class BunCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.bun.Commands"
    LANGUAGE: ClassVar[Language] = BUN
    DEFAULT_IMAGE: ClassVar[str] = BUN.image


class LuaScript(_LanguageScript):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.lua.Script"
    LANGUAGE: ClassVar[Language] = LUA
    DEFAULT_IMAGE: ClassVar[str] = LUA.image


class LuaCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.lua.Commands"
    LANGUAGE: ClassVar[Language] = LUA
    DEFAULT_IMAGE: ClassVar[str] = LUA.image


class GroovyScript(_LanguageScript):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.groovy.Script"
    LANGUAGE: ClassVar[Language] = GROOVY
    DEFAULT_IMAGE: ClassVar[str] = GROOVY.image


class GroovyCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.groovy.Commands"
    LANGUAGE: ClassVar[Language] = GROOVY
    DEFAULT_IMAGE: ClassVar[str] = GROOVY.image


class JBangScript(_LanguageScript):
    """JBang runs Java, JShell, Kotlin, Groovy or Markdown scripts: `extension` says which."""

    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.jbang.Script"
    LANGUAGE: ClassVar[Language] = JBANG
    DEFAULT_IMAGE: ClassVar[str] = JBANG.image

    extension: Dyn[str] = JBANG.extension
    quiet: Dyn[bool] = True  # jbang --quiet: only errors from JBang itself


class JBangCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.jbang.Commands"
    LANGUAGE: ClassVar[Language] = JBANG
    DEFAULT_IMAGE: ClassVar[str] = JBANG.image


class DotnetScript(_LanguageScript):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.dotnet.Script"
    LANGUAGE: ClassVar[Language] = DOTNET_SCRIPT
    DEFAULT_IMAGE: ClassVar[str] = DOTNET.image
    SETUP_COMMANDS: ClassVar[tuple[str, ...]] = (
        "dotnet tool install -g dotnet-script --ignore-failed-sources || true",
        'export PATH="$PATH:$HOME/.dotnet/tools"')


class DotnetCommands(_LanguageCommands):
    TYPE: ClassVar[str] = "io.kestra.plugin.scripts.dotnet.Commands"
    LANGUAGE: ClassVar[Language] = DOTNET
    DEFAULT_IMAGE: ClassVar[str] = DOTNET.image


LANGUAGE_TASKS: tuple[type[_LanguageTask], ...] = (
    RScript, RCommands, JuliaScript, JuliaCommands, RubyScript, RubyCommands, PerlScript,
    PerlCommands, PhpScript, PhpCommands, GoScript, GoCommands, PowerShellScript,
    PowerShellCommands, DenoScript, DenoCommands, BunScript, BunCommands, LuaScript,
    LuaCommands, GroovyScript, GroovyCommands, JBangScript, JBangCommands, DotnetScript,
    DotnetCommands)
