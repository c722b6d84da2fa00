"""Run every benchmark: python -m bench (or make bench)."""

from bench import http_pages

http_pages.main()
