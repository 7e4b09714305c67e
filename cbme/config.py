"""Program configuration: thresholds and cadences, with per-program overrides.

data/program_config.toml holds the defaults under [defaults] and a program's overrides under
[programs.<program_id>]; a program uses a default for anything it does not set.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

CONFIG_FILE = Path(__file__).resolve().parent.parent / "data" / "program_config.toml"


@dataclass(frozen=True)
class ProgramConfig:
    coaching_cadence_days: int = 60
    actionable_min_chars: int = 20
    review_due_months: int = 6
    coach_max_coachees: int = 5
    calibration_min_ratings: int = 20
    calibration_z: float = 1.5
    min_observations: int = 4
    min_assessors: int = 2
    min_assessor_roles: int = 2
    recent_weeks: int = 8
    min_recent_observations: int = 2
    min_contexts: int = 2
    min_narratives: int = 2
    min_actionable: int = 1
    recent_ratings: int = 5
    amber_gap: float = 0.5
    red_gap: float = 1.0
    trend_months: int = 6
    min_trend_ratings: int = 12
    trend_slope_min: float = 0.05
    spread_sd: float = 1.0
    several_epas_at_risk: int = 3
    expected_start_level: float = 2.0
    stage_months: dict[str, float] = field(default_factory=lambda: {"TTD": 2, "FOD": 12, "COD": 34, "TTP": 12})


def program_config(program_id: str, path: Path = CONFIG_FILE) -> ProgramConfig:
    settings = tomllib.loads(path.read_text()) if path.exists() else {}
    merged = {**settings.get("defaults", {}), **settings.get("programs", {}).get(program_id, {})}
    known = {f.name for f in fields(ProgramConfig)}
    unknown = set(merged) - known
    if unknown:
        raise ValueError(f"{path.name}: unknown setting(s) {', '.join(sorted(unknown))}")
    return ProgramConfig(**merged)
