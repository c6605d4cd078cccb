"""A rater's memory of line and pool terms, kept between batches.

Record-by-record rating commits every batch, so a batch of a thousand records
cannot afford to load a thousand lines' products, plans and family numbers
again: that alone cost more than rating and writing together. A TermsCache
lives as long as its rater (a file run, a stream consumer) and holds the terms
of every line it has seen. Each batch asks the database one question, the
current `terms_version` of its lines and of their pools' primaries
(customers/lines.terms_changed moves it on every change rating cares about),
and reloads only what moved. What is never cached is state: counters are read
under lock in every batch, and balances when a batch charges them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kindline.core.clock import Clock
from kindline.usage import context
from kindline.usage.context import GROUP, CounterState, LineTerms, PoolTerms, RatingContext, Upgrade
from kindline.usage.models import USAGE_KINDS


@dataclass
class _CachedLine:
    line_id: int
    version: int
    pool_version: int  # of the pool's primary when loaded: the plan (rounding, prices) is the primary's
    terms: LineTerms


@dataclass
class _CachedPool:
    version: int
    terms: PoolTerms


# A cached line costs about 1.5 KB with its pool and counter ids: a consumer
# that meets a province's lines keeps at most ~750 MB of terms.
DEFAULT_MAX_LINES = 500_000


class TermsCache:
    """Terms by number and by pool, valid while their versions hold. One per
    rater; not shared between threads. It keeps at most `max_lines` lines:
    past that, the lines least recently rated go (with the pools and counter
    ids no kept line needs) and are loaded again if they come back."""

    def __init__(self, max_lines: int = DEFAULT_MAX_LINES) -> None:
        if max_lines < 1:
            raise ValueError("a terms cache must hold at least one line")
        self.max_lines = max_lines
        self._lines: dict[str, _CachedLine] = {}  # least recently rated first
        self._pools: dict[int, _CachedPool] = {}
        self._counters: dict[tuple[int, str, str], int] = {}  # counter ids by key, of counters that exist
        # What the current transaction taught the cache: forgotten if it rolls back,
        # since the accounts and counters made in it (whose ids it holds) are gone.
        self._learned: tuple[set[str], set[int], set[tuple[int, str, str]]] = (set(), set(), set())

    def __len__(self) -> int:
        """How many lines are cached."""
        return len(self._lines)

    def __contains__(self, number: str) -> bool:
        return number in self._lines

    def warm(self, session: Session, clock: Clock, numbers: Iterable[str], needed_cycles: set[str]) -> None:
        """Load the terms of many numbers at once (a file's, before its first
        batch): one bulk load costs far less per line than a batch's."""
        self._learned = (set(), set(), set())
        terms = context.load_terms(session, clock, set(numbers), needed_cycles)
        self._store(terms, needed_cycles)
        if terms is not None:  # and every counter the input can move, so batches only lock them
            context.create_counters(session, clock.now(), context.counter_keys(terms.pool_ids, needed_cycles))
            self._learn_counters(context.counter_ids(session, terms.pool_ids, needed_cycles))
        self._evict()

    def context(self, session: Session, clock: Clock, uses: set[tuple[str, str, str]]) -> RatingContext:
        """The batch's context for its records' (msisdn, cycle, kind): cached
        terms checked against the database, stale or missing ones reloaded,
        and the counters the records move locked."""
        ctx = RatingContext(clock=clock, now=clock.now())
        self._learned = (set(), set(), set())
        numbers = {number for number, _cycle, _kind in uses}
        needed_cycles = {cycle for _number, cycle, _kind in uses}
        current = dict((number, (line_id, version, pool_id))
                       for number, line_id, version, pool_id in context.live_lines(session, numbers))
        stale = {number for number, (line_id, version, _pool) in current.items()
                 if not self._fresh_line(number, line_id, version, needed_cycles)}
        pool_versions = self._pool_versions(session, current)
        stale |= {number for number, (line_id, _v, pool_id) in current.items()
                  if number not in stale and self._lines[number].pool_version != pool_versions.get(pool_id or line_id)}
        for number in numbers - current.keys():  # cancelled or never known: forget
            self._lines.pop(number, None)
        if stale:
            self._store(context.load_terms(session, clock, stale, needed_cycles), needed_cycles)
        for number in current:
            cached = self._lines.pop(number, None)
            if cached is not None:
                self._lines[number] = cached  # now the most recently rated
                ctx.lines[number] = cached.terms
                ctx.pools[cached.terms.pool_line_id] = self._pools[cached.terms.pool_line_id].terms
        self._lock(session, ctx, {(ctx.lines[number].pool_line_id, cycle, kind)
                                  for number, cycle, kind in uses if number in ctx.lines})
        self._evict()
        return ctx

    def rolled_back(self) -> None:
        """The last batch's transaction rolled back: forget what it taught the cache."""
        numbers, pool_ids, counter_keys = self._learned
        for number in numbers:
            self._lines.pop(number, None)
        for pool_id in pool_ids:
            self._pools.pop(pool_id, None)
        for key in counter_keys:
            self._counters.pop(key, None)
        self._learned = (set(), set(), set())

    def _learn_counters(self, ids: dict[tuple[int, str, str], int]) -> None:
        self._learned[2].update(key for key in ids if key not in self._counters)
        self._counters.update(ids)

    def _evict(self) -> None:
        """Past the bound, drop the least recently rated lines down to nine
        tenths of it (so the pools are swept once per tenth, not per batch),
        then the pools and counter ids that no kept line rates against."""
        if len(self._lines) <= self.max_lines:
            return
        for number in list(self._lines)[:len(self._lines) - (self.max_lines - self.max_lines // 10)]:
            del self._lines[number]
        kept = {cached.terms.pool_line_id for cached in self._lines.values()}
        self._pools = {pool_id: pool for pool_id, pool in self._pools.items() if pool_id in kept}
        self._counters = {key: counter_id for key, counter_id in self._counters.items() if key[0] in kept}

    def _fresh_line(self, number: str, line_id: int, version: int, needed_cycles: set[str]) -> bool:
        cached = self._lines.get(number)
        if cached is None or cached.line_id != line_id or cached.version != version:
            return False
        pool = self._pools.get(cached.terms.pool_line_id)
        return pool is not None and needed_cycles <= pool.terms.allowance.keys()

    def _pool_versions(self, session: Session, current: dict[str, tuple[int, int, int | None]]) -> dict[int, int]:
        """The terms_version of each pool's primary: known from the batch's own
        rows for primaries in it, one look-up for the others."""
        versions = {line_id: version for line_id, version, pool_id in current.values() if pool_id is None}
        others = {pool_id for _line, _version, pool_id in current.values() if pool_id and pool_id not in versions}
        if others:
            versions.update(context.terms_versions(session, others))
        return versions

    def _store(self, terms: context.Terms | None, needed_cycles: set[str]) -> None:
        if terms is None:
            return
        learned_lines, learned_pools, _counters = self._learned
        pool_versions = {}
        for pool_id, version, pool_terms in _pool_terms(terms, needed_cycles):
            pool_versions[pool_id] = version
            cached = self._pools.get(pool_id)
            if cached is not None and cached.version == version:  # same terms, more cycles
                cached.terms.allowance.update(pool_terms.allowance)
            else:
                self._pools[pool_id] = _CachedPool(version, pool_terms)
                learned_pools.add(pool_id)
        for number, line_id, version, line_terms in _line_terms(terms):
            self._lines[number] = _CachedLine(line_id, version, pool_versions[line_terms.pool_line_id], line_terms)
            learned_lines.add(number)

    def _lock(self, session: Session, ctx: RatingContext, keys: set[tuple[int, str, str]]) -> None:
        if not keys:
            return
        missing = {key for key in keys if key not in self._counters}  # (not `keys - dict.keys()`: that walks the dict)
        if missing:  # counters this rater has not met yet: create those that do not exist, learn their ids
            pool_ids = sorted({pool_id for pool_id, _cycle, _kind in missing})
            cycles = {cycle for _pool, cycle, _kind in missing}
            context.create_counters(session, ctx.now, context.counter_keys(pool_ids, cycles))
            self._learn_counters(context.counter_ids(session, pool_ids, cycles))
        for pool_id, cycle, kind, used, over, upgrades in context.locked_counters_by_id(
                session, [self._counters[key] for key in keys]):
            ctx.counters[(pool_id, cycle, kind)] = CounterState(used=used, over=over, upgrades=upgrades)


def _line_terms(terms: context.Terms):
    """(number, line id, version, LineTerms) per line; lines of one plan share
    its rounding and overage dicts."""
    family: dict[int, set[str]] = {}
    for line_id, peer in terms.family.iter_rows():
        family.setdefault(line_id, set()).add(peer)
    plans: dict[str, tuple[dict, dict]] = {}
    for plan, kind, unit, price, per in terms.plans.iter_rows():
        rounding, overage = plans.setdefault(plan, ({}, {}))
        rounding[kind], overage[kind] = unit, (price, per)
    nobody: frozenset[str] = frozenset()
    for number, line_id, customer_id, pool_line_id, account_id, plan, version in terms.lines.select(
            *context.LINES_SCHEMA, "terms_version").iter_rows():
        yield number, line_id, version, LineTerms(
            line_id=line_id, customer_id=customer_id, pool_line_id=pool_line_id, account_id=account_id,
            rounding=plans[plan][0], overage=plans[plan][1],
            family=frozenset(family[line_id]) if line_id in family else nobody)


def _pool_terms(terms: context.Terms, needed_cycles: set[str]):
    """(pool id, version, PoolTerms) per pool: allowances in every cycle
    loaded (zero where nothing is held), and the auto-upgrade pack."""
    allowance: dict[int, dict[str, dict[str, int]]] = {}
    for pool_id, cycle, kind, units in terms.allowances.select(*GROUP, "allowance").iter_rows():
        allowance.setdefault(pool_id, {}).setdefault(cycle, {})[kind] = units
    packs = {pool_id: Upgrade(size=size, price_fen=pack_fen, limit=limit)
             for pool_id, size, pack_fen, limit in terms.packs.select("pool_line_id", "size", "pack_fen", "limit")
             .iter_rows()}
    for pool_id, version in terms.pools.iter_rows():
        held = allowance.get(pool_id, {})
        yield pool_id, version, PoolTerms(
            pool_id, {cycle: {**dict.fromkeys(USAGE_KINDS, 0), **held.get(cycle, {})} for cycle in needed_cycles},
            packs.get(pool_id))
