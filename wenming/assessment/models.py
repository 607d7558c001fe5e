"""Models of the assessment app: indicators, scoring schemes, rankings and 红黑榜."""
