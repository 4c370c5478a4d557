"""Errors of the Python client: the same stable codes as the TypeScript client (docs/errors.md).

`SidewireError` carries `code` (``ERR_...``), an actionable message, numbered "how to fix"
lines (`fixes`) and `details`; `ResponseError` is a JSON-RPC error the server answered
(`code`, `message`, `data`), as in docs/protocol.md "Error codes".
"""
from typing import Any, Dict, List, Optional, Sequence


class SidewireError(Exception):
    """A coded client-side error: what went wrong, why, and how to fix it."""

    def __init__(
        self,
        code: str,
        message: str,
        fixes: Sequence[str] = (),
        details: Optional[Dict[str, Any]] = None,
        cause: Optional[BaseException] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fixes: List[str] = list(fixes)
        self.details: Dict[str, Any] = dict(details or {})
        if cause is not None:
            self.__cause__ = cause

    def describe(self) -> str:
        """The message and its fixes, as the Node CLI prints them."""
        lines = [f"{self.message} ({self.code})"]
        lines.extend(f"  {i}. {fix}" for i, fix in enumerate(self.fixes, 1))
        return "\n".join(lines)

    def to_json(self) -> Dict[str, Any]:
        return {"code": self.code, "message": self.message, "fixes": self.fixes, "details": self.details}

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ResponseError(Exception):
    """A JSON-RPC error object answered by the server (docs/protocol.md "Error codes")."""

    PARSE_ERROR = -32700
    INVALID_REQUEST = -32600
    METHOD_NOT_FOUND = -32601
    INVALID_PARAMS = -32602
    INTERNAL_ERROR = -32603
    UNAUTHORIZED = -32001
    CANCELLED = -32002
    TIMED_OUT = -32003
    TOO_LARGE = -32004
    BUSY = -32005

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    @classmethod
    def from_wire(cls, error: Any) -> "ResponseError":
        """The error member of a response; anything malformed becomes -32603."""
        if isinstance(error, dict) and isinstance(error.get("code"), int) and isinstance(error.get("message"), str):
            return cls(error["code"], error["message"], error.get("data"))
        return cls(cls.INTERNAL_ERROR, f"malformed error object from the server: {error!r}")

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        return out

    def __str__(self) -> str:
        return f"{self.message} (code {self.code})"


def is_error(err: BaseException, code: str) -> bool:
    """True when `err` is a SidewireError with this code."""
    return isinstance(err, SidewireError) and err.code == code
