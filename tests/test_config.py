"""Program configuration: defaults, per-program overrides, and refusing unknown settings."""

import pytest

from cbme.config import CONFIG_FILE, ProgramConfig, program_config


def test_shipped_file_holds_the_documented_defaults():
    # The shipped file spells out every default, so a reviewer sees the values in force.
    assert program_config("EM", CONFIG_FILE) == ProgramConfig()
    assert ProgramConfig().min_observations == 4 and ProgramConfig().stage_months["COD"] == 34


def test_program_override(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[defaults]\ncoaching_cadence_days = 60\n[programs.P1]\ncoaching_cadence_days = 45\n")
    assert program_config("P1", path).coaching_cadence_days == 45
    assert program_config("P2", path).coaching_cadence_days == 60


def test_unknown_setting_is_named(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[defaults]\ncoaching_cadense_days = 60\n")
    with pytest.raises(ValueError, match="coaching_cadense_days"):
        program_config("P1", path)
