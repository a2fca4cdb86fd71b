"""Code shared by every domain of the project, shipped to Lambda as the `shared` layer."""
