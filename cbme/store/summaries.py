"""The agenda as of today and of each scheduled meeting, kept in agenda_summaries by the write that
changes it, so that the meeting, resident and coaching pages read statuses by key instead of computing
them.

A write that changes one program's data names it (db.writing(program_id=...)) and that program's
agendas are kept anew at the end of its transaction; a write that names none forgets every kept agenda.
So a kept agenda is never stale: at worst it is missing, and then it is computed for the viewer
(agenda()). On a shared database each process keeps the agendas in its copy (cbme.store.postgres): a
renewal forgets those of the programs written meanwhile, and the first whole agenda asked for keeps
them anew, so that a resident's page after a write reads that resident's rows alone.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from cbme.config import ProgramConfig, program_config
from cbme.rules import meeting
from cbme.rules.status import ResidentStatus
from cbme.store import db


def keep_agendas(cursor: duckdb.DuckDBPyConnection, program_id: str, today: dt.date | None = None) -> None:
    """Rebuild the program's kept agendas (as of today, and of its meetings from today on) as the
    committee sees them, inside the writing transaction, after its changes."""
    config = program_config(program_id)
    forget_agendas(cursor, program_id)
    scope = db.query_on(cursor, "summary_scope", program_id=program_id)["person_id"]
    dates = [] if scope.empty else \
        db.query_on(cursor, "summary_dates", program_id=program_id, today=today or dt.date.today())["meeting_date"]
    for meeting_date in (d.date() for d in dates):
        agenda, statuses = meeting.load_agenda(lambda name, **params: db.query_on(cursor, name, **params),
                                               scope.iloc[0], program_id, meeting_date, config)
        cursor.register("kept_agenda", agenda.assign(
            program_id=program_id, meeting_date=meeting_date, position=range(len(agenda)),
            status_detail=[statuses[r].to_json() for r in agenda["resident_id"]]))
        db.execute(cursor, "keep_agenda_rows")
        cursor.unregister("kept_agenda")
        db.execute(cursor, "keep_agenda_meeting", program_id=program_id, meeting_date=meeting_date,
                   settings=repr(config))


def forget_agendas(cursor: duckdb.DuckDBPyConnection, program_id: str = "") -> None:
    """Forget the program's kept agendas (every program's when none is named), inside a write whose
    changes may reach them."""
    db.execute(cursor, "forget_kept_agendas", program_id=program_id)
    db.execute(cursor, "forget_kept_agenda_meetings", program_id=program_id)


def agenda(con: duckdb.DuckDBPyConnection, viewer: str, program_id: str, as_of: dt.date,
           config: ProgramConfig, resident_id: str = "") -> tuple[pd.DataFrame, dict[str, ResidentStatus]]:
    """The agenda on as_of (cbme.rules.meeting.build_agenda) for the residents the viewer may see, or
    for one resident alone: the kept one when that date's agenda is kept under these settings, else
    computed now (for that resident's rows alone when one is named)."""
    from cbme.store import postgres  # (which builds on this module)

    kept = db.query(con, "agenda_summary_settings", program_id=program_id, as_of=as_of)
    if list(kept["settings"]) != [repr(config)] and not resident_id and postgres.keep_in_copy(con, program_id):
        kept = db.query(con, "agenda_summary_settings", program_id=program_id, as_of=as_of)
    if list(kept["settings"]) == [repr(config)]:
        rows = db.query(con, "agenda_summary", viewer=viewer, program_id=program_id, as_of=as_of,
                        resident_id=resident_id)
        statuses = {r: ResidentStatus.from_json(s) for r, s in zip(rows["resident_id"], rows["status_detail"])}
        return rows.drop(columns="status_detail"), statuses
    return meeting.load_agenda(lambda name, **params: db.query(con, name, **params), viewer, program_id, as_of,
                               config, resident_id)


def keep_every_program(con: duckdb.DuckDBPyConnection) -> None:
    """Keep every program's agendas anew, after a load that reached them all (the demo's)."""
    for program_id in db.query(con, "program_ids")["program_id"]:
        with db.writing(con, program_id=program_id):
            pass  # a write of nothing, which keeps the program's agendas
