-- Records a version of the committee's decision on a resident at a meeting (decisions are never
-- changed: an amendment is the next version).
-- Parameters: $decision_id, $resident_id, $meeting_date, $version, $status, $actions, $rationale,
-- $follow_up_date, $members_present, $members_recused, $computed_status, $saved_with_version,
-- $amendment_reason, $recorded_by, $recorded_at.
insert into committee_decisions (
    decision_id, resident_id, meeting_date, version, status, actions, rationale, follow_up_date,
    members_present, members_recused, computed_status, saved_with_version, amendment_reason, recorded_by,
    recorded_at
)
values (
    $decision_id, $resident_id, $meeting_date, $version, $status, $actions, $rationale, $follow_up_date,
    $members_present, $members_recused, $computed_status, $saved_with_version, $amendment_reason, $recorded_by,
    $recorded_at
)
