"""Dashboard pages (``pages``: overview, journey scores, touchpoint scores), their filters
(``filtering``), how they word numbers (``presenting``), their charts (``charts``: the parts;
``figures``: a period's trend, distribution and channel rates; ``journey_figures``: the emotion
curve and the priority matrix) and the score line on the journey map's cards (``annotations``)."""
