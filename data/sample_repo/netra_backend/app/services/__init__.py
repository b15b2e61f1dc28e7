"""Application services shared by routes and agents."""
