"""Terminal colours for the human-readable formats: a no-op unless colour was asked for."""

from __future__ import annotations

from dataclasses import dataclass

import click


@dataclass(frozen=True)
class Style:
    enabled: bool = False

    def _paint(self, text: str, **styles: object) -> str:
        return click.style(text, **styles) if self.enabled and text else text  # type: ignore[arg-type]

    def path(self, text: str) -> str:
        return self._paint(text, bold=True)

    def code(self, text: str) -> str:
        return self._paint(text, fg="red", bold=True)

    def fixable(self, text: str) -> str:
        return self._paint(text, fg="cyan")

    def gutter(self, text: str) -> str:
        return self._paint(text, fg="blue", bold=True)

    def marker(self, text: str) -> str:
        return self._paint(text, fg="red", bold=True)

    def help(self, text: str) -> str:
        return self._paint(text, fg="cyan", bold=True)

    def dim(self, text: str) -> str:
        return self._paint(text, dim=True)
