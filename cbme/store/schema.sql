-- The dashboard's data model. docs/data-dictionary.md explains every table and column in the
-- users' words; keep the two in step. Codes (stage, form_type, status...) are checked here so that
-- nothing outside the allowed values can be stored. References between tables are checked by the
-- loader rather than by foreign keys, which DuckDB enforces by refusing later updates of the rows
-- they point at.

create table if not exists dashboard_meta (
    key    varchar primary key,
    value  varchar not null
);

create table if not exists programs (
    program_id            varchar primary key,
    import_id varchar,  -- the import the row came from (see imports)
    name                  varchar not null,
    discipline            varchar
);

-- Anyone who assesses, coaches or sits on a committee; one person may do all three.
create table if not exists people (
    person_id     varchar primary key,
    import_id varchar,  -- the import the row came from (see imports)
    name          varchar not null,
    email         varchar,
    default_role  varchar not null default 'faculty'
        check (default_role in ('faculty', 'resident', 'fellow', 'nurse', 'allied health', 'other'))
);

-- How a signed-in identity (an email address or an OpenID Connect subject, lower case) maps to a person.
create table if not exists sign_in_identities (
    identity   varchar primary key,
    person_id  varchar not null
);

-- What a person may do in a program; access scope is derived from it (see visible_residents).
create table if not exists roles (
    person_id   varchar not null,
    program_id  varchar not null,
    role        varchar not null
        check (role in ('admin', 'program_lead', 'committee_chair', 'committee_member', 'coach')),
    primary key (person_id, program_id, role)
);

create table if not exists residents (
    resident_id          varchar primary key,
    import_id varchar,  -- the import the row came from (see imports)
    program_id           varchar not null,
    name                 varchar not null,
    email                varchar,
    training_start_date  date not null,
    status               varchar not null default 'active'
        check (status in ('active', 'on leave', 'graduated', 'withdrawn'))
);

-- Stage history: the stage a resident is in on a date is the latest row starting on or before it.
create table if not exists resident_stages (
    resident_id  varchar not null,
    stage        varchar not null check (stage in ('TTD', 'FOD', 'COD', 'TTP')),
    start_date   date not null,
    import_id varchar,  -- the import the row came from (see imports)
    primary key (resident_id, stage)
);

-- Coach pairings over time; the current coach is the pairing without an end date.
create table if not exists coach_assignments (
    resident_id  varchar not null,
    coach_id     varchar not null,
    import_id varchar,  -- the import the row came from (see imports)
    start_date   date not null,
    end_date     date,
    primary key (resident_id, coach_id, start_date)
);

-- The EPA catalogue with each EPA's assessment plan.
create table if not exists epas (
    program_id               varchar not null,
    epa_code                 varchar not null,
    import_id varchar,  -- the import the row came from (see imports)
    stage                    varchar not null check (stage in ('TTD', 'FOD', 'COD', 'TTP')),
    title                    varchar not null,
    required_observations    integer not null check (required_observations > 0),
    target_entrustment       integer not null default 4 check (target_entrustment between 1 and 5),
    contextual_requirements  varchar,
    primary key (program_id, epa_code)
);

-- One row per feedback item of any form type.
create table if not exists assessments (
    assessment_id        varchar primary key,
    import_id varchar,  -- the import the row came from (see imports)
    resident_id          varchar not null,
    assessor_id          varchar not null,
    assessor_role        varchar not null
        check (assessor_role in ('faculty', 'resident', 'fellow', 'nurse', 'allied health', 'other')),
    form_type            varchar not null
        check (form_type in ('epa_observation', 'mini_cex', 'iter', 'field_note', 'multisource')),
    assessment_date      date not null,
    epa_code             varchar,
    entrustment          integer check (entrustment between 1 and 5),
    directly_observed    boolean not null,
    stakes               varchar not null check (stakes in ('low', 'high')),
    setting              varchar,
    context              varchar,
    strengths            varchar,
    improvement          varchar,
    -- Feedback the platform does not split into strengths and improvement (an export's one "Feedback").
    comment              varchar,
    flag                 varchar check (flag in ('professionalism', 'patient safety')),
    flag_comment         varchar,
    expired              boolean not null default false,
    -- The platform's own verdict on an observation it rates with a word rather than a level (the
    -- ePortfolio's "Achieved", "In progress"): never turned into an entrustment level; achieved()
    -- counts it.
    achievement          varchar check (achievement in ('achieved', 'in progress')),
    check (not expired or entrustment is null),
    check (achievement is null or entrustment is null),
    check (form_type <> 'epa_observation' or epa_code is not null)
);

create table if not exists coaching_sessions (
    session_id            varchar primary key,
    import_id varchar,  -- the import the row came from (see imports)
    resident_id           varchar not null,
    coach_id              varchar not null,
    scheduled_date        date not null,
    status                varchar not null
        check (status in ('held', 'cancelled by resident', 'cancelled by coach', 'no-show', 'upcoming')),
    duration_minutes      integer check (duration_minutes > 0),
    assessments_reviewed  boolean,
    plan_strengths        varchar,
    plan_improvement      varchar,
    plan_exposure         varchar,
    next_planned_date     date
);

-- Append-only: an amendment is a new version of the resident's decision at that meeting, with a
-- reason; the decision in force is the highest version.
create table if not exists committee_decisions (
    decision_id       varchar primary key,
    import_id varchar,  -- the import the row came from (see imports)
    resident_id       varchar not null,
    meeting_date      date not null,
    version           integer not null default 1 check (version >= 1),
    status            varchar not null check (status in (
        'Progressing as expected', 'Not progressing as expected', 'Progress is accelerated',
        'Failure to progress', 'Inactive')),
    actions           varchar[] not null default [],
    rationale         varchar,
    follow_up_date    date,
    members_present   varchar[] not null default [],
    -- Committee members who coach the resident on the meeting date: they took no part in the decision.
    members_recused   varchar[] not null default [],
    -- The committee status the dashboard showed when the decision was recorded (green, amber, red or
    -- not enough evidence), so that a decision that departs from it can be read with its rationale.
    computed_status   varchar,
    -- The version another member saved while this one was entered: both are kept, and the meeting is
    -- told to review them.
    saved_with_version  integer,
    amendment_reason  varchar,
    recorded_by       varchar not null,
    recorded_at       timestamp not null,
    unique (resident_id, meeting_date, version),
    check (version = 1 or amendment_reason is not null)
);

-- What became of each action of the resident's previous decision, recorded with the next decision.
create table if not exists decision_action_reviews (
    decision_id           varchar not null,  -- the decision that records the follow-up
    previous_decision_id  varchar not null,
    action                varchar not null,
    outcome               varchar not null check (outcome in ('done', 'not done', 'carried over')),
    primary key (decision_id, action)
);

-- The committee's scheduled meetings.
create table if not exists committee_meetings (
    program_id    varchar not null,
    meeting_date  date not null,
    scheduled_by  varchar,
    scheduled_at  timestamp,
    primary key (program_id, meeting_date)
);

-- Who attends a meeting (the members present, less those recused from a resident, take each decision).
create table if not exists meeting_attendance (
    program_id    varchar not null,
    meeting_date  date not null,
    person_id     varchar not null,
    recorded_by   varchar not null,
    recorded_at   timestamp not null,
    primary key (program_id, meeting_date, person_id)
);

-- The primary and secondary reviewer who prepare a resident for a meeting and present them.
create table if not exists meeting_reviewers (
    program_id     varchar not null,
    meeting_date   date not null,
    resident_id    varchar not null,
    reviewer_role  varchar not null check (reviewer_role in ('primary', 'secondary')),
    person_id      varchar not null,
    assigned_by    varchar not null,
    assigned_at    timestamp not null,
    primary key (program_id, meeting_date, resident_id, reviewer_role)
);

-- A reviewer's pre-meeting notes on a resident; append-only, the latest of a reviewer's notes counts.
create table if not exists reviewer_notes (
    program_id    varchar not null,
    meeting_date  date not null,
    resident_id   varchar not null,
    reviewer_id   varchar not null,
    note          varchar not null,
    written_at    timestamp not null
);

-- The resident the chair is presenting at a meeting, for members following on their own screens.
-- Written as the chair steps, without a new data version (it changes no figure).
create table if not exists meeting_presenting (
    program_id    varchar not null,
    meeting_date  date not null,
    resident_id   varchar not null,
    presented_by  varchar not null,
    presented_at  timestamp not null,
    primary key (program_id, meeting_date)
);

-- Residents a committee member added by hand to a meeting's agenda.
create table if not exists meeting_additions (
    program_id    varchar not null,
    meeting_date  date not null,
    resident_id   varchar not null,
    added_by      varchar not null,
    added_at      timestamp not null,
    primary key (program_id, meeting_date, resident_id)
);

-- Append-only: who did or saw what, when. The application only ever inserts here.
create sequence if not exists audit_event_ids;
create table if not exists audit_log (
    event_id     bigint primary key default nextval('audit_event_ids'),
    occurred_at  timestamp not null,
    actor_id     varchar,
    identity     varchar,
    action       varchar not null,
    program_id   varchar,
    resident_id  varchar,
    detail       varchar,
    -- Where the action came from: the browser's network address, "this computer" for a browser on
    -- the server itself, or the operating-system user and host of a command line.
    origin       varchar
);

-- Grants that open resident records (and sign-in identities added to people who hold such roles) wait
-- for a second person's confirmation: another administrator of the program, or its program lead.
create table if not exists access_requests (
    request_id    varchar primary key,
    program_id    varchar not null,
    person_id     varchar not null,
    kind          varchar not null check (kind in ('role', 'identity')),
    value         varchar not null,  -- the role, or the sign-in identity
    requested_by  varchar not null,
    requested_at  timestamp not null,
    status        varchar not null check (status in ('waiting', 'confirmed', 'declined')),
    decided_by    varchar,
    decided_at    timestamp
);

-- Every import: the file, who brought it, and how its rows were reconciled. Rejected rows are kept in
-- import_rejections; rows an import corrected keep their earlier content in import_corrections, so an
-- import can be rolled back as a whole.
create table if not exists imports (
    import_id           varchar primary key,
    program_id          varchar,
    file_name           varchar not null,
    checksum            varchar not null,
    format              varchar not null,
    imported_at         timestamp not null,
    imported_by         varchar,
    rows_read           integer not null,
    rows_loaded         integer not null,
    rows_updated        integer not null,
    rows_rejected       integer not null,
    duplicates_skipped  integer not null,
    created             varchar,
    status              varchar not null check (status in ('committed', 'rolled back'))
);

create table if not exists import_rejections (
    import_id    varchar not null,
    file_name    varchar not null,
    sheet        varchar,
    row_number   integer,
    column_name  varchar,
    value        varchar,
    reason       varchar not null,
    raw          varchar
);

create table if not exists import_corrections (
    import_id   varchar not null,
    table_name  varchar not null,
    row_key     varchar not null,
    previous    varchar not null
);

-- Each scheduled meeting's agenda as the committee sees it, kept by the writes that change it
-- (cbme/store/summaries.py): the rows of meeting_agenda.sql, what the status rules and the agenda
-- (cbme/rules/meeting.py) make of them, in the agenda's order, and the status with its reasons as JSON.
create table if not exists agenda_summaries (
    program_id               varchar not null,
    meeting_date             date not null,
    position                 integer not null,
    resident_id              varchar not null,
    name                     varchar,
    stage                    varchar,
    stage_start_date         date,
    months_in_stage          double,
    pgy                      bigint,
    coach_id                 varchar,
    coach_name               varchar,
    coach_on_committee       boolean,
    previous_decision_id     varchar,
    previous_decision_date   date,
    previous_decision_status varchar,
    previous_actions         varchar[],
    previous_follow_up_date  date,
    review_since             date,
    decision_this_meeting    varchar,
    decision_version         integer,
    primary_reviewer_id      varchar,
    primary_reviewer         varchar,
    secondary_reviewer_id    varchar,
    secondary_reviewer       varchar,
    added_by_hand            boolean,
    new_observations         bigint,
    epas_newly_achieved      bigint,
    epas_newly_achieved_list varchar[],
    new_flags                bigint,
    new_narratives           bigint,
    coaching_held            bigint,
    coaching_missed          bigint,
    light                    varchar,
    status                   varchar,
    reasons                  varchar,
    headline                 varchar,
    reason_count             bigint,
    due                      varchar,
    since_last_review        varchar,
    concern                  bigint,
    coaching                 varchar,
    coaching_overdue_days    bigint,
    status_detail            varchar not null
);

-- Which agendas agenda_summaries holds: a meeting listed here has its whole agenda there, made under
-- these program settings. A write that does not keep its program's agendas anew forgets every line
-- (cbme/store/db.py writing()), so what is listed is current.
create table if not exists agenda_summary_meetings (
    program_id   varchar not null,
    meeting_date date not null,
    settings     varchar not null
);

create index if not exists assessments_by_resident on assessments (resident_id, assessment_date);

-- Default deny: a viewer sees a resident only through a role that grants it. Program leads and
-- committee members see their program's residents; a coach sees current and past coachees.
create or replace macro visible_residents(viewer) as table
    select r.resident_id
    from residents as r
    join roles as g
        on g.program_id = r.program_id
        and g.role in ('program_lead', 'committee_chair', 'committee_member')
    where g.person_id = viewer
    union
    select a.resident_id
    from coach_assignments as a
    join residents as r on r.resident_id = a.resident_id
    join roles as g
        on g.program_id = r.program_id and g.role = 'coach' and g.person_id = a.coach_id
    where a.coach_id = viewer;

-- Whether a person holds any of the wanted roles in a program: the check behind every page and write
-- reserved to administrators, program leads or the committee.
create or replace macro holds_role(person, program, wanted) as (
    exists (
        select 1 from roles as h
        where h.person_id = person and h.program_id = program and list_contains(wanted, h.role)
    )
);

-- The coach pairings in force on a date: begun on or before it, not yet ended.
create or replace macro coach_pairs_on(day) as table
    select a.resident_id, a.coach_id, a.start_date
    from coach_assignments as a
    where a.start_date <= day and (a.end_date is null or a.end_date > day);

-- The stage a resident is in on a date.
create or replace macro stage_on(resident, as_of) as (
    select s.stage from resident_stages as s
    where s.resident_id = resident and s.start_date <= as_of
    order by s.start_date desc limit 1
);

-- Whether an observation counts as achieved for its EPA: the platform's own verdict where it gave one
-- (achievement), else a rating at or above the EPA's target. Every query that counts achievements
-- uses it.
create or replace macro achieved(entrustment, achievement, target) as (
    coalesce(achievement = 'achieved', entrustment >= target)
);

-- The order EPA codes are listed in, everywhere: their text with each run of digits compared as a
-- An item's narrative: its comments joined (strengths, improvement, and a comment the platform did not
-- split), or null when it has none. Every query that counts or searches narrative reads it here.
create or replace macro narrative(strengths, improvement, comment) as (
    nullif(trim(concat_ws(' ', strengths, improvement, comment)), '')
);

-- number, so EPA 1.2 comes before EPA 1.10 and C 2 before C 10. Queries order by epa_order(code).
create or replace macro epa_order(code) as (
    list_transform(regexp_extract_all(code, '\d+|\D+'),
                   lambda part: if(regexp_matches(part, '^\d+$'), lpad(part, 12, '0'), lower(part)))
);
