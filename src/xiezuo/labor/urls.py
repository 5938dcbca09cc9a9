from .views import ENTITIES

app_name = "labor"
urlpatterns = [pattern for entity in ENTITIES for pattern in entity.urls()]
