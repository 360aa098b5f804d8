"""Dashboard pages (``pages``: overview, journey scores, touchpoint scores), their filters
(``filtering``), how they word numbers (``presenting``), their charts (``figures``) and the
score line on the journey map's cards (``annotations``)."""
