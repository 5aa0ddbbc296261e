"""The analysis package: the instrument catalogue, scoring, comparison, charts and report.

Pure Python with numpy, scipy and matplotlib's Figure API: no Flask, no SQLAlchemy, no
``surveys``. See README.md in this folder.
"""
