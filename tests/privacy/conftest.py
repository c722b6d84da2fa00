import pytest

from tests.privacy.scan import flush_redis


@pytest.fixture
def fresh_redis(settings):
    """With REDIS_URL, its one database emptied before the test and after it (nothing planted stays)."""
    if not settings.REDIS_URL:
        yield None
        return
    flush_redis(settings.REDIS_URL)
    yield settings.REDIS_URL
    flush_redis(settings.REDIS_URL)
