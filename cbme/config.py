"""Program configuration: thresholds and cadences, with per-program overrides.

data/program_config.toml holds the defaults under [defaults] and a program's overrides under
[programs.<program_id>]; a program uses a default for anything it does not set.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

CONFIG_FILE = Path(__file__).resolve().parent.parent / "data" / "program_config.toml"


@dataclass(frozen=True)
class ProgramConfig:
    coaching_cadence_days: int = 60
    actionable_min_chars: int = 20


def program_config(program_id: str, path: Path = CONFIG_FILE) -> ProgramConfig:
    settings = tomllib.loads(path.read_text()) if path.exists() else {}
    merged = {**settings.get("defaults", {}), **settings.get("programs", {}).get(program_id, {})}
    known = {f.name for f in fields(ProgramConfig)}
    unknown = set(merged) - known
    if unknown:
        raise ValueError(f"{path.name}: unknown setting(s) {', '.join(sorted(unknown))}")
    return ProgramConfig(**merged)
