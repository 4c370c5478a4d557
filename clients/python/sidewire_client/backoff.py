"""The reconnect schedule (docs/reconnect.md "Backoff"), with the Node client's defaults: attempt
n starts after min(initial_delay × factor^(n-1), max_delay) seconds, spread by ±jitter; 10
attempts (100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000 ms), then the client fails."""
import math
import random as _random
from dataclasses import dataclass, field
from typing import Callable

from .errors import SidewireError


@dataclass(frozen=True)
class Backoff:
    #: seconds before the first reconnect attempt
    initial_delay: float = 0.1
    #: each further delay is the previous one times this
    factor: float = 2.0
    #: no delay is longer than this (before jitter), in seconds
    max_delay: float = 5.0
    #: random spread of each delay: 0.2 = ±20 %
    jitter: float = 0.2
    #: attempts after a loss before the client fails; math.inf = never give up; 0 = no reconnect
    max_attempts: float = 10
    #: random source in [0, 1) for the jitter (tests)
    random: Callable[[], float] = field(default=_random.random, compare=False, repr=False)

    def __post_init__(self) -> None:
        checks = [
            ("initial_delay", self.initial_delay >= 0, "a number >= 0"),
            ("max_delay", self.max_delay >= 0, "a number >= 0"),
            ("factor", self.factor >= 1, "a number >= 1"),
            ("jitter", 0 <= self.jitter <= 1, "a number between 0 and 1"),
            ("max_attempts", self.max_attempts >= 0 and (self.max_attempts == math.inf or float(self.max_attempts).is_integer()), "an integer >= 0 or math.inf"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise SidewireError("ERR_INVALID_ARGUMENT", f"reconnect.{name} must be {expected}, not {getattr(self, name)!r}", [f"pass {expected}, or leave {name} out for the default"])

    def base_delay(self, attempt: int) -> float:
        """Seconds before attempt `attempt` (1-based), without jitter."""
        return min(self.max_delay, self.initial_delay * self.factor ** max(0, attempt - 1))

    def delay(self, attempt: int) -> float:
        """Seconds before attempt `attempt` (1-based), with jitter, rounded to whole ms."""
        spread = self.jitter * (2 * self.random() - 1)
        return max(0.0, round(self.base_delay(attempt) * (1 + spread) * 1000) / 1000)


#: No reconnecting: a lost connection closes the client.
NO_RECONNECT = Backoff(max_attempts=0)
