"""The demo operator (示范运营商): its catalog file and a deterministic generator
of staff, subscribers, lines and an order history, so that `kindline run` on a
fresh machine shows a province's customer service with realistic data.

Modules: `places` (real districts, roads and ID area codes), `people` (who
the subscribers are), `numbers` (their numbers and accounts), `holdings`
(what each one subscribes to), `staff`, `world` (the simulation's shared
state and clock), `history` (orders on every channel), `coverage` (every
catalog product held), `generator` (the simulation that ties them together),
`showcase` (the subscribers to try) and `loader` (the entry points the CLI
calls).
"""
