-- Records, with a decision, what became of one action of the resident's previous decision ($outcome:
-- done, not done or carried over).
-- Parameters: $decision_id, $previous_decision_id, $action, $outcome.
insert into decision_action_reviews values ($decision_id, $previous_decision_id, $action, $outcome)
