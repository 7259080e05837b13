"""Scrapy project: one spider per source, recording every exchange to WARC."""

__version__ = "0.1.0"
