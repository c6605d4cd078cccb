"""Prompt audio with espeak-ng's Mandarin voice (cmn-latn-pinyin), when it is
installed. It is optional: without espeak-ng (or without that voice) the
feature is simply off, `available()` says so and `render` answers None; the
switch then plays its own recordings or a TTS of the prompt text, which is
always what the IVR answers.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from kindline.voice.flow import Flow

VOICE = "cmn-latn-pinyin"
TIMEOUT_SECONDS = 60


@lru_cache
def available() -> bool:
    binary = shutil.which("espeak-ng")
    if binary is None:
        return False
    try:
        listed = subprocess.run([binary, "--voices=cmn"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return VOICE in listed.stdout


def render(text: str, path: Path) -> Path | None:
    """A WAV file of `text` at `path`, or None when the feature is off."""
    if not available():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([shutil.which("espeak-ng") or "espeak-ng", "-v", VOICE, "-w", str(path), text],
                   check=True, capture_output=True, timeout=TIMEOUT_SECONDS)
    return path


def render_flow(the_flow: Flow, folder: Path) -> dict[str, Path]:
    """One WAV per node prompt (and the flow's fixed prompts); empty when off."""
    if not available():
        return {}
    texts = {code: node.prompt for code, node in the_flow.nodes.items()}
    texts.update({"_invalid": the_flow.invalid_prompt, "_human": the_flow.human_prompt})
    return {name: render(text, folder / the_flow.code / f"{name}.wav") for name, text in texts.items()}
