from .views import ENTITIES

app_name = "consumption"
urlpatterns = [pattern for entity in ENTITIES for pattern in entity.urls()]
