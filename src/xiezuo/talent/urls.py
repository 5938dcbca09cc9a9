from .views import ENTITIES

app_name = "talent"
urlpatterns = [pattern for entity in ENTITIES for pattern in entity.urls()]
