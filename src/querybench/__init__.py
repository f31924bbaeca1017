"""querybench."""
