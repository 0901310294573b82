"""Send drafted requests to a target and check the answers."""

from __future__ import annotations

import itertools
from types import TracebackType
from typing import Any

import httpx

from spec import Operation, Tier

from ._acceptance import facts_of
from ._checks import DEFAULT_CHECKS, CheckContext, run_checks
from ._coverage import current
from ._exchange import Exchange
from ._live import BudgetExhausted
from ._requests import Draft
from ._skips import skip
from ._strategies import RequestStrategies
from ._target import Target
from ._urls import QueryTexts, joined

_SIZED = ("POST", "PUT", "PATCH")
"""Methods httpx sends an empty body's ``Content-Length: 0`` with."""

OTHER_CALLERS = 8
"""Other callers' clients (and labels) a session keeps for its checks' reads, at most."""


class Session:
    """Two keep-alive clients on one target (with the token, and anonymous)."""

    def __init__(self, target: Target, *, tally: bool = True) -> None:
        """``tally=False``: a session on a target of the test's own (not the run's), whose
        answers are checked but not counted in the run's statuses, requests and success gate
        (a check that fails there is still a failure of the run, and in its drift report)."""
        self.target = target
        self.spec = target.spec
        self.ctx = CheckContext(target.spec, facts_of(target), self.read, tally=tally)
        self.strategies = RequestStrategies(target.spec, target)
        self._clients: dict[str, httpx.Client] = {}
        self._transport: httpx.BaseTransport | None = None
        self._query = QueryTexts()
        self._as: str | None = None
        """While an exchange sent with a token of its own is checked: that token, which the
        checks' reads are sent with (see :meth:`check`)."""
        self._others: dict[str, httpx.Client] = {}
        self._labels: dict[str, str] = {}
        self._numbers = itertools.count(2)  # the session's own caller is the first

    def client(self, tier: Tier) -> httpx.Client:
        if self._as is not None and tier == "token":  # a check's read, as the other caller
            if self._as not in self._others:
                if len(self._others) >= OTHER_CALLERS:  # bad tokens are drawn by the hundred
                    for client in self._others.values():
                        client.close()
                    self._others.clear()
                self._others[self._as] = self.target.client(token=self._as)
            return self._others[self._as]
        if tier not in self._clients:
            self._clients[tier] = self.target.client(anonymous=tier == "public")
        return self._clients[tier]

    def request(self, tier: Tier, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """``client(tier).request(method, path, **kwargs)``; for an in-process target, the
        same request (the client's URL and headers) handed straight to the target's transport:
        the client's machinery (redirects, cookies, auth flow, timeouts) has nothing to do
        there and costs as much as the mock's answer."""
        client = self.client(tier)
        if not self.target.in_process:
            return client.request(method, path, **kwargs)
        if self._transport is None:
            self._transport = self.target.transport()
        extra = kwargs.pop("headers", None)
        headers = client.headers  # httpx.Request copies them
        if extra:
            headers = headers.copy()
            headers.update(extra)
        params = kwargs.pop("params", None)
        query = self._query(params) if params else ""
        url = joined(client.base_url, path, query)  # the text is ours: not parsed back
        if not kwargs and method.upper() not in _SIZED and url.host and "host" not in headers:
            # No body: httpx would add only ``Host`` before the client's headers. Given its
            # stream, it adds nothing and skips encoding an empty body: a third of the cost.
            raw = [(b"Host", url.netloc), *headers.raw]
            request = httpx.Request(method, url, headers=raw, stream=httpx.ByteStream(b""))
            request.read()
        else:
            request = httpx.Request(method, url, headers=headers, **kwargs)
        response = self._transport.handle_request(request)
        response.request = request
        response.read()
        return response

    def send(self, draft: Draft, tier: Tier, *, token: str | None = None) -> Exchange:
        """Send ``draft`` as a caller of ``tier`` (or with an explicit, possibly bad, token)."""
        try:
            if token is not None:
                with self.target.client(token=token) as client:
                    response = client.request(draft.op.method, draft.path, **draft.send_kwargs())
            else:
                response = self.request(tier, draft.op.method, draft.path, **draft.send_kwargs())
        except BudgetExhausted as exc:  # a live run spent its budget: the rest is not run
            current().budget_spent(draft.op.id)  # listed as unchecked, never as passed
            skip(str(exc))
        if not draft.op.read_only and response.status_code < 400:  # a refused one changed nothing
            self.ctx.writes += 1
        return Exchange(
            draft.op,
            tier,
            response.request,
            response,
            self.target.now(),
            self.target.secrets,
            token=token,
        )

    def check(self, ex: Exchange, names: tuple[str, ...] = DEFAULT_CHECKS) -> None:
        """Apply the checks; raise the first failure (all are recorded). The reads the checks
        make are sent as the exchange's caller: another user's unread count is compared with
        that user's conversations, not the session caller's."""
        if ex.token is not None:
            if len(self._labels) >= OTHER_CALLERS and ex.token not in self._labels:
                self._labels.clear()  # a caller seen again is then judged afresh: harmless
                kept = {k: v for k, v in self.ctx.remaining.items() if not k[2]}
                self.ctx.remaining = kept  # nor are the forgotten callers' counters kept
            self._as = ex.token
            if ex.token not in self._labels:  # numbered on: a label names one caller only
                self._labels[ex.token] = f"caller {next(self._numbers)}"
            self.ctx.caller = self._labels[ex.token]
        try:
            failures = run_checks(self.ctx, ex, names)
        finally:
            self._as, self.ctx.caller = None, ""
        if failures:
            raise failures[0]

    def exercise(self, draft: Draft, tier: Tier) -> Exchange:
        """Send a valid request and check the answer, acceptance included."""
        ex = self.send(draft, tier)
        ex.valid = not draft.mutation
        self.check(ex)
        return ex

    def read(self, op_id: str, path: str, tier: Tier = "token") -> object:
        """The body of a documented read with the token, when it succeeds (else None): the
        checks that compare two answers use it, and it counts as a request like any other."""
        op = self.spec.operations[op_id]
        response = self.request(tier, op.method, path)
        self.ctx.last_read = response.status_code
        if response.status_code != op.success_status:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def operation(self, op_id: str) -> Operation:
        return self.spec.operations[op_id]

    def close(self) -> None:
        for client in (*self._clients.values(), *self._others.values()):
            client.close()
        self._clients.clear()
        self._others.clear()
        self.strategies.preconditions.close()
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
