"""Pages of the assessment app."""

app_name = "assessment"
urlpatterns: list = []
