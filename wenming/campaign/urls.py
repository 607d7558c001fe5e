"""Pages of the campaign app."""

app_name = "campaign"
urlpatterns: list = []
