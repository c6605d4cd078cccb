"""The IVR runner on flows alone (no database): menus, actions, 0 from
anywhere, wrong keys, keys sent one at a time, and the flow files' checks."""

from __future__ import annotations

import pytest

from kindline.hotline import policy
from kindline.voice import audio, flow, ivr

DEMO = flow.load("demo")


def said(action: str) -> str:
    return f"<{action}>"


def test_a_fresh_call_hears_the_welcome_menu():
    heard = ivr.walk(DEMO, [], [], said)
    assert heard.prompts == [DEMO.node("main").prompt] and heard.outcome == "menu"
    assert "欢迎致电" in heard.prompts[0] and "人工服务请按0" in heard.prompts[0]


def test_a_self_service_action_then_back_to_the_main_menu():
    heard = ivr.walk(DEMO, [], ["1", "*"], said)
    assert heard.prompts == ["<balance>", DEMO.node("after").prompt, DEMO.node("main").prompt]
    assert heard.path == ["main:1!balance", "after:*"] and heard.actions == ["balance"]
    assert (heard.node, heard.outcome) == ("main", "menu")


def test_zero_reaches_a_human_from_anywhere():
    for keys in (["0"], ["5", "0"], ["2", "0"], ["5", "*", "0"]):
        heard = ivr.walk(DEMO, [], keys, said)
        assert (heard.outcome, heard.queue) == ("queue", "GENERAL"), keys
        assert heard.prompts[-1] == DEMO.human_prompt


def test_a_menu_key_goes_to_its_skill_queue():
    assert ivr.walk(DEMO, [], ["5", "2"], said).queue == "BROADBAND"
    assert ivr.walk(DEMO, [], ["6"], said).queue == "BUSINESS"


def test_wrong_keys_repeat_the_menu_and_three_in_a_row_reach_a_human():
    heard = ivr.walk(DEMO, [], ["8", ""], said)
    assert heard.prompts == [DEMO.invalid_prompt, DEMO.node("main").prompt] * 2
    assert heard.path == ["main:8", "main:-"] and heard.outcome == "menu"
    more = ivr.walk(DEMO, heard.path, ["#"], said)
    assert (more.outcome, more.queue, more.prompts) == ("queue", "GENERAL", [DEMO.human_prompt])
    reset = ivr.walk(DEMO, [], ["8", "8", "9", "8"], said)  # a good key in between starts the count again
    assert reset.outcome == "menu"


def test_keys_one_at_a_time_continue_where_the_caller_is_without_running_actions_again():
    ran: list[str] = []
    path: list[str] = []
    for key in ("5", "1", "*", "3"):
        step = ivr.walk(DEMO, path, [key], lambda action: ran.append(action) or action)
        path += step.path
    assert ran == ["report_fault", "bill"]
    assert path == ["main:5", "fault:1!report_fault", "after:*", "main:3!bill"]
    assert ivr.position(DEMO, path).node == "after"


def test_every_queue_of_the_demo_flow_is_routable():
    assert flow.queues_named(DEMO) <= set(policy.load().queues)
    assert policy.load().ivr_flow_for("10000") == DEMO.code


def test_a_flow_may_not_take_zero_away_from_people():
    bad = {"code": "x", "start": "m", "after_action": "m", "human_queue": "GENERAL",
           "nodes": {"m": {"prompt": "您好", "keys": {"0": {"action": "balance"}}}}}
    with pytest.raises(ValueError, match="key 0"):
        flow.parse(bad)
    bad["nodes"]["m"]["keys"] = {"1": {"goto": "nowhere"}}
    with pytest.raises(ValueError, match="no node"):
        flow.parse(bad)
    bad["nodes"]["m"]["keys"] = {"1": {"action": "fly"}}
    with pytest.raises(ValueError, match="unknown action"):
        flow.parse(bad)


def test_prompt_audio_is_optional(tmp_path, monkeypatch):
    """Without espeak-ng the feature is off: no audio, no error; the text path is what the IVR answers."""
    monkeypatch.setattr(audio.shutil, "which", lambda _name: None)
    audio.available.cache_clear()
    try:
        assert audio.available() is False
        assert audio.render("您好", tmp_path / "x.wav") is None
        assert audio.render_flow(DEMO, tmp_path) == {}
    finally:
        audio.available.cache_clear()


@pytest.mark.skipif(not audio.available(), reason="espeak-ng with the cmn-latn-pinyin voice is not installed")
def test_prompts_render_to_audio_when_espeak_ng_is_installed(tmp_path):
    files = audio.render_flow(DEMO, tmp_path)
    assert set(files) >= set(DEMO.nodes) and all(p.stat().st_size > 1000 for p in files.values())
