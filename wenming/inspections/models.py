"""Models of the inspections app: evaluation standard, points and inspection rounds."""
