-- Records a coaching session that took place or was missed ($status), with its learning plan.
-- Parameters: $session_id, $resident_id, $coach_id, $day, $status, $duration_minutes,
-- $assessments_reviewed, $plan_strengths, $plan_improvement, $plan_exposure, $next_planned_date.
insert into coaching_sessions (
    session_id, resident_id, coach_id, scheduled_date, status, duration_minutes, assessments_reviewed,
    plan_strengths, plan_improvement, plan_exposure, next_planned_date
)
values (
    $session_id, $resident_id, $coach_id, $day, $status, $duration_minutes, $assessments_reviewed,
    $plan_strengths, $plan_improvement, $plan_exposure, $next_planned_date
)
