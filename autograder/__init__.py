"""The grading side of the course: torch references, checks, nbgrader glue, instructor CLI."""
