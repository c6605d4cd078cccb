"""Voice channel: IVR flows as data, their runner, prompt audio, and the SIP routing hook."""
