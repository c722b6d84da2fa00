"""WebSocket routes of every app, under ws/."""

from interviews.routing import websocket_urlpatterns as interview_routes
from operations.routing import websocket_urlpatterns as operations_routes

websocket_urlpatterns = [*interview_routes, *operations_routes]
