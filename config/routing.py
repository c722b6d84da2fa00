"""WebSocket routes of every app, under ws/."""

websocket_urlpatterns: list = []
