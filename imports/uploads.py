"""The size-limiting upload handler lives in the one upload gate (common.uploads)."""

from common.uploads import SizeLimitHandler, limit_uploads

__all__ = ["SizeLimitHandler", "limit_uploads"]
