"""The action server answers Rasa only, and a failed action's answer holds no tracker."""

from __future__ import annotations

from actions.server import create_app, error_body, is_authorised

TRACKER_CALL = {"next_action": "action_submit_mediation", "tracker": {"slots": {"applicant_name": "张三"}}}


def test_only_the_health_check_is_open_without_the_token() -> None:
    assert is_authorised("/health", None, "s3cret")
    assert not is_authorised("/webhook", None, "s3cret")
    assert not is_authorised("/webhook", "guess", "s3cret")
    assert not is_authorised("/actions", "", "s3cret")
    assert is_authorised("/webhook", "s3cret", "s3cret")


def test_a_failed_action_answers_with_its_name_only() -> None:
    assert error_body(TRACKER_CALL) == {"error": "action failed", "action_name": "action_submit_mediation"}
    assert error_body(None) == {"error": "action failed", "action_name": "unknown"}


def test_rasa_sdks_echoing_error_handler_is_replaced() -> None:
    app = create_app("s3cret")
    handler = app.error_handler.lookup(RuntimeError("boom"), None)
    assert handler.__qualname__.endswith("quiet_error")
